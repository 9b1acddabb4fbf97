// Guards against crash loops and runaway memory (issue 10): the restart cap catches
// a task that crashes its workers but not an operator's stray kills (item 8); a
// worker above max_worker_rss_bytes is replaced after its call, and a call past
// worker_address_space_bytes fails with an out-of-memory error (item 12).
#define BOOST_TEST_MODULE process_guards
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

// ASan and TSan reserve terabytes of address space up front: a worker under an
// RLIMIT_AS cap cannot even start there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GUARDS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GUARDS_SANITIZED 1
#endif
#endif

namespace guards {
std::vector<std::vector<char>> kept;
// Allocates and touches mb MiB; keeps them if `keep` (a leak), and returns mb.
int allocate(int mb, bool keep) {
    std::vector<char> v(std::size_t(mb) << 20);
    std::memset(v.data(), 1, v.size());
    if (keep) kept.push_back(std::move(v));
    return mb;
}
}  // namespace guards
FUTURES_TASK(allocate_task, guards::allocate);

namespace {

using namespace std::chrono_literals;
using ptest::deadline;
using ptest::eventually;

}  // namespace

BOOST_AUTO_TEST_SUITE(restart_cap)

BOOST_AUTO_TEST_CASE(a_task_that_always_crashes_breaks_the_pool_with_a_clear_error) {
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 2, .max_restarts = 3});
    std::string why;
    for (int i = 0; i < 20 && why.empty(); ++i) {
        try {
            pool.submit(crash_task, int(ptest::segv)).exception(deadline);
        } catch (const futures::broken_process_pool& e) {  // submit() refuses once broken
            why = e.what();
        }
    }
    BOOST_CHECK_MESSAGE(why.find("4 workers died within") != std::string::npos, why);
    BOOST_CHECK_MESSAGE(why.find("the task crashes its workers") != std::string::npos, why);
}

// Before: max_restarts counted kills of workers still starting, and an outside kill
// every 20 ms broke the pool within a few hundred milliseconds.
BOOST_AUTO_TEST_CASE(stray_kills_of_starting_and_idle_workers_do_not_break_the_pool) {
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 2, .max_restarts = 3});
    int killed = 0;
    for (int round = 0; round < 25; ++round) {
        // An idle worker, which has answered calls.
        BOOST_REQUIRE_EQUAL(pool.submit(add_task, round, 1).result(deadline), round + 1);
        for (pid_t p : pool.worker_pids()) killed += ::kill(p, SIGKILL) == 0;
        BOOST_REQUIRE(eventually("the idle worker is gone", [&] { return pool.worker_pids().empty(); }));
        // A starting one: the call waits in the queue until its worker says hello,
        // which takes an exec; the kill lands first.
        auto f = pool.submit(add_task, round, 2);
        BOOST_REQUIRE(eventually("a worker starts", [&] { return !pool.worker_pids().empty(); }));
        if (pool.stats().running == 0)
            for (pid_t p : pool.worker_pids()) killed += ::kill(p, SIGKILL) == 0;
        BOOST_REQUIRE_EQUAL(f.result(deadline), round + 2);  // on a replacement
        std::this_thread::sleep_for(20ms);                   // the operator's pace, not a wait for anything
    }
    BOOST_CHECK_GE(killed, 40);
    BOOST_CHECK_EQUAL(pool.submit(add_task, 1, 1).result(deadline), 2);
}

BOOST_AUTO_TEST_CASE(crashes_outside_the_window_do_not_add_up) {
    futures::process_pool_executor pool(
        futures::process_pool_options{.max_workers = 1, .max_restarts = 1, .restart_window = 100ms});
    for (int i = 0; i < 4; ++i) {
        BOOST_CHECK_NO_THROW(pool.submit(crash_task, int(ptest::segv)).exception(deadline));
        std::this_thread::sleep_for(150ms);  // lets the window pass: the point of the case
    }
    BOOST_CHECK_EQUAL(pool.submit(add_task, 1, 1).result(deadline), 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(memory)

BOOST_AUTO_TEST_CASE(a_worker_above_max_rss_is_replaced_after_its_call) {
    futures::process_pool_executor pool(
        futures::process_pool_options{.max_workers = 1, .max_worker_rss_bytes = std::size_t(150) << 20});
    const pid_t first = pool.submit(get_pid_task).result(deadline);
    BOOST_CHECK_EQUAL(pool.submit(allocate_task, 1, true).result(deadline), 1);
    BOOST_CHECK_EQUAL(pool.submit(get_pid_task).result(deadline), first);  // under the limit: kept
    BOOST_CHECK_EQUAL(pool.submit(allocate_task, 200, true).result(deadline), 200);  // delivered
    BOOST_REQUIRE(eventually("the worker is replaced", [&] {
        const auto p = pool.worker_pids();
        return p.empty() || p.front() != first;
    }));
    BOOST_CHECK_NE(pool.submit(get_pid_task).result(deadline), first);
    BOOST_CHECK_EQUAL(pool.stats().worker_deaths, 0u);  // a graceful exit
}

BOOST_AUTO_TEST_CASE(bad_memory_options_are_refused) {
    BOOST_CHECK_THROW(futures::process_pool_executor(futures::process_pool_options{.max_worker_rss_bytes = 0}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(
        futures::process_pool_executor(futures::process_pool_options{.worker_address_space_bytes = 1 << 20}),
        std::invalid_argument);
}

// Not built under ASan/TSan (GUARDS_SANITIZED above): no worker would start.
#ifndef GUARDS_SANITIZED
BOOST_AUTO_TEST_CASE(a_call_past_the_address_space_cap_fails_with_out_of_memory) {
    futures::process_pool_executor pool(
        futures::process_pool_options{.max_workers = 1, .worker_address_space_bytes = std::size_t(1) << 30});
    const pid_t first = pool.submit(get_pid_task).result(deadline);
    auto f = pool.submit(allocate_task, 2048, false);
    const std::string why = ptest::error_of<futures::remote_error>(f);
    BOOST_CHECK_MESSAGE(why.find("ran out of memory") != std::string::npos, why);
    BOOST_CHECK_EQUAL(pool.submit(allocate_task, 16, false).result(deadline), 16);  // the pool goes on
    BOOST_CHECK_EQUAL(pool.submit(get_pid_task).result(deadline), first);          // in the same worker
}
#endif

BOOST_AUTO_TEST_SUITE_END()

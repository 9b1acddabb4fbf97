// Stopping workers (issue 10): a submitting thread with SIGTERM/SIGINT blocked
// (servers block them for asio::signal_set) no longer hands that mask to the
// workers (item 4); terminate_workers() escalates to SIGKILL, so a task that
// ignores SIGTERM cannot hang the destructor (item 4); a call's timeout kills its
// worker and fails that call only with timeout_error (item 11).
#define BOOST_TEST_MODULE process_stopping
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

namespace stopping {
// Whether this worker runs with SIGTERM or SIGINT blocked.
bool term_or_int_blocked() {
    sigset_t cur;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &cur);
    return ::sigismember(&cur, SIGTERM) == 1 || ::sigismember(&cur, SIGINT) == 1;
}
// Ignores SIGTERM, then never returns.
int ignore_term_and_block() {
    std::signal(SIGTERM, SIG_IGN);
    for (;;) ::pause();
}
}  // namespace stopping
FUTURES_TASK(blocked_task, stopping::term_or_int_blocked);
FUTURES_TASK(ignore_term_task, stopping::ignore_term_and_block);

namespace {

using namespace std::chrono_literals;
using ptest::deadline;
using ptest::eventually;
using ptest::with_term_blocked;

// The "SigIgn:" mask of /proc/<pid>/status (hex), or 0 once the process is gone.
unsigned long long ignored_signals(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("SigIgn:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signals)

BOOST_AUTO_TEST_CASE(workers_start_with_nothing_blocked) {
    with_term_blocked([] {
        futures::process_pool_executor pool(1);
        BOOST_CHECK(!pool.submit(blocked_task).result(deadline));
    });
}

// Before: the worker inherited the blocked SIGTERM, so terminate_workers() left it
// running and the destructor waited forever.
BOOST_AUTO_TEST_CASE(terminate_workers_ends_them_with_sigterm_blocked_in_the_submitter) {
    with_term_blocked([] {
        // A grace long enough that only SIGTERM itself can end the call in time.
        futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 1, .terminate_grace = 1h});
        auto f = pool.submit(block_task);
        BOOST_REQUIRE(eventually("the call is running", [&] { return f.running() && pool.worker_pids().size() == 1; }));
        pool.terminate_workers();
        try {
            f.result(deadline);
            BOOST_ERROR("the call returned");
        } catch (const futures::terminated_worker_error& e) {
            BOOST_CHECK(e.signal() == SIGTERM);
        }
    });
}

// A task that ignores SIGTERM: terminate_workers() escalates to SIGKILL after the
// grace, so the destructor returns and the call fails.
BOOST_AUTO_TEST_CASE(a_task_ignoring_sigterm_cannot_hang_the_destructor) {
    auto pool = std::make_unique<futures::process_pool_executor>(
        futures::process_pool_options{.max_workers = 1, .terminate_grace = 200ms});
    auto f = pool->submit(ignore_term_task);
    BOOST_REQUIRE(eventually("the worker ignores SIGTERM", [&] {
        auto p = pool->worker_pids();
        return p.size() == 1 && (ignored_signals(p[0]) & (1ULL << (SIGTERM - 1)));
    }));
    const pid_t pid = pool->worker_pids().front();
    pool->terminate_workers();
    auto gone = std::async(std::launch::async, [&] { pool.reset(); });
    if (gone.wait_for(deadline) != std::future_status::ready) {
        BOOST_ERROR("the destructor still waits for a worker that ignores SIGTERM");
        ::kill(pid, SIGKILL);  // let the test end
    }
    gone.wait();
    try {
        f.result(deadline);
        BOOST_ERROR("the call returned");
    } catch (const futures::terminated_worker_error& e) {
        BOOST_CHECK(e.signal() == SIGKILL);
        BOOST_CHECK_EQUAL(e.pid(), pid);
    }
}

BOOST_AUTO_TEST_CASE(bad_terminate_grace_is_refused) {
    BOOST_CHECK_THROW(futures::process_pool_executor(futures::process_pool_options{.terminate_grace = -1ms}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(call_timeout)

BOOST_AUTO_TEST_CASE(a_hung_call_fails_with_timeout_error_and_its_worker_is_replaced) {
    futures::process_pool_executor pool(1);
    const pid_t first = pool.submit(get_pid_task).result(deadline);
    auto hung = pool.submit(futures::call_options{.timeout = 100ms}, block_task);
    // Queued behind it on the only worker: they run on its replacement.
    auto after = pool.submit(get_pid_task);
    auto sum = pool.submit(add_task, 2, 3);
    const std::string why = ptest::error_of<futures::timeout_error>(hung);
    BOOST_CHECK_MESSAGE(why.find("timeout of 100 ms") != std::string::npos, why);
    BOOST_CHECK_NE(after.result(deadline), first);
    BOOST_CHECK_EQUAL(sum.result(deadline), 5);
    BOOST_CHECK_EQUAL(pool.stats().worker_deaths, 0u);  // the pool's own kill is no death
}

BOOST_AUTO_TEST_CASE(a_call_within_its_timeout_completes) {
    futures::process_pool_executor pool(1);
    const pid_t first = pool.submit(get_pid_task).result(deadline);
    for (int i = 0; i < 20; ++i)
        BOOST_CHECK_EQUAL(pool.submit(futures::call_options{.timeout = 30s}, add_task, i, 1).result(deadline), i + 1);
    BOOST_CHECK_EQUAL(pool.submit(get_pid_task).result(deadline), first);  // no worker was killed
}

// Short calls of a known task are gathered into frames; a timed call travels alone,
// so its timeout fails no frame-mate.
BOOST_AUTO_TEST_CASE(a_timeout_fails_no_other_call) {
    futures::process_pool_executor pool(2);
    for (int i = 0; i < 50; ++i) pool.submit(add_task, i, i).result(deadline);  // learnt short
    std::vector<futures::future<int>> calls;
    for (int i = 0; i < 200; ++i) calls.push_back(pool.submit(add_task, i, 1));
    auto hung = pool.submit(futures::call_options{.timeout = 50ms}, block_task);
    for (int i = 0; i < 200; ++i) calls.push_back(pool.submit(add_task, i, 2));
    BOOST_CHECK(ptest::error_of<futures::timeout_error>(hung).find("timeout") != std::string::npos);
    for (std::size_t i = 0; i < calls.size(); ++i)
        BOOST_CHECK_EQUAL(calls[i].result(deadline), int(i % 200) + (i < 200 ? 1 : 2));
}

BOOST_AUTO_TEST_CASE(a_timeout_that_is_not_positive_is_refused) {
    futures::process_pool_executor pool(1);
    auto f = pool.submit(futures::call_options{.timeout = 0ms}, add_task, 1, 2);
    BOOST_CHECK(ptest::error_of<std::invalid_argument>(f).find("timeout") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cancel_running)

BOOST_AUTO_TEST_CASE(by_default_a_running_call_cannot_be_cancelled) {
    futures::process_pool_executor pool(1);
    auto f = pool.submit(nap_task, 300);
    BOOST_REQUIRE(eventually("the call is running", [&] { return f.running(); }));
    BOOST_CHECK(!f.cancel());
    BOOST_CHECK_NO_THROW(f.result(deadline));
}

BOOST_AUTO_TEST_CASE(opted_in_cancel_kills_the_worker_and_cancels_the_future) {
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 1, .cancel_running_calls = true});
    auto f = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the call is running", [&] { return f.running() && pool.worker_pids().size() == 1; }));
    const pid_t pid = pool.worker_pids().front();
    auto behind = pool.submit(add_task, 1, 2);  // queued behind it: runs on the replacement
    BOOST_CHECK(f.cancel());
    BOOST_CHECK(f.cancelled());
    BOOST_CHECK_THROW(f.result(deadline), futures::cancelled_error);
    BOOST_CHECK_EQUAL(behind.result(deadline), 3);
    BOOST_REQUIRE(eventually("the worker is killed", [&] { return ::kill(pid, 0) != 0; }));
    BOOST_CHECK_NE(pool.submit(get_pid_task).result(deadline), pid);
    BOOST_CHECK_EQUAL(pool.stats().worker_deaths, 0u);
}

// Short calls would share frames; with the option each travels alone, so the
// cancel of one fails none of the others.
BOOST_AUTO_TEST_CASE(opted_in_cancel_fails_no_other_call) {
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 2, .cancel_running_calls = true});
    for (int i = 0; i < 50; ++i) pool.submit(add_task, i, i).result(deadline);  // learnt short
    std::vector<futures::future<int>> calls;
    for (int i = 0; i < 200; ++i) calls.push_back(pool.submit(add_task, i, 1));
    auto hung = pool.submit(block_task);
    for (int i = 0; i < 200; ++i) calls.push_back(pool.submit(add_task, i, 2));
    BOOST_REQUIRE(eventually("the blocking call is running", [&] { return hung.running(); }));
    BOOST_CHECK(hung.cancel());
    for (std::size_t i = 0; i < calls.size(); ++i)
        BOOST_CHECK_EQUAL(calls[i].result(deadline), int(i % 200) + (i < 200 ? 1 : 2));
}

BOOST_AUTO_TEST_SUITE_END()

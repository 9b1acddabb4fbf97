// The process pool's scheduler: short calls gathered into frames, a frame sent
// ahead to a busy worker, what a worker death does to each, and map's raw-value
// fast paths. Workers are stopped with SIGSTOP where a case needs frames to pile
// up in a known order: nothing here depends on timing.
#define BOOST_TEST_MODULE process_batching
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <signal.h>

#include <numeric>
#include <set>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"

using futures::process_pool_executor;
using futures::process_pool_options;
using ptest::deadline;
using ptest::error_of;
using ptest::eventually;

namespace {
// One worker that has run `t` once, so the scheduler knows its calls are short.
template <class T, class... A>
pid_t warm(process_pool_executor& pool, const T& t, A... args) {
    pool.submit(t, args...).result(deadline);
    return pool.worker_pids().at(0);
}
}  // namespace

BOOST_AUTO_TEST_CASE(many_short_calls_all_complete_in_order_of_their_futures) {
    process_pool_executor pool(2);
    warm(pool, square_task, 1);
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 20000; ++i) fs.push_back(pool.submit(square_task, i % 1000));
    for (int i = 0; i < 20000; ++i) BOOST_REQUIRE(fs[i].result(deadline) == (i % 1000) * (i % 1000));
    const auto st = pool.stats();
    BOOST_TEST(st.completed == 20001u);
    BOOST_TEST(st.running == 0u);
    BOOST_TEST(st.queued == 0u);
}

BOOST_AUTO_TEST_CASE(mixed_tasks_gathered_in_one_frame_each_get_their_own_results) {
    process_pool_executor pool(1);
    const pid_t pid = warm(pool, square_task, 1);
    warm(pool, add_task, 1, 2);
    warm(pool, fail_negative_task, 1);
    ::kill(pid, SIGSTOP);  // everything below queues up, then leaves in one or two frames
    std::vector<futures::future<int>> sq, ad, neg;
    for (int i = 0; i < 50; ++i) {
        sq.push_back(pool.submit(square_task, i));
        ad.push_back(pool.submit(add_task, i, 1));
        neg.push_back(pool.submit(fail_negative_task, i % 7 == 0 ? -i - 1 : i));
    }
    ::kill(pid, SIGCONT);
    for (int i = 0; i < 50; ++i) {
        BOOST_TEST(sq[i].result(deadline) == i * i);
        BOOST_TEST(ad[i].result(deadline) == i + 1);
        if (i % 7 == 0)
            BOOST_TEST(error_of<std::out_of_range>(neg[i]).find("negative") != std::string::npos);
        else
            BOOST_TEST(neg[i].result(deadline) == 10 * i);
    }
}

BOOST_AUTO_TEST_CASE(a_busy_worker_gets_one_frame_ahead_and_no_more) {
    process_pool_executor pool(1);
    const pid_t pid = warm(pool, square_task, 1);
    ::kill(pid, SIGSTOP);
    auto a = pool.submit(square_task, 2);
    BOOST_REQUIRE(eventually("the first frame is sent", [&] { return a.running(); }));
    auto b = pool.submit(square_task, 3);
    BOOST_REQUIRE(eventually("a frame is sent ahead", [&] { return b.running(); }));
    auto c = pool.submit(square_task, 4);
    BOOST_TEST(pool.pending() == 1u);  // two frames in flight: the third call waits here
    BOOST_TEST(c.cancel());
    ::kill(pid, SIGCONT);
    BOOST_TEST(a.result(deadline) == 4);
    BOOST_TEST(b.result(deadline) == 9);
    BOOST_CHECK_THROW(c.result(deadline), futures::cancelled_error);
}

BOOST_AUTO_TEST_CASE(a_call_never_seen_to_finish_travels_alone) {
    process_pool_executor pool(1);
    warm(pool, square_task, 1);
    auto blocked = pool.submit(block_task);  // unknown duration: sent alone, nothing ahead of it
    BOOST_REQUIRE(eventually("the blocking call runs", [&] { return blocked.running(); }));
    auto f = pool.submit(square_task, 5);
    BOOST_TEST(pool.pending() == 1u);
    BOOST_TEST(!f.running());
    BOOST_TEST(f.cancel());
    pool.kill_workers();
    BOOST_TEST(error_of<futures::terminated_worker_error>(blocked).find("SIGKILL") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_backlog_of_a_task_learnt_cheap_is_shared_by_every_worker) {
    // nap(0) teaches the pool that nap_task is cheap; the naps that follow are not.
    // Gathered by that estimate, one worker would take them all while the second,
    // not started yet, found nothing left.
    process_pool_executor pool(2);
    warm(pool, nap_task, 0);
    BOOST_REQUIRE(pool.worker_pids().size() == 1u);
    std::vector<futures::future<pid_t>> fs;
    for (int i = 0; i < 6; ++i) fs.push_back(pool.submit(nap_task, 300));
    std::set<pid_t> ran_on;
    for (auto& f : fs) ran_on.insert(f.result(deadline));
    BOOST_TEST(ran_on.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_death_fails_the_running_frame_and_requeues_the_frame_ahead) {
    process_pool_executor pool(1);
    const pid_t pid = warm(pool, crash_task, int(ptest::none));  // crash_task(none) returns: known short
    warm(pool, square_task, 1);
    ::kill(pid, SIGSTOP);
    auto dies = pool.submit(crash_task, int(ptest::segv));
    BOOST_REQUIRE(eventually("the crashing call is sent", [&] { return dies.running(); }));
    std::vector<futures::future<int>> ahead;
    for (int i = 0; i < 10; ++i) ahead.push_back(pool.submit(square_task, i));
    // (They may leave in more than one frame: the first of them is in the one ahead.)
    BOOST_REQUIRE(eventually("the next frame is sent ahead", [&] { return ahead.front().running(); }));
    ::kill(pid, SIGCONT);
    const auto what = error_of<futures::terminated_worker_error>(dies);
    BOOST_TEST(what.find("SIGSEGV") != std::string::npos, what);
    BOOST_TEST(what.find(std::to_string(pid)) != std::string::npos, what);
    // The worker never started the frame ahead: a replacement runs it.
    for (int i = 0; i < 10; ++i) BOOST_TEST(ahead[i].result(deadline) == i * i);
    BOOST_TEST(pool.worker_pids().at(0) != pid);
    BOOST_TEST(pool.stats().worker_deaths == 1u);
}

BOOST_AUTO_TEST_CASE(a_death_fails_every_call_gathered_in_its_frame) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_restarts = 10});
    const pid_t pid = warm(pool, crash_task, int(ptest::none));
    ::kill(pid, SIGSTOP);
    auto first = pool.submit(crash_task, int(ptest::none));  // the frame the worker will run...
    BOOST_REQUIRE(eventually("the first frame is sent", [&] { return first.running(); }));
    ::kill(pid, SIGKILL);  // ...never answered: its calls all fail
    BOOST_TEST(error_of<futures::terminated_worker_error>(first).find("SIGKILL") != std::string::npos);
    BOOST_TEST(pool.submit(crash_task, int(ptest::none)).result(deadline) == int(ptest::none));
}

BOOST_AUTO_TEST_CASE(map_of_raw_values_across_chunks_with_one_failure) {
    process_pool_executor pool(2);
    std::vector<int> in(5000);
    std::iota(in.begin(), in.end(), 0);
    in[3333] = -1;  // fails its call: the chunks before it take the one-copy path
    int i = 0;
    try {
        for (int r : pool.map(fail_negative_task, in, futures::map_options{.chunksize = 1024})) {
            BOOST_REQUIRE(r == 10 * i);
            ++i;
        }
        BOOST_FAIL("no exception");
    } catch (const std::out_of_range&) {
    }
    BOOST_TEST(i == 3333);
}

BOOST_AUTO_TEST_CASE(map_of_archived_values_with_an_unsendable_element) {
    process_pool_executor pool(1);
    std::vector<ptest::trap> in(6);
    in[2].act[ptest::parent_saves_args] = ptest::throw_it;
    int n = 0;
    try {
        for (const auto& t : pool.map(echo_trap_task, in, futures::map_options{.chunksize = 6})) {
            BOOST_TEST(t.hops == 2);  // went there and back
            ++n;
        }
        BOOST_FAIL("no exception");
    } catch (const futures::serialization_error& e) {
        BOOST_TEST(std::string(e.what()).find("cannot serialize the arguments") != std::string::npos);
    }
    BOOST_TEST(n == 2);
}

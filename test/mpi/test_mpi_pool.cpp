// mpi_pool_executor under mpiexec -n 3 (test/mpi/CMakeLists.txt runs it over shared
// memory and over TCP on the loopback): rank 0 runs these cases, ranks 1 and 2 serve.
// Only rank 0 runs Boost.Test, so only it leaves a summary record.
#define BOOST_TEST_MODULE mpi_pool
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <futures/as_completed.hpp>
#include <futures/errors.hpp>
#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>
#include <futures/wait.hpp>

#include "mpi/tasks.hpp"
#include "support/gate_file.hpp"

using namespace std::chrono_literals;
using futures::mpi_pool_executor;
using futures::mpi_pool_options;

// Results come back from a deadline, never a bare wait: a hang fails the case.
constexpr auto patience = 30s;

BOOST_AUTO_TEST_CASE(results_in_order_from_both_serving_ranks) {
    BOOST_REQUIRE_EQUAL(futures::mpi::size(), 3);
    mpi_pool_executor ex;
    BOOST_TEST(ex.num_workers() == 2u);
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 200; ++i) fs.push_back(ex.submit(m_add, i, 1000));
    for (int i = 0; i < 200; ++i) BOOST_TEST(fs[i].result(patience) == i + 1000);
    BOOST_TEST(ex.stats().completed == 200u);
}

BOOST_AUTO_TEST_CASE(calls_run_in_other_processes) {
    mpi_pool_executor ex;
    ex.bootup();
    const std::string here = "pid " + std::to_string(::getpid());
    BOOST_TEST(ex.submit(m_whoami, 0).result(patience) != here);
}

BOOST_AUTO_TEST_CASE(exception_keeps_type_and_remote_details) {
    mpi_pool_executor ex;
    auto f = ex.submit(m_fail_negative, -7);
    try {
        f.result(patience);
        BOOST_FAIL("no exception");
    } catch (const futures::remote_exception<std::invalid_argument>& e) {
        BOOST_TEST(std::string(e.what()).find("negative: -7") != std::string::npos);
        BOOST_TEST(e.remote_type() == "std::invalid_argument");
        BOOST_TEST((e.remote_pid() == 1 || e.remote_pid() == 2));  // for MPI: the serving rank
    }
    BOOST_TEST(ex.submit(m_fail_negative, 7).result(patience) == 7);  // the rank goes on
}

namespace {
int unregistered(int x) { return x; }
}  // namespace

BOOST_AUTO_TEST_CASE(unknown_task_fails_its_call_only) {
    mpi_pool_executor ex;
    // A handle whose name no rank registered: as a task another build forgot.
    futures::task<int(int)> ghost("m_no_such_task");
    (void)unregistered;
    auto f = ex.submit(ghost, 1);
    BOOST_CHECK_THROW(f.result(patience), futures::remote_error);
    try {
        f.result(patience);
    } catch (const futures::remote_error& e) {
        BOOST_TEST(std::string(e.what()).find("m_no_such_task") != std::string::npos);
    }
    BOOST_TEST(ex.submit(m_square, 9).result(patience) == 81);
}

BOOST_AUTO_TEST_CASE(map_ordered_chunked_with_a_failing_element) {
    mpi_pool_executor ex;
    std::vector<int> xs;
    for (int i = -1; i < 5000; ++i) xs.push_back(i);
    auto r = ex.map(m_fail_negative, xs, futures::map_options{.chunksize = 64});
    auto it = r.begin();
    BOOST_CHECK_THROW(*it, futures::remote_exception<std::invalid_argument>);
    ++it;
    int want = 0;
    for (; it != r.end(); ++it) BOOST_REQUIRE_EQUAL(*it, want++);
    BOOST_TEST(want == 5000);
}

BOOST_AUTO_TEST_CASE(map_with_buffersize_and_two_ranges) {
    mpi_pool_executor ex;
    std::vector<int> a(3000), b(3000);
    for (int i = 0; i < 3000; ++i) a[i] = i, b[i] = 2 * i;
    long sum = 0, n = 0;
    for (int v : ex.map(m_add, a, b, futures::map_options{.chunksize = 100, .buffersize = 4})) {
        BOOST_REQUIRE_EQUAL(v, 3 * n);
        sum += v;
        ++n;
    }
    BOOST_TEST(n == 3000);
}

// map(unordered): input 0's call waits at its gate until the test has read the
// others, so it must come last (an ordered map would wait for it first).
namespace {
std::vector<std::string> first_gated(const futures_test::gate_dir& g, std::size_t n) {
    std::vector<std::string> paths(n);
    paths[0] = g.path(0);
    return paths;
}
}  // namespace

BOOST_AUTO_TEST_CASE(map_unordered_in_completion_order_chunked_with_a_failing_element) {
    futures_test::gate_dir g;
    mpi_pool_executor ex;
    // Chunks of 2: {0,1} waits at the gate; {-2,3} has a failing element.
    const std::vector<int> xs{0, 1, -2, 3, 4, 5, 6, 7};
    auto r = ex.map(m_gated, first_gated(g, xs.size()), xs, futures::map_options{.chunksize = 2, .unordered = true});
    std::vector<int> got;  // -1 for the failing element
    auto it = r.begin();
    for (std::size_t n = 0; n < 6; ++n) {  // the three free chunks, without moving past the last
        if (n > 0) ++it;
        BOOST_REQUIRE((it != r.end()));
        try {
            got.push_back(*it);
        } catch (const futures::remote_exception<std::invalid_argument>&) {
            got.push_back(-1);
        }
    }
    g.open(0);
    for (++it; it != r.end(); ++it) got.push_back(*it);
    BOOST_REQUIRE(got.size() == 8u);
    std::set<std::pair<int, int>> chunks;
    for (std::size_t i = 0; i < 8; i += 2) chunks.emplace(got[i], got[i + 1]);  // each whole, in input order
    BOOST_TEST((chunks == std::set<std::pair<int, int>>{{0, 1}, {-1, 3}, {4, 5}, {6, 7}}));
    BOOST_TEST(got[6] == 0);  // the gated chunk last
    BOOST_TEST(got[7] == 1);
}

BOOST_AUTO_TEST_CASE(map_unordered_with_buffersize_flows_past_a_stuck_call) {
    futures_test::gate_dir g;
    mpi_pool_executor ex;
    std::vector<int> xs(200);
    for (int i = 0; i < 200; ++i) xs[i] = i;
    auto r = ex.map(m_gated, first_gated(g, xs.size()), xs,
                    futures::map_options{.chunksize = 4, .buffersize = 3, .unordered = true});
    std::multiset<int> got;
    for (auto it = r.begin(); it != r.end(); ++it) {
        got.insert(*it);
        if (got.size() == 100) {  // 25 chunks read while input 0's stays at the gate
            BOOST_TEST(got.count(0) == 0u);
            g.open(0);
        }
    }
    BOOST_TEST((got == std::multiset<int>(xs.begin(), xs.end())));
    BOOST_TEST((ex.map(m_square, std::vector<int>{}, futures::map_options{.unordered = true}).begin() ==
                std::default_sentinel));
}

BOOST_AUTO_TEST_CASE(starmap_unpacks_tuples) {
    mpi_pool_executor ex;
    std::vector<std::tuple<int, int>> args{{1, 2}, {3, 4}, {5, 6}};
    std::vector<int> got;
    for (int v : ex.starmap(m_add, args)) got.push_back(v);
    BOOST_TEST(got == (std::vector<int>{3, 7, 11}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cancel_before_sent_and_not_after) {
    mpi_pool_options o;
    o.max_workers = 1;
    mpi_pool_executor ex(o);
    auto busy = ex.submit(m_nap, 300);
    std::vector<futures::future<int>> queued;
    for (int i = 0; i < 50; ++i) queued.push_back(ex.submit(m_nap, 0));
    // The long call goes first and alone; once it runs, the queue's tail is still ours.
    auto& last = queued.back();
    const bool cancelled = last.cancel();
    BOOST_TEST(busy.result(patience) == 300);
    if (cancelled) {
        BOOST_TEST(last.cancelled());
        BOOST_CHECK_THROW(last.result(patience), futures::cancelled_error);
    } else {
        BOOST_TEST(last.result(patience) == 0);  // already sent: cancel() said so
    }
    BOOST_TEST(!busy.cancel());  // done
}

BOOST_AUTO_TEST_CASE(shutdown_cancel_futures_and_refusal) {
    mpi_pool_options o;
    o.max_workers = 1;
    mpi_pool_executor ex(o);
    ex.bootup();
    auto running = ex.submit(m_nap, 200);
    // RUNNING once sent to the rank: only then is it out of cancel_futures' reach.
    const auto until = std::chrono::steady_clock::now() + patience;
    while (!running.running() && !running.done()) {
        BOOST_REQUIRE(std::chrono::steady_clock::now() < until);
        std::this_thread::yield();
    }
    std::vector<futures::future<int>> rest;
    for (int i = 0; i < 20; ++i) rest.push_back(ex.submit(m_nap, 1));
    ex.shutdown(true, true);
    BOOST_TEST(running.result(patience) == 200);
    std::size_t cancelled = 0;
    for (auto& f : rest) {
        BOOST_TEST(f.done());
        cancelled += f.cancelled();
    }
    BOOST_TEST(cancelled > 0u);
    BOOST_CHECK_THROW(ex.submit(m_square, 1), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(shutdown_wait_runs_what_was_queued) {
    std::vector<futures::future<int>> fs;
    {
        mpi_pool_executor ex;
        for (int i = 0; i < 100; ++i) fs.push_back(ex.submit(m_square, i));
        ex.shutdown(true);
        for (auto& f : fs) BOOST_TEST(f.done());
    }
    for (int i = 0; i < 100; ++i) BOOST_TEST(fs[i].result(0s) == i * i);
}

BOOST_AUTO_TEST_CASE(as_completed_and_wait) {
    mpi_pool_executor ex;
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 20; ++i) fs.push_back(ex.submit(m_square, i));
    std::set<int> seen;
    for (auto& f : futures::as_completed(fs, patience)) seen.insert(f.result());
    BOOST_TEST(seen.size() == 20u);
    auto [done, not_done] = futures::wait(fs, patience);
    BOOST_TEST(done.size() == 20u);
    BOOST_TEST(not_done.empty());
}

BOOST_AUTO_TEST_CASE(frames_above_the_eager_limit_both_ways) {
    mpi_pool_executor ex;
    std::vector<futures::future<std::string>> fs;
    for (int i = 0; i < 8; ++i) fs.push_back(ex.submit(m_big, std::size_t(1) << 20));
    for (auto& f : fs) BOOST_TEST(f.result(patience).size() == std::size_t(1) << 20);
}

BOOST_AUTO_TEST_CASE(result_above_the_frame_cap_fails_its_call) {
    mpi_pool_options o;
    o.max_frame_bytes = 64 * 1024;
    mpi_pool_executor ex(o);
    auto f = ex.submit(m_big, std::size_t(200'000));
    BOOST_CHECK_THROW(f.result(patience), futures::remote_error);
    BOOST_TEST(ex.submit(m_big, std::size_t(10)).result(patience) == "xxxxxxxxxx");
}

BOOST_AUTO_TEST_CASE(initializer_runs_first_and_a_failing_one_breaks) {
    {
        mpi_pool_options o;
        o.initializer = futures::make_call(m_square, 3);
        mpi_pool_executor ex(o);
        BOOST_TEST(ex.submit(m_square, 4).result(patience) == 16);
    }
    mpi_pool_options o;
    o.initializer = futures::make_call(m_fail_negative, -1);
    mpi_pool_executor ex(o);
    auto f = ex.submit(m_square, 4);
    BOOST_CHECK_THROW(f.result(patience), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(misuse_is_refused_clearly) {
    mpi_pool_options too_many;
    too_many.max_workers = 3;
    BOOST_CHECK_THROW(mpi_pool_executor{too_many}, std::invalid_argument);
    mpi_pool_executor one;
    BOOST_CHECK_THROW(mpi_pool_executor{}, std::logic_error);  // one pool at a time
}

BOOST_AUTO_TEST_CASE(hybrid_layout_contains_a_crashing_task) {
    mpi_pool_options o;
    o.local_workers = 1;
    mpi_pool_executor ex(o);
    auto ok = ex.submit(m_crash_if, 1, false);
    BOOST_TEST(ok.result(patience) == 1);
    auto dead = ex.submit(m_crash_if, 2, true);
    try {
        dead.result(patience);
        BOOST_FAIL("no exception");
    } catch (const futures::remote_error& e) {
        BOOST_TEST(e.remote_type() == "futures::terminated_worker_error");
        BOOST_TEST(std::string(e.what()).find("SIGKILL") != std::string::npos);
    }
    // The rank survived, its local pool replaced the worker: the next calls run.
    for (int i = 0; i < 10; ++i) BOOST_TEST(ex.submit(m_crash_if, i, false).result(patience) == i);
    BOOST_TEST(ex.stats().worker_deaths == 0u);  // no rank was lost
}

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);  // ranks 1 and 2 serve and exit here
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

// The cases of mpi4py's demo/futures/test_futures.py that apply to a C++ pool
// (bootup, shutdown, wait, as_completed, map/starmap, "pickle" failures, the
// initializer, max_workers), on mpi_pool_executor under mpiexec -n 3, plus Asio's
// async_submit and completion_executor. Each case names its mpi4py counterpart.
// Not applicable: keyword arguments, sys flags, pkl5, several pools at once (one
// per communicator here, docs/mpi.md).
#define BOOST_TEST_MODULE mpi_mpi4py
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <futures/as_completed.hpp>
#include <futures/errors.hpp>
#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>
#include <futures/wait.hpp>

#include "mpi/tasks.hpp"
#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/gate_file.hpp"

using namespace std::chrono_literals;
using futures::mpi_pool_executor;
using futures::mpi_pool_options;
using ptest::deadline;

namespace {
mpi_pool_options one_rank() {
    mpi_pool_options o;
    o.max_workers = 1;
    return o;
}
ptest::trap trap_at(int phase, int action) {
    ptest::trap t;
    t.act[phase] = action;
    return t;
}
}  // namespace

BOOST_AUTO_TEST_CASE(bootup_twice_then_refused_after_shutdown) {  // test_bootup, test_bootup_wait
    mpi_pool_executor ex(one_rank());
    ex.bootup();
    ex.bootup(true);
    BOOST_TEST(ex.stats().workers == 1u);
    ex.shutdown();
    BOOST_CHECK_THROW(ex.bootup(), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(bootup_nowait_then_shutdown_nowait) {  // test_bootup_nowait, test_bootup_shutdown_nowait
    mpi_pool_executor ex(one_rank());
    ex.bootup(false);
    ex.bootup(false);
    ex.shutdown(false);
    BOOST_CHECK_THROW(ex.bootup(false), std::runtime_error);
    ex.shutdown(true);
    BOOST_TEST(ex.stats().workers == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_runs_what_was_queued) {  // test_hang_issue12364
    mpi_pool_executor ex;
    std::vector<futures::future<pid_t>> fs;
    for (int i = 0; i < 50; ++i) fs.push_back(ex.submit(nap_task, 10));
    ex.shutdown();
    for (auto& f : fs) BOOST_TEST(f.done());
}

BOOST_AUTO_TEST_CASE(shutdown_then_shutdown_with_cancel) {  // test_submit_shutdown_cancel
    mpi_pool_executor ex(one_rank());
    ex.bootup();
    for (int i = 0; i < 50; ++i) ex.submit(nap_task, 20);
    auto last = ex.submit(nap_task, 0);
    ex.shutdown(false, false);
    BOOST_TEST(!last.cancelled());
    ex.shutdown(true, true);
    BOOST_TEST(last.cancelled());
}

BOOST_AUTO_TEST_CASE(repeated_shutdowns_are_harmless) {  // test_shutdown_cancel
    mpi_pool_executor ex(one_rank());
    ex.bootup();
    ex.shutdown(false, false);
    ex.shutdown(false, false);
    ex.shutdown(false, true);
    ex.shutdown(true, true);
    ex.shutdown(true, true);
    BOOST_CHECK_THROW(ex.submit(m_square, 1), std::runtime_error);  // test_run_after_shutdown
}

BOOST_AUTO_TEST_CASE(scope_end_shuts_down) {  // test_context_manager_shutdown, test_del_shutdown
    std::vector<int> got;
    {
        mpi_pool_executor ex(one_rank());
        std::vector<int> xs{-5, -4, -3, -2, -1, 0, 1, 2, 3, 4};
        for (int v : ex.map(m_square, xs)) got.push_back(v);
    }
    BOOST_TEST(got == (std::vector<int>{25, 16, 9, 4, 1, 0, 1, 4, 9, 16}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wait_first_completed_and_first_exception) {  // WaitTestMixin
    mpi_pool_executor ex;
    ex.bootup();  // both ranks ready: each takes one call, none waits behind the other
    // A rank's first exception loads the symbolizer for its backtrace (hundreds of
    // ms): one failing call per rank first (each idle rank takes one), so that the
    // failure below is quick next to the nap.
    auto w1 = ex.submit(m_fail_negative, -1), w2 = ex.submit(m_fail_negative, -2);
    BOOST_REQUIRE(futures::wait({w1, w2}, deadline).not_done.empty());
    auto slow = ex.submit(nap_task, 1500);
    auto bad = ex.submit(m_fail_negative, -1);
    auto [done, not_done] = futures::wait({slow, bad}, deadline, futures::return_when::first_exception);
    BOOST_TEST(done.size() == 1u);
    BOOST_TEST(not_done.size() == 1u);
    BOOST_TEST(bad.done());
    auto first = futures::wait({slow, bad}, deadline, futures::return_when::first_completed);
    BOOST_TEST(first.done.size() >= 1u);
}

BOOST_AUTO_TEST_CASE(as_completed_with_duplicates) {  // test_duplicate_futures
    mpi_pool_executor ex;
    auto f = ex.submit(m_square, 4);
    std::vector<futures::future<int>> fs{f, f, f};
    int seen = 0;
    for (auto& g : futures::as_completed(fs, deadline)) seen += g.result() == 16;
    BOOST_TEST(seen == 1);
}

BOOST_AUTO_TEST_CASE(map_timeout_throws_and_map_exception_is_its_element) {  // test_map_timeout, test_map_exception
    mpi_pool_executor ex(one_rank());
    std::vector<int> naps{300, 0};
    auto r = ex.map(nap_task, naps, futures::map_options{.timeout = std::chrono::duration<double>(0.05)});
    BOOST_CHECK_THROW(for (auto x : r)(void) x, futures::timeout_error);
    std::vector<int> xs{1, -2, 3};
    auto m = ex.map(m_fail_negative, xs);
    auto it = m.begin();
    BOOST_TEST(*it == 1);
    BOOST_CHECK_THROW(*++it, futures::remote_exception<std::invalid_argument>);
    BOOST_TEST(*++it == 3);
}

BOOST_AUTO_TEST_CASE(starmap_with_every_chunksize) {  // test_starmap, test_starmap_chunksize
    mpi_pool_executor ex;
    std::vector<std::tuple<int, int>> args;
    std::vector<int> want;
    for (int i = 0; i < 40; ++i) args.emplace_back(i, 2 * i), want.push_back(3 * i);
    for (std::size_t chunk : {1u, 2u, 3u, 6u, 40u, 50u}) {
        std::vector<int> got;
        for (int v : ex.starmap(m_add, args, futures::map_options{.chunksize = chunk})) got.push_back(v);
        BOOST_TEST(got == want, boost::test_tools::per_element());
    }
    BOOST_CHECK_THROW(ex.starmap(m_add, args, futures::map_options{.chunksize = 0}), std::invalid_argument);
}

namespace {
const futures::map_options unordered{.unordered = true};
std::multiset<int> squares(int n) {
    std::multiset<int> out;
    for (int i = 0; i < n; ++i) out.insert(i * i);
    return out;
}
template <class R>
std::multiset<int> collect(R&& r) {
    std::multiset<int> out;
    for (int v : r) out.insert(v);
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(map_unordered_and_its_chunksizes) {  // test_map_unordered, test_map_unordered_chunksize
    mpi_pool_executor ex;
    std::vector<int> xs(40);
    for (int i = 0; i < 40; ++i) xs[i] = i;
    BOOST_TEST((collect(ex.map(m_square, std::vector<int>(xs.begin(), xs.begin() + 10), unordered)) == squares(10)));
    for (std::size_t chunk : {6u, 50u, 40u}) {
        BOOST_TEST((collect(ex.map(m_square, xs, futures::map_options{.chunksize = chunk, .unordered = true})) ==
                    squares(40)));
    }
    BOOST_CHECK_THROW(ex.map(m_square, xs, futures::map_options{.chunksize = 0, .unordered = true}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(map_unordered_timeout) {  // test_map_unordered_timeout
    // mpi4py: the first input sleeps past the timeout, the other (num_workers - 1)
    // come first. Here the first waits at a gate, so "past the timeout" is certain.
    futures_test::gate_dir g;
    mpi_pool_executor ex;
    ex.bootup();
    const std::vector<std::string> gates{g.path(0), ""};
    const std::vector<int> xs{0, 1};
    auto r = ex.map(m_gated, gates, xs,
                    futures::map_options{.timeout = std::chrono::duration<double>(2), .unordered = true});
    std::vector<int> got;
    BOOST_CHECK_THROW(for (int v : r) got.push_back(v), futures::timeout_error);
    BOOST_TEST(got == std::vector<int>{1}, boost::test_tools::per_element());
    g.open(0);  // lets the rank go before shutdown
}

BOOST_AUTO_TEST_CASE(map_unordered_timeout_one) {  // test_map_unordered_timeout_one
    mpi_pool_executor ex;
    ex.bootup();
    std::vector<int> zeros{0, 0, 0};
    auto r =
        ex.map(nap_task, zeros, futures::map_options{.timeout = std::chrono::duration<double>(10), .unordered = true});
    BOOST_TEST(collect(r).size() == 3u);
}

BOOST_AUTO_TEST_CASE(map_unordered_exception) {  // test_map_unordered_exception
    // mpi4py's iterator stops at the error; ours raises it at its position and goes on.
    mpi_pool_executor ex;
    std::vector<int> xs{1, -2, 3, 4};
    auto r = ex.map(m_fail_negative, xs, unordered);
    std::multiset<int> values;
    int errors = 0;
    for (auto it = r.begin(); it != r.end(); ++it) {
        try {
            values.insert(*it);
        } catch (const futures::remote_exception<std::invalid_argument>&) {
            ++errors;
        }
    }
    BOOST_TEST(errors == 1);
    BOOST_TEST((values == std::multiset<int>{1, 3, 4}));
}

BOOST_AUTO_TEST_CASE(serialization_failures_fail_their_call_only) {  // ProcessPoolPickleTest
    mpi_pool_executor ex(one_rank());
    using ptest::error_of;
    BOOST_TEST(error_of<futures::serialization_error>(
                   ex.submit(echo_trap_task, trap_at(ptest::parent_saves_args, ptest::throw_it)))
                   .find("cannot serialize the arguments") != std::string::npos);  // test_bad_pickle
    BOOST_TEST(error_of<futures::remote_error>(
                   ex.submit(echo_trap_task, trap_at(ptest::worker_loads_args, ptest::throw_it)))
                   .find("could not deserialize the arguments") != std::string::npos);  // test_bad_unpickle
    BOOST_TEST(error_of<futures::remote_error>(
                   ex.submit(echo_trap_task, trap_at(ptest::worker_saves_result, ptest::throw_it)))
                   .find("could not serialize the result") != std::string::npos);  // test_exc_pickle
    BOOST_TEST(error_of<futures::serialization_error>(
                   ex.submit(echo_trap_task, trap_at(ptest::parent_loads_result, ptest::throw_it)))
                   .find("cannot deserialize the result") != std::string::npos);  // test_exc_unpickle
    BOOST_TEST(ex.submit(echo_trap_task, ptest::trap{}).result(deadline).hops == 2);  // test_good_pickle
}

BOOST_AUTO_TEST_CASE(initializer_runs_on_each_rank) {  // test_initializer
    mpi_pool_options o;
    o.initializer = futures::make_call(set_global_task, 42);
    mpi_pool_executor ex(o);
    ex.bootup();
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 20; ++i) fs.push_back(ex.submit(get_global_task));
    for (auto& f : fs) BOOST_TEST(f.result(deadline) == 42);
}

BOOST_AUTO_TEST_CASE(max_workers_out_of_range) {  // test_max_workers, test_max_workers_negative
    mpi_pool_options zero;
    zero.max_workers = 0;
    BOOST_CHECK_THROW(mpi_pool_executor{zero}, std::invalid_argument);
    mpi_pool_executor ex(one_rank());
    BOOST_TEST(ex.num_workers() == 1u);
}

BOOST_AUTO_TEST_CASE(async_submit_and_completion_executor) {
    boost::asio::io_context ctx;
    mpi_pool_options o;
    o.completion_executor = ctx.get_executor();
    mpi_pool_executor ex(o);
    int value = 0, calls = 0;
    std::exception_ptr err;
    ex.async_submit(m_square, 7, [&](std::exception_ptr e, int v) { ++calls, err = e, value = v; });
    std::future<int> sf = ex.async_submit(m_add, 2, 3, boost::asio::use_future);
    auto f = ex.submit(m_square, 3);
    ctx.run_for(deadline);  // returns once no work is outstanding
    BOOST_TEST(calls == 1);
    BOOST_TEST(!err);
    BOOST_TEST(value == 49);
    BOOST_REQUIRE(sf.wait_for(deadline) == std::future_status::ready);
    BOOST_TEST(sf.get() == 5);
    BOOST_TEST(f.done());
    BOOST_TEST(f.result() == 9);
    BOOST_TEST(ex.stats().completed == 3u);
}

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

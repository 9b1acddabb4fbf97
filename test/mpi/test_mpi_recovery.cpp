// A rank that dies under mpirun --enable-recovery (test/mpi/CMakeLists.txt runs
// this one so, with 3 ranks): MPI reports nothing, the heartbeat does. Cases run in
// order: the first kills a serving rank for good.
#define BOOST_TEST_MODULE mpi_recovery
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <futures/errors.hpp>
#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>

#include "mpi/tasks.hpp"

using namespace std::chrono_literals;
using futures::mpi_pool_executor;
using futures::mpi_pool_options;

namespace {
mpi_pool_options quick_heartbeat() {
    mpi_pool_options o;
    o.heartbeat_timeout = 1000ms;
    return o;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_long_task_is_not_a_silent_rank) {
    mpi_pool_executor ex(quick_heartbeat());
    BOOST_TEST(ex.submit(m_nap, 2500).result(30s) == 2500);  // 2.5 heartbeat timeouts
    BOOST_TEST(ex.stats().worker_deaths == 0u);
}

BOOST_AUTO_TEST_CASE(a_dead_rank_fails_its_call_after_the_heartbeat_timeout) {
    mpi_pool_executor ex(quick_heartbeat());
    ex.bootup();
    const auto t0 = std::chrono::steady_clock::now();
    auto dead = ex.submit(m_crash_if, 1, true);  // SIGKILL: the rank is gone
    try {
        dead.result(30s);
        BOOST_FAIL("no exception");
    } catch (const futures::terminated_worker_error& e) {
        BOOST_TEST(std::string(e.what()).find("silent for 1000 ms") != std::string::npos, e.what());
    }
    // Silence is counted from the rank's last heartbeat, which may have come up to a
    // beat period (a quarter of the timeout) before the call was submitted.
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 750ms));
    // A rank cannot be replaced: the pool is broken, and says so.
    BOOST_CHECK_THROW(ex.submit(m_square, 2).result(30s), futures::broken_process_pool);
    ex.shutdown(true);  // returns: nothing waits for the dead rank
}

BOOST_AUTO_TEST_CASE(the_next_pool_runs_on_the_survivors) {
    mpi_pool_executor ex(quick_heartbeat());
    BOOST_TEST(ex.num_workers() == 1u);
    for (int i = 0; i < 20; ++i) BOOST_TEST(ex.submit(m_square, i).result(30s) == i * i);
}

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

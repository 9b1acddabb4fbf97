// process_pool_executor with a separately built worker binary (futures_test_worker:
// futures::worker_main linked with process/tasks.cpp), named in the options.
#define BOOST_TEST_MODULE process_worker_binary
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"

using namespace std::chrono_literals;
using ptest::deadline;  // bounded waits, shorter than the per-case watchdog

futures::process_pool_options binary_worker(std::size_t n) {
    return futures::process_pool_options{.max_workers = n, .worker_executable = FUTURES_TEST_WORKER};
}

BOOST_AUTO_TEST_CASE(separate_worker_runs_tasks) {
    futures::process_pool_executor pool(binary_worker(2));
    BOOST_TEST(pool.submit(add_task, 20, 22).result(deadline) == 42);
    BOOST_TEST(pool.submit(gcd_task, std::pair{12, 18}).result(deadline) == 6);
    BOOST_CHECK_THROW(pool.submit(throw_task, 0, "bad").result(deadline), std::invalid_argument);
    std::vector<int> in{1, 2, 3, 4, 5};
    int sum = 0;
    for (int r : pool.map(square_task, in)) sum += r;
    BOOST_TEST(sum == 55);
}

BOOST_AUTO_TEST_CASE(separate_worker_death_is_reported) {
    futures::process_pool_executor pool(binary_worker(1));
    BOOST_CHECK_THROW(pool.submit(crash_task, int(ptest::underscore_exit_4)).result(deadline),
                      futures::terminated_worker_error);
    BOOST_TEST(pool.submit(add_task, 1, 1).result(deadline) == 2);
}

BOOST_AUTO_TEST_CASE(missing_worker_binary_is_rejected) {
    BOOST_CHECK_THROW(
        futures::process_pool_executor(futures::process_pool_options{.worker_executable = "/nonexistent/worker"}),
        std::invalid_argument);
}

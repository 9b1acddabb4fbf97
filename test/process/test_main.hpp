#pragma once
// main() for the process-pool tests: the test executable is relaunched as its own
// worker (the one-line self-relaunch), so main must let workers out before Boost.Test
// parses anything. Include once, in the test's .cpp, after BOOST_TEST_MODULE.
//
// It has one more mode, for "killing the parent leaves no worker behind": with
// --orphan-parent it becomes a parent with two busy workers, prints their pids and
// waits to be killed (test_process_hygiene.cpp).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>

#include <futures/process_pool_executor.hpp>
#include <futures/worker.hpp>

#include <boost/test/unit_test.hpp>

#include "process/tasks.hpp"

namespace ptest {

/// The flag that selects orphan_parent_main().
inline constexpr const char* orphan_parent_flag = "--orphan-parent";

/// Starts two workers that each block in a call, writes "<pid> <pid>\n" to stdout
/// and then waits for EOF on stdin; the test SIGKILLs it before that. If the test
/// itself died, stdin reaches EOF and this process cleans up and exits.
inline int orphan_parent_main() {
    futures::process_pool_executor pool(2);
    auto a = pool.submit(block_task);
    auto b = pool.submit(block_task);
    // Both RUNNING: each was sent to its own started worker. Bounded, for a parent
    // that nobody kills.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!(a.running() && b.running())) {
        if (std::chrono::steady_clock::now() > end) return 3;
        std::this_thread::yield();
    }
    auto pids = pool.worker_pids();
    if (pids.size() != 2) return 4;
    std::printf("%d %d\n", static_cast<int>(pids[0]), static_cast<int>(pids[1]));
    std::fflush(stdout);
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
    pool.kill_workers();
    return 0;
}

inline constexpr const char* signal_storm_flag = "--signal-storm";

/// Run in a process group of its own: sends the group (itself and its workers)
/// `n` SIGUSR1s, one at a time, while its pool keeps starting workers (every call
/// kills its worker), and prints how many its asio::signal_set saw. More than n
/// means a child in the window between fork and exec ran this process's handler.
inline int signal_storm_main() {
    constexpr int n = 200;
    boost::asio::io_context io;
    boost::asio::signal_set sigs(io, SIGUSR1, SIGUSR2);
    std::atomic<int> seen{0};
    std::atomic<bool> marker{false};
    std::function<void(boost::system::error_code, int)> on = [&](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (sig == SIGUSR2) {
            marker = true;
            return;
        }
        ++seen;
        sigs.async_wait(on);
    };
    sigs.async_wait(on);
    std::thread runner([&] { io.run(); });
    {
        futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 2, .max_restarts = 1'000'000});
        std::atomic<bool> stop{false};
        std::thread churn([&] {
            while (!stop) pool.submit(crash_task, int(underscore_exit_4)).exception(std::chrono::seconds(30));
        });
        for (int i = 1; i <= n; ++i) {
            ::kill(0, SIGUSR1);
            const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            while (seen < i && std::chrono::steady_clock::now() < end) std::this_thread::yield();
        }
        stop = true;
        churn.join();
    }  // every worker reaped: no child can write into the signal pipe any more
    // One pipe carries every signal to the signal_set in order: once this marker
    // is seen, so is anything a child wrote before.
    ::raise(SIGUSR2);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!marker && std::chrono::steady_clock::now() < end) std::this_thread::yield();
    io.stop();
    runner.join();
    std::printf("sent %d saw %d%s\n", n, seen.load(), marker ? "" : " (no marker)");
    std::fflush(stdout);
    return 0;
}

}  // namespace ptest

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);
    // Workers and the orphan parent inherit the environment. Under ASan, leak
    // checking at exit is for the test process only: workers that are killed or
    // exit on purpose mid-call (the crash matrix) must keep their exit statuses,
    // which a leak report would turn into 23. The sanitizers read their options at
    // start-up, so this changes nothing for the current process.
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    ::setenv("ASAN_OPTIONS", (asan + (asan.empty() ? "" : ":") + "detect_leaks=0").c_str(), 1);
#ifdef PTEST_BEFORE_TESTS
    PTEST_BEFORE_TESTS();  // a test's own setup, in every mode below (test_process_fork_server.cpp)
#endif
    if (argc >= 2 && std::strcmp(argv[1], ptest::orphan_parent_flag) == 0) return ptest::orphan_parent_main();
    if (argc >= 2 && std::strcmp(argv[1], ptest::signal_storm_flag) == 0) return ptest::signal_storm_main();
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

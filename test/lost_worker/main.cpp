// A program whose main() forgets futures::run_worker_if_requested: the mistake
// test_lost_worker.cpp checks is reported instead of starting a chain of
// processes. Every process running this main() appends its pid to the file named
// by FUTURES_TEST_PID_LOG, so the test can count them; past 20 it stops at once,
// so that a regression fails the count instead of filling the machine.
//
// argv[1] (in the first process): "pool" creates a pool in main() (the usual
// mistake), "return" makes the relaunched copies return from main() without one,
// "server_first" calls start_fork_server() before run_worker_if_requested() (the
// fork server, a copy of this program, then runs that line first too).
// The first process submits a call and prints "error: <what>" and
// "elapsed_ms: <n>" for how it failed, or "result: <n>" if it did not.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <unistd.h>

#include <futures/process_pool_executor.hpp>
#include <futures/worker.hpp>

#include "process/tasks.hpp"

namespace {

int count_and_log(const char* path) {
    int lines = 0;
    {
        std::ifstream in(path);
        for (std::string l; std::getline(in, l);) ++lines;
    }
    std::ofstream(path, std::ios::app) << ::getpid() << '\n';
    return lines + 1;
}

}  // namespace

int main(int argc, char** argv) {
    const char* log = std::getenv("FUTURES_TEST_PID_LOG");
    if (!log || argc < 2) {
        std::fprintf(stderr, "usage: FUTURES_TEST_PID_LOG=<file> lost_worker pool|return\n");
        return 2;
    }
    if (count_and_log(log) > 20) return 9;
    // Started by a pool: as a worker, or as the fork server.
    const bool relaunched = std::strncmp(argv[1], "--futures-", 10) == 0;
    // The mode travels to the relaunched copies in the environment (their argv is the pool's).
    if (!relaunched) ::setenv("FUTURES_TEST_LOST_MODE", argv[1], 1);
    const char* mode = std::getenv("FUTURES_TEST_LOST_MODE");
    if (relaunched && mode && std::strcmp(mode, "return") == 0) return 0;
    if (mode && std::strcmp(mode, "server_first") == 0) {
        futures::start_fork_server();  // the mistake: before the next line
        futures::run_worker_if_requested(argc, argv);
    }

    const auto t0 = std::chrono::steady_clock::now();
    futures::process_pool_executor pool(2);
    auto f = pool.submit(add_task, 20, 22);
    try {
        const int r = f.result(std::chrono::seconds(30));
        std::printf("result: %d\n", r);
    } catch (const std::exception& e) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        std::printf("error: %s\nelapsed_ms: %lld\n", e.what(), static_cast<long long>(ms.count()));
    }
    return 0;
}

// Seed 004 (zhihu "concurrent.futures" article, t.py): ten tasks that each sleep 1 s
// to simulate IO, run on 2 threads and then on 10 threads with submit + wait. Here
// sleeping IS the workload: the pool should overlap the sleeps, nothing more.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <syncstream>
#include <thread>
#include <vector>

#include <futures/thread_pool_executor.hpp>
#include <futures/wait.hpp>

#include "demo.hpp"

namespace demo {
namespace {

constexpr int task_count = 10;

// each_task(index) of the seed. The article shows that `print` interleaves because it
// is two writes (text, then newline) and fixes it with one sys.stdout.write per line;
// std::osyncstream is the C++20 way to get that: the line is emitted in one piece.
int each_task(int index) {
    std::this_thread::sleep_for(std::chrono::seconds(1));  // simulated IO
    std::osyncstream(std::cout) << "thread " << std::this_thread::get_id() << " square " << index << '\n' << std::flush;
    return index * index;
}

struct run_result {
    int threads;
    double seconds;
    std::size_t threads_started;
    int total;
};

// run(thread_num, task_num) of the seed, timed from submit to the end of wait().
run_result run(int thread_num) {
    futures::thread_pool_executor executor(static_cast<std::size_t>(thread_num));
    const auto start = std::chrono::steady_clock::now();
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < task_count; ++i) fs.push_back(executor.submit(each_task, i));
    futures::wait(fs);  // all_completed, as the seed's wait(fs)
    const double duration = seconds_since(start);
    int s = 0;
    for (auto& f : fs) s += f.result();
    std::printf("total result=%d cost: %.2fs\n\n", s, duration);
    std::fflush(stdout);
    return {thread_num, duration, executor.thread_count(), s};
}

}  // namespace

int io() {
    std::printf("== seed 004: %d IO tasks (sleep 1 s each), submit + futures::wait ==\n", task_count);
    std::printf("$ t 2 10\n");
    std::fflush(stdout);
    const run_result two = run(2);
    std::printf("$ t 10 10\n");
    std::fflush(stdout);
    const run_result ten = run(10);

    // Expected: the sleeps overlap `threads` at a time, so ceil(10 / threads) seconds.
    std::printf("threads | tasks | seconds | expected | threads started\n");
    int status = 0;
    for (const auto& r : {two, ten}) {
        const int expected = (task_count + r.threads - 1) / r.threads;
        // 15% slack for scheduling noise on a shared machine; a pool that failed to
        // overlap the sleeps would be a whole second (or more) late.
        const bool ok = r.total == 285 && r.seconds < expected * 1.15;
        if (!ok) status = 1;
        std::printf("%7d | %5d | %7.2f | %6d s | %15zu %s\n", r.threads, task_count, r.seconds, expected,
                    r.threads_started, ok ? "" : "  <-- MISMATCH");
    }
    std::printf("\n");
    return status;
}

}  // namespace demo

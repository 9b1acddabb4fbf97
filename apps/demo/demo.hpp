#pragma once
// The demo's parts; main.cpp lists them by name for --only. Each returns the process
// exit status it wants (non-zero when a check failed), so CI can run the demo.
#include <chrono>

namespace demo {

int seed_004_io();  // seed 004: sleep-bound "IO" tasks, 2 vs 10 threads
int seed_gcd();     // seeds 000 and 003: CPU-bound gcd, serial vs thread pool

/// Seconds since `start`, as Python's time.time() differences in the seeds.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace demo

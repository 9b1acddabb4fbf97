#pragma once
// The demo's parts; main.cpp lists them by name for --only. Each returns the process
// exit status it wants (non-zero when a check failed), so CI can run the demo.
#include <chrono>

namespace demo {

int seed_004_io();  // seed 004: sleep-bound "IO" tasks, 2 vs 10 threads
int seed_gcd();     // seeds 000 and 003: CPU-bound gcd, serial vs thread pool

// The process-pool half. Their tasks are registered in tasks.hpp.
int seed_gcd_process();  // seeds 000 and 003: gcd, serial vs threads vs processes
int seed_002_fib();      // seed 002: fib via submit + as_completed (remote error), then map
int seed_002_chunks();   // seed 002: map(f, 1..99999) with chunksize 1, N/(4W), automatic
int seed_004_pi();       // seed 004: pi series on 1, 2 and 4 processes

/// Seconds since `start`, as Python's time.time() differences in the seeds.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace demo

#pragma once
// The demo's parts, each named after its command (demo --only <name>) and defined
// in the .cpp of that name; main.cpp lists them. Each returns the process
// exit status it wants (non-zero when a check failed), so CI can run the demo.
#include <chrono>

namespace demo {

int io();   // seed 004: sleep-bound "IO" tasks, 2 vs 10 threads
int gcd();  // seeds 000 and 003: CPU-bound gcd, serial vs thread pool

// The process-pool half. Their tasks are registered in tasks.hpp.
int gcd_process();  // seeds 000 and 003: gcd, serial vs threads vs processes
int fib();          // seed 002: fib via submit + as_completed (remote error), then map
int chunksize();    // seed 002: map(f, 1..99999) with chunksize 1, N/(4W), automatic
int pi();           // seed 004: pi series on 1, 2 and 4 processes

/// Seconds since `start`, as Python's time.time() differences in the seeds.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace demo

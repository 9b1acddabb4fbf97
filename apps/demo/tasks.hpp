#pragma once
// The process-pool tasks of the demo and the bench. A worker is this same executable
// relaunched (worker.hpp), so a task is a function both sides compile; FUTURES_TASK
// registers it by name at static initialization. The handles are inline variables:
// however many .cpp files of one executable include this header, each task is
// registered once (a duplicate name would abort at start). apps/bench includes it by
// relative path, as it does gcd_workload.hpp, so both apps time the same code.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include <futures/task.hpp>
#include <futures/throw_with_trace.hpp>

#include "gcd_workload.hpp"

namespace demo_tasks {

/// Seed 002's fib: deliberately exponential, as in the article.
inline std::int64_t fib(int n) { return n <= 2 ? 1 : fib(n - 1) + fib(n - 2); }

/// Seed 002's second fib, which raises at n == 31. throw_with_trace() so that the
/// backtrace the parent receives shows this throw site, not the worker's catch.
// noinline: so the backtrace shows fib_raising itself (tasks.hpp line) rather than
// the registry template it would be inlined into.
[[gnu::noinline]] inline std::int64_t fib_raising(int n) {
    if (n == 31) futures::throw_with_trace(std::runtime_error("fib must less than 31"));
    return fib(n);
}

/// Seed 002's f(x) = sum_{k=1}^{K+1} x ** (1 / k ** 1.5), K = 50: ~51 pow() per item,
/// a small CPU-bound task where the per-call overhead decides the chunksize story.
inline double seed_002_f(int x) {
    constexpr int K = 50;
    double r = 0;
    for (int k = 1; k < K + 2; ++k) r += std::pow(double(x), 1.0 / std::pow(double(k), 1.5));
    return r;
}

/// What seed 004's each_task returns: pi, and which process computed it.
struct pi_result {
    double pi = 0;
    int pid = 0;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& pi& pid;
    }
};

/// The series alone (sum 1/i^2 = pi^2/6), so the demo can check a value in-process.
inline double pi_series(std::int64_t n) {
    double s = 0.0;
    for (std::int64_t i = 0; i < n; ++i) s += 1.0 / double(i + 1) / double(i + 1);
    return std::sqrt(6 * s);
}

/// Seed 004's each_task(n). The line is written with one write(2), as the article
/// switches to one sys.stdout.write per line so that workers' lines do not interleave
/// (stdio buffering in the worker would also hold them back until it exits).
inline pi_result pi_each_task(std::int64_t n) {
    const double pi = pi_series(n);
    char line[96];
    const int len = std::snprintf(line, sizeof line, "process %d n=%lld pi=%.12g\n", int(::getpid()),
                                  static_cast<long long>(n), pi);
    if (len > 0 && ::write(STDOUT_FILENO, line, std::size_t(len)) < 0) {
        // Nothing useful to do: stdout is gone, the result still matters.
    }
    return {pi, int(::getpid())};
}

/// The bench's unit of overhead: Python's noop(x) returns x.
inline int noop(int x) { return x; }

}  // namespace demo_tasks

FUTURES_TASK(fib_task, demo_tasks::fib);
FUTURES_TASK(fib_raising_task, demo_tasks::fib_raising);
FUTURES_TASK(seed_002_f_task, demo_tasks::seed_002_f);
FUTURES_TASK(pi_task, demo_tasks::pi_each_task);
FUTURES_TASK(noop_task, demo_tasks::noop);
FUTURES_TASK(gcd_task, gcd_workload::gcd);

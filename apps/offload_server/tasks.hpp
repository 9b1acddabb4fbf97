#pragma once
// The CPU-bound work behind /fib, /gcd and /crash, and the workers' initializer.
// The server relaunches its own executable as the pool's workers, so every task
// here is compiled into both sides and registered by name (FUTURES_TASK); in
// --mode inline the same functions run on the io_context thread instead.
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <system_error>

#include <futures/task.hpp>

#include "../demo/gcd_workload.hpp"  // seed 003's brute-force gcd, the one the demo and bench time

namespace offload {

/// Deliberately exponential (about 1.6^n calls), so that n picks the cost of a
/// request: fib(30) is a few milliseconds, fib(45) seconds. fib(0) = 0.
inline std::uint64_t fib(int n) { return n < 2 ? std::uint64_t(n) : fib(n - 1) + fib(n - 2); }

/// Kills the worker that runs it, the way a segfault or the OOM killer would:
/// SIGKILL cannot be caught, so no result frame is ever written and the pool
/// learns of it only by reaping the process.
inline int crash() {
    std::raise(SIGKILL);
    return 0;  // not reached
}

/// Runs in each worker before its first call (the pool's initializer), and as the
/// server's warm-up call; it may run twice in one worker, so it sets, never adds.
///
/// SIGINT from a terminal's Ctrl-C and SIGTERM from `kill -- -PGID` or systemd
/// reach every process of the group, the workers too, and a worker that died of
/// them would fail the very requests the graceful stop is finishing. Workers
/// inherit them blocked (main.cpp); ignoring them as well discards any that are
/// pending, and keeps a worker deaf to them should its code ever unblock them.
/// Workers end when the server closes their pipes, or dies (PR_SET_PDEATHSIG).
///
/// niceness: the server's own plus --worker-nice. A worker busy with a long call
/// then yields the CPU at once to the io_context thread when a request arrives,
/// instead of at the end of its time slice: that is the tail of /health latency
/// on a machine the workers saturate. Lowering one's priority is always allowed.
inline void prepare_worker(int niceness) {
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    if (::setpriority(PRIO_PROCESS, 0, niceness) != 0)
        throw std::system_error(errno, std::generic_category(), "setpriority");
}

}  // namespace offload

FUTURES_TASK(fib_task, offload::fib);
FUTURES_TASK(gcd_task, gcd_workload::gcd);
FUTURES_TASK(crash_task, offload::crash);
FUTURES_TASK(prepare_worker_task, offload::prepare_worker);

#pragma once
// What the process-pool workloads share: the pool size, the warm-up, and the shape
// of a rate measurement.
#include <cstddef>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "../demo/tasks.hpp"

namespace bench {

/// Both sides of every process-pool comparison run 2 workers (the machine's cores).
inline constexpr std::size_t pool_workers = 2;

/// A figure and whether the results behind it were right.
struct rate_run {
    double rate = 0;
    bool ok = false;
};

/// 64 no-op calls, waited for: afterwards the pool's workers have started and
/// answered (Python's side gets the same calls where a row says "warm").
/// Returns how many workers are up.
inline std::size_t warm_up(futures::process_pool_executor& ex) {
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 64; ++i) fs.push_back(ex.submit(noop_task, i));
    for (auto& f : fs) f.result();
    return ex.worker_pids().size();
}

}  // namespace bench

#pragma once
// Timed gcd runs shared by the thread-pool part (gcd.cpp) and the process-pool
// part (gcd_process.cpp), so both time the same way.
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include <futures/thread_pool_executor.hpp>

#include "demo.hpp"
#include "gcd_workload.hpp"

namespace demo {

using results_t = std::vector<std::int64_t>;

struct timed {
    results_t results;
    double seconds;
};

// list(map(gcd, numbers))
inline timed run_serial(const std::vector<gcd_workload::pair>& pairs) {
    const auto start = std::chrono::steady_clock::now();
    auto r = gcd_workload::serial(pairs);
    return {std::move(r), seconds_since(start)};
}

// pool = ThreadPoolExecutor(max_workers=n); results = list(pool.map(gcd, numbers)).
// The pool is built inside the timed region, as in the seeds.
inline timed run_threads(const std::vector<gcd_workload::pair>& pairs, std::size_t workers) {
    const auto start = std::chrono::steady_clock::now();
    results_t r;
    {
        futures::thread_pool_executor pool(workers);
        for (std::int64_t g : pool.map(gcd_workload::gcd, pairs)) r.push_back(g);
    }
    return {std::move(r), seconds_since(start)};
}

}  // namespace demo

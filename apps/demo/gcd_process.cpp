// Seeds 000 and 003, the half they are about: the same brute-force gcd serial, on a
// thread pool and on a process pool. In Python only the process pool sped it up
// (the GIL); in C++ both should, and the process pool pays for starting its workers
// (this executable relaunched) and for serializing each pair and result.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

#include "demo.hpp"
#include "gcd_runs.hpp"
#include "gcd_workload.hpp"
#include "tasks.hpp"

namespace demo {
namespace {

// pool = ProcessPoolExecutor(max_workers=n); list(pool.map(gcd, numbers)). chunksize=1,
// Python's default: our automatic choice would pair seed 003's ten gcds two by two
// (ceil(10 / 8)), and five uneven chunks balance worse on two workers.
timed run_processes(const std::vector<gcd_workload::pair>& pairs, std::size_t workers) {
    const auto start = std::chrono::steady_clock::now();
    results_t r;
    {
        futures::process_pool_executor pool(workers);
        for (std::int64_t g : pool.map(gcd_task, pairs, futures::map_options{.chunksize = 1})) r.push_back(g);
    }
    return {std::move(r), seconds_since(start)};
}

struct column {
    const char* run;
    std::size_t workers;  // 0: serial
    timed (*fn)(const std::vector<gcd_workload::pair>&, std::size_t);
};

timed serial_column(const std::vector<gcd_workload::pair>& p, std::size_t) { return run_serial(p); }

const column columns[] = {
    {"serial map(gcd, pairs)", 0, serial_column},
    {"thread_pool_executor.map", 2, run_threads},
    {"process_pool_executor.map", 2, run_processes},
    {"process_pool_executor.map", 4, run_processes},
};
constexpr int n_columns = sizeof columns / sizeof columns[0];
constexpr int repeats = 3;  // best of 3: noise on a shared machine only adds time

// One seed's table; returns the 2-process speedup (0 on a mismatch).
double run_dataset(const char* name, const std::vector<gcd_workload::pair>& pairs, const char* python, int& status) {
    std::printf("-- seed %s: %zu pairs, best of %d (pool start-up included, as in the seeds) --\n", name, pairs.size(),
                repeats);
    std::fflush(stdout);
    double best[n_columns];
    bool same[n_columns];
    std::fill(best, best + n_columns, 1e300);
    std::fill(same, same + n_columns, true);
    results_t reference;
    for (int rep = 0; rep < repeats; ++rep)
        for (int c = 0; c < n_columns; ++c) {
            timed t = columns[c].fn(pairs, columns[c].workers);
            best[c] = std::min(best[c], t.seconds);
            if (rep == 0 && c == 0) reference = t.results;
            same[c] = same[c] && t.results == reference;
        }
    std::printf("%-26s | workers | seconds | speedup | results vs serial\n", "run");
    for (int c = 0; c < n_columns; ++c) {
        if (!same[c]) status = 1;
        std::printf("%-26s | %7s | %7.3f | %7.2f | %s\n", columns[c].run,
                    columns[c].workers ? std::to_string(columns[c].workers).c_str() : "-", best[c], best[0] / best[c],
                    c == 0    ? "-"
                    : same[c] ? "OK"
                              : "MISMATCH");
    }
    std::printf("python, in the seed: %s\n\n", python);
    std::fflush(stdout);
    return same[2] ? best[0] / best[2] : 0;
}

}  // namespace

int gcd_process() {
    std::printf("== seeds 000 / 003: brute-force gcd, serial vs threads vs processes ==\n");
    int status = 0;
    const double s000 = run_dataset(
        "000", gcd_workload::seed_000_pairs,
        "serial 0.967/0.827/0.882 s, threads(4) 0.916/0.892/0.875 s, processes(4) 0.480/0.475/0.467 s", status);
    const double s003 = run_dataset("003", gcd_workload::seed_003_pairs,
                                    "serial 5.643 s, threads(8) 5.810 s, processes(8) 1.684 s", status);
    // Seed 000's six pairs take ~0.05 s in C++, so the start of two workers weighs
    // on its ratio; seed 003's ~0.6 s is the fair one.
    double load[1] = {0};
    getloadavg(load, 1);
    std::printf(
        "2 processes: x%.2f (seed 000), x%.2f (seed 003); the seeds' Python got x~1.9 (4 workers) and\n"
        "x~3.4 (8 workers, 8 cores). Load average %.2f: on a busy machine the ratios mean little.\n\n",
        s000, s003, load[0]);
    return status;
}

}  // namespace demo

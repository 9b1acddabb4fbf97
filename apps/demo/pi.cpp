// Seed 004 (zhihu article, p.py): the CPU-bound half. Four pi series
// (sum 1/i^2 = pi^2/6) submitted to a process pool of 1, 2 and 4 workers, then
// wait(fs). The seed's finding: 2 processes halve the time on its 2 cores, 4 do not
// help further. Each worker prints its own line, as each_task does.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>
#include <futures/wait.hpp>

#include "demo.hpp"
#include "tasks.hpp"

namespace demo {
namespace {

// `python p.py N 5000000 5001000 5002000 5003000`. C++ runs the series ~100x faster
// than CPython 2, so at the seed's n a task takes ~20 ms, which starting a worker
// (relaunching this executable) would blur; the timed runs use n x scale instead.
constexpr std::int64_t seed_ns[] = {5000000, 5001000, 5002000, 5003000};
constexpr std::int64_t scale = 10;
// What the seed prints for its n (Python 2's str(float): 12 significant digits).
constexpr const char* seed_pis[] = {"3.1415924626", "3.14159246264", "3.14159246268", "3.14159246272"};

struct run_result {
    std::size_t procs;
    double seconds;
    std::size_t pids;  // distinct worker processes that ran a task
    bool ok;
};

// run(process_num, *ns) of the seed; timed from the first submit to the end of
// wait(), as the seed's time.time() pair (our workers start on the first submit).
run_result run(std::size_t process_num) {
    std::printf("$ p %zu", process_num);
    for (auto n : seed_ns) std::printf(" %lld", static_cast<long long>(n * scale));
    std::printf("\n");
    std::fflush(stdout);  // before the workers write to the same stdout
    futures::process_pool_executor executor(process_num);
    const auto start = std::chrono::steady_clock::now();
    std::vector<futures::future<demo_tasks::pi_result>> fs;
    for (auto n : seed_ns) fs.push_back(executor.submit(pi_task, n * scale));
    futures::wait(fs);
    const double duration = seconds_since(start);
    std::printf("total cost: %.2fs\n\n", duration);
    std::fflush(stdout);
    std::set<int> pids;
    bool ok = true;
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const auto r = fs[i].result();
        pids.insert(r.pid);
        ok = ok && r.pi == demo_tasks::pi_series(seed_ns[i] * scale);  // same code, same bits
    }
    executor.shutdown();  // executor.shutdown() of the seed
    return {process_num, duration, pids.size(), ok};
}

}  // namespace

int pi() {
    std::printf("== seed 004: 4 pi series on process_pool_executor with 1, 2, 4 processes ==\n");
    int status = 0;
    // The formula, checked at the seed's own n against what it printed.
    for (std::size_t i = 0; i < 4; ++i) {
        char got[32];
        std::snprintf(got, sizeof got, "%.12g", demo_tasks::pi_series(seed_ns[i]));
        const bool same = std::string(got) == seed_pis[i];
        if (!same) status = 1;
        std::printf("n=%lld pi=%s (seed prints %s: %s)\n", static_cast<long long>(seed_ns[i]), got, seed_pis[i],
                    same ? "OK" : "MISMATCH");
    }
    std::printf("timed runs use n x %lld (see the source: ~20 ms tasks would time process start-up)\n\n",
                static_cast<long long>(scale));

    const double seed_secs[] = {9.45, 4.98, 4.86};
    std::vector<run_result> rs;
    constexpr std::size_t process_nums[] = {1, 2, 4};
    for (std::size_t p : process_nums) rs.push_back(run(p));

    std::printf("processes | seconds | speedup | worker pids used | results | seed (n x 1, CPython 2)\n");
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const auto& r = rs[i];
        if (!r.ok) status = 1;
        std::printf("%9zu | %7.2f | %6.2fx | %16zu | %7s | %.2f s\n", r.procs, r.seconds, rs[0].seconds / r.seconds,
                    r.pids, r.ok ? "OK" : "MISMATCH", seed_secs[i]);
    }
    double load[1] = {0};
    getloadavg(load, 1);
    std::printf(
        "as in the seed: 2 processes should about halve the time on 2 idle cores, 4 gain nothing more "
        "(load average now %.2f)\n\n",
        load[0]);
    return status;
}

}  // namespace demo

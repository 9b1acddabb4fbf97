// Workloads (pd) and (pe): what a process pool is for, and what it costs to get one.
// (pd) the gcd of seeds 000/003 serial vs 2 worker processes; (pe) the time from
// constructing a pool of 2 to holding the results of two calls, with both workers
// started on each side (ours are this executable relaunched; Python's 3.11 default
// on Linux forks them), paired with a Python run each.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "../demo/gcd_workload.hpp"
#include "../demo/tasks.hpp"
#include "harness.hpp"
#include "python.hpp"

namespace bench {
namespace {

constexpr std::size_t workers = 2;
using results_t = std::vector<std::int64_t>;

// The pool is built inside the timed region, as the seeds and the anchor's
// "gcd process pool (incl. start)" row do. chunksize=1 as Python's map: the automatic
// size would pair seed 003's uneven gcds two by two, which balances worse.
double time_processes(const std::vector<gcd_workload::pair>& pairs, results_t& out) {
    const auto t0 = clock::now();
    out.clear();
    {
        futures::process_pool_executor pool(workers);
        for (std::int64_t g : pool.map(gcd_task, pairs, futures::map_options{.chunksize = 1})) out.push_back(g);
    }
    return seconds(clock::now() - t0);
}

double time_serial(const std::vector<gcd_workload::pair>& pairs, results_t& out) {
    const auto t0 = clock::now();
    out = gcd_workload::serial(pairs);
    return seconds(clock::now() - t0);
}

// Python's side of (pe): ProcessPoolExecutor(2), two no-op calls, both results;
// shutdown outside the timing. Prints the milliseconds. (3.11 forks both workers
// at the first submit.)
const char* const python_start_snippet =
    "import time\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "def noop(x):\n"
    "    return x\n"
    "t = time.perf_counter()\n"
    "ex = ProcessPoolExecutor(2)\n"
    "fs = [ex.submit(noop, i) for i in range(2)]\n"
    "assert [f.result() for f in fs] == [0, 1]\n"
    "print(f'{(time.perf_counter() - t) * 1e3:.3f} {len(ex._processes)}', flush=True)\n"
    "ex.shutdown()\n";

struct start_run {
    double ms = 0;
    std::size_t workers = 0;  // started by the time the results were in
    bool ok = true;
};

// Ours: the same steps. Workers start on demand: the two calls, queued before the
// first worker is up, start both; forked by the fork server main() started, or
// (fork_server = false) by relaunching this executable.
start_run our_start(bool fork_server) {
    start_run r;
    const auto t0 = clock::now();
    futures::process_pool_executor pool(
        futures::process_pool_options{.max_workers = workers, .use_fork_server = fork_server});
    auto a = pool.submit(noop_task, 0);
    auto b = pool.submit(noop_task, 1);
    r.ok = a.result() == 0 && b.result() == 1;
    r.ms = seconds(clock::now() - t0) * 1e3;
    r.workers = pool.worker_pids().size();
    return r;  // the pool's shutdown (here) is outside the timing
}

start_run python_start(const config& cfg) {
    start_run r;
    for (const auto& line : run_python_snippet(cfg, python_start_snippet))
        if (std::sscanf(line.c_str(), "%lf %zu", &r.ms, &r.workers) == 2) break;
    return r;
}

}  // namespace

void process_gcd(const config& cfg, std::vector<verdict>& out) {
    const auto& pairs = cfg.quick ? gcd_workload::seed_000_pairs : gcd_workload::seed_003_pairs;
    std::printf("(pd) gcd of seed %s (%zu pairs): serial vs process_pool_executor(%zu), pool start included; s\n",
                cfg.quick ? "000" : "003", pairs.size(), workers);
    std::printf("   pair |  serial | processes | speedup | results\n");
    std::vector<double> ts, tp;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        results_t rs, rp;
        interleaved(
            rep, [&] { ts.push_back(time_serial(pairs, rs)); }, [&] { tp.push_back(time_processes(pairs, rp)); });
        const bool ok = rp == rs && (!cfg.quick || rs == gcd_workload::seed_000_expected);
        all_ok = all_ok && ok;
        std::printf("    %3d | %7.3f | %9.3f | %6.2fx | %s\n", rep + 1, ts.back(), tp.back(), ts.back() / tp.back(),
                    ok ? "OK" : "MISMATCH");
        std::fflush(stdout);
    }
    if (!all_ok) tp.assign(tp.size(), 0);  // a wrong result voids the speedup
    const ratios r = ratio_stats(pair_ratios(ts, tp));
    print_ratios("speedup", r);
    if (cfg.quick)
        std::printf(
            "    (--quick: seed 000's pairs take ~0.05 s serial, so starting the workers weighs on the ratio)\n");
    std::printf("\n");
    char note[96];
    std::snprintf(note, sizeof note, "medians: serial %.3f s, processes %.3f s", median(ts), median(tp));
    out.push_back({"(pd) gcd speedup, 2 processes vs serial", 1.9, r, !all_ok, false, note});
}

void process_start(const config& cfg, std::vector<verdict>& out) {
    std::printf("(pe) pool start to results: construct a pool of %zu, submit 2 no-ops, both results; ms\n", workers);
    std::printf("    fork server: workers forked by futures::start_fork_server's server; relaunch: exec'd anew\n");
    std::printf("   pair | fork server ms | relaunch ms | workers | python ms | workers | python/fork server\n");
    std::vector<double> forked, relaunched, theirs;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        start_run f, o, t;
        interleaved(
            rep,
            [&] {
                f = our_start(true);
                o = our_start(false);
            },
            [&] { t = python_start(cfg); });
        all_ok = all_ok && f.ok && o.ok;
        forked.push_back(f.ms), relaunched.push_back(o.ms), theirs.push_back(t.ms);
        std::printf("    %3d | %14.2f | %11.2f | %7zu | %9.2f | %7zu | %17.2fx\n", rep + 1, f.ms, o.ms, f.workers, t.ms,
                    t.workers, t.ms / f.ms);
        std::fflush(stdout);
    }
    const ratios r = ratio_stats(pair_ratios(theirs, forked));
    const ratios rr = ratio_stats(pair_ratios(theirs, relaunched));
    print_ratios("python/fork server", r);
    print_ratios("python/relaunch", rr);
    std::printf("\n");
    char note[128];
    std::snprintf(note, sizeof note, "medians: fork server %.2f ms, relaunch %.2f ms, python %.2f ms", median(forked),
                  median(relaunched), median(theirs));
    out.push_back({"(pe) start to 2 results, Python/futures ms", 10.0, r, !all_ok, median(theirs) <= 0, note});
    out.push_back({"(pe) the same, relaunching (no fork server)", 0, rr, !all_ok, median(theirs) <= 0});
}

}  // namespace bench

// Workloads (pd) and (pe): what a process pool is for, and what it costs to get one.
// (pd) the gcd of seeds 000/003 serial vs 2 worker processes; (pe) the time from
// constructing a pool to holding its first result (our workers are this executable
// relaunched; Python's 3.11 default on Linux forks them).
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

// Python's side of (pe), which python_anchors.py does not measure: the same steps,
// ProcessPoolExecutor(2) then submit(noop, 0).result(), shutdown outside the timing.
std::string python_start_snippet(int repeats) {
    return "import time\n"
           "from concurrent.futures import ProcessPoolExecutor\n"
           "def noop(x):\n"
           "    return x\n"
           "for _ in range(" +
           std::to_string(repeats) +
           "):\n"
           "    t = time.perf_counter()\n"
           "    ex = ProcessPoolExecutor(2)\n"
           "    ex.submit(noop, 0).result()\n"
           "    print(f'{(time.perf_counter() - t) * 1e3:.3f}', flush=True)\n"
           "    ex.shutdown()\n";
}

}  // namespace

void process_gcd(const config& cfg, std::vector<verdict>& out) {
    const auto& pairs = cfg.quick ? gcd_workload::seed_000_pairs : gcd_workload::seed_003_pairs;
    const auto& py = python_anchors(cfg);
    std::printf("(pd) gcd of seed %s (%zu pairs): serial vs process_pool_executor(%zu), pool start included; s\n",
                cfg.quick ? "000" : "003", pairs.size(), workers);
    const auto* ps = py.find("seed000 gcd serial");
    const auto* pp = py.find("seed000 gcd process pool (incl. start)");
    if (ps && pp && pp->secs > 0)
        std::printf("    python, for reference (seed 000's pairs): serial %.3f s, process pool %.3f s: x%.2f\n",
                    ps->secs, pp->secs, ps->secs / pp->secs);
    std::printf("    rep |  serial | processes | speedup | results\n");
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
    const spread s = summarize(ts, false), p = summarize(tp, false);
    std::printf("   best | %7.3f | %9.3f | %6.2fx |\n", s.best, p.best, s.best / p.best);
    std::printf(" median | %7.3f | %9.3f | %6.2fx |\n", s.median, p.median, s.median / p.median);
    if (cfg.quick)
        std::printf(
            "    (--quick: seed 000's pairs take ~0.05 s serial, so starting the workers weighs on the ratio)\n");
    std::printf("\n");
    const double k = all_ok ? 1.0 : 0.0;  // a wrong result voids the speedup
    char note[96];
    std::snprintf(note, sizeof note, "serial %.3f s, processes %.3f s", s.best, p.best);
    out.push_back({"(pd) gcd speedup, 2 processes vs serial", 1.9, k * s.best / p.best, k * s.median / p.median,
                   !all_ok, false, note});
}

void process_start(const config& cfg, std::vector<verdict>& out) {
    std::printf("(pe) pool start to first result: construct process_pool_executor(%zu), submit a no-op, result(); ms\n",
                workers);
    std::vector<double> ours;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        const auto t0 = clock::now();
        futures::process_pool_executor pool(workers);
        all_ok = all_ok && pool.submit(noop_task, 7).result() == 7;
        ours.push_back(seconds(clock::now() - t0) * 1e3);
        // The pool's shutdown (at the end of this scope) is outside the timing.
    }
    // Python's figure, from a snippet run by the same interpreter (not an anchor row).
    std::vector<double> theirs;
    for (const auto& line : run_python_snippet(cfg, python_start_snippet(cfg.repeat))) {
        try {
            theirs.push_back(std::stod(line));
        } catch (const std::exception&) {  // not a number: ignore the line
        }
    }
    std::printf("    rep | futures ms | python ms\n");
    for (int rep = 0; rep < cfg.repeat; ++rep)
        std::printf("    %3d | %10.2f | %9.2f\n", rep + 1, ours[std::size_t(rep)],
                    std::size_t(rep) < theirs.size() ? theirs[std::size_t(rep)] : 0.0);
    const spread o = summarize(ours, false);
    const spread t = theirs.empty() ? spread{} : summarize(theirs, false);
    std::printf("   best | %10.2f | %9.2f\n median | %10.2f | %9.2f\n\n", o.best, t.best, o.median, t.median);
    // No target was set: the ratio (Python's ms / ours) is for reference.
    char note[96];
    std::snprintf(note, sizeof note, "futures %.2f ms, python %.2f ms", o.best, t.best);
    out.push_back({"(pe) start to first result, Python/futures ms", 0, t.best / o.best, t.median / o.median, !all_ok,
                   theirs.empty(), note});
}

}  // namespace bench

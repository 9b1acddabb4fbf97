// Workload (pc): map over N ints with the automatic chunk size, against
// multiprocessing.Pool.map, with equal work on both sides: the same N, 2 workers,
// and the same history, measured twice:
//  - cold: from constructing the pool to holding every result (Python's Pool
//    forks its workers in its constructor, ours start on the first chunks);
//  - warm: a pool that has already answered 64 single no-op calls, the map alone.
// Python's side is a snippet (python_anchors.py measures Pool.map cold only, on
// its own N), run once per pair with the same interpreter.
#include <cstdio>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "harness.hpp"
#include "process_common.hpp"
#include "python.hpp"

namespace bench {
namespace {

// The pool's destruction (joining its workers) is outside the timing on both sides.
rate_run map_rate(const std::vector<int>& in, bool warm) {
    auto t0 = clock::now();
    futures::process_pool_executor ex(pool_workers);
    if (warm) {
        warm_up(ex);
        t0 = clock::now();
    }
    bool ok = true;
    int expect = 0;
    for (int r : ex.map(noop_task, in)) ok = ok && r == expect++;  // consumed, as Pool.map's list
    const auto t1 = clock::now();
    return {double(in.size()) / seconds(t1 - t0), ok && expect == int(in.size())};
}

// Prints "<cold items/s> <warm items/s>".
std::string python_map_snippet(std::size_t n) {
    return "import time\n"
           "from multiprocessing import Pool\n"
           "def noop(x):\n"
           "    return x\n"
           "N = " +
           std::to_string(n) +
           "\n"
           "t = time.perf_counter()\n"
           "p = Pool(2)\n"
           "out = p.map(noop, range(N))\n"
           "cold = time.perf_counter() - t\n"
           "assert out == list(range(N))\n"
           "p.close(); p.join()\n"
           "p = Pool(2)\n"
           "[r.get() for r in [p.apply_async(noop, (i,)) for i in range(64)]]\n"
           "t = time.perf_counter()\n"
           "out = p.map(noop, range(N))\n"
           "warm = time.perf_counter() - t\n"
           "assert out == list(range(N))\n"
           "p.close(); p.join()\n"
           "print(f'{N / cold:.0f} {N / warm:.0f}', flush=True)\n";
}

struct python_pair {
    double cold = 0, warm = 0;
};

python_pair python_map(const config& cfg, std::size_t n) {
    python_pair p;
    for (const auto& line : run_python_snippet(cfg, python_map_snippet(n)))
        if (std::sscanf(line.c_str(), "%lf %lf", &p.cold, &p.warm) == 2) break;
    return p;
}

}  // namespace

void process_map(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 20'000 : 100'000;
    std::vector<int> in(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = int(i);
    std::printf(
        "(pc) process pool map over %zu ints, no chunksize given (automatic), vs Pool.map; %zu workers;"
        " items/s\n",
        n, pool_workers);
    std::printf("    cold: construction to last result; warm: after 64 single calls, the map alone\n");
    std::printf("   pair |   futures cold |    python cold | ratio |   futures warm |    python warm | ratio\n");
    std::vector<double> oc, ow, pc, pw;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        rate_run c, w;
        python_pair p;
        interleaved(
            rep,
            [&] {
                c = map_rate(in, false);
                w = map_rate(in, true);
            },
            [&] { p = python_map(cfg, n); });
        all_ok = all_ok && c.ok && w.ok;
        oc.push_back(c.ok ? c.rate : 0), ow.push_back(w.ok ? w.rate : 0), pc.push_back(p.cold), pw.push_back(p.warm);
        std::printf("    %3d | %14.0f | %14.0f | %4.1fx | %14.0f | %14.0f | %4.1fx%s\n", rep + 1, c.rate, p.cold,
                    p.cold > 0 ? c.rate / p.cold : 0, w.rate, p.warm, p.warm > 0 ? w.rate / p.warm : 0,
                    c.ok && w.ok ? "" : " WRONG RESULTS");
        std::fflush(stdout);
    }
    const ratios rc = ratio_stats(pair_ratios(oc, pc)), rw = ratio_stats(pair_ratios(ow, pw));
    print_ratios("futures/python, cold", rc);
    print_ratios("futures/python, warm", rw);
    std::printf("\n");
    char note[96];
    std::snprintf(note, sizeof note, "medians: futures %.2f M/s, python %.2f M/s", median(ow) / 1e6, median(pw) / 1e6);
    out.push_back({"(pc) process map items/s, warm, vs Pool.map", 5.0, rw, !all_ok, median(pw) <= 0, note});
    std::snprintf(note, sizeof note, "medians: futures %.2f M/s, python %.2f M/s", median(oc) / 1e6, median(pc) / 1e6);
    out.push_back({"(pc) process map items/s, cold, vs Pool.map", 0, rc, !all_ok, median(pc) <= 0, note});
}

}  // namespace bench

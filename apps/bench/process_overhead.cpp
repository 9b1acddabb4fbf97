// Workloads (pa) and (pb): the cost of the process pool itself, with no-op tasks,
// against Python's ProcessPoolExecutor as python_anchors.py measures it. The script
// measures each of its rows once per run, so a pair here is one run of our (pa) and
// (pb) and one run of the script, back to back, alternating which goes first; both
// rows take their pairs from the same runs. 2 workers on both sides, the same N.
#include <cstdio>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

// The registered tasks: this executable is relaunched as the pool's workers
// (main.cpp calls run_worker_if_requested first), so both sides know noop_task.
#include "../demo/tasks.hpp"
#include "harness.hpp"
#include "process_common.hpp"
#include "python.hpp"

namespace bench {
namespace {

// ---- (pa) submit + result ------------------------------------------------------------

// As the anchor: a started pool, all submits, then every result(). The anchor
// starts its workers with one call first; warm_up() does the same with 64.
rate_run submit_rate(std::size_t n) {
    futures::process_pool_executor ex(pool_workers);
    warm_up(ex);
    std::vector<futures::future<int>> fs;
    fs.reserve(n);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i) fs.push_back(ex.submit(noop_task, int(i)));
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) ok = ok && fs[i].result() == int(i);
    return {double(n) / seconds(clock::now() - t0), ok};
}

// ---- (pb) one round trip at a time ----------------------------------------------------

struct latency_run {
    double median_us = 0, p99_us = 0;
    bool ok = true;
};

latency_run round_trips(std::size_t n) {
    futures::process_pool_executor ex(pool_workers);
    warm_up(ex);
    latency_run r;
    for (int i = 0; i < 1000; ++i) r.ok = r.ok && ex.submit(noop_task, i).result() == i;  // as bench (b)
    std::vector<double> us;
    us.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto t0 = clock::now();
        const int v = ex.submit(noop_task, int(i)).result();
        us.push_back(seconds(clock::now() - t0) * 1e6);
        r.ok = r.ok && v == int(i);
    }
    r.median_us = quantile(us, 0.5);
    r.p99_us = quantile(us, 0.99);
    return r;
}

// ---- the pairs, shared by (pa) and (pb) -------------------------------------------------

struct anchor_pair {
    rate_run pa;
    latency_run pb;
    python_figures py;
};

const char* const py_submit = "process pool: submit+result no-op";
const char* const py_latency = "process pool: round-trip latency";

std::size_t anchor_n(const config& cfg) { return cfg.quick ? 20'000 : 100'000; }  // the anchor's N
std::size_t anchor_m(const config& cfg) { return cfg.quick ? 2'000 : 10'000; }    // and its M

// Run once, by whichever of (pa) and (pb) comes first; the other reuses the pairs.
const std::vector<anchor_pair>& anchor_pairs(const config& cfg) {
    static const std::vector<anchor_pair> pairs = [&] {
        std::vector<anchor_pair> ps(static_cast<std::size_t>(cfg.repeat));
        std::printf("(pa, pb) %d pairs: ours (pa then pb) and one run of python_anchors.py, alternately first\n",
                    cfg.repeat);
        for (int rep = 0; rep < cfg.repeat; ++rep) {
            auto& p = ps[static_cast<std::size_t>(rep)];
            interleaved(
                rep,
                [&] {
                    p.pa = submit_rate(anchor_n(cfg));
                    p.pb = round_trips(anchor_m(cfg));
                },
                [&] { p.py = run_anchor_script(cfg, rep == 0); });
            std::printf("    pair %d done%s%s\n", rep + 1,
                        p.py.why_not.empty() ? "" : ": python: ", p.py.why_not.c_str());
            std::fflush(stdout);
        }
        std::printf("\n");
        return ps;
    }();
    return pairs;
}

// Python's field from one run's row, 0 if the run has no such row.
double py_field(const python_figures& py, const char* name, double python_row::*field) {
    const python_row* row = py.find(name);
    return row ? row->*field : 0;
}

}  // namespace

void process_throughput(const config& cfg, std::vector<verdict>& out) {
    const auto& ps = anchor_pairs(cfg);
    std::printf("(pa) process pool throughput: submit %zu no-op tasks, then result() all; %zu workers\n", anchor_n(cfg),
                pool_workers);
    std::printf("   pair | futures items/s | python items/s | futures/python\n");
    std::vector<double> ours, theirs;
    bool all_ok = true;
    for (std::size_t i = 0; i < ps.size(); ++i) {
        all_ok = all_ok && ps[i].pa.ok;
        ours.push_back(ps[i].pa.ok ? ps[i].pa.rate : 0);  // a wrong result voids the figure
        theirs.push_back(py_field(ps[i].py, py_submit, &python_row::rate));
        std::printf("    %3zu | %15.0f | %14.0f | %13.1fx %s\n", i + 1, ps[i].pa.rate, theirs.back(),
                    theirs.back() > 0 ? ours.back() / theirs.back() : 0, ps[i].pa.ok ? "" : "WRONG RESULTS");
    }
    const ratios r = ratio_stats(pair_ratios(ours, theirs));
    print_ratios("futures/python", r);
    std::printf("\n");
    char note[96];
    std::snprintf(note, sizeof note, "medians: futures %.0f/s, python %.0f/s", median(ours), median(theirs));
    out.push_back({"(pa) process submit+result, vs Python", 30.0, r, !all_ok, median(theirs) <= 0, note});
}

void process_round_trip(const config& cfg, std::vector<verdict>& out) {
    const auto& ps = anchor_pairs(cfg);
    std::printf("(pb) process pool latency: %zu sequential submit -> result round trips; %zu workers; us\n",
                anchor_m(cfg), pool_workers);
    std::printf("   pair | futures median |     p99 | python median |     p99 | python/futures median | p99\n");
    std::vector<double> om, op, tm, tp;
    bool all_ok = true;
    for (std::size_t i = 0; i < ps.size(); ++i) {
        const auto& p = ps[i];
        all_ok = all_ok && p.pb.ok;
        om.push_back(p.pb.median_us), op.push_back(p.pb.p99_us);
        tm.push_back(py_field(p.py, py_latency, &python_row::median_us));
        tp.push_back(py_field(p.py, py_latency, &python_row::p99_us));
        std::printf("    %3zu | %14.1f | %7.1f | %13.1f | %7.1f | %20.1fx | %4.1fx\n", i + 1, om.back(), op.back(),
                    tm.back(), tp.back(), tm.back() / om.back(), tp.back() / op.back());
    }
    const ratios rm = ratio_stats(pair_ratios(tm, om)), rp = ratio_stats(pair_ratios(tp, op));
    print_ratios("python/futures median", rm);
    print_ratios("python/futures p99", rp);
    std::printf("\n");
    // Target: our median at most 1/4 of Python's, i.e. python/futures >= 4.
    char note[96];
    std::snprintf(note, sizeof note, "medians: futures %.1f us, python %.1f us", median(om), median(tm));
    out.push_back({"(pb) process round trip, Python/futures median", 4.0, rm, !all_ok, median(tm) <= 0, note});
    std::snprintf(note, sizeof note, "medians: futures %.1f us, python %.1f us", median(op), median(tp));
    out.push_back({"(pb) process round trip, Python/futures p99", 0, rp, !all_ok, median(tp) <= 0, note});
}

}  // namespace bench

// Workloads (pa), (pb), (pc): the cost of the process pool itself, with no-op tasks,
// against Python's ProcessPoolExecutor / multiprocessing.Pool measured by
// python_anchors.py in the same run (python.hpp). 2 workers on both sides.
#include <cstdio>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

// The registered tasks: this executable is relaunched as the pool's workers
// (main.cpp calls run_worker_if_requested first), so both sides know noop_task.
#include "../demo/tasks.hpp"
#include "harness.hpp"
#include "python.hpp"

namespace bench {
namespace {

constexpr std::size_t workers = 2;

// Starts both workers before anything is timed: Python's pool (fork) has all its
// workers once the anchors' first ex.submit(noop, 0).result() returns, and its
// Pool forks them in the constructor. Returns how many workers are up.
std::size_t warm_up(futures::process_pool_executor& ex) {
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 64; ++i) fs.push_back(ex.submit(noop_task, i));
    for (auto& f : fs) f.result();
    return ex.worker_pids().size();
}

// A Python figure next to ours, or a note that there is none (then no verdict).
double python_value(const python_figures& py, const char* name, double python_row::*field) {
    const python_row* row = py.find(name);
    if (row && row->*field > 0) return row->*field;
    std::printf("    (no python figure for \"%s\" (%s): no verdict)\n", name,
                py.why_not.empty() ? "not in its output" : py.why_not.c_str());
    return 0;
}

// ---- (pa) submit + result ------------------------------------------------------------

struct rate_run {
    double rate;
    bool ok;
};

// As the anchor: all submits, then every result(). Start-up is outside the timing.
rate_run submit_rate(std::size_t n) {
    futures::process_pool_executor ex(workers);
    warm_up(ex);
    std::vector<futures::future<int>> fs;
    fs.reserve(n);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i) fs.push_back(ex.submit(noop_task, int(i)));
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) ok = ok && fs[i].result() == int(i);
    return {double(n) / seconds(clock::now() - t0), ok};
}

// ---- (pc) map with the automatic chunksize ---------------------------------------------

rate_run map_rate(std::size_t n) {
    std::vector<int> in(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = int(i);
    futures::process_pool_executor ex(workers);
    warm_up(ex);
    const auto t0 = clock::now();
    bool ok = true;
    int expect = 0;
    for (int r : ex.map(noop_task, in)) ok = ok && r == expect++;  // consumed, as Pool.map's list
    return {double(n) / seconds(clock::now() - t0), ok && expect == int(n)};
}

// Shared by (pa) and (pc): repeats, a table, one verdict against Python's rate.
void rate_table(const config& cfg, std::size_t n, rate_run (*fn)(std::size_t), const char* python_name,
                const char* what, double target, std::vector<verdict>& out) {
    const double py_rate = python_value(python_anchors(cfg), python_name, &python_row::rate);
    std::printf("    python: %s = %.0f items/s (its own N)\n", python_name, py_rate);
    std::printf("    rep | futures items/s | futures/python\n");
    std::vector<double> rates;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        const rate_run r = fn(n);
        all_ok = all_ok && r.ok;
        rates.push_back(r.ok ? r.rate : 0);  // a wrong result voids the figure
        std::printf("    %3d | %15.0f | %13.1fx %s\n", rep + 1, r.rate, py_rate > 0 ? r.rate / py_rate : 0,
                    r.ok ? "" : "WRONG RESULTS");
        std::fflush(stdout);
    }
    const spread s = summarize(rates, true);
    const double k = py_rate > 0 ? 1 / py_rate : 0;
    std::printf("   best | %15.0f | %13.1fx\n median | %15.0f | %13.1fx\n\n", s.best, s.best * k, s.median,
                s.median * k);
    out.push_back({what, target, s.best * k, s.median * k, !all_ok, py_rate <= 0});
    out.back().note = "futures " + std::to_string(long(s.best)) + "/s, python " + std::to_string(long(py_rate)) + "/s";
}

}  // namespace

void process_throughput(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 20'000 : 100'000;  // the anchor's N
    const auto& py = python_anchors(cfg);
    std::printf("(pa) process pool throughput: submit %zu no-op tasks, then result() all; %zu workers\n", n, workers);
    for (const char* ref : {"thread pool: submit+result no-op", "loky: submit+result no-op"})
        if (const auto* r = py.find(ref)) std::printf("    python, for reference: %s = %.0f items/s\n", ref, r->rate);
    rate_table(cfg, n, submit_rate, "process pool: submit+result no-op", "(pa) process submit+result, vs Python", 30.0,
               out);
}

void process_map(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 100'000 : 1'000'000;
    const auto& py = python_anchors(cfg);
    std::printf("(pc) process pool map over %zu ints, no chunksize given (automatic); %zu workers\n", n, workers);
    std::printf("    (the anchor maps %s ints: the rates are compared, not the times)\n",
                cfg.quick ? "20,000" : "100,000");
    for (const char* ref : {"process pool: map no-op chunksize=1", "process pool: map no-op chunksize=N/(4W)"})
        if (const auto* r = py.find(ref)) std::printf("    python, for reference: %s = %.0f items/s\n", ref, r->rate);
    rate_table(cfg, n, map_rate, "multiprocessing.Pool.map no-op (auto chunk)", "(pc) process map items/s, vs Pool.map",
               5.0, out);
}

void process_round_trip(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 2'000 : 10'000;  // the anchor's M
    const auto& py = python_anchors(cfg);
    const char* name = "process pool: round-trip latency";
    std::printf("(pb) process pool latency: %zu sequential submit -> result round trips; %zu workers; us\n", n,
                workers);
    const double py_med = python_value(py, name, &python_row::median_us);
    const double py_p99 = py.find(name) ? py.find(name)->p99_us : 0;
    std::printf("    python: %s median %.1f us, p99 %.1f us\n", name, py_med, py_p99);
    std::printf("    rep | futures median |     p99 | python/futures (medians) | (p99s)\n");
    std::vector<double> med, p99;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        futures::process_pool_executor ex(workers);
        warm_up(ex);
        for (int i = 0; i < 1000; ++i) all_ok = all_ok && ex.submit(noop_task, i).result() == i;  // as bench (b)
        std::vector<double> us;
        us.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto t0 = clock::now();
            const int r = ex.submit(noop_task, int(i)).result();
            us.push_back(seconds(clock::now() - t0) * 1e6);
            all_ok = all_ok && r == int(i);
        }
        med.push_back(quantile(us, 0.5));
        p99.push_back(quantile(us, 0.99));
        std::printf("    %3d | %14.1f | %7.1f | %23.1fx | %5.1fx\n", rep + 1, med.back(), p99.back(),
                    med.back() > 0 ? py_med / med.back() : 0, p99.back() > 0 ? py_p99 / p99.back() : 0);
        std::fflush(stdout);
    }
    const spread m = summarize(med, false), p = summarize(p99, false);
    std::printf("   best | %14.1f | %7.1f | %23.1fx | %5.1fx\n", m.best, p.best, py_med / m.best, py_p99 / p.best);
    std::printf(" median | %14.1f | %7.1f | %23.1fx | %5.1fx\n\n", m.median, p.median, py_med / m.median,
                py_p99 / p.median);
    // Target: our median at most 1/4 of Python's, i.e. python/futures >= 4.
    char note[96];
    std::snprintf(note, sizeof note, "futures %.1f us, python %.1f us", m.best, py_med);
    out.push_back({"(pb) process round trip, Python/futures median", 4.0, py_med / m.best, py_med / m.median, !all_ok,
                   py_med <= 0, note});
    std::snprintf(note, sizeof note, "futures %.1f us, python %.1f us", p.best, py_p99);
    out.push_back({"(pb) process round trip, Python/futures p99", 0, py_p99 / p.best, py_p99 / p.median, !all_ok,
                   py_p99 <= 0, note});
}

}  // namespace bench

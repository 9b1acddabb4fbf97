#pragma once
// A plain benchmark harness: timers, best/median over repeats, and the verdicts that
// main.cpp prints in its summary. No framework, so the output can go into README as is.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

struct config {
    bool quick = false;  // smaller N: a CI smoke run, figures not meaningful
    int repeat = 3;      // each measurement is repeated; best and median are reported
    std::string python;  // the interpreter that runs python_anchors.py; empty: no Python
    // Relative to the repo root, where cmake/run.sh runs the bench; --anchors overrides.
    std::string anchors = "../shared/bench/python_anchors.py";
};

/// One line of the final summary: a target ratio and what was measured. Targets are
/// judged on the best-of-R figures (the machine is shared: noise only ever slows a
/// run down, so the best run is the closest to what the code can do); the ratio of
/// the medians is printed next to it as a check.
struct verdict {
    std::string what;    // e.g. "(a) throughput futures/asio"
    double target;       // the ratio must be >= target; <= 0 means "for reference"
    double best_ratio;
    double median_ratio;
    bool wrong_results = false;  // a correctness failure: main() exits non-zero
    bool no_reference = false;   // the Python figure to compare with is missing
    std::string note{};          // the absolute figures behind the ratio, for the summary
};

/// A named workload; main.cpp keeps the list. The process-pool workloads are meant
/// to be added there the same way, as more rows.
struct workload {
    const char* name;
    const char* title;
    void (*run)(const config&, std::vector<verdict>&);
};

void throughput(const config&, std::vector<verdict>&);   // (a)
void round_trip(const config&, std::vector<verdict>&);   // (b)
void gcd_speedup(const config&, std::vector<verdict>&);  // (c)
// The process pool against Python's, in the same run (process_*.cpp).
void process_throughput(const config&, std::vector<verdict>&);  // (pa)
void process_round_trip(const config&, std::vector<verdict>&);  // (pb)
void process_map(const config&, std::vector<verdict>&);         // (pc)
void process_gcd(const config&, std::vector<verdict>&);         // (pd)
void process_start(const config&, std::vector<verdict>&);       // (pe)

using clock = std::chrono::steady_clock;

inline double seconds(clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// q-quantile (0..1) of xs, nearest rank; sorts xs.
inline double quantile(std::vector<double>& xs, double q) {
    std::sort(xs.begin(), xs.end());
    if (xs.empty()) return 0;
    const auto i = static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1) + 0.5);
    return xs[std::min(i, xs.size() - 1)];
}

/// Best and median of one figure over the repeats.
struct spread {
    double best = 0;
    double median = 0;
};
/// For figures where bigger is better (tasks/s, speedup) pass higher_is_better.
inline spread summarize(std::vector<double> xs, bool higher_is_better) {
    spread s;
    s.median = quantile(xs, 0.5);
    s.best = higher_is_better ? xs.back() : xs.front();  // quantile() sorted xs
    return s;
}

/// Runs a then b on even repeats and b then a on odd ones, so that neither side
/// always gets the warmer (or the quieter) slot.
template <class A, class B>
void interleaved(int rep, A&& a, B&& b) {
    if (rep % 2 == 0) {
        a();
        b();
    } else {
        b();
        a();
    }
}

}  // namespace bench

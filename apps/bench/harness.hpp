#pragma once
// A plain benchmark harness: timers, paired repetitions, ratio statistics and the
// verdicts that main.cpp prints in its summary. No framework, so the output can go into README as is.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

struct config {
    bool quick = false;   // smaller N: a CI smoke run, figures not meaningful
    int repeat = 3;       // pairs per row: each side runs this often, alternately
    std::string python;   // the interpreter that runs the Python side; empty: no Python
    std::string anchors;  // python_anchors.py; main() finds it next to the repository
};

/// Min, median and max of one row's per-pair ratios. A pair is one run of each
/// side, back to back (alternating which goes first), so both see the same
/// machine; the ratio of a pair is the only figure that compares like with like.
struct ratios {
    double min = 0, median = 0, max = 0;
    std::size_t pairs = 0;
};

/// One line of the final summary: a target and the pair ratios measured. The
/// verdict is on the median pair ratio: half the pairs did at least that well.
struct verdict {
    std::string what;  // e.g. "(a) throughput futures/asio"
    double target;     // the median ratio must be >= target; <= 0 means "for reference"
    ratios r;
    bool wrong_results = false;  // a correctness failure: main() exits non-zero
    bool no_reference = false;   // the figure to compare with is missing
    std::string note{};          // the absolute figures behind the ratio (medians), for the summary
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
void process_throughput(const config&, std::vector<verdict>&);      // (pa)
void process_round_trip(const config&, std::vector<verdict>&);      // (pb)
void process_map(const config&, std::vector<verdict>&);             // (pc)
void process_gcd(const config&, std::vector<verdict>&);             // (pd)
void process_start(const config&, std::vector<verdict>&);           // (pe)
void process_payloads(const config&, std::vector<verdict>&);        // (pl)
void payload_threshold_scan(const config&, std::vector<verdict>&);  // (pl-scan)
// mpi_pool_executor against mpi4py.futures on 3 MPI ranks (mpi.cpp, apps/bench_mpi).
void mpi_rows(const config&, std::vector<verdict>&);  // (m)
// (a) cold and warm against asio and oneTBB, one child process per run (thread_cold.cpp).
void cold_throughput(const config&, std::vector<verdict>&);  // (ac)
/// `bench --throughput-child SIDE N`: one run in this fresh process, then one warm.
int throughput_child(int argc, char** argv);
inline constexpr const char* throughput_child_flag = "--throughput-child";
// One (a) run of each side: N no-op submits, then every result; tasks/s.
void noop();
double futures_throughput(std::size_t n);
double asio_throughput(std::size_t n);
// What the machine itself costs (pipes, memcpy, wakes, page faults, exec): floors.cpp.
void machine_floors(const config&, std::vector<verdict>&);  // (floors)
/// GB/s through a 1 MiB pipe, thread to thread, `total` bytes; of memcpy, 64 MiB, no faults.
double pipe_gbps(std::size_t total);
double memcpy_gbps();

using clock = std::chrono::steady_clock;

inline double seconds(clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// q-quantile (0..1) of xs, nearest rank; sorts xs.
inline double quantile(std::vector<double>& xs, double q) {
    std::sort(xs.begin(), xs.end());
    if (xs.empty()) return 0;
    const auto i = static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1) + 0.5);
    return xs[std::min(i, xs.size() - 1)];
}

/// Median of xs (the mean of the middle two for an even count); 0 if empty.
inline double median(std::vector<double> xs) {
    if (xs.empty()) return 0;
    std::sort(xs.begin(), xs.end());
    const std::size_t h = xs.size() / 2;
    return xs.size() % 2 ? xs[h] : (xs[h - 1] + xs[h]) / 2;
}

/// The per-pair ratios of a row; a pair with a zero (void) figure counts as 0.
inline ratios ratio_stats(std::vector<double> rs) {
    ratios r;
    r.pairs = rs.size();
    if (rs.empty()) return r;
    r.median = median(rs);
    r.min = *std::min_element(rs.begin(), rs.end());
    r.max = *std::max_element(rs.begin(), rs.end());
    return r;
}

/// ratios[i] = num[i] / den[i], 0 where den[i] is 0 (a missing figure).
inline std::vector<double> pair_ratios(const std::vector<double>& num, const std::vector<double>& den) {
    std::vector<double> out;
    for (std::size_t i = 0; i < num.size() && i < den.size(); ++i) out.push_back(den[i] > 0 ? num[i] / den[i] : 0);
    return out;
}

/// Prints " pairs | median x.xx (min x.xx, max x.xx)" under a row's table.
inline void print_ratios(const char* label, const ratios& r) {
    std::printf("    %s: median of %zu pair ratios %.2fx (min %.2fx, max %.2fx)\n", label, r.pairs, r.median, r.min,
                r.max);
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

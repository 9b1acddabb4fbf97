// Workload (pl): large payloads. An echo task with 1 KiB, 1 MiB and 16 MiB values
// (std::string and std::vector<double>), 2 workers, every call submitted before the
// first result is waited for, MB/s counting argument + result bytes; against
// Python's ProcessPoolExecutor echoing bytes of the same sizes
// (python_payload_anchor.py, which prints one row per size), and against this pool
// with its shared regions turned off (shm_threshold_bytes = 0: every frame down the
// pipe, as before issue 11). The machine's floors (pipe bandwidth, memcpy) are
// measured in each pair and printed beside. A pair: one run of the script, one run
// of every C++ configuration, back to back, alternately first.
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "harness.hpp"
#include "process_common.hpp"
#include "python.hpp"

namespace bench_payload {
std::string echo_string(std::string s) { return s; }
std::vector<double> echo_doubles(std::vector<double> v) { return v; }
}  // namespace bench_payload
FUTURES_TASK(echo_string_task, bench_payload::echo_string);
FUTURES_TASK(echo_doubles_task, bench_payload::echo_doubles);

namespace bench {
namespace {

struct size_case {
    std::size_t bytes, calls;
    const char* name;
};
// The anchor's sizes and call counts (python_payload_anchor.py's run() calls).
const size_case sizes[] = {{1 << 10, 2000, "1 KiB"}, {1 << 20, 200, "1 MiB"}, {16 << 20, 20, "16 MiB"}};

// MB/s moved (argument + result bytes) by `calls` echoes of `value`, all in
// flight; a fresh pool per run, warmed with no-op calls as the anchor warms its own.
template <class T>
rate_run echo_rate(const T& value, std::size_t bytes, std::size_t calls, std::size_t threshold) {
    futures::process_pool_options o;
    o.max_workers = pool_workers;
    o.shm_threshold_bytes = threshold;
    futures::process_pool_executor ex(o);
    warm_up(ex);
    std::vector<futures::future<T>> fs;
    fs.reserve(calls);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < calls; ++i) {
        if constexpr (std::is_same_v<T, std::string>)
            fs.push_back(ex.submit(echo_string_task, value));
        else
            fs.push_back(ex.submit(echo_doubles_task, value));
    }
    bool ok = true;
    for (auto& f : fs) ok = f.result().size() == value.size() && ok;
    const double s = seconds(clock::now() - t0);
    return {2.0 * double(bytes) * double(calls) / s / 1e6, ok};
}

std::string payload_anchor(const config& cfg) {
    namespace fs = std::filesystem;
    return (fs::path(cfg.anchors).parent_path() / "python_payload_anchor.py").string();
}

// "python PPE echo   1048576 B:    123.4 MB/s moved ..." -> size -> MB/s.
std::map<std::size_t, double> run_payload_anchor(const config& cfg) {
    std::map<std::size_t, double> out;
    const std::string path = payload_anchor(cfg);
    if (cfg.python.empty() || !std::filesystem::exists(path)) return out;
    static const std::regex row(R"(^python PPE echo\s+([0-9]+) B:\s+([0-9.]+) MB/s.*$)");
    const auto lines = run_python_file(cfg, path);
    for (const auto& l : lines) {
        std::smatch m;
        if (std::regex_match(l, m, row)) out[std::stoull(m[1])] = std::stod(m[2]);
        std::printf("    python| %s\n", l.c_str());
    }
    return out;
}

struct pair_figures {
    std::map<std::size_t, double> py, str, dbl, pipe;  // MB/s per size
    double pipe_floor = 0, memcpy_floor = 0;           // GB/s
    bool ok = true;
};

// `first`: the pair's number; odd pairs run the pipe-only pool first, so that
// neither side of the 1 KiB comparison always gets the warmer process.
pair_figures run_cpp(const config& cfg, int first) {
    pair_figures p;
    for (const auto& c : sizes) {
        // The 1 KiB row compares two configurations that run the same code (its
        // frames stay below the threshold): 2,000 echoes take about 20 ms here, too
        // short a window on a noisy machine, so ten times as many (a rate is
        // compared, not a duration), and each side three times, alternately.
        const bool small = c.bytes < (std::size_t(64) << 10);
        const std::size_t calls = (cfg.quick ? std::max<std::size_t>(4, c.calls / 10) : c.calls) * (small ? 10 : 1);
        const std::string s(c.bytes, 'x');
        const std::vector<double> v(c.bytes / sizeof(double), 1.5);
        const std::size_t regions = futures::process_pool_options{}.shm_threshold_bytes;
        std::vector<double> ar, dr;
        for (int t = 0; t < (small ? 6 : 2); ++t) {
            const bool pipe_turn = (t + first) % 2 == 1;
            const auto r = echo_rate(s, c.bytes, calls, pipe_turn ? 0 : regions);
            (pipe_turn ? dr : ar).push_back(r.rate);
            p.ok = p.ok && r.ok;
        }
        const auto b = echo_rate(v, c.bytes, calls, regions);
        p.str[c.bytes] = median(ar);
        p.dbl[c.bytes] = b.rate;
        p.pipe[c.bytes] = median(dr);
        p.ok = p.ok && b.ok;
    }
    p.pipe_floor = pipe_gbps(cfg.quick ? (128u << 20) : (512u << 20));
    p.memcpy_floor = memcpy_gbps();
    return p;
}

std::vector<double> column(const std::vector<pair_figures>& ps, std::map<std::size_t, double> pair_figures::*m,
                           std::size_t size) {
    std::vector<double> out;
    for (const auto& p : ps) {
        auto it = (p.*m).find(size);
        out.push_back(it == (p.*m).end() ? 0 : it->second);
    }
    return out;
}

}  // namespace

void process_payloads(const config& cfg, std::vector<verdict>& vs) {
    std::printf("(pl) large payloads: echo, 2 workers, all calls in flight, MB/s of argument + result bytes\n");
    std::printf("    python: %s (bytes; run once per pair)\n", payload_anchor(cfg).c_str());
    std::vector<pair_figures> ps(static_cast<std::size_t>(cfg.repeat));
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        auto& p = ps[std::size_t(rep)];
        interleaved(
            rep, [&] { p.py = run_payload_anchor(cfg); },
            [&] {
                const auto py = std::move(p.py);
                p = run_cpp(cfg, rep);
                p.py = py;
            });
    }
    std::printf("    %-8s | %12s | %12s | %12s | %12s | (MB/s, median of %d)\n", "size", "string", "vector<double>",
                "pipe only", "python bytes", cfg.repeat);
    for (const auto& c : sizes) {
        std::printf("    %-8s | %12.1f | %14.1f | %12.1f | %12.1f |\n", c.name,
                    median(column(ps, &pair_figures::str, c.bytes)), median(column(ps, &pair_figures::dbl, c.bytes)),
                    median(column(ps, &pair_figures::pipe, c.bytes)), median(column(ps, &pair_figures::py, c.bytes)));
    }
    std::vector<double> pf, mf;
    bool ok = true;
    for (const auto& p : ps) {
        pf.push_back(p.pipe_floor);
        mf.push_back(p.memcpy_floor);
        ok = ok && p.ok;
    }
    std::printf("    floors, same run: pipe %.2f GB/s, memcpy %.2f GB/s (one way; the echo moves each byte twice)\n\n",
                median(pf), median(mf));

    const bool no_py = ps.front().py.empty();
    auto add = [&](std::string what, double target, const std::vector<double>& num, const std::vector<double>& den,
                   bool python) {
        char note[96];
        std::snprintf(note, sizeof note, "%.0f vs %.0f MB/s", median(num), median(den));
        vs.push_back({std::move(what), target, ratio_stats(pair_ratios(num, den)), !ok, python && no_py, note});
    };
    const double targets[] = {0, 10, 20};  // 1 KiB: for reference against Python; its own target is the pipe's
    for (std::size_t i = 0; i < std::size(sizes); ++i) {
        const auto& c = sizes[i];
        const auto py = column(ps, &pair_figures::py, c.bytes);
        add(std::string("(pl) ") + c.name + " string futures/Python", targets[i],
            column(ps, &pair_figures::str, c.bytes), py, true);
        add(std::string("(pl) ") + c.name + " vector<double> futures/Python", targets[i],
            column(ps, &pair_figures::dbl, c.bytes), py, true);
    }
    // 1 KiB frames stay on the pipe: no slower than with the regions off (within 5%).
    add("(pl) 1 KiB string, regions on / pipe only", 0.95, column(ps, &pair_figures::str, 1 << 10),
        column(ps, &pair_figures::pipe, 1 << 10), false);
}

void payload_threshold_scan(const config& cfg, std::vector<verdict>&) {
    std::printf(
        "(pl-scan) where shared memory starts to pay: echo of a std::string, 2 workers, every call in\n"
        "    flight (128 MiB each way, 16 calls at least), MB/s (argument + result bytes), median of %d;\n"
        "    pipe only vs every frame through the regions\n",
        cfg.repeat);
    std::printf("    %-9s | %10s | %10s\n", "size", "pipe", "regions");
    for (std::size_t kib : {64, 256, 1024, 2048, 4096, 8192}) {
        const std::string s(kib << 10, 'x');
        // About 128 MiB each way per run, at least 16 calls.
        const std::size_t calls = cfg.quick ? 16 : std::max<std::size_t>(16, (std::size_t(128) << 10) / kib);
        std::vector<double> pipe, shm;
        for (int rep = 0; rep < cfg.repeat; ++rep)
            interleaved(
                rep, [&] { pipe.push_back(echo_rate(s, s.size(), calls, 0).rate); },
                [&] { shm.push_back(echo_rate(s, s.size(), calls, 1).rate); });
        std::printf("    %5zu KiB | %10.1f | %10.1f\n", kib, median(pipe), median(shm));
        std::fflush(stdout);
    }
    std::printf("\n");
}

}  // namespace bench

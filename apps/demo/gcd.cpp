// Seeds 000 and 003: the brute-force gcd over their pairs, serial and then through
// thread_pool_executor.map with 2 and 4 workers. In Python the threads gave no
// speedup (the GIL); in C++ they run on separate cores, which is what this shows.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <futures/thread_pool_executor.hpp>

#include "demo.hpp"
#include "gcd_runs.hpp"
#include "gcd_workload.hpp"

namespace demo {
namespace {

std::string to_list(const results_t& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

struct dataset {
    const char* name;
    const std::vector<gcd_workload::pair>* pairs;
    const results_t* expected;  // what the seed prints, when it prints it
    const char* python;         // the seed's own figures, for contrast
};

// The machine is shared (other builds come and go), so each run is repeated and the
// best time kept: noise only ever adds time. Runs are interleaved so all see it alike.
constexpr int repeats = 3;

// Prints one dataset's table; returns the 2-worker speedup (0 on a mismatch).
double run_dataset(const dataset& d, int& status) {
    std::printf("-- seed %s: %zu pairs, best of %d --\n", d.name, d.pairs->size(), repeats);
    std::fflush(stdout);
    const std::size_t workers[] = {2, 4};
    double best_serial = 1e300, best_pool[2] = {1e300, 1e300};
    bool same[2] = {true, true};
    results_t serial_results;
    for (int rep = 0; rep < repeats; ++rep) {
        timed s = run_serial(*d.pairs);
        best_serial = std::min(best_serial, s.seconds);
        if (rep == 0) serial_results = std::move(s.results);
        for (int w = 0; w < 2; ++w) {
            const timed t = run_threads(*d.pairs, workers[w]);
            best_pool[w] = std::min(best_pool[w], t.seconds);
            same[w] = same[w] && t.results == serial_results;
        }
    }

    std::printf("serial results: %s", to_list(serial_results).c_str());
    if (d.expected) {
        const bool ok = serial_results == *d.expected;
        if (!ok) status = 1;
        std::printf("  (seed prints %s: %s)", to_list(*d.expected).c_str(), ok ? "OK" : "MISMATCH");
    }
    std::printf("\n");
    std::printf("%-26s | workers | seconds | speedup | results vs serial\n", "run");
    std::printf("%-26s | %7s | %7.3f | %7.2f | %s\n", "serial map(gcd, pairs)", "-", best_serial, 1.0, "-");
    for (int w = 0; w < 2; ++w) {
        if (!same[w]) status = 1;
        std::printf("%-26s | %7zu | %7.3f | %7.2f | %s\n", "thread_pool_executor.map", workers[w], best_pool[w],
                    best_serial / best_pool[w], same[w] ? "OK" : "MISMATCH");
    }
    std::printf("python, in the seed: %s\n\n", d.python);
    std::fflush(stdout);
    return same[0] ? best_serial / best_pool[0] : 0;
}

}  // namespace

int gcd() {
    const unsigned cores = std::thread::hardware_concurrency();
    std::printf("== seeds 000 / 003: brute-force gcd, serial vs thread_pool_executor.map (nproc=%u) ==\n", cores);
    int status = 0;
    const double s000 = run_dataset({"000", &gcd_workload::seed_000_pairs, &gcd_workload::seed_000_expected,
                                     "serial 0.967/0.827/0.882 s, ThreadPoolExecutor(4) 0.916/0.892/0.875 s"},
                                    status);
    const double s003 = run_dataset(
        {"003", &gcd_workload::seed_003_pairs, nullptr, "serial 5.643 s, ThreadPoolExecutor(8) 5.810 s"}, status);
    // The contrast the seeds set up: their thread pools were no faster than serial.
    // The 2-worker speedup needs a second idle core, so say so when there was none.
    const double best = std::max(s000, s003);
    if (best >= 1.5) {
        std::printf(
            "C++ threads DO speed up CPU-bound gcd (no GIL): x%.2f (seed 000) and x%.2f (seed 003) with 2 "
            "workers, where the seeds' Python threads gave none (x~1.0, or slower).\n",
            s000, s003);
    } else {
        double load[1] = {0};
        getloadavg(load, 1);
        std::printf(
            "C++ threads have no GIL and should speed gcd up ~2x on 2 idle cores, but measured only x%.2f / "
            "x%.2f: the machine is busy (load average %.2f on %u cores); rerun when it is idle.\n",
            s000, s003, load[0], cores);
    }
    if (cores < 4)
        std::printf("(4 workers cannot beat 2 here: only %u cores, as seed 004 found with its 2-core laptop.)\n",
                    cores);
    std::printf("\n");
    return status;
}

}  // namespace demo

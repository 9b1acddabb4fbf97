// Workload (ac): (a)'s burst in a fresh process. A million tasks alive at once touch
// ~140 MB that a fresh process has never touched; (a)'s best runs hide that, since
// they reuse memory earlier runs faulted in. Each run here is a child process
// (`bench --throughput-child SIDE N`) that measures one cold burst, then one warm one
// in the same process; the children of a pair run back to back, in rotating order,
// against boost::asio::thread_pool + use_future and oneTBB's task_arena + enqueue
// with a std::promise per task.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#ifdef FUTURES_BENCH_TBB
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#endif

#include "harness.hpp"

namespace bench {
namespace {

constexpr std::size_t workers = 2;
const char* const sides[] = {"futures", "asio", "tbb"};
constexpr std::size_t side_count = 3;

#ifdef FUTURES_BENCH_TBB
// oneTBB runs an enqueued functor as const: the promise it fulfils is mutable.
struct tbb_call {
    mutable std::promise<void> done;
    void operator()() const {
        noop();
        done.set_value();
    }
};

// An arena of 2 with no slot kept for this thread: both run enqueued tasks, as the
// other sides' 2 workers do. Its threads come up before the timing, as theirs.
double tbb_throughput(std::size_t n) {
    // oneTBB's default allows cores - 1 worker threads (the main thread is the
    // other): raise it so that the arena really gets its 2.
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, workers + 1);
    tbb::task_arena arena(static_cast<int>(workers), 0);
    arena.initialize();
    std::vector<std::future<void>> fs;
    fs.reserve(n);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        tbb_call c;
        fs.push_back(c.done.get_future());
        arena.enqueue(std::move(c));
    }
    for (auto& f : fs) f.get();
    return static_cast<double>(n) / seconds(clock::now() - t0);
}
#endif

double run_side(const std::string& side, std::size_t n) {
    if (side == "futures") return futures_throughput(n);
    if (side == "asio") return asio_throughput(n);
#ifdef FUTURES_BENCH_TBB
    if (side == "tbb") return tbb_throughput(n);
#endif
    return 0;
}

struct cold_warm {
    double cold = 0, warm = 0;
};

// One child: "<cold> <warm>" on its stdout; zeros if it failed.
cold_warm run_child(const std::string& side, std::size_t n) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string cmd = "'" + self + "' " + throughput_child_flag + " " + side + " " + std::to_string(n);
    std::fflush(stdout);
    cold_warm r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    if (std::fscanf(p, "%lf %lf", &r.cold, &r.warm) != 2) r = {};
    if (::pclose(p) != 0) r = {};
    return r;
}

void add_verdicts(const char* what, const std::vector<double>& ours, const std::vector<double>& theirs, double target,
                  std::vector<verdict>& out) {
    const ratios r = ratio_stats(pair_ratios(ours, theirs));
    print_ratios(what, r);
    char note[96];
    std::snprintf(note, sizeof note, "medians: futures %.2f M/s, peer %.2f M/s", median(ours) / 1e6,
                  median(theirs) / 1e6);
    out.push_back({what, target, r, false, median(theirs) <= 0, note});
}

}  // namespace

int throughput_child(int argc, char** argv) {
    if (argc != 4) return 2;
    const std::size_t n = std::strtoull(argv[3], nullptr, 10);
    const double cold = run_side(argv[2], n);
    const double warm = run_side(argv[2], n);
    std::printf("%.0f %.0f\n", cold, warm);
    return cold > 0 ? 0 : 3;
}

void cold_throughput(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 100'000 : 1'000'000;
    std::printf("(ac) throughput in fresh processes: submit %zu no-op tasks, then result() all; %zu workers\n", n,
                workers);
    std::printf("    cold: the first burst of a fresh process; warm: a second one in the same process\n");
#ifndef FUTURES_BENCH_TBB
    std::printf("    (built without oneTBB: install libtbb-dev and rebuild for its columns)\n");
#endif
    std::printf("   pair | futures cold |  warm | asio cold |  warm | tbb cold |  warm | (M tasks/s)\n");
    std::vector<double> cold[side_count], warm[side_count];
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        cold_warm got[side_count];
        for (std::size_t k = 0; k < side_count; ++k) {  // rotate who goes first
            const std::size_t s = (k + static_cast<std::size_t>(rep)) % side_count;
            got[s] = run_child(sides[s], n);
        }
        for (std::size_t s = 0; s < side_count; ++s) cold[s].push_back(got[s].cold), warm[s].push_back(got[s].warm);
        std::printf("    %3d | %12.2f | %5.2f | %9.2f | %5.2f | %8.2f | %5.2f |\n", rep + 1, got[0].cold / 1e6,
                    got[0].warm / 1e6, got[1].cold / 1e6, got[1].warm / 1e6, got[2].cold / 1e6, got[2].warm / 1e6);
        std::fflush(stdout);
    }
    add_verdicts("(ac) cold throughput, futures/asio", cold[0], cold[1], 5.0, out);
    add_verdicts("(ac) cold throughput, futures/oneTBB", cold[0], cold[2], 2.0, out);
    add_verdicts("(ac) warm throughput, futures/asio", warm[0], warm[1], 0, out);
    add_verdicts("(ac) warm throughput, futures/oneTBB", warm[0], warm[2], 0, out);
    std::printf("\n");
}

}  // namespace bench

// Seed 002, part (3): multiprocessing.Pool vs ProcessPoolExecutor over
// f(x) = sum_{k=1}^{K+1} x ** (1 / k ** 1.5), K = 50, x in 1..99999, 3 workers (the
// seed's Pool(3) / max_workers=3). The seed's point: one call per item (chunksize=1,
// ProcessPoolExecutor's default) drowns in IPC, 20.9 s against 1.0 s with chunks.
// Here: chunksize=1, the seed's explicit divmod(N, 4W), and no chunksize at all,
// which our pool turns into ceil(N / 4W) clamped to 1024 per call.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include <futures/process_pool_executor.hpp>

#include "demo.hpp"
#include "tasks.hpp"

namespace demo {
namespace {

constexpr std::size_t workers = 3;
constexpr int n_items = 99999;  // NUMBERS = range(1, 100000)

struct row {
    const char* name;
    std::optional<std::size_t> chunksize;  // unset: automatic
    const char* python;                    // the seed's figure for the same idea
};

// One `with ProcessPoolExecutor(...)` block of the seed: pool start-up is timed too.
double run(const std::vector<int>& numbers, const row& r, std::vector<double>& out) {
    const auto start = std::chrono::steady_clock::now();
    out.clear();
    out.reserve(numbers.size());
    {
        futures::process_pool_executor executor(workers);
        for (double v : executor.map(seed_002_f_task, numbers, futures::map_options{.chunksize = r.chunksize}))
            out.push_back(v);
    }
    return seconds_since(start);
}

}  // namespace

int chunksize() {
    std::vector<int> numbers;
    for (int x = 1; x <= n_items; ++x) numbers.push_back(x);
    const std::size_t explicit_chunk = numbers.size() / (workers * 4);  // divmod(len, W * 4)[0]
    std::printf("== seed 002: map(f, 1..%d), K=50, process_pool_executor(%zu): chunksize matters ==\n", n_items,
                workers);
    std::fflush(stdout);

    // The serial loop, for scale and as the reference every pool result must equal
    // bit for bit (same function, same machine, binary archives).
    std::vector<double> serial;
    serial.reserve(numbers.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (int x : numbers) serial.push_back(demo_tasks::seed_002_f(x));
    const double serial_s = seconds_since(t0);

    const row rows[] = {
        {"chunksize=1", 1, "ProcessPoolExecutor without chunksize (=1): 20.883 s"},
        {"chunksize=N/(4W)", explicit_chunk, "ProcessPoolExecutor, chunksize=N/(4W): 1.076 s"},
        {"no chunksize (automatic)", std::nullopt, "multiprocessing.Pool(3).map, auto chunks: 1.018 s"},
    };
    std::printf("%-26s | chunk | seconds |     items/s | vs serial | results | python, in the seed\n", "run");
    std::printf("%-26s | %5s | %7.3f | %11.0f | %8.2fx | %7s | -\n", "serial loop (no pool)", "-", serial_s,
                n_items / serial_s, 1.0, "-");
    int status = 0;
    std::vector<double> out;
    for (const auto& r : rows) {
        const double s = run(numbers, r, out);
        const bool ok = out == serial;
        if (!ok) status = 1;
        const std::size_t chunk = r.chunksize
                                      ? *r.chunksize
                                      : std::min<std::size_t>(1024, (numbers.size() + 4 * workers - 1) / (4 * workers));
        std::printf("%-26s | %5zu | %7.3f | %11.0f | %8.2fx | %7s | %s\n", r.name, chunk, s, n_items / s, serial_s / s,
                    ok ? "OK" : "MISMATCH", r.python);
        std::fflush(stdout);
    }
    std::printf(
        "(timings include starting the %zu workers, as the seed's `with` blocks do; the chunk column for\n"
        " 'automatic' is what the pool documents: ceil(N / (4 * workers)) clamped to [1, 1024])\n\n",
        workers);
    return status;
}

}  // namespace demo

// The demo's MPI part: seeds 000/003 (gcd) and 002 (fib) on mpi_pool_executor, the
// same tasks as the process demos (apps/demo/tasks.hpp), on the serving ranks of
//     mpiexec -n 3 ./demo_mpi            (bash cmake/run.sh demo runs it so)
// Rank 0 prints; ranks 1 and 2 serve. Exit status 1 if a result is wrong.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <unordered_map>
#include <vector>

#include <futures/as_completed.hpp>
#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>

#include "../demo/demo.hpp"
#include "../demo/tasks.hpp"

namespace {

using demo::seconds_since;
using gcd_workload::pair;

// Seeds 000/003: serial, then map(gcd, pairs) on the serving ranks, best of 3,
// the pool built inside the timed region as in the seeds.
int gcd_seed(const char* name, const std::vector<pair>& pairs) {
    double serial = 1e300, ranks = 1e300;
    std::vector<std::int64_t> want, got;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        want = gcd_workload::serial(pairs);
        serial = std::min(serial, seconds_since(t0));
        t0 = std::chrono::steady_clock::now();
        got.clear();
        {
            futures::mpi_pool_executor pool;
            for (std::int64_t g : pool.map(gcd_task, pairs, futures::map_options{.chunksize = 1})) got.push_back(g);
        }
        ranks = std::min(ranks, seconds_since(t0));
    }
    const bool same = got == want;
    std::printf("-- seed %s: %zu pairs, best of 3 --\n", name, pairs.size());
    std::printf("%-26s | workers | seconds | speedup | results vs serial\n", "run");
    std::printf("%-26s | %7s | %7.3f | %7.2f | %s\n", "serial map(gcd, pairs)", "-", serial, 1.0, "-");
    std::printf("%-26s | %7d | %7.3f | %7.2f | %s\n\n", "mpi_pool_executor.map", futures::mpi::size() - 1, ranks,
                serial / ranks, same ? "OK" : "MISMATCH");
    return same ? 0 : 1;
}

// Seed 002: submit + as_completed with a fib that raises at 31, then map.
int fib_seed() {
    std::printf("-- seed 002: fib(15..31), submit + as_completed, fib raises at n == 31 --\n");
    int status = 0, ok = 0, errors = 0;
    const auto start = std::chrono::steady_clock::now();
    {
        futures::mpi_pool_executor executor;
        std::vector<futures::future<std::int64_t>> fs;
        std::unordered_map<const void*, int> num_of;
        for (int n = 15; n <= 31; ++n) {
            fs.push_back(executor.submit(fib_raising_task, n));
            num_of[fs.back().native_state()] = n;
        }
        for (auto& f : futures::as_completed(fs)) {
            const int num = num_of.at(f.native_state());
            try {
                const std::int64_t r = f.result();
                const bool good = r == demo_tasks::fib(num);
                ok += good;
                std::printf("fib(%d) = %lld%s\n", num, static_cast<long long>(r), good ? "" : "  <-- MISMATCH");
            } catch (const std::runtime_error& e) {
                ++errors;
                const auto* d = futures::remote_details_of(e);
                std::printf("Raise error: %s\n  remote type: %s (serving rank %d)\n", e.what(),
                            d ? d->remote_type().c_str() : "?", d ? int(d->remote_pid()) : -1);
                if (num != 31) status = 1;
            }
        }
    }
    std::printf("COST: %.3f s  (%d results, %d error; expected 16 and 1)\n", seconds_since(start), ok, errors);
    if (ok != 16 || errors != 1) status = 1;
    std::vector<int> numbers;
    for (int n = 15; n <= 31; ++n) numbers.push_back(n);
    const auto t0 = std::chrono::steady_clock::now();
    int got = 0;
    {
        futures::mpi_pool_executor executor;
        auto it = numbers.begin();
        for (std::int64_t r : executor.map(fib_task, numbers)) got += r == demo_tasks::fib(*it++);
    }
    std::printf("map(fib, 15..31): %d of 17 right, %.3f s\n\n", got, seconds_since(t0));
    return got == 17 ? status : 1;
}

}  // namespace

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);  // ranks 1.. serve and exit here
    std::printf("== MPI: mpi_pool_executor on %d serving ranks (mpiexec -n %d) ==\n", futures::mpi::size() - 1,
                futures::mpi::size());
    if (futures::mpi::size() < 2) {
        std::printf("demo_mpi: run it under mpiexec -n 3\n");
        return 2;
    }
    int status = gcd_seed("000", gcd_workload::seed_000_pairs);
    status |= gcd_seed("003", gcd_workload::seed_003_pairs);
    status |= fib_seed();
    std::printf("demo_mpi: %s\n", status == 0 ? "all checks OK" : "some checks FAILED");
    return status;
}

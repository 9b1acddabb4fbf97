// The C++ side of the bench's MPI rows: what mpi4py.futures' static mode is timed on
// (apps/bench/mpi.cpp holds the Python twin), on mpi_pool_executor:
//     mpiexec -n 3 ./bench_mpi [--quick]
// Prints one line per figure, in the shapes apps/bench/mpi.cpp parses:
//     <name>  <secs> s  <rate> items/s
//     <name>  median <us> us  p99 <us> us
// Exit status 1 if a result is wrong.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <vector>

#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>

namespace {
int noop(int x) { return x; }
}  // namespace
FUTURES_TASK(mpi_noop_task, noop);

namespace {

using clk = std::chrono::steady_clock;
double since(clk::time_point t) { return std::chrono::duration<double>(clk::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int n_submit = quick ? 2000 : 20000, n_trips = quick ? 200 : 2000, n_map = quick ? 100000 : 1000000;
    int wrong = 0;
    futures::mpi_pool_executor ex;
    ex.bootup();
    ex.submit(mpi_noop_task, 0).result();

    auto t = clk::now();
    std::vector<futures::future<int>> fs;
    fs.reserve(std::size_t(n_submit));
    for (int i = 0; i < n_submit; ++i) fs.push_back(ex.submit(mpi_noop_task, i));
    for (int i = 0; i < n_submit; ++i) wrong += fs[std::size_t(i)].result() != i;
    double s = since(t);
    std::printf("submit+result no-op  %.4f s  %.0f items/s\n", s, n_submit / s);

    std::vector<double> lat;
    for (int i = 0; i < n_trips; ++i) {
        t = clk::now();
        wrong += ex.submit(mpi_noop_task, i).result() != i;
        lat.push_back(since(t) * 1e6);
    }
    std::sort(lat.begin(), lat.end());
    std::printf("round trip  median %.1f us  p99 %.1f us\n", lat[lat.size() / 2], lat[lat.size() * 99 / 100]);

    std::vector<int> xs(static_cast<std::size_t>(n_map));
    std::iota(xs.begin(), xs.end(), 0);
    t = clk::now();
    long long k = 0;
    for (int v : ex.map(mpi_noop_task, xs, futures::map_options{.chunksize = 1024})) wrong += v != xs[std::size_t(k++)];
    s = since(t);
    std::printf("map chunksize 1024  %.4f s  %.0f items/s\n", s, n_map / s);

    // mpi4py's unordered=True: every input once, in any order.
    std::vector<char> seen(xs.size(), 0);
    t = clk::now();
    long long u = 0;
    for (int v : ex.map(mpi_noop_task, xs, futures::map_options{.chunksize = 1024, .unordered = true})) {
        const bool fresh = v >= 0 && v < n_map && !seen[std::size_t(v)];
        wrong += !fresh;
        if (fresh) seen[std::size_t(v)] = 1;
        ++u;
    }
    s = since(t);
    std::printf("map unordered chunksize 1024  %.4f s  %.0f items/s\n", s, n_map / s);
    if (wrong || k != n_map || u != n_map) std::printf("WRONG RESULTS: %d\n", wrong);
    return wrong || k != n_map || u != n_map ? 1 : 0;
}

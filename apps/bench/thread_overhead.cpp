// Workloads (a) and (b): the cost of the executor itself, measured with no-op tasks
// on futures::thread_pool_executor and on boost::asio::thread_pool + use_future, the
// closest stock Boost equivalent of "submit a call, get a future back".
#include <cstdio>
#include <future>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <futures/thread_pool_executor.hpp>

#include "harness.hpp"

namespace bench {

void noop() {}

namespace {

constexpr std::size_t workers = 2;


// README ("Why the thread pool is fast") states the size of what submit(noop)
// allocates: the call fused with its future's state, in one allocation.
static_assert(sizeof(futures::detail::pooled_call<void, void (*)()>) == 136,
              "README states 136 bytes per no-op task: update it with this figure");

}  // namespace

// ---- (a) throughput: submit N, then result() all ---------------------------------

// Only the submits and the waits are timed: pool start-up and freeing the handles
// are outside, the same for both sides.
double futures_throughput(std::size_t n) {
    futures::thread_pool_executor ex(workers);
    std::vector<futures::future<void>> fs;
    fs.reserve(n);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i) fs.push_back(ex.submit(noop));
    for (auto& f : fs) f.result();
    return static_cast<double>(n) / seconds(clock::now() - t0);
}

double asio_throughput(std::size_t n) {
    boost::asio::thread_pool pool(workers);
    std::vector<std::future<void>> fs;
    fs.reserve(n);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < n; ++i) fs.push_back(boost::asio::post(pool, boost::asio::use_future(noop)));
    for (auto& f : fs) f.get();
    return static_cast<double>(n) / seconds(clock::now() - t0);
}

namespace {

// ---- (b) latency: one submit -> result round trip at a time -----------------------

struct latency {
    double median_us;
    double p99_us;
};

// Times each round trip on its own. A short untimed warm-up first, so that lazily
// started threads and first-touch allocations are not counted.
template <class RoundTrip>
latency measure_round_trips(std::size_t n, RoundTrip&& rt) {
    for (std::size_t i = 0; i < 1000; ++i) rt();
    std::vector<double> us;
    us.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto t0 = clock::now();
        rt();
        us.push_back(seconds(clock::now() - t0) * 1e6);
    }
    return {quantile(us, 0.5), quantile(us, 0.99)};
}

latency futures_round_trip(std::size_t n) {
    futures::thread_pool_executor ex(workers);
    return measure_round_trips(n, [&] { ex.submit(noop).result(); });
}

latency asio_round_trip(std::size_t n) {
    boost::asio::thread_pool pool(workers);
    return measure_round_trips(n, [&] { boost::asio::post(pool, boost::asio::use_future(noop)).get(); });
}

}  // namespace

void throughput(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 100'000 : 1'000'000;
    std::printf("(a) throughput: submit %zu no-op tasks, then result() all; %zu workers\n", n, workers);
    std::printf("   pair | futures tasks/s | asio tasks/s | futures/asio\n");
    std::vector<double> fut, asio;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        interleaved(
            rep, [&] { fut.push_back(futures_throughput(n)); }, [&] { asio.push_back(asio_throughput(n)); });
        std::printf("    %3d | %15.0f | %12.0f | %11.2fx\n", rep + 1, fut.back(), asio.back(),
                    fut.back() / asio.back());
        std::fflush(stdout);
    }
    const ratios r = ratio_stats(pair_ratios(fut, asio));
    print_ratios("futures/asio", r);
    std::printf("\n");
    char note[96];
    std::snprintf(note, sizeof note, "medians: futures %.2f M/s, asio %.2f M/s", median(fut) / 1e6, median(asio) / 1e6);
    out.push_back({"(a) throughput, futures/asio tasks/s", 3.0, r, false, false, note});
}

void round_trip(const config& cfg, std::vector<verdict>& out) {
    const std::size_t n = cfg.quick ? 10'000 : 100'000;
    std::printf("(b) latency: %zu sequential submit -> result round trips; %zu workers; microseconds\n", n, workers);
    std::printf("   pair | futures median |    p99 | asio median |    p99 | asio/futures (medians)\n");
    std::vector<double> fm, fp, am, ap;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        latency f{}, a{};
        interleaved(
            rep, [&] { f = futures_round_trip(n); }, [&] { a = asio_round_trip(n); });
        fm.push_back(f.median_us), fp.push_back(f.p99_us), am.push_back(a.median_us), ap.push_back(a.p99_us);
        std::printf("    %3d | %14.2f | %6.1f | %11.2f | %6.1f | %9.2fx\n", rep + 1, f.median_us, f.p99_us, a.median_us,
                    a.p99_us, a.median_us / f.median_us);
        std::fflush(stdout);
    }
    const ratios r = ratio_stats(pair_ratios(am, fm));
    print_ratios("asio/futures median round trip", r);
    std::printf("\n");
    char note[128];
    std::snprintf(note, sizeof note, "medians: futures %.2f us (p99 %.1f), asio %.2f us (p99 %.1f)", median(fm),
                  median(fp), median(am), median(ap));
    out.push_back({"(b) round trip, asio/futures median us", 3.0, r, false, false, note});
}

}  // namespace bench

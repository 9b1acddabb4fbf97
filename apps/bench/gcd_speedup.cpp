// Workload (c): the CPU-bound gcd of seed 003 (Effective Python, item 79), serial vs
// a pool of 2 workers. The seed's Python threads gave no speedup (the GIL); C++
// threads should give close to 2x on 2 cores, on either pool.
#include <cstdint>
#include <cstdio>
#include <future>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <futures/thread_pool_executor.hpp>

// The same gcd and pairs as the demo, so that both apps time the same loop.
#include "../demo/gcd_workload.hpp"
#include "harness.hpp"

namespace bench {
namespace {

constexpr std::size_t workers = 2;
using results_t = std::vector<std::int64_t>;

// Each run builds its pool inside the timed region, as the seed does; starting two
// threads costs microseconds against a run of a few hundred milliseconds.
double time_serial(const std::vector<gcd_workload::pair>& pairs, results_t& out) {
    const auto t0 = clock::now();
    out = gcd_workload::serial(pairs);
    return seconds(clock::now() - t0);
}

// list(pool.map(gcd, NUMBERS)) of the seed.
double time_futures(const std::vector<gcd_workload::pair>& pairs, results_t& out) {
    const auto t0 = clock::now();
    out.clear();
    {
        futures::thread_pool_executor pool(workers);
        for (std::int64_t g : pool.map(gcd_workload::gcd, pairs)) out.push_back(g);
    }
    return seconds(clock::now() - t0);
}

// asio has no map(): one post per pair, then get() in input order.
double time_asio(const std::vector<gcd_workload::pair>& pairs, results_t& out) {
    const auto t0 = clock::now();
    out.clear();
    {
        boost::asio::thread_pool pool(workers);
        std::vector<std::future<std::int64_t>> fs;
        for (const auto& p : pairs)
            fs.push_back(boost::asio::post(pool, boost::asio::use_future([p] { return gcd_workload::gcd(p); })));
        for (auto& f : fs) out.push_back(f.get());
    }
    return seconds(clock::now() - t0);
}

}  // namespace

void gcd_speedup(const config& cfg, std::vector<verdict>& out) {
    // --quick uses seed 000's six smaller pairs (~0.05 s serial instead of ~0.6 s).
    const auto& pairs = cfg.quick ? gcd_workload::seed_000_pairs : gcd_workload::seed_003_pairs;
    std::printf("(c) gcd of seed %s (%zu pairs): serial vs %zu workers; seconds\n", cfg.quick ? "000" : "003",
                pairs.size(), workers);
    std::printf("   pair |  serial | futures | speedup |    asio | speedup | results\n");
    std::vector<double> ts, tf, ta;
    bool all_ok = true;
    for (int rep = 0; rep < cfg.repeat; ++rep) {
        results_t rs, rf, ra;
        ts.push_back(time_serial(pairs, rs));
        interleaved(
            rep, [&] { tf.push_back(time_futures(pairs, rf)); }, [&] { ta.push_back(time_asio(pairs, ra)); });
        const bool ok = rf == rs && ra == rs;
        all_ok = all_ok && ok;
        std::printf("    %3d | %7.3f | %7.3f | %6.2fx | %7.3f | %6.2fx | %s\n", rep + 1, ts.back(), tf.back(),
                    ts.back() / tf.back(), ta.back(), ts.back() / ta.back(), ok ? "OK" : "MISMATCH");
        std::fflush(stdout);
    }
    // Each repetition times serial, then the two pools: its speedups are its pairs.
    // A wrong result voids the speedups: they count as 0, so the summary says MISS.
    if (!all_ok) tf.assign(tf.size(), 0), ta.assign(ta.size(), 0);
    const ratios f = ratio_stats(pair_ratios(ts, tf)), a = ratio_stats(pair_ratios(ts, ta));
    print_ratios("futures speedup", f);
    print_ratios("asio speedup", a);
    std::printf("\n");
    char note[96];
    std::snprintf(note, sizeof note, "medians: serial %.3f s, futures %.3f s, asio %.3f s", median(ts), median(tf),
                  median(ta));
    out.push_back({"(c) gcd speedup, futures 2 workers", 1.9, f, !all_ok, false, note});
    out.push_back({"(c) gcd speedup, asio 2 workers", 0, a});
}

}  // namespace bench

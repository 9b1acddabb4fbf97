// Stress: many calls racing with cancellation, and many pool lifecycles.
//
// Sizes: FUTURES_STRESS_N (default 200000) calls for the cancel race and
// FUTURES_STRESS_CYCLES (default 500) pool lifecycles; set them lower for sanitizer
// runs (e.g. FUTURES_STRESS_N=20000 FUTURES_STRESS_CYCLES=100).
//
// Rules followed here: no sleeping; every blocking call has a timeout or is covered
// by the watchdog (whose budget is raised for these cases); assertions only on the
// main thread — the other threads only record, into atomics.
#define BOOST_TEST_MODULE stress
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <futures/errors.hpp>
#include <futures/future.hpp>
#include <futures/thread_pool_executor.hpp>
#include <futures/wait.hpp>

#include "support/deadline.hpp"

using namespace std::chrono_literals;

namespace {

std::size_t env_size(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    return (end && *end == '\0' && n > 0) ? static_cast<std::size_t>(n) : fallback;
}

long long expected_value(std::size_t i) { return static_cast<long long>(i) * 3 + 1; }

}  // namespace

BOOST_AUTO_TEST_CASE(every_future_ends_exactly_once_under_concurrent_cancel) {
    const std::size_t n = env_size("FUTURES_STRESS_N", 200000);
    futures_test::set_deadline(std::chrono::minutes(5));  // sanitizer builds are slow
    BOOST_TEST_MESSAGE("calls: " << n);

    futures::thread_pool_executor ex(4);
    // Slots are written once by the main thread, then published through `published`;
    // cancellers only read slots below it.
    std::unique_ptr<std::optional<futures::future<long long>>[]> fs(new std::optional<futures::future<long long>>[n]);
    std::unique_ptr<std::atomic<int>[]> callbacks(new std::atomic<int>[n]);
    std::unique_ptr<std::atomic<int>[]> saw_cancelled(new std::atomic<int>[n]);
    std::unique_ptr<std::atomic<int>[]> ran(new std::atomic<int>[n]);
    for (std::size_t i = 0; i < n; ++i) {
        callbacks[i].store(0, std::memory_order_relaxed);
        saw_cancelled[i].store(0, std::memory_order_relaxed);
        ran[i].store(0, std::memory_order_relaxed);
    }
    std::atomic<std::size_t> published{0};
    std::atomic<bool> stop{false};
    std::atomic<long long> cancel_calls{0}, cancel_true{0};

    std::vector<std::thread> cancellers;
    for (unsigned t = 0; t < 3; ++t) {
        cancellers.emplace_back([&, t] {
            std::mt19937_64 rng(0x5eed + t);
            long long calls = 0, yes = 0;
            while (!stop.load(std::memory_order_acquire)) {
                std::size_t p = published.load(std::memory_order_acquire);
                if (p == 0) {
                    std::this_thread::yield();
                    continue;
                }
                // Aim mostly at the newest calls, which are the ones still queued.
                std::size_t window = std::min<std::size_t>(p, 256);
                std::size_t j = p - 1 - static_cast<std::size_t>(rng() % window);
                if (rng() % 8 == 0) j = static_cast<std::size_t>(rng() % p);  // and anywhere
                ++calls;
                if (fs[j]->cancel()) ++yes;
            }
            cancel_calls += calls;
            cancel_true += yes;
        });
    }

    for (std::size_t i = 0; i < n; ++i) {
        auto f = ex.submit([&ran, i] {
            ran[i].fetch_add(1, std::memory_order_relaxed);
            return expected_value(i);
        });
        f.add_done_callback([&callbacks, &saw_cancelled, i](const futures::future<long long>& g) {
            if (g.cancelled()) saw_cancelled[i].fetch_add(1, std::memory_order_relaxed);
            callbacks[i].fetch_add(1, std::memory_order_acq_rel);
        });
        fs[i].emplace(std::move(f));
        published.store(i + 1, std::memory_order_release);
    }

    std::vector<futures::future<long long>> all;
    all.reserve(n);
    for (std::size_t i = 0; i < n; ++i) all.push_back(*fs[i]);
    auto w = futures::wait(all, std::chrono::minutes(2), futures::return_when::all_completed);
    stop.store(true, std::memory_order_release);
    for (auto& t : cancellers) t.join();
    ex.shutdown(true);  // every callback has run once this returns (they run on workers or cancellers)

    BOOST_TEST(w.done.size() == n);
    BOOST_TEST(w.not_done.empty());

    std::size_t not_done = 0, wrong_value = 0, cancelled = 0, finished = 0, bad_callbacks = 0, cb_mismatch = 0,
                ran_when_cancelled = 0, ran_not_once = 0, unexpected_error = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& f = *fs[i];
        if (!f.done()) {
            ++not_done;
            continue;
        }
        if (callbacks[i].load() != 1) ++bad_callbacks;
        if (f.cancelled()) {
            ++cancelled;
            if (ran[i].load() != 0) ++ran_when_cancelled;
            if (saw_cancelled[i].load() != 1) ++cb_mismatch;
            try {
                (void)f.result(0s);
                ++unexpected_error;
            } catch (const futures::cancelled_error&) {
            } catch (...) {
                ++unexpected_error;
            }
        } else {
            ++finished;
            if (ran[i].load() != 1) ++ran_not_once;
            if (saw_cancelled[i].load() != 0) ++cb_mismatch;
            try {
                if (f.result(0s) != expected_value(i)) ++wrong_value;
            } catch (...) {
                ++unexpected_error;
            }
        }
    }
    BOOST_TEST_MESSAGE("cancelled " << cancelled << ", finished " << finished << "; cancel() calls "
                                    << cancel_calls.load() << ", returned true " << cancel_true.load());
    BOOST_TEST(not_done == 0u);
    // A future cancels at most once, and only through a cancel() that returned
    // true (which a repeated cancel() of a cancelled future also does).
    BOOST_TEST(cancelled <= static_cast<std::size_t>(cancel_true.load()));
    BOOST_TEST((cancel_true.load() == 0 || cancelled > 0));
    BOOST_TEST(bad_callbacks == 0u);
    BOOST_TEST(cb_mismatch == 0u);
    BOOST_TEST(ran_when_cancelled == 0u);
    BOOST_TEST(ran_not_once == 0u);
    BOOST_TEST(wrong_value == 0u);
    BOOST_TEST(unexpected_error == 0u);
}

BOOST_AUTO_TEST_CASE(repeated_create_submit_cancel_shutdown_cycles) {
    const std::size_t cycles = env_size("FUTURES_STRESS_CYCLES", 500);
    futures_test::set_deadline(std::chrono::minutes(5));
    BOOST_TEST_MESSAGE("cycles: " << cycles);

    std::size_t not_done = 0, bad_callbacks = 0, wrong = 0, cancelled = 0, finished = 0;
    for (std::size_t c = 0; c < cycles; ++c) {
        std::vector<futures::future<std::size_t>> fs;
        auto callbacks = std::make_shared<std::vector<std::atomic<int>>>(20);
        {
            futures::thread_pool_executor ex(1 + c % 4);
            for (std::size_t i = 0; i < 20; ++i) {
                auto f = ex.submit([c, i] { return c * 100 + i; });
                f.add_done_callback([callbacks, i](const futures::future<std::size_t>&) { ++(*callbacks)[i]; });
                fs.push_back(std::move(f));
            }
            // Alternate the shutdown flavours; the destructor then waits in every case.
            if (c % 2 == 0)
                ex.shutdown(true, true);
            else
                ex.shutdown(false, true);
        }
        for (std::size_t i = 0; i < fs.size(); ++i) {
            auto& f = fs[i];
            if (!f.done()) {
                ++not_done;
                continue;
            }
            if ((*callbacks)[i].load() != 1) ++bad_callbacks;
            if (f.cancelled()) {
                ++cancelled;
            } else {
                ++finished;
                if (f.result(0s) != c * 100 + i) ++wrong;
            }
        }
    }
    BOOST_TEST_MESSAGE("cancelled " << cancelled << ", finished " << finished);
    BOOST_TEST(not_done == 0u);
    BOOST_TEST(bad_callbacks == 0u);
    BOOST_TEST(wrong == 0u);
}

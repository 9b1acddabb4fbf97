// futures::wait — CPython's test_wait.py (docs/python.md, "wait") adapted:
// both lists keep input order and are de-duplicated, and both cancelled states count
// as done (cpython#109934), so CPython's "CANCELLED_FUTURE is in not_done" rows
// become "it is in done".
//
// Rules: assertions only on the main thread; helper threads record into variables
// read after join. No sleeps: threads meet through events, futures, or the
// library's own timed calls; every blocking call has a timeout or is covered by the
// per-test-case watchdog of the support library.
#define BOOST_TEST_MODULE test_wait
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <initializer_list>
#include <list>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <futures/errors.hpp>
#include <futures/future.hpp>
#include <futures/thread_pool_executor.hpp>
#include <futures/wait.hpp>

#include "support/deadline.hpp"
#include "support/fixtures.hpp"

namespace {

using namespace std::chrono_literals;
using futures::any_future;
using futures::future;
using futures::return_when;
using namespace futures_test;
using clk = std::chrono::steady_clock;

/// A call for the pool that fails like Python's divmod(21, 0).
int divide_by_zero() { throw std::domain_error("integer division or modulo by zero"); }

}  // namespace

// =============================================================================
BOOST_AUTO_TEST_SUITE(partition)

BOOST_AUTO_TEST_CASE(duplicates_collapse_bpo_20369) {
    auto f = successful_future();
    auto r = futures::wait(std::vector<future<int>>{f, f});
    BOOST_TEST(same_futures(r.done, {f}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(duplicates_collapse_in_not_done) {
    auto p = pending_future();
    auto d = successful_future();
    auto r = futures::wait(std::vector<future<int>>{p, d, p, d, p}, 0s);
    BOOST_TEST(same_futures(r.done, {d}));
    BOOST_TEST(same_futures(r.not_done, {p}));
}

BOOST_AUTO_TEST_CASE(empty_input_returns_empty_partition) {
    for (auto when : {return_when::first_completed, return_when::first_exception, return_when::all_completed}) {
        auto r = futures::wait(std::vector<future<int>>{}, when);
        BOOST_TEST(r.done.empty());
        BOOST_TEST(r.not_done.empty());
    }
    auto r = futures::wait(std::vector<future<int>>{}, 0s);
    BOOST_TEST(r.done.empty());
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(both_lists_keep_input_order) {
    auto p1 = pending_future(), p2 = running_future(), p3 = pending_future();
    auto d1 = exception_future(), d2 = successful_future(), d3 = cancelled_and_notified_future();
    auto r = futures::wait(std::vector<future<int>>{p1, d1, p2, d2, p3, d3}, 0s);
    BOOST_TEST(same_futures(r.done, {d1, d2, d3}));
    BOOST_TEST(same_futures(r.not_done, {p1, p2, p3}));
}

BOOST_AUTO_TEST_CASE(done_keeps_input_order_whatever_the_completion_order) {
    future<int> a, b, c;
    auto t = when_blocked([&] {
        c.set_result(3);
        b.set_result(2);
        a.set_result(1);
    });
    auto r = futures::wait(std::vector<future<int>>{a, b, c}, 10s);
    BOOST_TEST(same_futures(r.done, {a, b, c}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(typed_range_gives_typed_futures) {
    auto f = successful_future();
    auto r = futures::wait(std::vector<future<int>>{f});
    static_assert(std::is_same_v<decltype(r), futures::done_and_not_done<future<int>>>);
    BOOST_TEST_REQUIRE(r.done.size() == 1u);
    BOOST_TEST(r.done[0].result() == 42);
}

BOOST_AUTO_TEST_CASE(mixed_types_through_initializer_list) {
    future<int> i;
    future<std::string> s;
    future<void> v;
    i.set_result(1);
    v.set_result();
    auto r = futures::wait({i, s, v}, 0s);
    static_assert(std::is_same_v<decltype(r), futures::done_and_not_done<any_future>>);
    BOOST_TEST(same_futures(r.done, {i, v}));
    BOOST_TEST(same_futures(r.not_done, {s}));
}

BOOST_AUTO_TEST_CASE(mixed_types_through_initializer_list_with_return_when) {
    future<int> i;
    future<std::string> s;
    s.set_exception(os_error());
    auto r = futures::wait({i, s}, return_when::first_exception);
    BOOST_TEST(same_futures(r.done, {s}));
    BOOST_TEST(same_futures(r.not_done, {i}));
    auto r2 = futures::wait({any_future(i), any_future(s)}, 0s, return_when::first_completed);
    BOOST_TEST(same_futures(r2.done, {s}));
}

BOOST_AUTO_TEST_CASE(mixed_types_through_any_future_range) {
    future<int> i;
    future<std::string> s;
    std::vector<any_future> v{i, s};
    s.set_result("x");
    auto r = futures::wait(v, return_when::first_completed);
    static_assert(std::is_same_v<decltype(r), futures::done_and_not_done<any_future>>);
    BOOST_TEST(same_futures(r.done, {s}));
    BOOST_TEST(same_futures(r.not_done, {i}));
}

BOOST_AUTO_TEST_CASE(accepts_any_input_range) {
    auto d = successful_future();
    auto p = pending_future();
    std::list<future<int>> l{d, p};
    auto r1 = futures::wait(l, 0s);
    BOOST_TEST(same_futures(r1.done, {d}));
    BOOST_TEST(same_futures(r1.not_done, {p}));

    std::array<future<int>, 2> a{p, d};
    auto r2 = futures::wait(a, return_when::first_completed);
    BOOST_TEST(same_futures(r2.done, {d}));

    // A view that yields prvalue handles, the same one three times.
    auto repeated = std::views::iota(0, 3) | std::views::transform([&](int) { return d; });
    auto r3 = futures::wait(repeated);
    BOOST_TEST(same_futures(r3.done, {d}));
    BOOST_TEST(r3.not_done.empty());
}

BOOST_AUTO_TEST_CASE(futures_stay_usable_after_wait) {
    future<int> f;
    auto r = futures::wait(std::vector<future<int>>{f}, 0s);
    BOOST_TEST(same_futures(r.not_done, {f}));
    f.set_result(1);
    BOOST_TEST(r.not_done[0].result(0s) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(first_completed)

BOOST_AUTO_TEST_CASE(first_completed_returns_the_future_completed_while_waiting) {
    auto fast = pending_future();
    auto slow = pending_future();
    auto t = when_blocked([&] { fast.set_result(2); });
    auto r = futures::wait(std::vector<future<int>>{fast, slow}, 10s, return_when::first_completed);
    BOOST_TEST(same_futures(r.done, {fast}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_completed_untimed_is_woken) {
    auto fast = pending_future();
    auto slow = running_future();
    auto t = when_blocked([&] { fast.set_exception(os_error()); });
    auto r = futures::wait(std::vector<future<int>>{slow, fast}, return_when::first_completed);  // watchdog
    BOOST_TEST(same_futures(r.done, {fast}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_completed_counts_unnotified_cancel_as_done) {
    // CPython expects CANCELLED_FUTURE in not_done here; we deliberately do not.
    auto c = cancelled_future();
    auto slow = pending_future();
    auto r = futures::wait(std::vector<future<int>>{c, slow}, 10s, return_when::first_completed);
    BOOST_TEST(same_futures(r.done, {c}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_completed_some_already_completed_returns_at_once) {
    auto cn = cancelled_and_notified_future();
    auto ok = successful_future();
    auto slow = pending_future();
    auto r = futures::wait(std::vector<future<int>>{cn, ok, slow}, return_when::first_completed);  // no timeout
    BOOST_TEST(same_futures(r.done, {cn, ok}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_completed_woken_by_cancel) {
    auto a = pending_future();
    auto b = pending_future();
    auto t = when_blocked([&] { a.cancel(); });
    auto r = futures::wait(std::vector<future<int>>{a, b}, 10s, return_when::first_completed);
    BOOST_TEST(same_futures(r.done, {a}));
    BOOST_TEST(same_futures(r.not_done, {b}));
}

BOOST_AUTO_TEST_CASE(first_completed_times_out_with_nothing_done) {
    auto a = pending_future();
    auto b = running_future();
    auto t0 = clk::now();
    auto r = futures::wait(std::vector<future<int>>{a, b}, 100ms, return_when::first_completed);
    BOOST_TEST((clk::now() - t0 >= 100ms));
    BOOST_TEST(r.done.empty());
    BOOST_TEST(same_futures(r.not_done, {a, b}));
}

BOOST_AUTO_TEST_CASE(first_completed_with_completions_from_several_threads) {
    for (int round = 0; round < 100; ++round) {
        std::vector<future<int>> fs(4);
        futures_test::event go;
        std::vector<std::jthread> ts;
        for (int i = 0; i < 4; ++i)
            ts.emplace_back([&, i] {
                (void)go.wait_for(10s);
                fs[i].set_result(i);
            });
        go.set();
        auto r = futures::wait(fs, 10s, return_when::first_completed);
        BOOST_TEST_REQUIRE(!r.done.empty());
        for (auto& f : r.done) BOOST_TEST_REQUIRE(f.done());
        BOOST_TEST_REQUIRE(r.done.size() + r.not_done.size() == 4u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(first_exception)

BOOST_AUTO_TEST_CASE(first_exception_returns_when_one_fails) {
    auto ok = pending_future();
    auto raiser = pending_future();
    auto blocked = pending_future();
    auto t = when_blocked([&] {
        ok.set_result(1);
        raiser.set_exception(os_error());
    });
    auto r = futures::wait(std::vector<future<int>>{ok, raiser, blocked}, 10s, return_when::first_exception);
    BOOST_TEST(same_futures(r.done, {ok, raiser}));
    BOOST_TEST(same_futures(r.not_done, {blocked}));
}

BOOST_AUTO_TEST_CASE(first_exception_with_pool_calls) {
    futures::thread_pool_executor ex(2);
    futures_test::event release;
    auto ok = ex.submit([] { return 1; });
    BOOST_TEST(ok.result(10s) == 1);
    auto raiser = ex.submit(divide_by_zero);
    auto blocked = ex.submit([&] { return release.wait_for(30s) ? 1 : 0; });
    auto r = futures::wait(std::vector<future<int>>{ok, raiser, blocked}, 10s, return_when::first_exception);
    release.set();
    BOOST_TEST(same_futures(r.done, {ok, raiser}));
    BOOST_TEST(same_futures(r.not_done, {blocked}));
}

BOOST_AUTO_TEST_CASE(first_exception_some_already_complete) {
    futures::thread_pool_executor ex(1);
    auto div0 = ex.submit(divide_by_zero);
    auto ok = successful_future();
    auto c = cancelled_future();
    auto cn = cancelled_and_notified_future();
    auto slow = pending_future();
    auto r = futures::wait(std::vector<future<int>>{ok, c, cn, div0, slow}, 10s, return_when::first_exception);
    // CPython puts the un-notified CANCELLED future in not_done; we count it as done.
    BOOST_TEST(same_futures(r.done, {ok, c, cn, div0}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_exception_one_already_failed_returns_at_once) {
    auto failed = exception_future();
    auto slow = pending_future();
    auto r = futures::wait(std::vector<future<int>>{failed, slow}, return_when::first_exception);  // no timeout
    BOOST_TEST(same_futures(r.done, {failed}));
    BOOST_TEST(same_futures(r.not_done, {slow}));
}

BOOST_AUTO_TEST_CASE(first_exception_without_exception_waits_for_all) {
    auto a = pending_future();
    auto b = pending_future();
    auto t = when_blocked([&] {
        a.set_result(1);
        b.set_result(2);
    });
    auto r = futures::wait(std::vector<future<int>>{a, b}, 10s, return_when::first_exception);
    BOOST_TEST(same_futures(r.done, {a, b}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(first_exception_all_done_without_exception_returns_at_once) {
    auto a = successful_future();
    auto b = cancelled_future();
    auto r = futures::wait(std::vector<future<int>>{a, b}, return_when::first_exception);
    BOOST_TEST(same_futures(r.done, {a, b}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(first_exception_does_not_treat_cancel_as_exception) {
    auto a = pending_future();
    auto b = pending_future();
    a.cancel();
    auto t0 = clk::now();
    auto r = futures::wait(std::vector<future<int>>{a, b}, 100ms, return_when::first_exception);
    BOOST_TEST((clk::now() - t0 >= 100ms));
    BOOST_TEST(same_futures(r.done, {a}));
    BOOST_TEST(same_futures(r.not_done, {b}));
}

BOOST_AUTO_TEST_CASE(first_exception_does_not_return_on_a_success_while_waiting) {
    auto a = pending_future();
    auto b = pending_future();
    auto t = when_blocked([&] { a.set_result(1); });
    auto t0 = clk::now();
    auto r = futures::wait(std::vector<future<int>>{a, b}, 300ms, return_when::first_exception);
    BOOST_TEST((clk::now() - t0 >= 300ms));
    BOOST_TEST(same_futures(r.done, {a}));
    BOOST_TEST(same_futures(r.not_done, {b}));
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(all_completed)

BOOST_AUTO_TEST_CASE(all_completed_with_pool_calls) {
    futures::thread_pool_executor ex(2);
    auto ok = successful_future();
    auto cn = cancelled_and_notified_future();
    auto failed = exception_future();
    auto div0 = ex.submit(divide_by_zero);
    auto mul = ex.submit([](int x, int y) { return x * y; }, 2, 3);
    auto r = futures::wait(std::vector<future<int>>{ok, cn, failed, div0, mul}, 10s, return_when::all_completed);
    BOOST_TEST(same_futures(r.done, {ok, cn, failed, div0, mul}));
    BOOST_TEST(r.not_done.empty());
    BOOST_TEST(mul.result(0s) == 6);
}

BOOST_AUTO_TEST_CASE(all_completed_is_the_default) {
    auto a = pending_future();
    auto b = successful_future();
    auto t = when_blocked([&] { a.set_result(1); });
    auto r = futures::wait(std::vector<future<int>>{a, b});  // watchdog
    BOOST_TEST(same_futures(r.done, {a, b}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(all_completed_waits_for_the_last_one) {
    auto a = pending_future(), b = pending_future(), c = pending_future();
    auto t = when_blocked([&] {
        c.set_result(3);
        a.set_exception(os_error());  // not first_exception: keep waiting
        b.set_result(2);
    });
    auto r = futures::wait(std::vector<future<int>>{a, b, c}, 10s);
    BOOST_TEST(same_futures(r.done, {a, b, c}));
    BOOST_TEST(r.not_done.empty());
    BOOST_TEST(b.done());
}

BOOST_AUTO_TEST_CASE(all_completed_counts_unnotified_cancel_as_done) {
    auto c = cancelled_future();
    auto ok = successful_future();
    auto r = futures::wait(std::vector<future<int>>{c, ok}, 10s);
    BOOST_TEST(same_futures(r.done, {c, ok}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(all_completed_woken_by_cancel) {
    auto a = pending_future();
    auto ok = successful_future();
    auto t = when_blocked([&] { a.cancel(); });
    auto r = futures::wait(std::vector<future<int>>{a, ok}, 10s);
    BOOST_TEST(same_futures(r.done, {a, ok}));
    BOOST_TEST(r.not_done.empty());
}

BOOST_AUTO_TEST_CASE(futures_cancelled_by_shutdown_do_not_hang_wait_cpython_109934) {
    futures::thread_pool_executor ex(1);
    futures_test::event started, release;
    auto blocker = ex.submit([&] {
        started.set();
        return release.wait_for(30s) ? 1 : 0;
    });
    BOOST_TEST_REQUIRE(started.wait_for(10s));
    std::vector<future<int>> queued;
    for (int i = 0; i < 3; ++i) queued.push_back(ex.submit([i] { return i; }));
    ex.shutdown(false, true);
    auto r = futures::wait(queued, 10s);
    release.set();
    BOOST_TEST(same_futures(r.done, {queued[0], queued[1], queued[2]}));
    BOOST_TEST(r.not_done.empty());
    for (auto& f : queued) BOOST_TEST(f.cancelled());
    BOOST_TEST(blocker.result(10s) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(timeout)

BOOST_AUTO_TEST_CASE(timeout_returns_partition_without_throwing) {
    auto ok = successful_future();
    auto cn = cancelled_and_notified_future();
    auto failed = exception_future();
    auto running = running_future();
    auto t0 = clk::now();
    futures::done_and_not_done<future<int>> r;
    BOOST_CHECK_NO_THROW(
        r = futures::wait(std::vector<future<int>>{ok, cn, failed, running}, 100ms, return_when::all_completed));
    BOOST_TEST((clk::now() - t0 >= 100ms));
    BOOST_TEST(same_futures(r.done, {ok, cn, failed}));
    BOOST_TEST(same_futures(r.not_done, {running}));
}

BOOST_AUTO_TEST_CASE(zero_timeout_only_checks) {
    auto ok = successful_future();
    auto p = pending_future();
    auto r = futures::wait(std::vector<future<int>>{p, ok}, 0s);
    BOOST_TEST(same_futures(r.done, {ok}));
    BOOST_TEST(same_futures(r.not_done, {p}));
}

BOOST_AUTO_TEST_CASE(negative_timeout_only_checks) {
    auto ok = successful_future();
    auto p = pending_future();
    auto r = futures::wait(std::vector<future<int>>{p, ok}, -1s, return_when::first_exception);
    BOOST_TEST(same_futures(r.done, {ok}));
    BOOST_TEST(same_futures(r.not_done, {p}));
}

BOOST_AUTO_TEST_CASE(completion_after_a_timed_out_wait_is_safe) {
    // The timed-out wait must have removed its (stack) waiter from the futures.
    std::vector<future<int>> fs(3);
    auto r = futures::wait(fs, 10ms, return_when::first_completed);
    BOOST_TEST(r.not_done.size() == 3u);
    for (auto& f : fs) f.set_result(1);
    auto r2 = futures::wait(fs, 0s);
    BOOST_TEST(r2.done.size() == 3u);
}

BOOST_AUTO_TEST_CASE(huge_timeout_does_not_overflow) {
    auto a = pending_future();
    auto t = when_blocked([&] { a.set_result(1); });
    auto r = futures::wait(std::vector<future<int>>{a}, std::chrono::hours::max());
    BOOST_TEST(same_futures(r.done, {a}));
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(races)

// bpo-14406: many futures finishing at once, from several threads, while wait()
// installs its waiter; a lost or double count makes all_completed hang or return early.
BOOST_AUTO_TEST_CASE(pending_calls_race_bpo_14406) {
    constexpr int rounds = 50, n = 100, threads = 4;
    for (int round = 0; round < rounds; ++round) {
        std::vector<future<int>> fs(n);
        futures_test::event go;
        std::vector<std::jthread> ts;
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                (void)go.wait_for(10s);
                for (int i = t; i < n; i += threads) {
                    if (i % 7 == 0)
                        fs[i].cancel();
                    else
                        fs[i].set_result(i);
                }
            });
        go.set();  // released while wait() below is installing its waiter
        auto r = futures::wait(fs, 10s, return_when::all_completed);
        BOOST_TEST_REQUIRE(r.not_done.empty());
        BOOST_TEST_REQUIRE(r.done.size() == static_cast<std::size_t>(n));
        for (auto& f : r.done) BOOST_TEST_REQUIRE(f.done());
    }
}

BOOST_AUTO_TEST_CASE(pending_calls_race_with_pool_bpo_14406) {
    constexpr int rounds = 20, n = 100;
    for (int round = 0; round < rounds; ++round) {
        futures::thread_pool_executor ex(5);
        futures_test::event release;
        std::vector<future<int>> fs;
        for (int i = 0; i < n; ++i) fs.push_back(ex.submit([&release, i] { return release.wait_for(30s) ? i : -1; }));
        release.set();
        auto r = futures::wait(fs, 10s, return_when::all_completed);
        BOOST_TEST_REQUIRE(r.not_done.empty());
        BOOST_TEST_REQUIRE(r.done.size() == static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) BOOST_TEST_REQUIRE(fs[i].result(0s) == i);
    }
}

BOOST_AUTO_TEST_CASE(first_exception_race_with_several_threads) {
    for (int round = 0; round < 50; ++round) {
        std::vector<future<int>> fs(40);
        futures_test::event go;
        std::vector<std::jthread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&, t] {
                (void)go.wait_for(10s);
                for (int i = t; i < 40; i += 4) fs[i].set_result(i);
            });
        go.set();
        auto r = futures::wait(fs, 10s, return_when::first_exception);  // no exception: waits for all
        BOOST_TEST_REQUIRE(r.not_done.empty());
        BOOST_TEST_REQUIRE(r.done.size() == 40u);
    }
}

BOOST_AUTO_TEST_CASE(several_threads_wait_on_the_same_futures) {
    constexpr int waiters = 4, n = 50;
    for (int round = 0; round < 20; ++round) {
        std::vector<future<int>> fs(n);
        std::array<std::size_t, waiters> done_counts{};
        std::array<std::size_t, waiters> not_done_counts{};
        futures_test::event go;
        {
            std::vector<std::jthread> ts;
            for (int w = 0; w < waiters; ++w)
                ts.emplace_back([&, w] {
                    auto r = futures::wait(fs, 10s);
                    done_counts[w] = r.done.size();
                    not_done_counts[w] = r.not_done.size();
                });
            ts.emplace_back([&] {
                (void)go.wait_for(10s);
                for (auto& f : fs) f.set_result(0);
            });
            go.set();
        }
        for (int w = 0; w < waiters; ++w) {
            BOOST_TEST_REQUIRE(done_counts[w] == static_cast<std::size_t>(n));
            BOOST_TEST_REQUIRE(not_done_counts[w] == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(timed_out_waits_racing_completions) {
    // Waits that time out while other threads complete the futures: the waiter
    // must be detached before it leaves the stack (ASan/TSan check this).
    for (int round = 0; round < 100; ++round) {
        std::vector<future<int>> fs(8);
        futures_test::event go;
        std::jthread t([&] {
            (void)go.wait_for(10s);
            for (auto& f : fs) f.set_result(1);
        });
        go.set();
        auto r = futures::wait(fs, 0s);
        BOOST_TEST_REQUIRE(r.done.size() + r.not_done.size() == 8u);
        auto r2 = futures::wait(fs, 1us, return_when::first_completed);
        BOOST_TEST_REQUIRE(r2.done.size() + r2.not_done.size() == 8u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

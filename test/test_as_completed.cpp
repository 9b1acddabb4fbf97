// futures::as_completed — CPython's test_as_completed.py (docs/python.md,
// "as_completed") adapted: futures already done come first in input order, then the rest in
// completion order; duplicates are yielded once; both cancelled states count as done
// (cpython#109934); the deadline starts at the call (as Python's docs say, unlike
// CPython, which starts it at the first next()); futures already done are yielded
// even after the deadline; destroying the range detaches from the futures.
//
// Rules: assertions only on the main thread; helper threads record into variables
// read after join. No sleeps: threads meet through events, futures, or the
// library's own timed calls; every blocking call has a timeout or is covered by the
// per-test-case watchdog of the support library.
#define BOOST_TEST_MODULE test_as_completed
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <iterator>
#include <list>
#include <memory>
#include <optional>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <futures/as_completed.hpp>
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
using namespace futures_test;
using clk = std::chrono::steady_clock;

/// What iterating a range produced: the futures yielded, and the timeout message if
/// iteration ended with timeout_error.
template <class F>
struct drained {
    std::vector<F> yielded;
    std::optional<std::string> timeout;
};

/// Iterates r to its end or to its timeout_error.
template <class Range>
auto drain(Range& r) {
    using F = std::remove_cvref_t<decltype(*r.begin())>;
    drained<F> out;
    try {
        for (auto it = r.begin(); it != r.end(); ++it) out.yielded.push_back(*it);
    } catch (const futures::timeout_error& e) {
        out.timeout = e.what();
    }
    return out;
}

using range_t = futures::as_completed_range<future<int>>;

}  // namespace

// =============================================================================
BOOST_AUTO_TEST_SUITE(yields)

BOOST_AUTO_TEST_CASE(range_is_an_input_range_of_the_input_handles) {
    static_assert(std::ranges::input_range<range_t>);
    static_assert(std::is_same_v<std::ranges::range_reference_t<range_t>, future<int>&>);
    static_assert(!std::is_copy_constructible_v<range_t>);
    static_assert(std::is_move_constructible_v<range_t>);
    auto f = successful_future();
    auto r = futures::as_completed(std::vector<future<int>>{f});
    static_assert(std::is_same_v<decltype(r), range_t>);
    auto it = r.begin();
    BOOST_TEST_REQUIRE(!(it == r.end()));
    BOOST_TEST((*it == f));
    BOOST_TEST(it->result() == 42);
}

BOOST_AUTO_TEST_CASE(no_timeout_yields_every_future) {
    auto cn = cancelled_and_notified_future();
    auto failed = exception_future();
    auto ok = successful_future();
    auto f1 = pending_future();
    auto f2 = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{cn, failed, ok, f1, f2});
    std::jthread t([&] {
        f1.set_result(1);
        f2.set_result(2);
    });
    auto d = drain(r);  // no timeout: watchdog
    BOOST_TEST(!d.timeout.has_value());
    std::set<std::size_t> got, want;
    for (auto& f : d.yielded) got.insert(hash_value(f));
    for (auto& f : {cn, failed, ok, f1, f2}) want.insert(hash_value(f));
    BOOST_TEST(d.yielded.size() == 5u);
    BOOST_TEST((got == want));
}

BOOST_AUTO_TEST_CASE(pre_done_first_in_input_order_then_completion_order) {
    auto p1 = pending_future(), p2 = pending_future(), p3 = pending_future();
    auto d1 = successful_future(), d2 = exception_future(), d3 = cancelled_and_notified_future();
    auto r = futures::as_completed(std::vector<future<int>>{p1, d1, p2, d2, p3, d3});
    BOOST_TEST(r.size() == 6u);
    // One thread completes them in the order p3, p1, p2: that order is the
    // completion order, however the threads are scheduled.
    std::jthread t([&] {
        p3.set_result(3);
        p1.set_exception(os_error());
        p2.set_result(2);
    });
    auto d = drain(r);
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(same_futures(d.yielded, {d1, d2, d3, p3, p1, p2}));
}

BOOST_AUTO_TEST_CASE(completion_order_forced_by_events_across_threads) {
    // Three helper threads, each completing one future when its event is set; the
    // main thread releases them one at a time, in the order c, a, b, and takes each
    // yield before releasing the next.
    std::vector<future<int>> fs(3);
    std::array<futures_test::event, 3> release;
    std::vector<std::jthread> ts;
    for (int i = 0; i < 3; ++i)
        ts.emplace_back([&, i] {
            if (release[i].wait_for(10s)) fs[i].set_result(i);
        });
    auto r = futures::as_completed(fs, 10s);
    std::vector<future<int>> got;
    release[2].set();
    auto it = r.begin();
    got.push_back(*it);
    release[0].set();
    ++it;
    got.push_back(*it);
    release[1].set();
    ++it;
    got.push_back(*it);
    ++it;
    BOOST_TEST((it == r.end()));
    BOOST_TEST(same_futures(got, {fs[2], fs[0], fs[1]}));
}

BOOST_AUTO_TEST_CASE(futures_completed_before_iteration_come_in_completion_order) {
    // Completed after the call but before begin(): not "pre-done", so they follow
    // the pre-done ones in completion order.
    auto a = pending_future(), b = pending_future();
    auto d = successful_future();
    auto r = futures::as_completed(std::vector<future<int>>{a, b, d});
    b.set_result(2);
    a.set_result(1);
    auto got = drain(r);
    BOOST_TEST(same_futures(got.yielded, {d, b, a}));
}

BOOST_AUTO_TEST_CASE(iteration_is_woken_by_a_completion) {
    auto a = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{a}, 10s);
    auto t = when_blocked([&] { a.set_result(1); });
    auto d = drain(r);
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(same_futures(d.yielded, {a}));
}

BOOST_AUTO_TEST_CASE(duplicates_are_yielded_once_bpo_20367) {
    auto f = successful_future();
    auto r = futures::as_completed(std::vector<future<int>>{f, f, f});
    BOOST_TEST(r.size() == 1u);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {f}));
}

BOOST_AUTO_TEST_CASE(duplicates_from_any_input_range_are_yielded_once) {
    auto f = successful_future();
    auto repeated = std::views::iota(0, 3) | std::views::transform([&](int) { return f; });
    auto r = futures::as_completed(repeated);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {f}));
}

BOOST_AUTO_TEST_CASE(duplicate_pending_future_is_yielded_once_when_it_completes) {
    auto p = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{p, p}, 10s);
    BOOST_TEST(r.size() == 1u);
    p.set_result(1);
    auto d = drain(r);
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(same_futures(d.yielded, {p}));
}

BOOST_AUTO_TEST_CASE(empty_input_yields_nothing) {
    auto r = futures::as_completed(std::vector<future<int>>{});
    BOOST_TEST(r.size() == 0u);
    BOOST_TEST((r.begin() == r.end()));
}

BOOST_AUTO_TEST_CASE(empty_input_with_timeout_yields_nothing) {
    auto r = futures::as_completed(std::vector<future<int>>{}, 0s);
    auto d = drain(r);
    BOOST_TEST(d.yielded.empty());
    BOOST_TEST(!d.timeout.has_value());
}

BOOST_AUTO_TEST_CASE(unnotified_cancel_is_yielded_cpython_109934) {
    auto c = cancelled_future();
    auto r = futures::as_completed(std::vector<future<int>>{c}, 10s);
    auto d = drain(r);
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(same_futures(d.yielded, {c}));
}

BOOST_AUTO_TEST_CASE(cancel_while_iterating_is_yielded) {
    auto a = pending_future(), b = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{a, b}, 10s);
    std::jthread t([&] {
        b.cancel();
        a.set_result(1);
    });
    auto d = drain(r);
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(same_futures(d.yielded, {b, a}));
}

BOOST_AUTO_TEST_CASE(futures_cancelled_by_shutdown_are_yielded_cpython_109934) {
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
    auto r = futures::as_completed(queued, 10s);
    auto d = drain(r);
    release.set();
    BOOST_TEST(!d.timeout.has_value());
    BOOST_TEST(d.yielded.size() == 3u);
    BOOST_TEST(blocker.result(10s) == 1);
}

BOOST_AUTO_TEST_CASE(mixed_types_through_initializer_list) {
    future<int> i;
    future<std::string> s;
    future<void> v;
    s.set_result("x");
    auto r = futures::as_completed({i, s, v});
    static_assert(std::is_same_v<decltype(r), futures::as_completed_range<any_future>>);
    std::jthread t([&] {
        v.set_result();
        i.set_result(1);
    });
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {s, v, i}));
}

BOOST_AUTO_TEST_CASE(mixed_types_through_any_future_range_with_timeout) {
    future<int> i;
    future<std::string> s;
    s.set_result("x");
    std::vector<any_future> v{i, s};
    auto r = futures::as_completed(v, 0s);
    static_assert(std::is_same_v<decltype(r), futures::as_completed_range<any_future>>);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {s}));
    BOOST_TEST(d.timeout.value_or("") == "1 (of 2) futures unfinished");
}

BOOST_AUTO_TEST_CASE(completions_from_several_threads_are_each_yielded_once) {
    constexpr int n = 64, threads = 4;
    for (int round = 0; round < 30; ++round) {
        std::vector<future<int>> fs(n);
        for (int i = 0; i < n; i += 9) fs[i].set_result(i);  // some pre-done
        auto r = futures::as_completed(fs, 10s);
        futures_test::event go;
        std::vector<std::jthread> ts;
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                (void)go.wait_for(10s);
                for (int i = t; i < n; i += threads) {
                    if (i % 9 == 0) continue;
                    if (i % 5 == 0)
                        fs[i].cancel();
                    else
                        fs[i].set_result(i);
                }
            });
        go.set();
        auto d = drain(r);
        BOOST_TEST_REQUIRE(!d.timeout.has_value());
        BOOST_TEST_REQUIRE(d.yielded.size() == static_cast<std::size_t>(n));
        std::set<std::size_t> distinct;
        for (auto& f : d.yielded) distinct.insert(hash_value(f));
        BOOST_TEST_REQUIRE(distinct.size() == static_cast<std::size_t>(n));
        // Pre-done ones first, in input order.
        for (int k = 0, i = 0; i < n; i += 9, ++k) BOOST_TEST_REQUIRE((d.yielded[k] == fs[i]));
    }
}

BOOST_AUTO_TEST_CASE(range_can_be_moved_before_iteration) {
    auto a = pending_future();
    auto d = successful_future();
    auto r1 = futures::as_completed(std::vector<future<int>>{a, d}, 10s);
    auto r2 = std::move(r1);
    a.set_result(1);
    auto got = drain(r2);
    BOOST_TEST(same_futures(got.yielded, {d, a}));
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
BOOST_AUTO_TEST_SUITE(timeouts)

BOOST_AUTO_TEST_CASE(zero_timeout_yields_pre_done_then_times_out) {
    auto cn = cancelled_and_notified_future();
    auto failed = exception_future();
    auto ok = successful_future();
    auto sleeper = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{cn, failed, ok, sleeper}, 0s);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {cn, failed, ok}));
    BOOST_TEST_REQUIRE(d.timeout.has_value());
    BOOST_TEST(*d.timeout == "1 (of 4) futures unfinished");
}

BOOST_AUTO_TEST_CASE(short_timeout_yields_pre_done_then_times_out_no_earlier_than_deadline) {
    auto cn = cancelled_and_notified_future();
    auto failed = exception_future();
    auto ok = successful_future();
    auto sleeper = running_future();
    auto t0 = clk::now();
    auto r = futures::as_completed(std::vector<future<int>>{cn, failed, ok, sleeper}, 100ms);
    auto d = drain(r);
    BOOST_TEST((clk::now() - t0 >= 100ms));
    BOOST_TEST(same_futures(d.yielded, {cn, failed, ok}));
    BOOST_TEST(d.timeout.value_or("") == "1 (of 4) futures unfinished");
}

BOOST_AUTO_TEST_CASE(timeout_message_counts_unfinished_of_total) {
    auto r = futures::as_completed(std::vector<future<int>>{cancelled_and_notified_future(), pending_future(),
                                                            running_future(), successful_future()},
                                   0s);
    auto d = drain(r);
    BOOST_TEST(d.yielded.size() == 2u);
    BOOST_TEST(d.timeout.value_or("") == "2 (of 4) futures unfinished");
}

BOOST_AUTO_TEST_CASE(timeout_message_total_is_after_deduplication) {
    auto p = pending_future();
    auto q = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{p, q, p, q, p}, 0s);
    auto d = drain(r);
    BOOST_TEST(d.yielded.empty());
    BOOST_TEST(d.timeout.value_or("") == "2 (of 2) futures unfinished");
}

BOOST_AUTO_TEST_CASE(timeout_message_excludes_futures_completed_during_iteration) {
    auto a = pending_future(), b = pending_future(), c = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{a, b, c}, 100ms);
    b.set_result(2);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {b}));
    BOOST_TEST(d.timeout.value_or("") == "2 (of 3) futures unfinished");
}

BOOST_AUTO_TEST_CASE(timeout_when_nothing_is_done_throws_from_begin) {
    auto p = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{p}, 0s);
    BOOST_CHECK_EXCEPTION(r.begin(), futures::timeout_error, [](const futures::timeout_error& e) {
        return std::string(e.what()) == "1 (of 1) futures unfinished";
    });
}

BOOST_AUTO_TEST_CASE(negative_timeout_behaves_as_zero) {
    auto ok = successful_future();
    auto p = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{p, ok}, -1s);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {ok}));
    BOOST_TEST(d.timeout.value_or("") == "1 (of 2) futures unfinished");
}

BOOST_AUTO_TEST_CASE(deadline_runs_from_the_call_not_from_begin) {
    // CPython starts the clock at the first next(); we start it at the call, as
    // Python's docs say. Between the call and begin() we block for the whole
    // timeout (a library timed wait, not a sleep); begin() must then time out at
    // once instead of granting a fresh timeout.
    auto p = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{p}, 3s);
    BOOST_CHECK_THROW(pending_future().result(3s), futures::timeout_error);
    auto t0 = clk::now();
    BOOST_CHECK_THROW(r.begin(), futures::timeout_error);
    BOOST_TEST((clk::now() - t0 < 2s));
}

BOOST_AUTO_TEST_CASE(deadline_is_not_reached_before_the_timeout) {
    auto p = pending_future();
    auto t0 = clk::now();
    auto r = futures::as_completed(std::vector<future<int>>{p}, 150ms);
    BOOST_CHECK_THROW(r.begin(), futures::timeout_error);
    BOOST_TEST((clk::now() - t0 >= 150ms));
}

BOOST_AUTO_TEST_CASE(pre_done_are_yielded_after_the_deadline) {
    auto d1 = successful_future(), d2 = cancelled_future();
    auto p = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{d1, p, d2}, 50ms);
    BOOST_CHECK_THROW(pending_future().result(100ms), futures::timeout_error);  // the deadline passes
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {d1, d2}));
    BOOST_TEST(d.timeout.value_or("") == "1 (of 3) futures unfinished");
}

BOOST_AUTO_TEST_CASE(futures_done_by_the_time_of_iteration_are_yielded_after_the_deadline) {
    auto a = pending_future(), b = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{a, b}, 50ms);
    BOOST_CHECK_THROW(pending_future().result(100ms), futures::timeout_error);  // the deadline passes
    a.set_result(1);
    auto d = drain(r);
    BOOST_TEST(same_futures(d.yielded, {a}));
    BOOST_TEST(d.timeout.value_or("") == "1 (of 2) futures unfinished");
}

BOOST_AUTO_TEST_CASE(all_done_before_the_deadline_ends_without_timeout) {
    auto a = pending_future();
    auto r = futures::as_completed(std::vector<future<int>>{a, successful_future()}, 10s);
    std::jthread t([&] { a.set_result(1); });
    auto d = drain(r);
    BOOST_TEST(d.yielded.size() == 2u);
    BOOST_TEST(!d.timeout.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// =============================================================================
// Destroying the range detaches it; run these under ASan: a waiter left behind on
// a future would be used after free when the future completes.
BOOST_AUTO_TEST_SUITE(detach)

BOOST_AUTO_TEST_CASE(destroying_an_unstarted_range_then_completing_is_safe) {
    std::vector<future<int>> fs(3);
    { auto r = futures::as_completed(fs, 10s); }
    for (auto& f : fs) f.set_result(1);
    auto w = futures::wait(fs, 0s);
    BOOST_TEST(w.done.size() == 3u);
}

BOOST_AUTO_TEST_CASE(destroying_a_partly_iterated_range_then_completing_is_safe) {
    std::vector<future<int>> fs(3);
    fs[1].set_result(1);
    {
        auto r = futures::as_completed(fs);
        auto it = r.begin();
        BOOST_TEST((*it == fs[1]));
        fs[2].set_result(2);
        ++it;
        BOOST_TEST((*it == fs[2]));
    }
    fs[0].set_result(0);
    int calls = 0;
    fs[0].add_done_callback([&](future<int>) { ++calls; });
    BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(destroying_a_range_after_timeout_then_completing_is_safe) {
    std::vector<future<int>> fs(2);
    {
        auto r = futures::as_completed(fs, 0s);
        auto d = drain(r);
        BOOST_TEST(d.timeout.has_value());
    }
    fs[0].set_result(0);
    fs[1].cancel();
    BOOST_TEST(futures::wait(fs, 0s).not_done.empty());
}

BOOST_AUTO_TEST_CASE(destroying_a_moved_from_range_is_safe) {
    std::vector<future<int>> fs(2);
    std::optional<range_t> moved_to;
    {
        auto r = futures::as_completed(fs, 10s);
        moved_to.emplace(std::move(r));
    }
    fs[1].set_result(1);
    fs[0].set_result(0);
    auto d = drain(*moved_to);
    BOOST_TEST(same_futures(d.yielded, {fs[1], fs[0]}));
    moved_to.reset();
    // The caller's handles still hold their results once the range is gone.
    BOOST_TEST(fs[0].result(0s) == 0);
    BOOST_TEST(fs[1].result(0s) == 1);
}

BOOST_AUTO_TEST_CASE(futures_outlive_the_range_and_range_outlives_caller_handles) {
    // The range keeps its own handles: the caller's may go first.
    std::optional<range_t> r;
    future<int> keep;
    {
        std::vector<future<int>> fs(2);
        keep = fs[0];
        r.emplace(futures::as_completed(fs, 10s));
    }
    keep.set_result(1);
    auto it = r->begin();
    BOOST_TEST((*it == keep));
    r.reset();  // fs[1] was never completed; destroying the range frees it
}

BOOST_AUTO_TEST_CASE(destroying_ranges_while_other_threads_complete_is_safe) {
    for (int round = 0; round < 200; ++round) {
        std::vector<future<int>> fs(8);
        futures_test::event go;
        std::jthread t([&] {
            (void)go.wait_for(10s);
            for (auto& f : fs) f.set_result(1);
        });
        {
            auto r = futures::as_completed(fs, 10s);
            go.set();
            auto it = r.begin();  // take one, then drop the range mid-flight
            BOOST_TEST_REQUIRE(it->done());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// thread_pool_executor::map(): Python 3.14's Executor.map, with chunksize honoured.
// Mirrors CPython's executor.py map tests and test_thread_pool.py (see
// docs/python.md, "Executor and map"). Where Python's main branch differs from
// 3.14 (iteration continuing after an exception), we follow main: a failed element
// throws when dereferenced and the iteration goes on.
//
// Rules followed here: no sleeping to wait for something; every blocking call has a
// timeout or is covered by the per-test watchdog; assertions only on the main thread.
//
// TSan: tests that inspect an exception thrown on a worker join the workers
// (shutdown(true)) first. libstdc++'s exception_ptr reference count is not
// instrumented, so when a worker drops the last reference after the main thread
// read the exception, TSan reports a false race on the exception object.
#define BOOST_TEST_MODULE map
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <futures/errors.hpp>
#include <futures/map_options.hpp>
#include <futures/thread_pool_executor.hpp>

#include "support/deadline.hpp"

using namespace std::chrono_literals;
using futures::map_options;
using futures_test::event;

namespace {

constexpr auto patience = 30s;

// What iterating a map() range gave: the values up to the first exception (a
// failed element, or the timeout), and that exception.
template <class T>
struct drained {
    std::vector<T> values;
    std::exception_ptr error;
};

template <class R>
drained<typename R::value_type> drain(R& r) {
    drained<typename R::value_type> out;
    try {
        for (auto it = r.begin(); it != r.end(); ++it) out.values.push_back(std::move(*it));
    } catch (...) {
        out.error = std::current_exception();
    }
    return out;
}

// A view over 0, 1, 2, ... (or 0..n-1) that counts how many elements were read.
auto counting(std::atomic<int>& reads) {
    return std::views::transform([&reads](int i) {
        ++reads;
        return i;
    });
}
auto counted(std::atomic<int>& reads) { return std::views::iota(0) | counting(reads); }
auto counted(std::atomic<int>& reads, int n) { return std::views::iota(0, n) | counting(reads); }

// After a map() call rejected its arguments: it read no input, submitted nothing,
// started no worker, and no call ran.
void check_nothing_ran(futures::thread_pool_executor& ex, const std::atomic<int>& reads,
                       const std::atomic<int>& calls) {
    BOOST_TEST(reads.load() == 0);
    BOOST_TEST(ex.pending() == 0u);
    BOOST_TEST(ex.thread_count() == 0u);
    ex.shutdown(true);
    BOOST_TEST(calls.load() == 0);
}

// Per-input "did the call run" flags, written by workers, read after shutdown.
template <std::size_t N>
struct ran_flags {
    std::array<std::atomic<bool>, N> f{};
    void mark(int i) { f[static_cast<std::size_t>(i)] = true; }
    bool operator[](int i) const { return f[static_cast<std::size_t>(i)].load(); }
};

// Blocks the pool's only worker until released.
struct blocker {
    event started;
    event gate;
    futures::future<bool> occupy(futures::thread_pool_executor& ex) {
        auto f = ex.submit([this] {
            started.set();
            return gate.wait_for(patience);
        });
        BOOST_REQUIRE(started.wait_for(patience));
        return f;
    }
};

std::pair<int, int> divmod(int a, int b) {
    if (b == 0) throw std::domain_error("integer division or modulo by zero");
    return {a / b, a % b};
}

bool is_division_error(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::domain_error& x) {
        return std::string(x.what()) == "integer division or modulo by zero";
    } catch (...) {
        return false;
    }
}

}  // namespace

// ---------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(results_come_in_input_order) {
    // Input 0 finishes last (it waits for input 4), yet comes first.
    futures::thread_pool_executor ex(2);
    event last_done;
    std::mutex m;
    std::vector<int> completion;
    auto r = ex.map(
        [&](int i) {
            if (i == 0) (void)last_done.wait_for(patience);
            {
                std::lock_guard lk(m);
                completion.push_back(i);
            }
            if (i == 4) last_done.set();
            return i * i;
        },
        std::vector{0, 1, 2, 3, 4});
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == (std::vector{0, 1, 4, 9, 16}), boost::test_tools::per_element());
    std::lock_guard lk(m);
    BOOST_TEST(completion == (std::vector{1, 2, 3, 4, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(results_match_a_sequential_transform) {
    // CPython test_map: map(pow, range(10), range(10)).
    futures::thread_pool_executor ex(4);
    auto ipow = [](int b, int e) {
        long long r = 1;
        for (int i = 0; i < e; ++i) r *= b;
        return r;
    };
    auto r = ex.map(ipow, std::views::iota(0, 10), std::views::iota(0, 10));
    std::vector<long long> want;
    for (int i = 0; i < 10; ++i) want.push_back(ipow(i, i));
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(several_ranges_stop_at_the_shortest) {
    futures::thread_pool_executor ex(2);
    std::vector<int> a{1, 2, 3, 4, 5};
    std::list<int> b{10, 20, 30};
    auto r2 = ex.map([](int x, int y) { return x + y; }, a, b);
    auto d2 = drain(r2);
    BOOST_TEST(d2.values == (std::vector{11, 22, 33}), boost::test_tools::per_element());

    std::vector<std::string> c{"a", "b", "c", "d"};
    auto r3 = ex.map([](int x, int y, const std::string& s) { return s + std::to_string(x + y); }, a, b, c);
    auto d3 = drain(r3);
    BOOST_TEST(d3.values == (std::vector<std::string>{"a11", "b22", "c33"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(finite_range_zipped_with_an_infinite_one_ends) {
    // zip() stops at the shortest, so eager submission terminates.
    futures::thread_pool_executor ex(2);
    auto r = ex.map([](int i, char ch) { return std::string(1, ch) + std::to_string(i); }, std::views::iota(0),
                    std::string("xyz"));
    auto d = drain(r);
    BOOST_TEST(d.values == (std::vector<std::string>{"x0", "y1", "z2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(map_over_an_empty_range_yields_nothing) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> calls{0};
    std::vector<int> empty;
    auto r = ex.map(
        [&](int x) {
            ++calls;
            return x;
        },
        empty);
    BOOST_TEST((r.begin() == r.end()));
    auto rb = ex.map(
        [&](int x) {
            ++calls;
            return x;
        },
        std::vector<int>{}, map_options{.buffersize = 2});
    BOOST_TEST((rb.begin() == rb.end()));  // CPython test_map_buffersize_on_empty_iterable
    BOOST_TEST(calls.load() == 0);
    BOOST_TEST(ex.thread_count() == 0u);  // nothing was submitted
}

BOOST_AUTO_TEST_CASE(void_function_yields_one_monostate_per_input) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> sum{0};
    auto r = ex.map([&](int x) { sum += x; }, std::vector{1, 2, 3, 4});
    static_assert(std::is_same_v<decltype(r)::value_type, std::monostate>);
    int n = 0;
    for (auto it = r.begin(); it != r.end(); ++it) ++n;
    BOOST_TEST(n == 4);
    BOOST_TEST(sum.load() == 10);
}

// The chunk future holds std::vector<outcome<unique_ptr>>: it must be moved out, not copied.
BOOST_AUTO_TEST_CASE(move_only_results_can_be_moved_out) {
    futures::thread_pool_executor ex(2);
    auto r =
        ex.map([](int x) { return std::make_unique<int>(x * 10); }, std::vector{1, 2, 3}, map_options{.chunksize = 2});
    std::vector<int> got;
    for (auto it = r.begin(); it != r.end(); ++it) {
        std::unique_ptr<int> p = std::move(*it);
        got.push_back(*p);
    }
    BOOST_TEST(got == (std::vector{10, 20, 30}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------
// chunksize (honoured by the thread pool, unlike Python)
// ---------------------------------------------------------------------------------

namespace {
// Maps over 0..n-1 on a single worker that is busy, and returns how many calls the
// map() queued, plus the results once the worker is released.
std::pair<std::size_t, drained<int>> queued_calls(int n, map_options o) {
    futures::thread_pool_executor ex(1);
    blocker b;
    auto busy = b.occupy(ex);
    auto r = ex.map([](int x) { return x * 3; }, std::views::iota(0, n), o);
    std::size_t queued = ex.pending();
    b.gate.set();
    auto d = drain(r);
    BOOST_TEST(busy.result(patience));
    return {queued, std::move(d)};
}
std::vector<int> times3(int n) {
    std::vector<int> v;
    for (int i = 0; i < n; ++i) v.push_back(i * 3);
    return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(chunksize_one_submits_one_call_per_input) {
    auto [queued, d] = queued_calls(10, map_options{.chunksize = 1});
    BOOST_TEST(queued == 10u);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == times3(10), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(default_chunksize_is_one_for_threads) {
    auto [queued, d] = queued_calls(7, map_options{});
    BOOST_TEST(queued == 7u);
    BOOST_TEST(d.values == times3(7), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(chunksize_three_groups_inputs_into_calls) {
    // CPython test_map with chunksize=3; 10 inputs → 4 calls (3+3+3+1).
    auto [queued, d] = queued_calls(10, map_options{.chunksize = 3});
    BOOST_TEST(queued == 4u);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == times3(10), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(chunksize_larger_than_the_input_submits_one_call) {
    auto [queued, d] = queued_calls(10, map_options{.chunksize = 100});
    BOOST_TEST(queued == 1u);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == times3(10), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(chunksize_zero_throws_invalid_argument_before_anything_runs) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0}, calls{0};
    auto f = [&](int x) {
        ++calls;
        return x;
    };
    BOOST_CHECK_THROW(ex.map(f, counted(reads, 10), map_options{.chunksize = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(ex.map(f, counted(reads, 10), map_options{.chunksize = 0, .buffersize = 2}),
                      std::invalid_argument);
    check_nothing_ran(ex, reads, calls);
}

BOOST_AUTO_TEST_CASE(buffersize_zero_throws_invalid_argument_before_anything_runs) {
    // CPython test_map_buffersize_value_validation.
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0}, calls{0};
    auto f = [&](int x) {
        ++calls;
        return x;
    };
    BOOST_CHECK_EXCEPTION(
        ex.map(f, counted(reads), map_options{.buffersize = 0}), std::invalid_argument,
        [](const std::invalid_argument& e) { return std::string(e.what()) == "buffersize must be None or > 0"; });
    check_nothing_ran(ex, reads, calls);
}

// ---------------------------------------------------------------------------------
// Eager submission (no buffersize) and buffersize
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(map_submits_every_call_without_iteration) {
    // CPython test_map_submits_without_iteration (issue 11777).
    futures::thread_pool_executor ex(2);
    std::atomic<int> calls{0};
    auto r = ex.map(
        [&](int x) {
            ++calls;
            return x;
        },
        std::views::iota(0, 10));
    ex.shutdown(true);  // before r goes away, which would cancel what has not started
    BOOST_TEST(calls.load() == 10);
}

BOOST_AUTO_TEST_CASE(map_reads_all_input_at_the_call) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0};
    auto r = ex.map([](int x) { return x; }, counted(reads, 10));
    BOOST_TEST(reads.load() == 10);
    auto d = drain(r);
    BOOST_TEST(d.values.size() == 10u);
    BOOST_TEST(reads.load() == 10);
}

BOOST_AUTO_TEST_CASE(buffersize_reads_exactly_n_inputs_at_the_call) {
    // CPython test_map_buffersize_when_buffer_is_full: never iterated; after
    // shutdown(wait=True) exactly buffersize inputs were taken.
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0}, calls{0};
    auto r = ex.map(
        [&](int x) {
            ++calls;
            return x;
        },
        counted(reads), map_options{.buffersize = 2});
    BOOST_TEST(reads.load() == 2);
    ex.shutdown(true);
    BOOST_TEST(reads.load() == 2);
    BOOST_TEST(calls.load() == 2);
}

BOOST_AUTO_TEST_CASE(buffersize_counts_chunks_not_inputs) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0};
    auto r = ex.map([](int x) { return x; }, counted(reads), map_options{.chunksize = 3, .buffersize = 2});
    BOOST_TEST(reads.load() == 6);
    ex.shutdown(true);
    BOOST_TEST(reads.load() == 6);
}

BOOST_AUTO_TEST_CASE(buffersize_refills_one_chunk_per_chunk_consumed) {
    // Python refills first, then waits for the oldest chunk.
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0};
    auto r = ex.map([](int x) { return x * 2; }, counted(reads), map_options{.buffersize = 2});
    BOOST_TEST(reads.load() == 2);
    auto it = r.begin();
    BOOST_TEST(*it == 0);
    BOOST_TEST(reads.load() == 3);
    ++it;
    BOOST_TEST(*it == 2);
    BOOST_TEST(reads.load() == 4);
    ++it;
    BOOST_TEST(*it == 4);
    BOOST_TEST(reads.load() == 5);
}

BOOST_AUTO_TEST_CASE(buffersize_refills_per_chunk_with_chunksize) {
    futures::thread_pool_executor ex(2);
    std::atomic<int> reads{0};
    auto r = ex.map([](int x) { return x; }, counted(reads), map_options{.chunksize = 2, .buffersize = 2});
    BOOST_TEST(reads.load() == 4);
    auto it = r.begin();  // takes chunk {0,1}: one chunk refilled
    BOOST_TEST(*it == 0);
    BOOST_TEST(reads.load() == 6);
    ++it;  // still inside chunk {0,1}: nothing read
    BOOST_TEST(*it == 1);
    BOOST_TEST(reads.load() == 6);
    ++it;  // chunk {2,3}: one more chunk read
    BOOST_TEST(*it == 2);
    BOOST_TEST(reads.load() == 8);
}

BOOST_AUTO_TEST_CASE(buffersize_gives_the_same_results) {
    // CPython test_map_buffersize: buffersize 1, 2, 4, 8 over range(4).
    futures::thread_pool_executor ex(2);
    for (std::size_t bs : {1u, 2u, 4u, 8u}) {
        BOOST_TEST_CONTEXT("buffersize " << bs) {
            auto r =
                ex.map([](int i) { return std::to_string(i); }, std::views::iota(0, 4), map_options{.buffersize = bs});
            auto d = drain(r);
            BOOST_TEST(!d.error);
            BOOST_TEST(d.values == (std::vector<std::string>{"0", "1", "2", "3"}), boost::test_tools::per_element());
        }
    }
    // CPython test_map_buffersize_on_multiple_iterables.
    auto r = ex.map([](int a, int b) { return a + b; }, std::views::iota(0, 4), std::views::iota(0, 4),
                    map_options{.buffersize = 2});
    auto d = drain(r);
    BOOST_TEST(d.values == (std::vector{0, 2, 4, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(buffersize_works_on_an_infinite_range) {
    // CPython test_map_buffersize_on_infinite_iterable.
    futures::thread_pool_executor ex(2);
    std::vector<std::string> got;
    {
        auto r = ex.map([](int i) { return std::to_string(i); }, std::views::iota(0), map_options{.buffersize = 2});
        for (auto it = r.begin(); it != r.end() && got.size() < 5; ++it) got.push_back(*it);
    }  // dropping the range cancels what is left
    BOOST_TEST(got == (std::vector<std::string>{"0", "1", "2", "3", "4"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(buffersize_works_on_several_infinite_ranges) {
    // CPython test_map_buffersize_on_multiple_infinite_iterables.
    futures::thread_pool_executor ex(2);
    std::vector<int> got;
    auto r = ex.map([](int a, int b) { return a + b; }, std::views::iota(0), std::views::iota(0),
                    map_options{.chunksize = 2, .buffersize = 2});
    for (auto it = r.begin(); it != r.end() && got.size() < 3; ++it) got.push_back(*it);
    BOOST_TEST(got == (std::vector{0, 2, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(lvalue_range_is_referenced_not_copied) {
    // With buffersize 1, element 3 is read only when result 2 is taken, so a change
    // made after map() returned is seen.
    futures::thread_pool_executor ex(2);
    std::vector<int> v{1, 2, 3, 4};
    auto r = ex.map([](int x) { return x * 10; }, v, map_options{.buffersize = 1});
    v[3] = 100;
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == (std::vector{10, 20, 30, 1000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rvalue_range_is_owned) {
    // The temporary vector dies at the end of the map() statement; the range keeps
    // its own (ASan would catch a dangling read).
    futures::thread_pool_executor ex(2);
    auto r = ex.map([](const std::string& s) { return s.size(); },
                    std::vector<std::string>{"a", "bb", "ccc", std::string(100, 'd')}, map_options{.buffersize = 1});
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == (std::vector<std::size_t>{1, 2, 3, 100}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------
// Timeout
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(timeout_throws_timeout_error_and_cancels_the_rest) {
    // CPython test_executor_map_current_future_cancel (gh-95166): one worker is busy
    // with "first"; map(["second","third"], timeout=0) times out; both the waited-on
    // call and the other one are cancelled, so only "first" ever ran.
    futures::thread_pool_executor ex(1);
    std::mutex m;
    std::vector<std::string> log;
    auto note = [&](std::string s) {
        std::lock_guard lk(m);
        log.push_back(std::move(s));
    };
    event first_started, release;
    auto log_n_wait = [&](const std::string& ident) {
        note(ident + " started");
        if (ident == "first") {
            first_started.set();
            (void)release.wait_for(patience);
        }
        note(ident + " stopped");
        return ident;
    };
    auto first = ex.submit(log_n_wait, std::string("first"));
    BOOST_REQUIRE(first_started.wait_for(patience));
    {
        auto r = ex.map(log_n_wait, std::vector<std::string>{"second", "third"}, map_options{.timeout = 0s});
        BOOST_CHECK_THROW(r.begin(), futures::timeout_error);
        BOOST_TEST((r.begin() == r.end()));
    }
    release.set();
    BOOST_TEST(first.result(patience) == "first");
    ex.shutdown(true);
    std::lock_guard lk(m);
    BOOST_TEST(log == (std::vector<std::string>{"first started", "first stopped"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(timeout_keeps_delivered_values_and_cancels_later_calls) {
    // CPython test_map_timeout: values that are ready are delivered, then
    // timeout_error; calls that had not started are cancelled.
    futures::thread_pool_executor ex(1);
    ran_flags<4> ran;
    event in_one, release;
    std::optional<futures::map_result<int>> r;
    r.emplace(ex.map(
        [&](int i) {
            ran.mark(i);
            if (i == 1) {
                in_one.set();
                (void)release.wait_for(patience);
            }
            return i;
        },
        std::views::iota(0, 4), map_options{.timeout = 0s}));
    BOOST_REQUIRE(in_one.wait_for(patience));  // so input 0 is done, input 1 runs
    std::vector<int> got;
    std::exception_ptr err;
    try {
        for (auto it = r->begin(); it != r->end(); ++it) got.push_back(*it);
    } catch (...) {
        err = std::current_exception();
    }
    release.set();
    ex.shutdown(true);
    BOOST_TEST(got == (std::vector{0}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(std::rethrow_exception(err), futures::timeout_error);
    BOOST_TEST(ran[1]);
    BOOST_TEST(!ran[2]);
    BOOST_TEST(!ran[3]);
}

BOOST_AUTO_TEST_CASE(timeout_is_counted_from_the_map_call) {
    // The deadline starts at map(), not at begin()/++. We let the deadline pass
    // (the one place this file lets time go by: the deadline itself is under test),
    // then begin() must throw at once; had the timeout been counted from begin(), it
    // would wait a full second first. A one-sided check: a slow machine cannot fail it
    // unless it stalls this thread for a whole second.
    futures::thread_pool_executor ex(1);
    event release;
    auto t0 = std::chrono::steady_clock::now();
    auto r = ex.map([&](int) { return release.wait_for(patience); }, std::vector{0}, map_options{.timeout = 1s});
    std::this_thread::sleep_until(t0 + 1100ms);
    auto t1 = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(r.begin(), futures::timeout_error);
    auto waited = std::chrono::steady_clock::now() - t1;
    release.set();
    BOOST_TEST(std::chrono::duration<double>(waited).count() < 1.0);
}

BOOST_AUTO_TEST_CASE(no_timeout_error_when_results_arrive_in_time) {
    futures::thread_pool_executor ex(2);
    auto r = ex.map([](int i) { return i + 1; }, std::views::iota(0, 20), map_options{.timeout = patience});
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values.size() == 20u);
}

// ---------------------------------------------------------------------------------
// Dropping the range, shutdown, the executor going away
// ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(destroying_the_range_cancels_calls_not_started) {
    // gh-136578: dropping the iterator cancels what has not started.
    futures::thread_pool_executor ex(1);
    blocker b;
    auto busy = b.occupy(ex);
    std::atomic<int> calls{0};
    {
        auto r = ex.map(
            [&](int x) {
                ++calls;
                return x;
            },
            std::views::iota(0, 5));
        BOOST_TEST(ex.pending() == 5u);
    }
    b.gate.set();
    BOOST_TEST(busy.result(patience));
    ex.shutdown(true);
    BOOST_TEST(calls.load() == 0);
}

BOOST_AUTO_TEST_CASE(destroying_the_range_midway_cancels_the_rest) {
    // CPython main test_map_close: after the first item, close() stops everything
    // that has not started.
    futures::thread_pool_executor ex(1);
    ran_flags<5> ran;
    event in_one, release;
    {
        auto r = ex.map(
            [&](int i) {
                ran.mark(i);
                if (i == 1) {
                    in_one.set();
                    (void)release.wait_for(patience);
                }
                return i;
            },
            std::views::iota(0, 5));
        auto it = r.begin();
        BOOST_TEST(*it == 0);
        BOOST_REQUIRE(in_one.wait_for(patience));
    }
    release.set();
    ex.shutdown(true);
    BOOST_TEST(ran[0]);
    BOOST_TEST(ran[1]);
    BOOST_TEST(!ran[2]);
    BOOST_TEST(!ran[3]);
    BOOST_TEST(!ran[4]);
}

BOOST_AUTO_TEST_CASE(shutdown_with_an_unconsumed_map_does_not_hang) {
    // CPython test_shutdown_race_issue12456.
    futures::thread_pool_executor ex(2);
    auto r = ex.map([](int x) { return std::to_string(x); }, std::vector<int>(3, 2));
    ex.shutdown(true);
    auto d = drain(r);
    BOOST_TEST(d.values == (std::vector<std::string>{"2", "2", "2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(map_after_shutdown_throws_runtime_error) {
    futures::thread_pool_executor ex(2);
    ex.shutdown();
    BOOST_CHECK_EXCEPTION(ex.map([](int x) { return x; }, std::vector{1, 2}), std::runtime_error,
                          [](const std::runtime_error& e) {
                              return std::string(e.what()) == "cannot schedule new futures after shutdown";
                          });
}

BOOST_AUTO_TEST_CASE(buffersize_refill_after_shutdown_throws_runtime_error) {
    // Python 3.14: the refill submit() raises RuntimeError from next().
    futures::thread_pool_executor ex(1);
    auto r = ex.map([](int x) { return x; }, std::vector{1, 2, 3}, map_options{.buffersize = 1});
    ex.shutdown(true);
    BOOST_CHECK_THROW(r.begin(), std::runtime_error);
    BOOST_TEST((r.begin() == r.end()));
}

BOOST_AUTO_TEST_CASE(buffersize_map_ends_after_buffered_results_once_the_executor_is_gone) {
    // Python holds a weakref to the executor: once it is gone, no more input is
    // submitted and the iteration ends after the buffered results.
    std::optional<futures::thread_pool_executor> ex(std::in_place, 1);
    auto r = ex->map([](int x) { return x * 2; }, std::views::iota(0), map_options{.buffersize = 2});
    ex.reset();  // shutdown(wait=true): the two buffered calls have run
    auto d = drain(r);
    BOOST_TEST(!d.error);
    BOOST_TEST(d.values == (std::vector{0, 2}), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------
// Exceptions
// ---------------------------------------------------------------------------------
// Kept last: Boost.Test stops a module after a crash, and these once crashed
// (advance() rethrew an exception_ptr that cancel_rest() had just destroyed).

// Every position of a map() range: its value, or what dereferencing it threw.
template <class R>
std::vector<std::variant<typename R::value_type, std::exception_ptr>> outcomes(R& r) {
    std::vector<std::variant<typename R::value_type, std::exception_ptr>> out;
    for (auto it = r.begin(); it != r.end(); ++it) {
        try {
            out.emplace_back(std::in_place_index<0>, std::move(*it));
        } catch (...) {
            out.emplace_back(std::in_place_index<1>, std::current_exception());
        }
    }
    return out;
}

template <class T, class V>
bool holds_value(const V& v, const T& want) {
    return v.index() == 0 && std::get<0>(v) == want;
}

BOOST_AUTO_TEST_CASE(exception_is_rethrown_at_its_position_and_iteration_goes_on) {
    // CPython main test_map_exception ([5,5,5,5] / [2,3,0,5]): (2,1), (1,2), raises,
    // (1,0), then the end (gh-108518).
    futures::thread_pool_executor ex(2);
    auto r = ex.map(divmod, std::vector{5, 5, 5, 5}, std::vector{2, 3, 0, 5});
    auto got = outcomes(r);
    ex.shutdown(true);  // see "TSan" at the top
    BOOST_REQUIRE(got.size() == 4u);
    BOOST_TEST(holds_value(got[0], std::pair{2, 1}));
    BOOST_TEST(holds_value(got[1], std::pair{1, 2}));
    BOOST_TEST((got[2].index() == 1 && is_division_error(std::get<1>(got[2]))));
    BOOST_TEST(holds_value(got[3], std::pair{1, 0}));
    BOOST_TEST((r.begin() == r.end()));  // StopIteration afterwards
}

BOOST_AUTO_TEST_CASE(exception_in_the_first_element_throws_from_its_dereference) {
    futures::thread_pool_executor ex(2);
    auto r = ex.map(divmod, std::vector{1, 2}, std::vector{0, 1});
    auto it = r.begin();
    BOOST_REQUIRE((it != r.end()));
    BOOST_CHECK_THROW(*it, std::domain_error);
    BOOST_CHECK_THROW(*it, std::domain_error);  // every time, until ++
    ++it;
    BOOST_TEST((*it == std::pair{2, 0}));
    ++it;
    BOOST_TEST((it == r.end()));
    ex.shutdown(true);  // see "TSan" at the top
}

BOOST_AUTO_TEST_CASE(exception_cancels_nothing) {
    // One worker: input 2 throws while input 3 holds the worker; the calls after
    // it still run and deliver their values.
    futures::thread_pool_executor ex(1);
    ran_flags<6> ran;
    event gate;
    auto r = ex.map(
        [&](int i) {
            ran.mark(i);
            if (i == 2) throw std::domain_error("two");
            if (i == 3) (void)gate.wait_for(patience);
            return i;
        },
        std::views::iota(0, 6));
    auto d = drain(r);  // stops at the failed element
    gate.set();
    BOOST_TEST(d.values == (std::vector{0, 1}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(std::rethrow_exception(d.error), std::domain_error);
    auto rest = outcomes(r);  // the same range, from the failed element on
    ex.shutdown(true);
    BOOST_REQUIRE(rest.size() == 4u);
    BOOST_TEST(rest[0].index() == 1u);
    BOOST_TEST(holds_value(rest[1], 3));
    BOOST_TEST(holds_value(rest[2], 4));
    BOOST_TEST(holds_value(rest[3], 5));
    BOOST_TEST(ran[4]);
    BOOST_TEST(ran[5]);
}

BOOST_AUTO_TEST_CASE(exception_inside_a_chunk_fails_only_its_element) {
    // CPython main test_map_exception with chunksize=3: [5,5,5,5] / [2,0,3,5] gives
    // (2,1), raises, (1,2), (1,0).
    futures::thread_pool_executor ex(1);
    std::vector<int> a{5, 5, 5, 5}, b{2, 0, 3, 5};
    auto r = ex.map([&](int i) { return divmod(a[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(i)]); },
                    std::views::iota(0, 4), map_options{.chunksize = 3});
    auto got = outcomes(r);
    ex.shutdown(true);
    BOOST_REQUIRE(got.size() == 4u);
    BOOST_TEST(holds_value(got[0], std::pair{2, 1}));
    BOOST_TEST((got[1].index() == 1 && is_division_error(std::get<1>(got[1]))));
    BOOST_TEST(holds_value(got[2], std::pair{1, 2}));
    BOOST_TEST(holds_value(got[3], std::pair{1, 0}));
    BOOST_TEST((r.begin() == r.end()));
}

BOOST_AUTO_TEST_CASE(exception_at_the_end_of_a_chunk_comes_after_the_chunk_values) {
    futures::thread_pool_executor ex(2);
    auto r = ex.map(
        [](int i) {
            if (i == 2) throw std::logic_error("two");
            return i;
        },
        std::views::iota(0, 6), map_options{.chunksize = 3});
    auto got = outcomes(r);
    ex.shutdown(true);  // see "TSan" at the top
    BOOST_REQUIRE(got.size() == 6u);
    for (int i : {0, 1, 3, 4, 5}) BOOST_TEST(holds_value(got[static_cast<std::size_t>(i)], i));
    BOOST_CHECK_THROW(std::rethrow_exception(std::get<1>(got[2])), std::logic_error);
}

BOOST_AUTO_TEST_CASE(timeout_error_thrown_by_the_function_is_an_ordinary_exception) {
    // CPython main test_map_timeout_from_callable (gh-155852): the iteration goes on.
    futures::thread_pool_executor ex(2);
    auto r = ex.map(
        [](int i) {
            if (i == 1) throw futures::timeout_error("from the function");
            return i;
        },
        std::views::iota(0, 4));
    auto got = outcomes(r);
    ex.shutdown(true);  // see "TSan" at the top
    BOOST_REQUIRE(got.size() == 4u);
    BOOST_TEST(holds_value(got[0], 0));
    BOOST_CHECK_EXCEPTION(std::rethrow_exception(std::get<1>(got[1])), futures::timeout_error,
                          [](const futures::timeout_error& e) { return std::string(e.what()) == "from the function"; });
    BOOST_TEST(holds_value(got[2], 2));
    BOOST_TEST(holds_value(got[3], 3));
}

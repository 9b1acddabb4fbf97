// map_options::unordered (mpi4py's map(..., unordered=True)) on the thread pool,
// which shares the map engine (map.hpp) with the process and MPI pools. The order
// of completion is made deterministic: input k's call blocks until the test opens
// gate k, so the test decides which call can complete next and checks that the
// iteration yields exactly that one.
//
// TSan: as in test_map.cpp, a test that inspects an exception thrown on a worker
// joins the workers (shutdown(true)) first.
#define BOOST_TEST_MODULE map_unordered
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <ranges>
#include <set>
#include <stdexcept>
#include <vector>

#include <futures/errors.hpp>
#include <futures/map_options.hpp>
#include <futures/thread_pool_executor.hpp>

#include "support/deadline.hpp"

using namespace std::chrono_literals;
using futures::map_options;
using futures_test::event;

// Gates and counters are declared before the executor: its destructor joins the
// threads that use them.
namespace {

constexpr auto patience = 30s;

// Input k's call runs only once gate k is open; -1 if it waited in vain (which
// fails the comparison that reads it).
template <std::size_t N>
struct gates {
    std::array<event, N> open;
    std::array<event, N> started;
    int pass(int k) {
        started[static_cast<std::size_t>(k)].set();
        return open[static_cast<std::size_t>(k)].wait_for(patience) ? k : -1;
    }
    void release(int k) { open[static_cast<std::size_t>(k)].set(); }
};

map_options unordered(std::size_t chunksize = 1) { return {.chunksize = chunksize, .unordered = true}; }

}  // namespace

BOOST_AUTO_TEST_CASE(results_come_in_completion_order) {
    gates<4> g;
    futures::thread_pool_executor ex(4);
    auto r = ex.map([&](int k) { return g.pass(k); }, std::views::iota(0, 4), unordered());
    // Every call is running, and only the one released can complete next.
    const std::array order{2, 0, 3, 1};
    std::vector<int> got;
    g.release(order[0]);
    auto it = r.begin();
    for (std::size_t n = 0; n < order.size(); ++n) {
        BOOST_REQUIRE(it != r.end());
        got.push_back(*it);
        if (n + 1 < order.size()) g.release(order[n + 1]);
        ++it;
    }
    BOOST_TEST((it == r.end()));
    BOOST_TEST(got == std::vector<int>(order.begin(), order.end()), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_chunk_comes_whole_and_in_input_order) {
    // Chunks {0,1} {2,3} {4,5}, each blocked on the gate of its first input.
    gates<6> g;
    futures::thread_pool_executor ex(3);
    auto r = ex.map([&](int k) { return k % 2 == 0 ? g.pass(k) : k; }, std::views::iota(0, 6), unordered(2));
    std::vector<int> got;
    g.release(4);
    auto it = r.begin();
    for (int chunk_after : {0, 2, -1}) {
        for (int n = 0; n < 2; ++n, ++it) {  // a chunk's second result needs no gate
            BOOST_REQUIRE(it != r.end());
            got.push_back(*it);
            if (n == 1 && chunk_after >= 0) g.release(chunk_after);
        }
    }
    BOOST_TEST((it == r.end()));
    BOOST_TEST(got == (std::vector<int>{4, 5, 0, 1, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_element_throws_at_its_position_and_iteration_goes_on) {
    gates<4> g;
    futures::thread_pool_executor ex(4);
    auto r = ex.map(
        [&](int k) {
            int v = g.pass(k);
            if (k == 1) throw std::out_of_range("element 1");
            return v;
        },
        std::views::iota(0, 4), unordered());
    const std::array order{1, 3, 0, 2};
    std::vector<int> values;
    std::vector<std::size_t> failed_at;
    std::exception_ptr error;
    g.release(order[0]);
    std::size_t n = 0;
    for (auto it = r.begin(); it != r.end(); ++it, ++n) {
        try {
            values.push_back(*it);
        } catch (...) {
            failed_at.push_back(n);
            error = std::current_exception();
        }
        if (n + 1 < order.size()) g.release(order[n + 1]);
    }
    ex.shutdown(true);  // see "TSan" at the top
    BOOST_TEST(n == 4u);
    BOOST_TEST(failed_at == std::vector<std::size_t>{0}, boost::test_tools::per_element());
    BOOST_TEST(values == (std::vector<int>{3, 0, 2}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(std::rethrow_exception(error), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(empty_input_yields_nothing) {
    std::atomic<int> calls{0};
    futures::thread_pool_executor ex(2);
    auto r = ex.map(
        [&](int k) {
            ++calls;
            return k;
        },
        std::vector<int>{}, unordered());
    BOOST_TEST((r.begin() == r.end()));
    ex.shutdown(true);
    BOOST_TEST(calls.load() == 0);
}

BOOST_AUTO_TEST_CASE(buffersize_bounds_the_calls_ahead_while_one_is_stuck) {
    // Input 0 blocks; the others flow past it (an ordered map would wait for it),
    // and no more than buffersize chunks are ever submitted ahead of the consumer:
    // buffersize at the call, one more each time a chunk starts to be read.
    constexpr int n = 40, read_before_release = 20;
    constexpr std::size_t buffersize = 2;
    gates<1> g;
    std::atomic<int> calls{0};
    futures::thread_pool_executor ex(3);
    auto r = ex.map(
        [&](int k) {
            ++calls;
            return k == 0 ? g.pass(0) : k;
        },
        std::views::iota(0, n), map_options{.chunksize = 1, .buffersize = buffersize, .unordered = true});
    std::multiset<int> got;
    int reads = 0;
    for (auto it = r.begin(); it != r.end(); ++it) {
        got.insert(*it);
        ++reads;
        BOOST_REQUIRE(calls.load() <= reads + static_cast<int>(buffersize));
        if (reads == read_before_release) {
            BOOST_TEST(got.count(0) == 0u);
            g.release(0);
        }
    }
    std::multiset<int> want;
    for (int k = 0; k < n; ++k) want.insert(k);
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(timeout_ends_the_iteration_after_what_completed) {
    gates<1> g;
    futures::thread_pool_executor ex(3);
    auto r = ex.map([&](int k) { return k == 0 ? g.pass(0) : k; }, std::views::iota(0, 3),
                    map_options{.timeout = 2s, .chunksize = 1, .unordered = true});
    std::multiset<int> got;
    auto it = r.begin();
    got.insert(*it);
    ++it;
    got.insert(*it);
    BOOST_CHECK_THROW(++it, futures::timeout_error);  // input 0 is still stuck
    BOOST_TEST(got == (std::multiset<int>{1, 2}), boost::test_tools::per_element());
    BOOST_TEST((r.begin() == r.end()));  // the timeout ended it
    g.release(0);
}

BOOST_AUTO_TEST_CASE(destroying_the_range_cancels_what_has_not_started) {
    // One thread, busy with input 0; the range goes while that call runs, and the
    // call completes after the range (and what watched it) is gone.
    gates<1> g;
    std::atomic<int> calls{0};
    futures::thread_pool_executor ex(1);
    {
        auto r = ex.map(
            [&](int k) {
                ++calls;
                return k == 0 ? g.pass(0) : k;
            },
            std::views::iota(0, 5), unordered());
        BOOST_REQUIRE(g.started[0].wait_for(patience));
    }
    g.release(0);
    ex.shutdown(true);
    BOOST_TEST(calls.load() == 1);
}

BOOST_AUTO_TEST_CASE(many_small_chunks_each_come_once) {
    // The completion stream under load: every input once, whatever the order.
    futures::thread_pool_executor ex(4);
    constexpr int n = 20000;
    std::vector<char> seen(n, 0);
    int count = 0;
    for (int k : ex.map([](int k) { return k; }, std::views::iota(0, n), unordered(3))) {
        BOOST_REQUIRE((k >= 0 && k < n && !seen[static_cast<std::size_t>(k)]));
        seen[static_cast<std::size_t>(k)] = 1;
        ++count;
    }
    BOOST_TEST(count == n);
}

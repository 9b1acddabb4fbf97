// process_pool_executor::map with map_options::unordered (mpi4py's
// unordered=True). Completion order is made observable: input 0's call waits in its
// worker until the test opens its gate file (support/gate_file.hpp), which the test
// does only after it has read other results; so input 0 (or its chunk) must come
// last, which an ordered map could never do. A fresh pool per case: a pool that
// knows the task's timing may send a frame ahead to a busy worker, and calls stuck
// behind the gated one would make the case wait for the gate it never opens.
#define BOOST_TEST_MODULE process_map
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <cstddef>
#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <futures/errors.hpp>
#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"
#include "support/gate_file.hpp"

using namespace std::chrono_literals;
using futures::map_options;
using futures::process_pool_executor;
using futures_test::gate_dir;

namespace {

// gated_task's gates for inputs 0..n-1: input 0 waits for gate 0, the others run freely.
std::vector<std::string> first_gated(const gate_dir& g, std::size_t n) {
    std::vector<std::string> paths(n);
    paths[0] = g.path(0);
    return paths;
}

std::vector<int> iota(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
    return v;
}

// Reads n results from `it`, leaving it on the last one: ++ would wait for the next.
template <class It, class End, class F>
void read_n(It& it, const End& end, int n, F&& each) {
    for (int k = 0; k < n; ++k) {
        if (k > 0) ++it;
        BOOST_REQUIRE((it != end));
        each(it);
    }
}

map_options unordered(std::size_t chunksize = 1) { return {.chunksize = chunksize, .unordered = true}; }

}  // namespace

BOOST_AUTO_TEST_CASE(unordered_results_come_in_completion_order) {
    gate_dir g;
    process_pool_executor pool(2);
    const auto xs = iota(6);
    auto r = pool.map(gated_task, first_gated(g, xs.size()), xs, unordered());
    std::multiset<int> before;
    auto it = r.begin();
    read_n(it, r.end(), 5, [&](auto& i) { before.insert(*i); });
    g.open(0);
    ++it;
    BOOST_REQUIRE((it != r.end()));
    BOOST_TEST(*it == 0);  // input 0 (gated_task returns 10 x), after all the others
    ++it;
    BOOST_TEST((it == r.end()));
    BOOST_TEST(before == (std::multiset<int>{10, 20, 30, 40, 50}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unordered_chunks_come_whole_in_input_order) {
    gate_dir g;
    process_pool_executor pool(2);
    const auto xs = iota(8);  // chunks {0,1} (gated) {2,3} {4,5} {6,7}
    auto r = pool.map(gated_task, first_gated(g, xs.size()), xs, unordered(2));
    std::vector<int> got;
    auto it = r.begin();
    read_n(it, r.end(), 6, [&](auto& i) { got.push_back(*i); });
    g.open(0);
    for (++it; it != r.end(); ++it) got.push_back(*it);
    BOOST_REQUIRE(got.size() == 8u);
    std::set<int> chunks;
    for (std::size_t i = 0; i < 8; i += 2) {
        BOOST_TEST(got[i] % 20 == 0);           // a chunk's first input...
        BOOST_TEST(got[i + 1] == got[i] + 10);  // ...then its second
        chunks.insert(got[i] / 20);
    }
    BOOST_TEST(chunks.size() == 4u);
    BOOST_TEST(got[6] == 0);  // the gated chunk last
}

BOOST_AUTO_TEST_CASE(unordered_failing_element_throws_at_its_position_and_goes_on) {
    gate_dir g;
    process_pool_executor pool(2);
    const std::vector<int> xs{0, 1, -2, 3};
    auto r = pool.map(gated_task, first_gated(g, xs.size()), xs, unordered());
    std::multiset<int> values;
    int errors = 0;
    auto it = r.begin();
    read_n(it, r.end(), 3, [&](auto& i) {
        try {
            values.insert(*i);
        } catch (const std::out_of_range& e) {
            ++errors;
            BOOST_TEST(std::string(e.what()).find("negative: -2") != std::string::npos);
        }
    });
    g.open(0);
    ++it;
    BOOST_REQUIRE((it != r.end()));
    BOOST_TEST(*it == 0);  // the iteration went on past the failure
    ++it;
    BOOST_TEST((it == r.end()));
    BOOST_TEST(errors == 1);
    BOOST_TEST(values == (std::multiset<int>{10, 30}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unordered_empty_input_yields_nothing_and_starts_no_worker) {
    process_pool_executor pool(2);
    auto r = pool.map(square_task, std::vector<int>{}, unordered());
    BOOST_TEST((r.begin() == r.end()));
    BOOST_TEST(pool.stats().workers == 0u);
}

BOOST_AUTO_TEST_CASE(unordered_buffersize_flows_past_a_stuck_call) {
    // With buffersize 2 an ordered map would wait for input 0; unordered reads 20
    // others meanwhile, and never has more than buffersize calls ahead of it.
    constexpr int n = 40;
    constexpr std::size_t buffersize = 2;
    gate_dir g;
    process_pool_executor pool(2);
    const auto xs = iota(n);
    auto r = pool.map(gated_task, first_gated(g, xs.size()), xs,
                      map_options{.chunksize = 1, .buffersize = buffersize, .unordered = true});
    std::multiset<int> got;
    std::size_t reads = 0;
    for (auto it = r.begin(); it != r.end(); ++it) {
        got.insert(*it);
        ++reads;
        BOOST_REQUIRE(pool.stats().completed <= reads + buffersize);
        if (reads == 20) {
            BOOST_TEST(got.count(0) == 0u);
            g.open(0);
        }
    }
    std::multiset<int> want;
    for (int x : xs) want.insert(10 * x);
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unordered_timeout_ends_the_iteration_after_what_completed) {
    gate_dir g;
    process_pool_executor pool(2);
    const auto xs = iota(3);
    auto r = pool.map(gated_task, first_gated(g, xs.size()), xs, map_options{.timeout = 3s, .unordered = true});
    std::multiset<int> got;
    auto it = r.begin();
    got.insert(*it);
    ++it;
    got.insert(*it);
    BOOST_CHECK_THROW(++it, futures::timeout_error);  // input 0 is still at its gate
    BOOST_TEST((r.begin() == r.end()));
    BOOST_TEST(got == (std::multiset<int>{10, 20}), boost::test_tools::per_element());
    g.open(0);  // lets the worker go, so that shutdown does not wait for the gate's own deadline
}

BOOST_AUTO_TEST_CASE(unordered_destroying_the_range_cancels_what_has_not_started) {
    // One worker, running input 0; the range goes first, the call completes after.
    gate_dir g;
    process_pool_executor pool(1);
    const auto xs = iota(5);
    {
        auto r = pool.map(gated_task, first_gated(g, xs.size()), xs, unordered());
        BOOST_REQUIRE(ptest::eventually("input 0 runs", [&] { return pool.stats().running == 1; }));
    }
    g.open(0);
    pool.shutdown(true);
    BOOST_TEST(pool.stats().completed == 1u);
}

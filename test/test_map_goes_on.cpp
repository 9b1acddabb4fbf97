// map() goes on after a failing element, on both pools (issue 10, item 9), as
// CPython's main branch does (gh-108518): the failed position throws when it is
// dereferenced, and ++ moves on to the next result. Elements of a chunk whose call
// failed as a whole (cancelled, a dead worker, a broken pool) each throw at their
// own position. Python 3.14 instead ended the iteration at the first failure.
#define BOOST_TEST_MODULE map_goes_on
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <futures/errors.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

using futures::map_options;
using ptest::deadline;

namespace {

// Each position of a map() range: its value, or the exception its dereference threw.
struct outcome {
    std::optional<int> value;
    std::exception_ptr error;
};

template <class R>
std::vector<outcome> walk(R& r) {
    std::vector<outcome> out;
    for (auto it = r.begin(); it != r.end(); ++it) {
        try {
            out.push_back({*it, nullptr});
        } catch (...) {
            out.push_back({std::nullopt, std::current_exception()});
        }
    }
    return out;
}

template <class E>
bool fails_with(const outcome& o) {
    if (!o.error) return false;
    try {
        std::rethrow_exception(o.error);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

int times_ten_or_throw(int x) {
    if (x < 0) throw std::out_of_range("negative");
    return 10 * x;
}

// What map(x -> 10x, or out_of_range if x < 0) gives for mixed_inputs.
const std::vector<int> mixed_inputs{1, -2, 3, -4, 5, 6, -7};
void check_mixed(const std::vector<outcome>& got) {
    BOOST_REQUIRE(got.size() == mixed_inputs.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("position " << i) {
            if (mixed_inputs[i] < 0)
                BOOST_TEST(fails_with<std::out_of_range>(got[i]));
            else
                BOOST_TEST((got[i].value == 10 * mixed_inputs[i]));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(thread_pool_map_goes_on_after_failures_inside_and_across_chunks) {
    for (std::size_t chunk : {1u, 2u, 3u, 7u}) {
        futures::thread_pool_executor ex(2);
        auto r = ex.map(times_ten_or_throw, mixed_inputs, map_options{.chunksize = chunk});
        auto got = walk(r);
        ex.shutdown(true);  // TSan: see test_map.cpp
        check_mixed(got);
    }
}

BOOST_AUTO_TEST_CASE(thread_pool_map_fails_each_element_of_a_cancelled_chunk_and_goes_on) {
    // Chunks {0,1} {2,3} {4,5}: the first holds the only thread while shutdown
    // cancels the other two; each of their four elements throws cancelled_error.
    futures::thread_pool_executor ex(1);
    futures_test::event started, gate;
    auto r = ex.map(
        [&](int i) {
            if (i == 0) {
                started.set();
                (void)gate.wait_for(deadline);
            }
            return i;
        },
        std::vector{0, 1, 2, 3, 4, 5}, map_options{.chunksize = 2});
    BOOST_REQUIRE(started.wait_for(deadline));
    ex.shutdown(false, true);
    gate.set();
    auto got = walk(r);
    ex.shutdown(true);
    BOOST_REQUIRE(got.size() == 6u);
    BOOST_TEST((got[0].value == 0));
    BOOST_TEST((got[1].value == 1));
    for (std::size_t i = 2; i < 6; ++i) BOOST_TEST(fails_with<futures::cancelled_error>(got[i]), "position " << i);
}

BOOST_AUTO_TEST_CASE(process_pool_map_goes_on_after_failures_inside_and_across_chunks) {
    futures::process_pool_executor pool(2);
    for (std::size_t chunk : {1u, 3u, 7u}) {
        auto r = pool.map(fail_negative_task, mixed_inputs, map_options{.chunksize = chunk});
        auto got = walk(r);
        check_mixed(got);
    }
}

BOOST_AUTO_TEST_CASE(process_pool_map_fails_each_element_of_a_broken_pool_and_reaches_the_end) {
    // Python's rule (break_on_worker_death): the worker dies on element 0, the pool
    // breaks, and every element still throws at its own position, up to the end.
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 1, .break_on_worker_death = true});
    auto r = pool.map(crash_task, std::vector{int(ptest::sigkill_self), 0, 0, 0, 0, 0}, map_options{.chunksize = 2});
    auto got = walk(r);
    BOOST_REQUIRE(got.size() == 6u);
    BOOST_TEST(fails_with<futures::terminated_worker_error>(got[0]));
    for (std::size_t i = 1; i < 6; ++i) BOOST_TEST(bool(got[i].error), "position " << i);
}

BOOST_AUTO_TEST_CASE(process_pool_map_survives_a_dead_worker_and_goes_on) {
    // Default rules: the dead worker's chunk fails, the worker is replaced, and the
    // next chunks deliver their values.
    futures::process_pool_executor pool(1);
    auto r = pool.map(crash_task, std::vector{int(ptest::sigkill_self), 0, 0, 0, 0, 0}, map_options{.chunksize = 2});
    auto got = walk(r);
    BOOST_REQUIRE(got.size() == 6u);
    BOOST_TEST(fails_with<futures::terminated_worker_error>(got[0]));
    BOOST_TEST(fails_with<futures::terminated_worker_error>(got[1]));
    for (std::size_t i = 2; i < 6; ++i) BOOST_TEST((got[i].value == 0), "position " << i);  // on the replacement
}

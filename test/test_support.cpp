// Self-test of test/support, so the harness is checked before the library is.
#define BOOST_TEST_MODULE test_support
#include <boost/test/unit_test.hpp>

#include "support/deadline.hpp"
#include "support/summary.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(event_wakes_waiter_and_times_out) {
    futures_test::event ready, never;
    std::thread t([&] { ready.set(); });
    BOOST_TEST(ready.wait_for(10s));
    BOOST_TEST(ready.is_set());
    t.join();

    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(!never.wait_for(20ms));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 20ms));
    BOOST_TEST(!never.is_set());
}

BOOST_AUTO_TEST_CASE(latch_and_wait_for_condition) {
    futures_test::set_deadline(30s);  // exercises the per-case override
    constexpr int n = 4;
    futures_test::latch done(n);
    std::atomic<int> count{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
        threads.emplace_back([&] {
            ++count;
            futures_test::notify_condition();
            done.count_down();
        });
    BOOST_TEST(futures_test::wait_for_condition([&] { return count.load() == n; }, 10000ms));
    BOOST_TEST(done.wait_for(10s));
    for (auto& t : threads) t.join();
    BOOST_TEST(!futures_test::wait_for_condition([] { return false; }, 10ms));
}

// depends_on runs the two cases above first (a --run_test filter that selects
// this one enables them too) and skips this one unless both passed, so the
// observer must have counted exactly two passes: 0 means it is not registered,
// more means a case was counted twice.
BOOST_AUTO_TEST_CASE(summary_counts_cases, *boost::unit_test::depends_on("event_wakes_waiter_and_times_out") *
                                               boost::unit_test::depends_on("latch_and_wait_for_condition")) {
    auto c = futures_test::detail::current_counts();
    BOOST_TEST(c.failed == 0u);
    BOOST_TEST(c.passed == 2u);
    BOOST_TEST(c.skipped == 0u);
}

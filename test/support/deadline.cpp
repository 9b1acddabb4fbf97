// Per-test-case deadline watchdog. A hung test case must fail on its own, with
// its name, rather than wait for CTest's TIMEOUT to kill the whole executable
// without saying where it hung. The watchdog thread sleeps on a condition
// variable until the armed deadline (wait_until, no polling); test_unit_start
// arms it, test_unit_finish disarms it, set_deadline() moves it.
#include "support/deadline.hpp"
#include "support/summary.hpp"

#include <boost/test/tree/observer.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace utf = boost::unit_test;
using clock_type = std::chrono::steady_clock;

namespace futures_test {
namespace {

struct watchdog_state {
    std::mutex m;
    std::condition_variable cv;
    bool in_case = false;  // a test case is running
    bool armed = false;    // ... and its deadline is live
    bool stop = false;
    clock_type::time_point started, deadline;
    std::string test_name;
};

// Never destroyed, for the same reason as the observer below.
watchdog_state& state() {
    static watchdog_state& s = *new watchdog_state;
    return s;
}

// FUTURES_TEST_DEADLINE in seconds (fractions allowed); 0 disables the watchdog.
clock_type::duration default_budget() {
    static const clock_type::duration budget = [] {
        double seconds = 60;
        if (const char* env = std::getenv("FUTURES_TEST_DEADLINE"); env && *env) {
            char* end = nullptr;
            double v = std::strtod(env, &end);
            if (end != env && *end == '\0' && v >= 0)
                seconds = v;
            else
                std::fprintf(stderr, "ignoring bad FUTURES_TEST_DEADLINE=%s\n", env);
        }
        return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
    }();
    return budget;
}

void arm_locked(watchdog_state& s, clock_type::duration budget) {
    s.armed = budget > clock_type::duration::zero();
    s.deadline = clock_type::now() + budget;
    s.cv.notify_all();
}

void watchdog_loop() {
    auto& s = state();
    std::unique_lock lk(s.m);
    while (!s.stop) {
        if (!s.armed) {
            s.cv.wait(lk);
        } else if (clock_type::now() < s.deadline) {
            s.cv.wait_until(lk, s.deadline);
        } else {
            std::chrono::duration<double> elapsed = clock_type::now() - s.started;
            std::fprintf(stderr, "DEADLINE EXCEEDED in test case %s after %.1f s\n", s.test_name.c_str(),
                         elapsed.count());
            // Count the hung case as failed so the FUTURES_TEST_SUMMARY totals stay honest.
            auto c = detail::current_counts();
            ++c.failed;
            detail::report(c);
            // _Exit: the hung thread may hold locks that destructors or atexit need.
            std::_Exit(3);
        }
    }
}

struct watchdog_observer final : utf::test_observer {
    void test_unit_start(utf::test_unit const& tu) override {
        if (tu.p_type != utf::TUT_CASE) return;
        auto& s = state();
        std::lock_guard lk(s.m);
        s.in_case = true;
        s.test_name = tu.full_name();
        s.started = clock_type::now();
        arm_locked(s, default_budget());
    }
    void test_unit_finish(utf::test_unit const& tu, unsigned long) override {
        if (tu.p_type != utf::TUT_CASE) return;
        auto& s = state();
        std::lock_guard lk(s.m);
        s.in_case = s.armed = false;
        s.cv.notify_all();
    }
};

// Registered, never deregistered and never destroyed (notes §10.1).
watchdog_observer& g_observer = *new watchdog_observer;

// Boost creates this at test_start and deletes it at test_finish, which gives
// the watchdog thread a lifetime that ends with a join before main() returns.
struct watchdog_config {
    std::thread thread;
    watchdog_config() {
        utf::framework::register_observer(g_observer);
        thread = std::thread(watchdog_loop);
    }
    ~watchdog_config() {
        auto& s = state();
        {
            std::lock_guard lk(s.m);
            s.stop = true;
            s.cv.notify_all();
        }
        thread.join();
    }
};
BOOST_TEST_GLOBAL_CONFIGURATION(watchdog_config);

}  // namespace

void set_deadline(std::chrono::milliseconds budget) {
    auto& s = state();
    std::lock_guard lk(s.m);
    if (s.in_case) arm_locked(s, budget);
}

}  // namespace futures_test

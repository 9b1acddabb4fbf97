#pragma once
// Helpers for tests that coordinate threads. Every wait blocks on a condition
// variable with a timeout: nothing sleeps or polls, so a test runs as fast as
// the code under test, and a missed wake-up shows up as a timeout (a failure),
// not as a flaky pass. Include as "support/deadline.hpp".
//
// The per-test-case watchdog itself lives in deadline.cpp and needs no call:
// every test case gets FUTURES_TEST_DEADLINE seconds (default 60; 0 = off).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>

namespace futures_test {

// Gives the running test case `budget` from now before the watchdog prints
// "DEADLINE EXCEEDED ..." and exits with status 3. Zero switches the watchdog
// off for the rest of this case. Outside a test case it does nothing.
void set_deadline(std::chrono::milliseconds budget);

// One-shot flag. set() notifies under the lock, so a waiter may destroy the
// event as soon as wait()/wait_for() returns (stack events are safe).
class event {
public:
    void set() {
        std::lock_guard lk(m_);
        set_ = true;
        cv_.notify_all();
    }
    bool is_set() const {
        std::lock_guard lk(m_);
        return set_;
    }
    void wait() {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return set_; });
    }
    template <class Rep, class Period>
    [[nodiscard]] bool wait_for(std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock lk(m_);
        return cv_.wait_for(lk, timeout, [&] { return set_; });
    }

private:
    mutable std::mutex m_;
    std::condition_variable cv_;
    bool set_ = false;
};

// std::latch has no timed wait; this one does ("N callbacks ran within 5 s").
class latch {
public:
    explicit latch(std::ptrdiff_t count) : count_(count) {}
    void count_down(std::ptrdiff_t n = 1) {
        std::lock_guard lk(m_);
        count_ -= n;
        if (count_ <= 0) cv_.notify_all();
    }
    bool try_wait() const {
        std::lock_guard lk(m_);
        return count_ <= 0;
    }
    void wait() {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return count_ <= 0; });
    }
    template <class Rep, class Period>
    [[nodiscard]] bool wait_for(std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock lk(m_);
        return cv_.wait_for(lk, timeout, [&] { return count_ <= 0; });
    }

private:
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::ptrdiff_t count_;
};

namespace detail {
struct monitor {
    std::mutex m;
    std::condition_variable cv;
};
// Never destroyed: a pool thread may still notify while statics are torn down.
inline monitor& global_monitor() {
    static monitor& m = *new monitor;
    return m;
}
}  // namespace detail

// wait_for_condition() re-evaluates its predicate only when some thread calls
// notify_condition(), so call it after every change a predicate may be
// waiting for (state read by the predicate must itself be atomic or locked).
// Since it takes the same mutex the waiter checks under, no wake-up is lost.
inline void notify_condition() {
    auto& mon = detail::global_monitor();
    std::lock_guard lk(mon.m);
    mon.cv.notify_all();
}

// True once pred() holds; false if it still does not after `timeout`.
template <class Pred>
[[nodiscard]] bool wait_for_condition(Pred pred, std::chrono::milliseconds timeout) {
    auto& mon = detail::global_monitor();
    std::unique_lock lk(mon.m);
    return mon.cv.wait_for(lk, timeout, std::move(pred));
}

}  // namespace futures_test

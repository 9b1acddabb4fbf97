#pragma once
// Fixtures shared by the future, wait and as_completed tests, as CPython's
// Lib/test/test_concurrent_futures/util.py: one future<int> per state
// (PENDING_FUTURE, RUNNING_FUTURE, CANCELLED_FUTURE, CANCELLED_AND_NOTIFIED_FUTURE,
// EXCEPTION_FUTURE, SUCCESSFUL_FUTURE), OSError as os_error, and the few helpers
// those tests compare and synchronise with. Include as "support/fixtures.hpp".
//
// Each call returns a fresh future: CPython's module-level constants are shared,
// ours are not, so a test can complete or cancel what it was given.

#include <atomic>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <futures/future.hpp>

namespace test_types {
/// Stands in for Python's OSError. It lives outside futures_test because a repr
/// test in test_future.cpp expects the name "test_types::os_error".
struct os_error : std::runtime_error {
    os_error() : std::runtime_error("os error") {}
};
}  // namespace test_types

namespace futures_test {

using test_types::os_error;

// ---- one future per state, as util.py's create_future() ---------------------------

inline futures::future<int> pending_future() { return futures::future<int>(); }

inline futures::future<int> running_future() {
    futures::future<int> f;
    f.set_running_or_notify_cancel();
    return f;
}

inline futures::future<int> cancelled_future() {
    futures::future<int> f;
    f.cancel();
    return f;
}

inline futures::future<int> cancelled_and_notified_future() {
    futures::future<int> f;
    f.cancel();
    f.set_running_or_notify_cancel();
    return f;
}

/// Finished with os_error.
inline futures::future<int> exception_future() {
    futures::future<int> f;
    f.set_exception(os_error());
    return f;
}

/// Finished with 42.
inline futures::future<int> successful_future() {
    futures::future<int> f;
    f.set_result(42);
    return f;
}

// ---- comparing ---------------------------------------------------------------------

/// True if got holds exactly `want`, in that order (same shared states).
template <class F>
bool same_futures(const std::vector<F>& got, std::initializer_list<futures::any_future> want) {
    if (got.size() != want.size()) return false;
    auto it = want.begin();
    for (const auto& f : got)
        if (!(futures::any_future(f) == *it++)) return false;
    return true;
}

// ---- acting while the main thread is blocked ---------------------------------------

inline pid_t this_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

/// Polls /proc until thread `tid` sleeps in the kernel (state S or D), or `limit`
/// passes. It waits for an observable condition, not for time.
inline bool wait_until_blocked(pid_t tid, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        auto p = line.rfind(')');
        if (p != std::string::npos && p + 2 < line.size() && (line[p + 2] == 'S' || line[p + 2] == 'D')) return true;
        std::this_thread::yield();
    }
    return false;
}

/// What when_blocked() returns: the helper thread, joined when this is destroyed,
/// and then a failed check of the running test case if the caller was never seen
/// blocked. The action still runs in that case (so the caller's wait ends), but
/// the test went through the already-done path, not the wake-up it is named for.
class blocked_action {
public:
    template <class F>
    explicit blocked_action(F action)
        : thread_([this, caller = this_tid(), action = std::move(action)]() mutable {
              saw_blocked_ = wait_until_blocked(caller);
              action();
          }) {}
    blocked_action(const blocked_action&) = delete;
    blocked_action& operator=(const blocked_action&) = delete;
    ~blocked_action() {
        thread_.join();
        BOOST_TEST(saw_blocked_.load(),
                   "when_blocked: the caller was never seen blocked, so the action ran without a waiter to wake");
    }

private:
    std::atomic<bool> saw_blocked_{false};
    std::jthread thread_;  // last: it starts in the constructor and uses saw_blocked_
};

/// Starts a thread that runs `action` once the calling thread is blocked (see
/// wait_until_blocked): how a test completes a future while the main thread waits
/// in result(), exception(), wait() or an as_completed iteration. Keep the result
/// in a named variable for the test's scope: its destructor joins the thread and
/// fails the test case if the caller was never seen blocked.
template <class F>
[[nodiscard]] blocked_action when_blocked(F action) {
    return blocked_action(std::move(action));  // guaranteed elision: the thread's `this` stays valid
}

}  // namespace futures_test

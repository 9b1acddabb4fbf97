#pragma once
// Bounded waits for the process-pool tests. Every wait has a deadline shorter than
// the per-case watchdog (support/deadline.hpp, 60 s by default), so a stuck call
// fails its own check with a message instead of the whole case timing out.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <typeinfo>

#include <boost/test/unit_test.hpp>

namespace ptest {

using namespace std::chrono_literals;

/// For result()/exception() waits.
constexpr auto deadline = 30s;

/// Yield-spins until pred() holds, for states that have no notification (a future
/// becoming RUNNING: the pool sends the call right after that transition and tells
/// nobody). Bounded: after `within`, reports which condition timed out and returns
/// false (use inside BOOST_REQUIRE). Not a sleep: it returns as soon as pred holds.
template <class P>
bool eventually(const char* what, P pred, std::chrono::milliseconds within = deadline) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) {
            BOOST_ERROR("timed out after " << within.count() << " ms waiting until " << what);
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// The what() of the E that f's result throws within the deadline, or a text
/// saying what happened instead (which then fails the caller's comparison).
template <class E, class F>
std::string error_of(F&& f) {
    try {
        f.result(deadline);
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("WRONG TYPE: ") + typeid(e).name() + ": " + e.what();
    }
    return "NO ERROR";
}

// Runs f on a thread that blocks SIGTERM and SIGINT, as a server's main thread does
// before it creates its asio::signal_set, and waits for it.
template <class F>
void with_term_blocked(F f) {
    std::thread t([&] {
        sigset_t s;
        ::sigemptyset(&s);
        ::sigaddset(&s, SIGTERM);
        ::sigaddset(&s, SIGINT);
        ::pthread_sigmask(SIG_BLOCK, &s, nullptr);
        f();
    });
    t.join();
}

}  // namespace ptest

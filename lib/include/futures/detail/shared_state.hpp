#pragma once
// The state behind every future handle: one heap object, reference counted
// intrusively so that an executor can fuse the task and its state into a single
// allocation (see detail/pooled_call.hpp).
//
// Locking: m_ guards the listeners (callbacks and wait/as_completed waiters); st_
// is atomic, so done()/result() on a finished future need no lock. Callbacks run
// after m_ is released; waiters are notified under m_, and a waiter's own lock is
// always taken after a state's lock, never before.
//
// Size matters (a million queued tasks is a million states), so a state has no
// condition variable of its own: threads that block in result() park on one of a
// few shared ones (detail/parking.hpp), and the listener lists are allocated only
// when someone registers.
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/core/demangle.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <futures/detail/callback.hpp>
#include <futures/errors.hpp>
#include <futures/future_state.hpp>

namespace futures::detail {

class waiter;
class state_base;

/// std::is_copy_constructible says yes for std::vector<std::unique_ptr<int>> (the
/// copy constructor exists, it just does not compile); look inside containers.
template <class T, class = void>
struct is_copyable : std::is_copy_constructible<T> {};
template <class T>
struct is_copyable<T, std::void_t<typename T::value_type, decltype(std::declval<const T&>().begin())>>
    : std::bool_constant<std::is_copy_constructible_v<T> && is_copyable<typename T::value_type>::value> {};
using state_callback = unique_callback<state_base&>;
using clock = std::chrono::steady_clock;

/// steady_clock::now() + d, saturating instead of overflowing for huge durations.
template <class Rep, class Period>
clock::time_point deadline_after(std::chrono::duration<Rep, Period> d) {
    using namespace std::chrono;
    auto now = clock::now();
    if (d <= d.zero()) return now;
    if (duration<double>(d) >= duration<double>(clock::time_point::max() - now)) return clock::time_point::max();
    return now + ceil<clock::duration>(d);
}

class state_base : public boost::intrusive_ref_counter<state_base, boost::thread_safe_counter> {
public:
    state_base() = default;
    state_base(const state_base&) = delete;
    state_base& operator=(const state_base&) = delete;
    virtual ~state_base() = default;

    future_state state() const noexcept { return st_.load(std::memory_order_acquire); }
    bool done() const noexcept { return state() >= future_state::cancelled; }
    bool cancelled() const noexcept {
        auto s = state();
        return s == future_state::cancelled || s == future_state::cancelled_and_notified;
    }

    bool cancel();
    bool set_running_or_notify_cancel();
    void set_exception(std::exception_ptr e);
    /// set_exception that returns false instead of throwing when already done.
    bool try_set_exception(std::exception_ptr e) noexcept;

    /// Blocks until done.
    void wait() const;
    /// Blocks until done or the deadline; returns done().
    bool wait_until(clock::time_point deadline) const;

    /// The stored exception (nullptr on success); throws cancelled_error. Requires done().
    std::exception_ptr exception_when_done() const;
    /// Throws what result() must throw (cancelled_error or the stored exception).
    /// Requires done().
    void rethrow_if_failed() const;

    void add_callback(state_callback cb);
    /// Installs w unless the future is already done; returns whether it was installed.
    bool add_waiter(waiter* w);
    void remove_waiter(waiter* w);

    /// "<future at 0x... state=finished returned int>", as Python's repr.
    std::string repr() const;

protected:
    /// Runs store() and marks the future finished, under the lock; throws
    /// invalid_state_error if it was already done (store() then does not run).
    template <class Store>
    void finish_with(Store&& store, bool failed) {
        std::unique_lock lk(m_);
        if (done()) {
            lk.unlock();
            throw_invalid_state();
        }
        store();
        complete(lk, future_state::finished, failed);
    }
    /// Returns false instead of throwing.
    template <class Store>
    bool try_finish_with(Store&& store, bool failed) {
        std::unique_lock lk(m_);
        if (done()) return false;
        store();
        complete(lk, future_state::finished, failed);
        return true;
    }

    virtual std::string result_type_name() const = 0;
    [[noreturn]] void throw_invalid_state() const;
    /// cancel() of a RUNNING future. No: the default, Python's. A process pool with
    /// cancel_running_calls says yes (detail/process/parent/cancellable_state.hpp).
    virtual bool cancel_running() { return false; }
    /// For cancel_running(): RUNNING -> cancelled, with waiters told and callbacks
    /// run; false if the future is no longer RUNNING.
    bool cancel_while_running();

    mutable std::mutex m_;
    std::exception_ptr exc_;

private:
    struct listeners {
        std::vector<state_callback> callbacks;
        std::vector<waiter*> waiters;
    };
    void complete(std::unique_lock<std::mutex>& lk, future_state to, bool failed);
    void run_callbacks(std::unique_ptr<listeners> ls);
    void invoke_callbacks(listeners& ls);
    listeners& listeners_locked();

    std::atomic<future_state> st_{future_state::pending};
    mutable std::atomic<unsigned> sleepers_{0};  // threads parked on this state
    std::unique_ptr<listeners> listeners_;       // guarded by m_; null until first use
};

template <class T>
class shared_state : public state_base {
public:
    template <class... A>
    void set_value(A&&... a) {
        finish_with([&] { value_.emplace(std::forward<A>(a)...); }, false);
    }
    template <class... A>
    bool try_set_value(A&&... a) {
        return try_finish_with([&] { value_.emplace(std::forward<A>(a)...); }, false);
    }

    /// The result after done(): copied when T is copyable, otherwise moved out once.
    T get() {
        rethrow_if_failed();
        if constexpr (is_copyable<T>::value) {
            return *value_;
        } else {
            std::lock_guard lk(m_);
            if (taken_) throw invalid_state_error("the move-only result was already retrieved");
            taken_ = true;
            return std::move(*value_);
        }
    }

    /// Moves the result out, for a state only its creator ever reads (a map chunk).
    /// Requires done(); throws as get() does.
    T take() {
        rethrow_if_failed();
        return std::move(*value_);
    }

private:
    std::string result_type_name() const override { return boost::core::demangle(typeid(T).name()); }

    std::optional<T> value_;
    bool taken_ = false;
};

template <>
class shared_state<void> : public state_base {
public:
    void set_value() {
        finish_with([] {}, false);
    }
    bool try_set_value() {
        return try_finish_with([] {}, false);
    }
    void get() { rethrow_if_failed(); }

private:
    std::string result_type_name() const override { return "void"; }
};

}  // namespace futures::detail

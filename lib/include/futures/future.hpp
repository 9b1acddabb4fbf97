#pragma once
// future<T>: Python's concurrent.futures.Future for C++.
//
// A future is a cheap, copyable handle to shared state; copies see the same result.
// Destroying a handle never blocks. As with shared_ptr, a moved-from handle is
// empty: it may only be destroyed or assigned to. A default-constructed future<T> is a fresh
// pending future (like Python's Future()), for tests and for executor writers.
//
// Threads: blocking calls block the calling thread only. Done-callbacks run on the
// thread that completes the future (a worker, or whoever calls cancel()/set_*), in
// registration order, after the future's lock is released; a callback added to a
// future that is already done runs at once on the caller's thread. (An executor
// may publish elsewhere: see thread_pool_options::completion_executor.)
// Completions nest (a callback that completes another future, as then() chains
// do) only a few levels deep: beyond that, the inner future's callbacks run on the
// same thread right after the outermost completion's callbacks return, so a chain
// of any length completes in constant stack. A callback must therefore not block
// waiting for a future that it completes itself, directly or through a chain.
// async_wait(token) is the Asio form of waiting: its handler runs on the
// handler's associated executor, never inline (detail/async_wait.hpp).
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include <futures/detail/shared_state.hpp>

namespace futures {

template <class T>
class future;

/// Tag for async_wait(cancel_task_on_cancel, token): when the wait is cancelled
/// through its cancellation slot, also cancel() the future (which succeeds only if
/// its call has not started yet).
struct cancel_task_on_cancel_t {
    explicit cancel_task_on_cancel_t() = default;
};
inline constexpr cancel_task_on_cancel_t cancel_task_on_cancel{};

/// A future of any result type: what wait(), as_completed() and when_any() take when
/// futures of different types are mixed. Every future<T> is an any_future.
class any_future {
public:
    /// Attempts to cancel. Returns false if the call is running or finished (it
    /// cannot be cancelled), true otherwise. Runs the callbacks the first time it
    /// succeeds. Never blocks beyond the future's own lock. Beyond Python: a
    /// process pool with cancel_running_calls cancels a running call too (its
    /// worker is killed; process_pool_options.hpp).
    bool cancel() const { return s_->cancel(); }
    /// True if cancel() succeeded.
    bool cancelled() const noexcept { return s_->cancelled(); }
    /// True while the call is running (between set_running_or_notify_cancel() and completion).
    bool running() const noexcept { return s_->state() == future_state::running; }
    /// True if finished or cancelled.
    bool done() const noexcept { return s_->done(); }
    /// The exact state, including Python's distinction between the two cancelled states.
    future_state state() const noexcept { return s_->state(); }

    /// Blocks until done, then returns the call's exception, or nullptr if it
    /// returned. Throws cancelled_error if the future was cancelled.
    std::exception_ptr exception() const {
        s_->wait();
        return s_->exception_when_done();
    }
    /// As exception(), but throws timeout_error if not done within timeout. A zero
    /// or negative timeout only checks.
    template <class Rep, class Period>
    std::exception_ptr exception(std::chrono::duration<Rep, Period> timeout) const {
        if (!s_->wait_until(detail::deadline_after(timeout))) throw timeout_error();
        return s_->exception_when_done();
    }

    /// Calls fn(any_future) once the future is done; see the header comment for the
    /// thread. Exceptions from fn are reported (callback_errors.hpp) and swallowed.
    template <class F>
    requires std::is_invocable_v<F&, any_future>
    void add_done_callback(F&& fn) const {
        s_->add_callback(
            detail::state_callback([fn = std::forward<F>(fn)](detail::state_base& s) mutable { fn(any_future(&s)); }));
    }

    // ---- Asio (implementation: detail/async_wait.hpp) --------------------------
    //
    // Waits asynchronously; token is any Asio completion token (a callback,
    // use_future, use_awaitable, deferred, as_tuple(...), bind_executor(...), ...).
    // Signature: void(std::exception_ptr). The exception_ptr is null if the call
    // returned, the call's exception if it threw, cancelled_error if the future was
    // cancelled.
    // Thread: the handler always runs through post() on its associated executor
    // (asio::system_executor if it has none; a pool's async_submit uses the pool's
    // completion_executor instead when it has one): never inside this call, and never
    // synchronously inside whatever completes the future. The wait counts as
    // outstanding work on that executor until the handler has run, so its run()
    // does not return while the wait is pending.
    // Cancellation: if the handler has a cancellation slot, any cancellation type
    // (terminal, partial, total) finishes the wait at once with
    // system_error(asio::error::operation_aborted); the future itself is left
    // alone. The handler runs exactly once either way.
    template <class Token>
    auto async_wait(Token&& token) const;
    /// As async_wait(token), but a cancellation also calls cancel() on the future,
    /// which stops the call if it has not started (the wait still delivers
    /// operation_aborted; check cancelled() to tell).
    template <class Token>
    auto async_wait(cancel_task_on_cancel_t, Token&& token) const;

    // ---- for executor writers (and tests) ------------------------------------

    /// Pending → running, returns true; cancelled → returns false and the executor
    /// must not run the call. Throws std::runtime_error in any other state.
    bool set_running_or_notify_cancel() const { return s_->set_running_or_notify_cancel(); }
    /// Finishes the future with e; throws invalid_state_error if already done.
    void set_exception(std::exception_ptr e) const { s_->set_exception(std::move(e)); }
    template <class E>
    requires(!std::is_same_v<std::decay_t<E>, std::exception_ptr>) void set_exception(E&& e) const {
        s_->set_exception(std::make_exception_ptr(std::forward<E>(e)));
    }

    /// "<future at 0x... state=finished returned int>".
    std::string repr() const { return s_->repr(); }
    friend std::ostream& operator<<(std::ostream& os, const any_future& f) { return os << f.repr(); }

    /// Handles are equal when they share state.
    friend bool operator==(const any_future& a, const any_future& b) noexcept { return a.s_ == b.s_; }
    friend std::size_t hash_value(const any_future& f) noexcept { return std::hash<const void*>()(f.s_.get()); }

    /// The shared state, for library code (wait, as_completed, executors).
    detail::state_base* native_state() const noexcept { return s_.get(); }

protected:
    explicit any_future(detail::state_base* s) : s_(s) {}
    boost::intrusive_ptr<detail::state_base> s_;

    template <class T>
    friend class future;
};

template <class T>
class future : public any_future {
    using state_type = detail::shared_state<T>;

public:
    using value_type = T;

    /// A new pending future.
    future() : any_future(new state_type) {}
    /// Adopts an existing state (used by executors that allocate the state together
    /// with the task).
    explicit future(state_type* s) : any_future(s) {}

    /// Blocks until done, then returns the result (a copy; a move-only result,
    /// including a container of move-only elements, is moved out and a second call
    /// throws invalid_state_error), rethrows the call's exception, or throws
    /// cancelled_error.
    T result() const {
        s_->wait();
        return typed_state().get();
    }
    /// As result(), but throws timeout_error if not done within timeout. A zero or
    /// negative timeout only checks.
    template <class Rep, class Period>
    T result(std::chrono::duration<Rep, Period> timeout) const {
        if (!s_->wait_until(detail::deadline_after(timeout))) throw timeout_error();
        return typed_state().get();
    }

    /// Calls fn(future<T>) once done (see any_future::add_done_callback).
    template <class F>
    requires std::is_invocable_v<F&, future<T>>
    void add_done_callback(F&& fn) const {
        s_->add_callback(detail::state_callback([fn = std::forward<F>(fn)](detail::state_base& s) mutable {
            fn(future<T>(static_cast<state_type*>(&s)));
        }));
    }

    /// As any_future::async_wait (same threads, work tracking and cancellation),
    /// with signature void(std::exception_ptr, T) (void(std::exception_ptr) for
    /// future<void>): the result, or the exception with a value-initialised T
    /// (T must be default-constructible). The result is taken as result() takes it,
    /// so a move-only result can be waited for once.
    /// `T r = co_await f.async_wait(asio::use_awaitable);` rethrows the exception.
    template <class Token>
    auto async_wait(Token&& token) const;
    template <class Token>
    auto async_wait(cancel_task_on_cancel_t, Token&& token) const;

    /// Finishes the future with a result; throws invalid_state_error if already done.
    template <class... A>
    requires std::is_constructible_v<T, A&&...> ||
        (std::is_void_v<T> && sizeof...(A) == 0) void set_result(A&&... a) const {
        typed_state().set_value(std::forward<A>(a)...);
    }

    /// Continuation: returns a future of fn's result, completed when this one is.
    /// fn takes either future<T> (and sees failures itself) or T (and is skipped
    /// when this future fails: the error, or the cancellation, passes through).
    /// fn runs where a done-callback would run; to run it elsewhere, use
    /// then(executor, fn). An exception from fn fails the returned future.
    template <class F>
    auto then(F&& fn) const;
    /// As then(fn), but fn is submitted to `ex` (anything with submit(callable))
    /// when this future is done. ex must outlive that moment.
    template <class Executor, class F>
    auto then(Executor& ex, F&& fn) const;

private:
    state_type& typed_state() const noexcept { return static_cast<state_type&>(*s_); }
};

}  // namespace futures

template <>
struct std::hash<futures::any_future> {
    std::size_t operator()(const futures::any_future& f) const noexcept { return hash_value(f); }
};
template <class T>
struct std::hash<futures::future<T>> {
    std::size_t operator()(const futures::future<T>& f) const noexcept { return hash_value(f); }
};

#include <futures/detail/async_wait.hpp>
#include <futures/detail/then.hpp>

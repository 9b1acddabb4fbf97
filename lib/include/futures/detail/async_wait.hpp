#pragma once
// Implementation of future<T>::async_wait and any_future::async_wait: a future as
// an Asio asynchronous operation (docs/boost-1.81.md, "Asio", for the rules followed).
//
// One heap object per wait (wait_op) is shared by the two things that may finish
// the wait: the future's done-callback and the handler's cancellation slot. An
// atomic flag picks exactly one of them; the winner moves the handler out and posts
// it to the handler's associated executor, so the loser (which may stay registered
// on a future that never completes) keeps nothing of the caller's alive.
#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/system_error.hpp>

#include <futures/detail/context_work.hpp>

namespace futures::detail {

/// What a wait on a future<T> delivers. A failed or cancelled future delivers its
/// exception (cancelled_error) with a value-initialised T, as Asio does with an
/// error_code, so T must be default-constructible.
template <class T>
struct wait_traits {
    static_assert(std::is_default_constructible_v<T>,
                  "async_wait/async_submit deliver T{} alongside an exception: T must be default-constructible");
    using signature = void(std::exception_ptr, T);

    template <class H>
    static void deliver(H& h, state_base& s) {
        std::optional<T> v;
        std::exception_ptr e;
        try {
            v.emplace(static_cast<shared_state<T>&>(s).get());
        } catch (...) {
            e = std::current_exception();
        }
        // The handler is called outside the try: an exception it throws must not
        // come back here and call it a second time.
        if (e)
            std::move(h)(std::move(e), T{});
        else
            std::move(h)(std::exception_ptr(), std::move(*v));
    }
    template <class H>
    static void fail(H& h, std::exception_ptr e) {
        std::move(h)(std::move(e), T{});
    }
};

/// future<void>, and any_future (whose result type is erased): only the outcome.
template <>
struct wait_traits<void> {
    using signature = void(std::exception_ptr);

    template <class H>
    static void deliver(H& h, state_base& s) {
        std::exception_ptr e;
        try {
            s.rethrow_if_failed();
        } catch (...) {
            e = std::current_exception();
        }
        std::move(h)(std::move(e));
    }
    template <class H>
    static void fail(H& h, std::exception_ptr e) {
        std::move(h)(std::move(e));
    }
};

/// Outstanding work on ex until the returned object is destroyed. Standard
/// executors (any_io_executor, strands of it, io_context executors) through
/// prefer(outstanding_work.tracked), which every one of them accepts; legacy
/// (Networking TS) executors through a work guard.
template <class Ex>
auto track_work(const Ex& ex) {
    if constexpr (boost::asio::execution::is_executor<Ex>::value)
        return boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked);
    else
        return boost::asio::make_work_guard(ex);
}

template <class Traits, class Handler, class Default>
class wait_op {
public:
    // A handler without an associated executor (a plain lambda, use_future) runs on
    // the operation's default executor, never inline in whoever completes the
    // future: a pool's completion_executor when it has one, else the system executor.
    using executor_type = boost::asio::associated_executor_t<Handler, Default>;

    wait_op(Handler&& h, const Default& fallback)
        : ex_(boost::asio::get_associated_executor(h, fallback)),
          slot_(boost::asio::get_associated_cancellation_slot(h)),
          work_(track_work(ex_)),
          handler_(std::move(h)) {}

    boost::asio::cancellation_slot slot() const noexcept { return slot_; }

    /// Finishes the wait with the future's outcome unless it already finished.
    /// Safe from any thread (the future's done-callback).
    void on_done(state_base& s) {
        if (fired_.exchange(true, std::memory_order_acq_rel)) return;
        finish(boost::intrusive_ptr<state_base>(&s), nullptr);
    }
    /// Finishes the wait with e unless it already finished; returns whether it did.
    /// Called from the cancellation slot, i.e. on the handler's executor.
    bool abort(std::exception_ptr e) {
        if (fired_.exchange(true, std::memory_order_acq_rel)) return false;
        finish(nullptr, std::move(e));
        return true;
    }

private:
    void finish(boost::intrusive_ptr<state_base> s, std::exception_ptr e) {
        // Always post, even when the future was already done at initiation: the
        // handler must never run inside the initiating call. The work guard travels
        // with the posted function, so run() cannot return between here and there;
        // `keep` and the local executor: see context_work.hpp.
        auto keep = context_work(ex_);
        executor_type ex = std::move(ex_);
        boost::asio::post(ex, [h = std::move(*handler_), work = std::move(*work_), slot = slot_, s = std::move(s),
                               e = std::move(e)]() mutable {
            // A slot holds one handler and must be free again by the time ours runs;
            // clearing it here, on the handler's executor, does not race an emit.
            if (slot.is_connected()) slot.clear();
            if (s)
                Traits::deliver(h, *s);
            else
                Traits::fail(h, std::move(e));
            (void)work;
        });
        handler_.reset();
        work_.reset();
    }

    executor_type ex_;
    boost::asio::cancellation_slot slot_;
    std::optional<decltype(track_work(std::declval<const executor_type&>()))> work_;
    std::optional<Handler> handler_;  // only the winner of fired_ touches it
    std::atomic<bool> fired_{false};
};

/// The token type of a trailing `token` argument taken from a forwarding tuple
/// (async_submit(f, args..., token)): what `Token&&` would have deduced, X& for
/// an lvalue token and X otherwise.
template <class Tuple>
using trailing_token_t =
    std::conditional_t<std::is_lvalue_reference_v<std::tuple_element_t<std::tuple_size_v<Tuple> - 1, Tuple>>,
                       std::tuple_element_t<std::tuple_size_v<Tuple> - 1, Tuple>,
                       std::remove_reference_t<std::tuple_element_t<std::tuple_size_v<Tuple> - 1, Tuple>>>;

/// The exception a cancelled wait delivers: Asio's operation_aborted.
inline std::exception_ptr operation_aborted_exception() {
    return std::make_exception_ptr(boost::system::system_error(boost::asio::error::operation_aborted));
}

/// Where a pool's async_submit runs a handler that has no associated executor:
/// the pool's completion executor if it has one (Asio's rule: the I/O object's
/// executor), else the system executor, as future::async_wait does.
inline boost::asio::any_io_executor default_handler_executor(
    const std::optional<boost::asio::any_io_executor>& completion) {
    if (completion) return *completion;
    return boost::asio::any_io_executor(boost::asio::system_executor());
}

/// Registers a wait for s on behalf of handler h. cancel_task: a cancellation also
/// cancels the future (which succeeds only if its call has not started). fallback:
/// where h runs if it has no associated executor.
template <class Traits, class Handler, class Default = boost::asio::system_executor>
void start_wait(boost::intrusive_ptr<state_base> s, Handler&& h, bool cancel_task, const Default& fallback = {}) {
    using op_t = wait_op<Traits, std::decay_t<Handler>, Default>;
    auto op = std::make_shared<op_t>(std::forward<Handler>(h), fallback);
    // Assign the slot before registering: once registered, the completion may be
    // posted and run (and clear the slot) on another thread at any moment.
    if (auto slot = op->slot(); slot.is_connected()) {
        slot.assign([op, s, cancel_task](boost::asio::cancellation_type t) {
            using ct = boost::asio::cancellation_type;
            if ((t & (ct::terminal | ct::partial | ct::total)) == ct::none) return;
            // Abort first: cancel() runs the done-callbacks, ours included, right
            // here, and that one must lose.
            if (op->abort(operation_aborted_exception()) && cancel_task) s->cancel();
        });
    }
    s->add_callback(state_callback([op](state_base& st) { op->on_done(st); }));
}

/// async_initiate's initiation object (a named type rather than a lambda: simpler
/// for deferred tokens to store, and nothing for GCC 12's coroutine bugs to trip on).
template <class Traits>
struct initiate_wait {
    template <class Handler>
    void operator()(Handler&& h, boost::intrusive_ptr<state_base> s, bool cancel_task) const {
        start_wait<Traits>(std::move(s), std::forward<Handler>(h), cancel_task);
    }
};

}  // namespace futures::detail

namespace futures {

template <class Token>
auto any_future::async_wait(Token&& token) const {
    using traits = detail::wait_traits<void>;
    return boost::asio::async_initiate<Token, traits::signature>(detail::initiate_wait<traits>{}, token, s_, false);
}
template <class Token>
auto any_future::async_wait(cancel_task_on_cancel_t, Token&& token) const {
    using traits = detail::wait_traits<void>;
    return boost::asio::async_initiate<Token, traits::signature>(detail::initiate_wait<traits>{}, token, s_, true);
}

template <class T>
template <class Token>
auto future<T>::async_wait(Token&& token) const {
    using traits = detail::wait_traits<T>;
    return boost::asio::async_initiate<Token, typename traits::signature>(detail::initiate_wait<traits>{}, token, s_,
                                                                          false);
}
template <class T>
template <class Token>
auto future<T>::async_wait(cancel_task_on_cancel_t, Token&& token) const {
    using traits = detail::wait_traits<T>;
    return boost::asio::async_initiate<Token, typename traits::signature>(detail::initiate_wait<traits>{}, token, s_,
                                                                          true);
}

}  // namespace futures

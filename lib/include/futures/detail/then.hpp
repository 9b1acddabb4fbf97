#pragma once
// Implementation of future<T>::then and helpers shared by executors: completing a
// future from what a callable returns or throws.
#include <exception>
#include <type_traits>
#include <utility>

namespace futures::detail {

template <class F, class T>
constexpr bool takes_future_v = std::is_invocable_v<F&, future<T>>;

template <class F, class T>
struct continuation_result {
    using type = std::invoke_result_t<F&, T>;
};
template <class F>
struct continuation_result<F, void> {
    using type = std::invoke_result_t<F&>;
};
template <class F, class T>
using continuation_result_t = typename std::conditional_t<takes_future_v<F, T>, std::invoke_result<F&, future<T>>,
                                                          continuation_result<F, T>>::type;

/// Finishes `out` with g()'s value or exception; a future already done (a user
/// finished it by hand) is left alone.
template <class R, class G>
void fulfil(const future<R>& out, G&& g) noexcept {
    auto* s = static_cast<shared_state<R>*>(out.native_state());
    try {
        if constexpr (std::is_void_v<R>) {
            std::forward<G>(g)();
            s->try_set_value();
        } else {
            s->try_set_value(std::forward<G>(g)());
        }
    } catch (...) {
        s->try_set_exception(std::current_exception());
    }
}

template <class R, class F, class T>
void run_continuation(const future<R>& next, F& fn, const future<T>& src) noexcept {
    if constexpr (!takes_future_v<F, T>) {
        // fn wants a value: failures and cancellation pass straight through.
        if (src.cancelled()) {
            next.cancel();
            return;
        }
        if (auto e = src.native_state()->exception_when_done()) {
            next.native_state()->try_set_exception(std::move(e));
            return;
        }
    }
    try {
        if (!next.set_running_or_notify_cancel()) return;  // the user cancelled `next`
    } catch (...) {
        return;  // `next` was finished by hand: nothing left to do
    }
    fulfil(next, [&]() -> R {
        if constexpr (takes_future_v<F, T>)
            return fn(src);
        else if constexpr (std::is_void_v<T>)
            return fn();
        else
            return fn(src.result());
    });
}

}  // namespace futures::detail

namespace futures {

template <class T>
template <class F>
auto future<T>::then(F&& fn) const {
    using Fn = std::decay_t<F>;
    using R = detail::continuation_result_t<Fn, T>;
    future<R> next;
    add_done_callback(
        [next, fn = Fn(std::forward<F>(fn))](future<T> src) mutable { detail::run_continuation(next, fn, src); });
    return next;
}

template <class T>
template <class Executor, class F>
auto future<T>::then(Executor& ex, F&& fn) const {
    using Fn = std::decay_t<F>;
    using R = detail::continuation_result_t<Fn, T>;
    future<R> next;
    add_done_callback([&ex, next, fn = Fn(std::forward<F>(fn))](future<T> src) mutable {
        try {
            ex.submit([next, fn = std::move(fn), src]() mutable { detail::run_continuation(next, fn, src); });
        } catch (...) {
            // The executor refused (shut down, broken): the continuation fails with why.
            next.native_state()->try_set_exception(std::current_exception());
        }
    });
    return next;
}

}  // namespace futures

#pragma once
// futures::wait — Python's concurrent.futures.wait.
#include <chrono>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <vector>

#include <futures/detail/dedupe.hpp>
#include <futures/detail/watch.hpp>
#include <futures/future.hpp>

namespace futures {

/// What wait() returns. Both lists keep input order (Python returns sets).
template <class F>
struct done_and_not_done {
    std::vector<F> done;
    std::vector<F> not_done;
};

template <class R>
concept future_range =
    std::ranges::input_range<R> && std::is_convertible_v<std::ranges::range_reference_t<R>, any_future>;

namespace detail {
template <class R>
using future_handle_t = std::conditional_t<std::is_base_of_v<any_future, std::ranges::range_value_t<R>>,
                                           std::ranges::range_value_t<R>, any_future>;

template <class F, class R>
done_and_not_done<F> wait_impl(R&& fs, std::optional<clock::time_point> deadline, return_when when) {
    std::vector<state_base*> states;
    auto handles = distinct_futures<F>(std::forward<R>(fs), states);
    auto flags = wait_states(states, deadline, when);
    done_and_not_done<F> out;
    for (std::size_t i = 0; i < handles.size(); ++i)
        (flags[i] ? out.done : out.not_done).push_back(std::move(handles[i]));
    return out;
}
}  // namespace detail

/// Blocks until `when` holds over the distinct futures of fs:
///  - first_completed: at least one is done;
///  - first_exception: one finished with an exception, or all are done;
///  - all_completed:   all are done.
/// Cancelled futures count as done (unlike CPython, see future_state.hpp). Returns
/// at once if the condition already holds. Never throws on timeout: the unfinished
/// futures are in not_done. Futures of mixed types: pass a range of any_future.
template <future_range R>
auto wait(R&& fs, return_when when = return_when::all_completed) {
    return detail::wait_impl<detail::future_handle_t<R>>(std::forward<R>(fs), std::nullopt, when);
}
/// As wait(fs, when), but returns once `timeout` has passed.
template <future_range R, class Rep, class Period>
auto wait(R&& fs, std::chrono::duration<Rep, Period> timeout, return_when when = return_when::all_completed) {
    return detail::wait_impl<detail::future_handle_t<R>>(std::forward<R>(fs), detail::deadline_after(timeout), when);
}
inline done_and_not_done<any_future> wait(std::initializer_list<any_future> fs,
                                          return_when when = return_when::all_completed) {
    return detail::wait_impl<any_future>(fs, std::nullopt, when);
}
template <class Rep, class Period>
done_and_not_done<any_future> wait(std::initializer_list<any_future> fs, std::chrono::duration<Rep, Period> timeout,
                                   return_when when = return_when::all_completed) {
    return detail::wait_impl<any_future>(fs, detail::deadline_after(timeout), when);
}

}  // namespace futures

#pragma once
// Reads zipped input ranges chunk by chunk (stopping at the shortest, as Python's
// zip) and hands each chunk to an executor-specific submitter.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <ranges>
#include <tuple>
#include <utility>
#include <vector>

#include <futures/map.hpp>

namespace futures::detail {

template <class... Rs>
using args_tuple = std::tuple<std::ranges::range_value_t<std::views::all_t<Rs>>...>;

/// Submit: callable(std::vector<args_tuple>& chunk) -> std::optional<chunk_future<R>>;
/// it may move the chunk out, or only read it (then its memory serves the next
/// chunk too).
template <class R, class Submit, class... Rs>
class zip_source final : public chunk_source<R> {
public:
    zip_source(Submit submit, std::size_t chunksize, Rs&&... rs)
        : submit_(std::move(submit)),
          chunksize_(chunksize),
          views_(std::views::all(std::forward<Rs>(rs))...),
          its_(std::apply([](auto&... v) { return std::tuple(std::ranges::begin(v)...); }, views_)) {}

    std::optional<pending_chunk<R>> submit_next() override {
        chunk_.clear();
        chunk_.reserve(std::min<std::size_t>(chunksize_, 4096));
        while (chunk_.size() < chunksize_ && !at_end()) {
            chunk_.push_back(std::apply([](auto&... it) { return args_tuple<Rs...>(*it...); }, its_));
            std::apply([](auto&... it) { (++it, ...); }, its_);
        }
        if (chunk_.empty()) return std::nullopt;
        const std::size_t size = chunk_.size();  // submit_ may move the chunk out
        auto f = submit_(chunk_);
        if (!f) return std::nullopt;
        return pending_chunk<R>{std::move(*f), size};
    }

private:
    bool at_end() {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return ((std::get<I>(its_) == std::ranges::end(std::get<I>(views_))) || ...);
        }
        (std::index_sequence_for<Rs...>{});
    }

    Submit submit_;
    std::size_t chunksize_;
    std::vector<args_tuple<Rs...>> chunk_;
    std::tuple<std::views::all_t<Rs>...> views_;
    std::tuple<std::ranges::iterator_t<std::views::all_t<Rs>>...> its_;
};

/// Runs fn over a chunk, keeping each element's value or exception.
template <class R, class Fn, class Args>
chunk_result<R> run_chunk(Fn& fn, std::vector<Args>& chunk) {
    chunk_result<R> out;
    out.reserve(chunk.size());
    for (auto& args : chunk) {
        try {
            if constexpr (std::is_void_v<R>) {
                std::apply(fn, std::move(args));
                out.push_value({});
            } else {
                out.push_value(std::apply(fn, std::move(args)));
            }
        } catch (...) {
            out.push_error(std::current_exception());
        }
    }
    return out;
}

/// Splits map(f, ranges..., options) into its parts: the options, if given, come last.
template <class... Xs>
constexpr bool last_is_options() {
    if constexpr (sizeof...(Xs) == 0)
        return false;
    else
        return std::is_same_v<std::decay_t<std::tuple_element_t<sizeof...(Xs) - 1, std::tuple<Xs...>>>, map_options>;
}

template <class Impl, class... Xs>
decltype(auto) with_map_options(Impl&& impl, Xs&&... xs) {
    if constexpr (last_is_options<Xs...>()) {
        auto args = std::forward_as_tuple(std::forward<Xs>(xs)...);
        return [&]<std::size_t... I>(std::index_sequence<I...>)->decltype(auto) {
            return impl(std::get<sizeof...(Xs) - 1>(args), std::get<I>(std::move(args))...);
        }
        (std::make_index_sequence<sizeof...(Xs) - 1>{});
    } else {
        return impl(map_options{}, std::forward<Xs>(xs)...);
    }
}

}  // namespace futures::detail

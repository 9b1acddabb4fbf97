#pragma once
// when_all / when_any: futures that complete when all (any) of their inputs do.
// Their shape follows the Concurrency TS (std::experimental::when_all/when_any):
// they never fail — the inputs are handed back, done, so each one's result or
// error is read where it is needed, as with futures::wait.
#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include <futures/future.hpp>
#include <futures/wait.hpp>

namespace futures {

/// Completes when every future of fs is done; its result is the futures, in input
/// order (duplicates kept). An empty range gives a ready future.
template <future_range R>
auto when_all(R&& fs) {
    using F = detail::future_handle_t<R>;
    // Each input is stored back into its slot by its own callback, so the shared
    // block never holds an input that still holds a callback (no reference cycle).
    struct shared {
        std::vector<std::optional<F>> slots;
        std::atomic<std::size_t> left{1};
        future<std::vector<F>> out;
        void arrive() {
            if (left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
            std::vector<F> done;
            done.reserve(slots.size());
            for (auto& f : slots) done.push_back(std::move(*f));
            out.set_result(std::move(done));
        }
    };
    auto s = std::make_shared<shared>();
    std::vector<F> inputs;
    for (auto&& f : fs) inputs.push_back(F(f));
    s->slots.resize(inputs.size());
    s->left = inputs.size() + 1;  // +1: ours, so no completion wins before all are registered
    auto out = s->out;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        // The callback gets the handle as an argument: capturing it would make the
        // state own a reference to itself.
        inputs[i].add_done_callback([s, i](F self) {
            s->slots[i].emplace(std::move(self));
            s->arrive();
        });
    }
    s->arrive();
    return out;
}

/// Variadic form: completes when all are done, with a tuple of the futures.
template <class... Ts>
auto when_all(future<Ts>... fs) {
    using tuple_t = std::tuple<future<Ts>...>;
    struct shared {
        std::tuple<std::optional<future<Ts>>...> slots;
        std::atomic<std::size_t> left{sizeof...(Ts) + 1};
        future<tuple_t> out;
        void arrive() {
            if (left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
            out.set_result(std::apply([](auto&... f) { return tuple_t(std::move(*f)...); }, slots));
        }
    };
    auto s = std::make_shared<shared>();
    auto out = s->out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        [[maybe_unused]] auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>, auto& f) {
            f.add_done_callback([s](std::remove_reference_t<decltype(f)> self) {
                std::get<J>(s->slots).emplace(std::move(self));
                s->arrive();
            });
        };
        (one(std::integral_constant<std::size_t, I>{}, fs), ...);
    }
    (std::index_sequence_for<Ts...>{});
    s->arrive();
    return out;
}

/// What when_any() yields: the index of the first future found done, and all of them.
template <class Sequence>
struct when_any_result {
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
    std::size_t index = npos;
    Sequence futures;
};

/// Completes as soon as one future of fs is done. An empty range gives a ready
/// future with index npos. Until one is done, the inputs and the shared block keep
/// each other alive: a when_any over futures that never complete is never freed.
template <future_range R>
auto when_any(R&& fs) {
    using F = detail::future_handle_t<R>;
    using result_t = when_any_result<std::vector<F>>;
    struct shared {
        std::vector<F> fs;
        std::atomic<bool> fired{false};
        std::optional<future<result_t>> out;
    };
    auto s = std::make_shared<shared>();
    for (auto&& f : fs) s->fs.push_back(F(f));
    future<result_t> out;
    if (s->fs.empty()) {
        out.set_result(result_t{});
        return out;
    }
    s->out = out;
    auto inputs = s->fs;  // s->fs may be moved out by a callback that fires at once
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        inputs[i].add_done_callback([s, i](const any_future&) {
            // Moving the inputs and the output out of the shared block breaks the
            // cycle input -> callback -> block -> output -> result -> input for the
            // inputs that are still pending.
            if (!s->fired.exchange(true, std::memory_order_acq_rel)) {
                auto out = std::move(*s->out);
                s->out.reset();
                out.set_result(result_t{i, std::move(s->fs)});
            }
        });
    }
    return out;
}

}  // namespace futures

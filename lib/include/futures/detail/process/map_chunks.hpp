#pragma once
// process_pool_executor::map(): plugs a chunk submitter into the generic lazy map
// engine (map.hpp, zip_source.hpp). One chunk = one job = one frame of several call
// items; the worker answers each item separately, so an element that fails (in the
// parent's serializer, the worker, or the task) fails only itself.
#include <algorithm>
#include <cstddef>
#include <ranges>

namespace futures {

namespace detail::process {

/// The automatic chunk size (documented on process_pool_executor::map).
template <class... Rs>
std::size_t auto_chunksize(std::size_t workers, const Rs&... rs) {
    if constexpr ((std::ranges::sized_range<const Rs> && ...)) {
        std::size_t n = std::min({static_cast<std::size_t>(std::ranges::size(rs))...});
        std::size_t per = 4 * std::max<std::size_t>(1, workers);
        return std::clamp<std::size_t>((n + per - 1) / per, 1, 1024);
    } else {
        return 64;
    }
}

}  // namespace detail::process

template <class R, class... A, class... Rs>
auto process_pool_executor::map_impl(const map_options& o, const task<R(A...)>& t, Rs&&... rs) {
    static_assert(sizeof...(Rs) > 0, "map() needs at least one input range");
    using Args = detail::args_tuple<Rs...>;
    using Call = typename task<R(A...)>::args_tuple;
    detail::validate(o);
    std::size_t chunksize = o.chunksize ? *o.chunksize : detail::process::auto_chunksize(max_workers(), rs...);
    using outcomes = std::vector<detail::outcome<R>>;
    // A weak reference, as Python's map holds a weakref to its executor: once the
    // executor is gone, no more input is submitted.
    auto submit = [weak = std::weak_ptr(core_), name = std::string(t.name()), this_t = t](
                      std::vector<Args>&& chunk) -> std::optional<detail::chunk_future<R>> {
        auto core = weak.lock();
        if (!core) return std::nullopt;
        detail::chunk_future<R> fut;
        // One allocation per chunk for the outcomes and the positions sent. `sent`
        // stays empty while every element so far was sent (position k is element k).
        struct chunk_data {
            outcomes out;
            std::vector<std::size_t> sent;
        };
        auto data = std::make_shared<chunk_data>();
        data->out.resize(chunk.size());
        auto j = std::make_shared<detail::process::job>();
        j->state = fut.native_state();
        j->calls.reserve(chunk.size());
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            std::string bytes;
            try {
                Call call = std::apply([](auto&&... x) { return Call(std::move(x)...); }, std::move(chunk[i]));
                bytes = detail::process::to_bytes(call);
            } catch (const std::exception& e) {
                data->out[i].template emplace<1>(std::make_exception_ptr(
                    serialization_error("cannot serialize the arguments of task \"" + name + "\": " + e.what())));
                if (data->sent.empty())
                    for (std::size_t k = 0; k < j->calls.size(); ++k) data->sent.push_back(k);
                data->sent.reserve(chunk.size());
                continue;
            }
            if (i != j->calls.size()) data->sent.push_back(i);
            // The job's task is named by its first call (job.hpp): the others carry
            // only their arguments.
            if (j->calls.empty())
                j->calls.push_back({0, name, this_t.signature(), std::move(bytes)});
            else
                j->calls.push_back({0, {}, {}, std::move(bytes)});
        }
        if (j->calls.empty()) {  // nothing could be sent: the chunk is already decided
            fut.set_result(std::move(data->out));
            return fut;
        }
        j->complete = [fut, data, name](std::vector<detail::process::result_item>& rs, pid_t pid) {
            auto& st = *fut.native_state();
            auto& sent = data->sent;
            const std::size_t n = sent.empty() ? std::min(rs.size(), data->out.size()) : std::min(rs.size(), sent.size());
            for (std::size_t k = 0; k < n; ++k) {
                auto& slot = data->out[sent.empty() ? k : sent[k]];
                deliver<R>(
                    rs[k], name, pid, st,
                    [&](auto&&... v) { slot.template emplace<0>(std::move(v)...); },
                    [&](std::exception_ptr e) { slot.template emplace<1>(std::move(e)); });
            }
            static_cast<detail::shared_state<outcomes>&>(st).try_set_value(std::move(data->out));
        };
        core->submit(std::move(j));
        return fut;
    };
    using source_t = detail::zip_source<R, decltype(submit), Rs...>;
    return map_result<R>(std::make_unique<source_t>(std::move(submit), chunksize, std::forward<Rs>(rs)...), o);
}

}  // namespace futures

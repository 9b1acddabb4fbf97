#pragma once
// process_pool_executor::map(): plugs a chunk submitter into the generic lazy map
// engine (map.hpp, zip_source.hpp). One chunk = one job = one frame of several call
// items; the worker answers each item separately, so an element that fails (in the
// parent's serializer, the worker, or the task) fails only itself.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

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

namespace detail::process {

/// The job of one map chunk: one future for the chunk's outcomes, built when the
/// answer comes (on the I/O thread, not the submitting one). `unsent` holds the
/// errors of elements that could not be sent; while it is empty call k is element
/// k, otherwise `sent` maps the k-th call sent to its element.
template <class R>
struct chunk_job final : job {
    chunk_future<R> fut;
    std::size_t elements = 0;
    std::vector<std::size_t> sent;
    std::vector<std::pair<std::size_t, std::exception_ptr>> unsent;

    void complete(const result_slice& rs, pid_t pid) override {
        using V = stored_t<R>;
        chunk_result<R> out(elements);
        V* values = out.values();
        bool done = false;
        // Raw values of the exact in-memory size, none failed: one copy for them all.
        if constexpr (is_bitwise_v<V> && packed_size<V>::value == sizeof(V) && !std::is_same_v<V, bool> &&
                      std::is_trivially_copyable_v<V>) {
            if (unsent.empty()) {
                if (auto bytes = rs.contiguous(calls()); bytes && bytes->size() == calls() * sizeof(V)) {
                    std::memcpy(static_cast<void*>(values), bytes->data(), bytes->size());
                    done = true;
                }
            }
        }
        if (!done) {
            std::size_t k = 0;
            rs.for_each(calls(), [&](const failure* f, std::string_view bytes) {
                const std::size_t i = unsent.empty() ? k : sent[k];
                ++k;
                if (auto e = read_result<R>(f, bytes, task, pid, values[i])) out.set_error(i, std::move(e));
            });
        }
        for (auto& [i, e] : unsent) out.set_error(i, e);
        out.seal();
        static_cast<shared_state<chunk_result<R>>&>(*state).try_set_value(std::move(out));
    }
};

}  // namespace detail::process

template <class R, class... A, class... Rs>
auto process_pool_executor::map_impl(const map_options& o, const task<R(A...)>& t, Rs&&... rs) {
    static_assert(sizeof...(Rs) > 0, "map() needs at least one input range");
    using Args = detail::args_tuple<Rs...>;
    using Call = typename task<R(A...)>::args_tuple;
    detail::validate(o);
    std::size_t chunksize = o.chunksize ? *o.chunksize : detail::process::auto_chunksize(max_workers(), rs...);
    // A weak reference, as Python's map holds a weakref to its executor: once the
    // executor is gone, no more input is submitted.
    auto submit = [weak = std::weak_ptr(core_), t](std::vector<Args>& chunk)
        -> std::optional<detail::chunk_future<R>> {
        auto core = weak.lock();
        if (!core) return std::nullopt;
        auto j = std::make_shared<detail::process::chunk_job<R>>();
        j->state = j->fut.native_state();
        j->task = t.name();
        j->signature = t.signature();
        j->elements = chunk.size();
        // One packed list for the chunk: raw bytes back to back for bitwise
        // arguments (which cannot fail to serialize), one archive each otherwise.
        detail::process::packed_values args;
        if constexpr (detail::process::is_bitwise_v<Call>) {
            args.append_fixed(chunk.size(), detail::process::packed_size<Call>::value, [&](char* at, std::size_t i) {
                const Call call = std::apply([](auto&&... x) { return Call(std::move(x)...); }, std::move(chunk[i]));
                detail::process::raw_put(at, call);
            });
        } else {
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                try {
                    args.append_with([&](std::string& b) {
                        Call call = std::apply([](auto&&... x) { return Call(std::move(x)...); }, std::move(chunk[i]));
                        detail::process::save_to(b, call);
                    });
                } catch (const std::exception& e) {
                    if (j->unsent.empty()) {  // from now on, calls and elements part ways
                        j->sent.reserve(chunk.size());
                        for (std::size_t k = 0; k < args.count(); ++k) j->sent.push_back(k);
                    }
                    j->unsent.emplace_back(i, std::make_exception_ptr(serialization_error(
                                                  "cannot serialize the arguments of task \"" + j->task + "\": " + e.what())));
                    continue;
                }
                if (!j->unsent.empty()) j->sent.push_back(i);
            }
        }
        auto fut = j->fut;
        if (args.empty()) {  // nothing could be sent: the chunk is already decided
            detail::chunk_result<R> out(chunk.size());
            for (auto& [i, e] : j->unsent) out.set_error(i, e);
            fut.set_result(std::move(out));
            return fut;
        }
        j->set_args(std::move(args));
        core->submit(std::move(j));
        return fut;
    };
    using source_t = detail::zip_source<R, decltype(submit), Rs...>;
    return map_result<R>(std::make_unique<source_t>(std::move(submit), chunksize, std::forward<Rs>(rs)...), o);
}

}  // namespace futures

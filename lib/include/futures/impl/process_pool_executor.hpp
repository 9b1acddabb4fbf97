#pragma once
// Template members of process_pool_executor defined out of its class (as Asio's
// impl/ headers do): map() plugs a chunk submitter into the generic lazy map engine
// (map.hpp, zip_source.hpp). Included at the end of process_pool_executor.hpp.
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <futures/detail/process/parent/chunk_job.hpp>

namespace futures {

template <class R, class... A, class... Rs>
auto process_pool_executor::map_impl(const map_options& o, const task<R(A...)>& t, Rs&&... rs) {
    static_assert(sizeof...(Rs) > 0, "map() needs at least one input range");
    using Args = detail::args_tuple<Rs...>;
    using Call = typename task<R(A...)>::args_tuple;
    detail::validate(o);
    std::size_t chunksize = o.chunksize ? *o.chunksize : detail::process::auto_chunksize(max_workers(), rs...);
    // A weak reference, as Python's map holds a weakref to its executor: once the
    // executor is gone, no more input is submitted.
    auto submit = [weak = std::weak_ptr(core_), t](std::vector<Args>& chunk) -> std::optional<detail::chunk_future<R>> {
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
                    j->unsent.emplace_back(i, detail::process::unserializable_args(j->task, e.what()));
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

#pragma once
// The job of one process_pool_executor::map() chunk, and the automatic chunk size.
// One chunk = one job = one frame of several call items; the worker answers each
// item separately, so an element that fails (in the parent's serializer, the
// worker, or the task) fails only itself.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <ranges>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <futures/detail/process/parent/job.hpp>
#include <futures/map.hpp>

namespace futures::detail::process {

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

}  // namespace futures::detail::process

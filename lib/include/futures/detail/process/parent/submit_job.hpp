#pragma once
// The job of one submit(): one call, one future, completed from the call's one
// result (on the I/O thread, or the completion executor).
#include <string_view>
#include <type_traits>
#include <utility>

#include <futures/detail/process/parent/job.hpp>
#include <futures/detail/shared_state.hpp>
#include <futures/map.hpp>  // stored_t

namespace futures::detail::process {

template <class R>
struct submit_job final : job {
    void complete(const result_slice& rs, pid_t pid) override {
        auto& st = static_cast<shared_state<R>&>(*state);
        rs.for_each(1, [&](const failure* f, std::string_view bytes) {
            stored_t<R> v{};
            if (auto e = read_result<R>(f, bytes, task, pid, v))
                st.try_set_exception(std::move(e));
            else if constexpr (std::is_void_v<R>)
                st.try_set_value();
            else
                st.try_set_value(std::move(v));
        });
    }
};

}  // namespace futures::detail::process

// Splitting an answer that would exceed the frame cap (result_frames.hpp).
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/result_frames.hpp>
#include <futures/detail/process/registry.hpp>

namespace futures::detail::process {

void emit_result_frames(result_frame&& results, std::size_t max_frame, const std::function<void(std::string&)>& emit) {
    static thread_local std::string out;  // one buffer for every frame: big frames do not fault in fresh pages
    out.clear();
    message m{std::move(results)};
    try {
        encode_frame_to(out, m, max_frame);
    } catch (const frame_error&) {
        out.clear();
    }
    if (!out.empty()) return emit(out);
    for (auto& b : std::get<result_frame>(m).batches) {
        message one{result_frame{}};
        std::get<result_frame>(one).batches.push_back(std::move(b));
        out.clear();
        try {
            encode_frame_to(out, one, max_frame);
            emit(out);
            continue;
        } catch (const frame_error& e) {
            auto& rb = std::get<result_frame>(one).batches.front();
            const std::uint32_t n = rb.values.count();
            rb.values = {};
            rb.failures.clear();
            for (std::uint32_t k = 0; k < n; ++k)
                add_failure(rb, k, failure{failure_phase::save_result, "futures::frame_too_large", e.what(), {}});
        }
        out.clear();
        encode_frame_to(out, one, max_frame);
        emit(out);
    }
}

}  // namespace futures::detail::process

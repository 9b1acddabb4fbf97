// A call frame's payload, as the worker decodes it (worker_loop.cpp).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto m = fuzz::p::decode_payload(fuzz::view(data, size));
        if (auto* cf = std::get_if<fuzz::p::call_frame>(&m))
            for (const auto& b : cf->batches) fuzz::read_items(b.args);
    } catch (const fuzz::p::frame_error&) {
    }
    return 0;
}

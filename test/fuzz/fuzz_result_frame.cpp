// A result frame's payload, as the parent decodes it (worker_events.cpp).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto m = fuzz::p::decode_payload(fuzz::view(data, size));
        if (auto* rf = std::get_if<fuzz::p::result_frame>(&m)) {
            for (const auto& b : rf->batches) {
                fuzz::read_items(b.values);
                for (const auto& f : b.failures) (void)(f.what.type.size() + f.what.what.size());
            }
        }
    } catch (const fuzz::p::frame_error&) {
    }
    return 0;
}

// A worker's first frame: its 4-byte header against the handshake cap, then the
// payload, which must be a compatible hello.
#include <array>
#include <cstring>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < fuzz::p::frame_header_size) return 0;
    std::array<unsigned char, fuzz::p::frame_header_size> h{};
    std::memcpy(h.data(), data, h.size());
    try {
        const std::size_t n = fuzz::p::decode_header(h, fuzz::p::max_handshake_frame);
        if (n > size - h.size()) return 0;  // incomplete: the parent waits for more
        auto m = fuzz::p::decode_payload(fuzz::view(data + h.size(), n));
        if (auto* hello = std::get_if<fuzz::p::hello>(&m)) (void)fuzz::p::check_hello(*hello);
    } catch (const fuzz::p::frame_error&) {
    }
    return 0;
}

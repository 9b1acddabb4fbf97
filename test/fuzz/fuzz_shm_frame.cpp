// A frame that arrives through a shared region (shm_region.hpp), as the parent
// reads a worker's answer: the first 16 bytes are the descriptor the pipe carries
// (offset, length), the rest is what the worker left in its region. The reader
// must refuse a descriptor that lies and decode only what the region holds, its
// packed lists in place.
#include <unistd.h>

#include <futures/detail/process/protocol/shm_region.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < fuzz::p::shm_descriptor_size) return 0;
    const auto [offset, length] = fuzz::p::decode_shm_descriptor(fuzz::view(data, fuzz::p::shm_descriptor_size));
    const std::string_view content =
        fuzz::view(data + fuzz::p::shm_descriptor_size, size - fuzz::p::shm_descriptor_size);
    fuzz::p::shm_region region(fuzz::p::shm_region::create(), 1 << 20);
    if (::pwrite(region.fd(), content.data(), content.size(), 0) != static_cast<ssize_t>(content.size())) return 0;
    try {
        auto v = region.view({offset, length});
        auto m = fuzz::p::decode_payload(v.bytes, std::move(v.keep));
        if (auto* rf = std::get_if<fuzz::p::result_frame>(&m))
            for (const auto& b : rf->batches) fuzz::read_items(b.values);
    } catch (const fuzz::p::frame_error&) {
    }
    return 0;
}

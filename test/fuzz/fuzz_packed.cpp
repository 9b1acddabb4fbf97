// A packed list on its own (the arguments or results of a batch), read with the
// same archive as the frames, then checked and read item by item.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::p::packed_values v;
    try {
        fuzz::p::from_bytes(fuzz::view(data, size), v);
    } catch (const std::exception&) {  // archive_exception, as for any value
        return 0;
    }
    fuzz::read_items(v);
    return 0;
}

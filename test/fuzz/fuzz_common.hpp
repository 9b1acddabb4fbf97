#pragma once
// What every decoder target does with a decoded message: check it as the pool does
// (packed lists' sizes before any item is read) and then read every item, so that
// a list that passed check() but still lies would be caught by ASan here.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <futures/detail/process/protocol/frame.hpp>

namespace fuzz {

namespace p = futures::detail::process;

inline std::size_t read_items(const p::packed_values& v) {
    try {
        v.check();
    } catch (const std::length_error&) {
        return 0;
    }
    // Empty items (void results, calls without arguments) cost nothing to read:
    // a list of four billion of them is valid, and only slow to walk.
    if (v.byte_size() == 0) return 0;
    std::size_t total = 0;
    for (auto r = v.reader(); !r.done();) total += r.next().size();
    return total;
}

inline std::string_view view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz

// The handshake declared in messages.hpp: what a worker announces, and whether the
// parent can talk to it.
#include <futures/detail/process/protocol/messages.hpp>

#include <unistd.h>

#include <bit>

#include <boost/version.hpp>

namespace futures::detail::process {

hello make_hello() {
    hello h;
    h.protocol = protocol_version;
    h.boost_version = BOOST_VERSION;
    // The raw path (archive.hpp) writes bitwise values in host byte order with the
    // host's sizes: a worker that differs in either is refused here.
    constexpr bool fixed_sizes = sizeof(int) == 4 && sizeof(long long) == 8 && sizeof(float) == 4 &&
                                 sizeof(double) == 8 && sizeof(wchar_t) == 4 && sizeof(short) == 2 && sizeof(bool) == 1;
    constexpr std::uint32_t abi = (std::endian::native == std::endian::little ? 1u : 0u) | (fixed_sizes ? 2u : 0u);
    h.sizes = sizeof(long) | sizeof(void*) << 8 | sizeof(long double) << 16 | abi << 24;
    h.pid = ::getpid();
    return h;
}

std::string check_hello(const hello& h) {
    hello mine = make_hello();
    if (h.protocol != mine.protocol)
        return "protocol version " + std::to_string(h.protocol) + ", expected " + std::to_string(mine.protocol);
    if (h.boost_version != mine.boost_version || h.sizes != mine.sizes)
        return "worker built with a different Boost, ABI or byte order (the wire format is native binary)";
    return {};
}

}  // namespace futures::detail::process

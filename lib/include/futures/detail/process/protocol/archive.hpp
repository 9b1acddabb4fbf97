#pragma once
// How one value becomes one byte string and back. Every argument tuple and every
// result is its own string (messages.hpp), so a value that fails to load fails its
// own call only. Two encodings, chosen from the type alone, so that the parent and
// the worker (which agree on the types: the worker checks the task's signature)
// always pick the same one:
//
//  - "Bitwise" types (is_bitwise below: arithmetic types, enums, and std::pair /
//    std::tuple / std::array of bitwise types, recursively) are written as their
//    raw bytes, leaf by leaf (no padding), in host byte order, with no archive at
//    all. Reading checks the exact size and throws the same error a failed archive
//    load throws (boost::archive::archive_exception), so the worker reports it in
//    the load_args phase and the parent as serialization_error, as before.
//    Host byte order and sizes are safe: the handshake (check_hello, frame.cpp)
//    refuses a worker whose protocol version, Boost version, byte order or type
//    sizes (int, long, long long, void*, float, double, long double, wchar_t)
//    differ from the parent's. That is the same assumption Boost's native binary
//    archives already make for every primitive they write.
//
//  - Everything else: one Boost.Serialization binary archive per value, written to
//    / read from memory, without the 40-byte header (both ends checked by the
//    handshake). no_codecvt only skips imbuing the stream: in Boost 1.81 the
//    basic_binary_[io]primitive constructor builds a std::locale (codecvt_null) and
//    saves/restores the stream's locale whatever the flags
//    (boost/archive/impl/basic_binary_oprimitive.ipp), about 0.4 us per archive.
//    That cost stays for non-bitwise values. A reused (thread_local) archive would
//    not avoid it for the values' independence: an archive writes a class's
//    class-info/version the first time it meets the class, so the bytes of a value
//    written by a reused archive would depend on what it wrote before, and could
//    only be read by an archive that had read the same history. Reusing the stream
//    buffer alone saves nothing (the locale is built in the archive constructor).
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>

#include <futures/detail/process/protocol/bounded_archive.hpp>
#include <futures/serialization.hpp>

namespace futures::detail::process {

constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

// ---- bitwise values -----------------------------------------------------------------

/// Whether T takes the raw path. Written out rather than std::is_trivially_copyable:
/// std::pair<int, int> is not trivially copyable in libstdc++ (its assignment is
/// user-provided), and a trivially copyable user type may hold pointers.
template <class T>
struct is_bitwise : std::bool_constant<std::is_arithmetic_v<T> || std::is_enum_v<T>> {};
template <class T>
struct is_bitwise<const T> : is_bitwise<T> {};
template <class A, class B>
struct is_bitwise<std::pair<A, B>> : std::bool_constant<is_bitwise<A>::value && is_bitwise<B>::value> {};
template <class... T>
struct is_bitwise<std::tuple<T...>> : std::bool_constant<(is_bitwise<T>::value && ...)> {};
template <class T, std::size_t N>
struct is_bitwise<std::array<T, N>> : is_bitwise<T> {};
template <class T>
inline constexpr bool is_bitwise_v = is_bitwise<T>::value;

/// The bytes a bitwise T takes on the wire: the sum of its leaves (no padding).
template <class T>
struct packed_size : std::integral_constant<std::size_t, sizeof(T)> {};
template <class T>
struct packed_size<const T> : packed_size<T> {};
template <class A, class B>
struct packed_size<std::pair<A, B>>
    : std::integral_constant<std::size_t, packed_size<A>::value + packed_size<B>::value> {};
template <class... T>
struct packed_size<std::tuple<T...>>
    : std::integral_constant<std::size_t, (std::size_t(0) + ... + packed_size<T>::value)> {};
template <class T, std::size_t N>
struct packed_size<std::array<T, N>> : std::integral_constant<std::size_t, N * packed_size<T>::value> {};

template <class T>
void raw_put(char*& p, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        *p++ = v ? 1 : 0;
    } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
        std::memcpy(p, &v, sizeof(T));
        p += sizeof(T);
    } else if constexpr (requires {
                             v.first;
                             v.second;
                         }) {
        raw_put(p, v.first);
        raw_put(p, v.second);
    } else if constexpr (
        requires { std::tuple_size<T>::value; } && !requires { v.data(); }) {
        std::apply([&](const auto&... e) { (raw_put(p, e), ...); }, v);
    } else {  // std::array
        if constexpr (packed_size<typename T::value_type>::value == sizeof(typename T::value_type) &&
                      !std::is_same_v<typename T::value_type, bool>) {
            // Leaves without padding and no bool to normalize: one copy.
            std::memcpy(p, v.data(), sizeof(typename T::value_type) * v.size());
            p += sizeof(typename T::value_type) * v.size();
        } else {
            for (const auto& e : v) raw_put(p, e);
        }
    }
}

template <class T>
void raw_get(const char*& p, T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        v = *p++ != 0;  // any other byte would make a bool with undefined behaviour
    } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
        std::memcpy(&v, p, sizeof(T));
        p += sizeof(T);
    } else if constexpr (requires {
                             v.first;
                             v.second;
                         }) {
        raw_get(p, v.first);
        raw_get(p, v.second);
    } else if constexpr (
        requires { std::tuple_size<T>::value; } && !requires { v.data(); }) {
        std::apply([&](auto&... e) { (raw_get(p, e), ...); }, v);
    } else {
        if constexpr (packed_size<typename T::value_type>::value == sizeof(typename T::value_type) &&
                      !std::is_same_v<typename T::value_type, bool>) {
            std::memcpy(v.data(), p, sizeof(typename T::value_type) * v.size());
            p += sizeof(typename T::value_type) * v.size();
        } else {
            for (auto& e : v) raw_get(p, e);
        }
    }
}

// ---- archives -------------------------------------------------------------------------

/// Appends to a std::string.
class string_outbuf : public std::streambuf {
public:
    explicit string_outbuf(std::string& s) : s_(s) {}

protected:
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) s_.push_back(static_cast<char>(c));
        return c;
    }
    std::streamsize xsputn(const char* p, std::streamsize n) override {
        const auto k = static_cast<std::size_t>(n);
        // A large value grows the string into fresh memory: ready it before the
        // copy touches it page by page (fresh_memory.hpp).
        if (k >= fresh_memory_floor && s_.size() + k > s_.capacity()) {
            const std::size_t at = s_.size();
            s_.reserve(std::max(at + k, 2 * s_.capacity()));
            prepare_fresh(s_.data() + at, s_.capacity() - at);
        }
        s_.append(p, k);
        return n;
    }

private:
    std::string& s_;
};

/// Serializes the values in order into `out` (appending): raw bytes if they are
/// all bitwise, else one archive.
template <class... T>
void save_to(std::string& out, const T&... v) {
    if constexpr ((is_bitwise_v<T> && ...)) {
        const std::size_t at = out.size();
        out.resize(at + (std::size_t(0) + ... + packed_size<T>::value));
        char* p = out.data() + at;
        (raw_put(p, v), ...);
    } else {
        string_outbuf sb(out);
        boost::archive::binary_oarchive oa(sb, archive_flags);
        ((oa << v), ...);
    }
}

template <class... T>
std::string to_bytes(const T&... v) {
    std::string out;
    save_to(out, v...);
    return out;
}

/// Loads values in order; throws boost::archive::archive_exception on short input,
/// on a length beyond the input's end (bounded_archive.hpp) and, for bitwise
/// values, on any size but the exact one.
template <class... T>
void from_bytes(std::string_view in, T&... v) {
    if constexpr ((is_bitwise_v<T> && ...)) {
        constexpr std::size_t n = (std::size_t(0) + ... + packed_size<T>::value);
        if (in.size() != n)
            throw boost::archive::archive_exception(boost::archive::archive_exception::input_stream_error,
                                                    "raw value of the wrong size");
        const char* p = in.data();
        (raw_get(p, v), ...);
    } else {
        bounded_inbuf sb(in);
        bounded_iarchive ia(sb, archive_flags);
        ((ia >> v), ...);
    }
}

}  // namespace futures::detail::process

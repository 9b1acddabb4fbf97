#pragma once
// The archive every value and message is read with: Boost's binary input archive,
// except that each length it reads (a string's size, a vector's element count) is
// checked against the bytes that remain in the input before anything is
// allocated. Boost resizes first and reads afterwards, so a frame of 91 bytes that
// claims a 256 MiB string made the reader allocate 256 MiB before failing; here it
// fails at once with the same archive_exception a short input throws, and the
// caller's error handling (a failed call, a lost worker) is unchanged.
//
// A vector's element count is checked against its elements' least wire size
// (wire_floor): the raw size of an arithmetic element, the specialisations the
// protocol's own types declare (messages.hpp), nothing for an empty type, one byte
// otherwise. So what a lying length can make us allocate is bounded by the input's
// size times a small factor (sizeof(T) / wire_floor<T>). Other containers (map,
// list, deque, set) grow one loaded element at a time in Boost; their counts are
// checked at a byte per element (a list of empty values longer than what remains
// of its input is refused).
#include <cstddef>
#include <cstring>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/collection_size_type.hpp>

#include <futures/detail/process/protocol/fresh_memory.hpp>

namespace futures::detail::process {

/// The most a worker's handshake frame (one `hello`, a few dozen bytes) may
/// announce: a starting worker cannot make the parent buffer max_frame_bytes.
constexpr std::size_t max_handshake_frame = 256;

/// The least number of bytes one T takes on the wire (see above).
template <class T>
struct wire_floor : std::integral_constant<std::size_t, std::is_arithmetic_v<T> ? sizeof(T)
                                                        : std::is_empty_v<T>    ? 0
                                                                                : 1> {};

/// Reads a complete buffer in place, and says how much of it is left.
class bounded_inbuf : public std::streambuf {
public:
    explicit bounded_inbuf(std::string_view v) {
        char* b = const_cast<char*>(v.data());
        setg(b, b, b + v.size());
    }
    std::size_t remaining() const noexcept { return static_cast<std::size_t>(egptr() - gptr()); }
    /// The length field at the read position (a std::size_t, as Boost's binary
    /// archives write string sizes and collection counts), without consuming it.
    bool peek_length(std::size_t& n) const noexcept {
        if (remaining() < sizeof n) return false;
        std::memcpy(&n, gptr(), sizeof n);
        return true;
    }
    /// The next n bytes, in place; requires n <= remaining().
    std::string_view take(std::size_t n) noexcept {
        std::string_view v(gptr(), n);
        setg(eback(), gptr() + n, egptr());
        return v;
    }
};

class bounded_iarchive : public boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>> {
    using base = boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>>;
    friend class boost::archive::detail::interface_iarchive<bounded_iarchive>;
    friend class boost::archive::basic_binary_iarchive<bounded_iarchive>;
    friend class boost::archive::load_access;

public:
    bounded_iarchive(bounded_inbuf& in, unsigned flags) : base(in, flags), in_(in) { init(flags); }

    /// From now on, packed lists (packed.hpp) take their bytes as views into the
    /// input instead of copies, each holding `keep`, which must keep the input alive.
    void view_bytes(std::shared_ptr<const void> keep) noexcept { keep_ = std::move(keep); }
    bool viewing() const noexcept { return keep_ != nullptr; }
    /// A std::string's bytes (its length, then the bytes) as a view; `keep` gets the
    /// input's keeper. Throws as a short input does if the length runs past the end.
    std::string_view take_view(std::shared_ptr<const void>& keep) {
        std::size_t n = 0;
        if (!in_.peek_length(n) || n > in_.remaining() - sizeof n) refuse("length beyond the end of the input");
        in_.take(sizeof n);
        keep = keep_;
        return in_.take(n);
    }

protected:
    template <class T>
    void load_override(T& t) {
        base::load_override(t);
    }
    // Boost resizes (zeroing every byte) and then copies; a large string is
    // allocated, readied (fresh_memory.hpp) and copied once instead. The layout
    // is Boost's: a std::size_t length, then the bytes (as take_view reads it).
    void load_override(std::string& s) {
        check(1);
        std::size_t n = 0;
        if (!in_.peek_length(n) || n < fresh_memory_floor) return base::load_override(s);
        in_.take(sizeof n);
        const std::string_view v = in_.take(n);
        s.clear();
        s.reserve(n);
        prepare_fresh(s.data(), n);
        s.assign(v.data(), n);
    }
    // A vector's count is not at the read position when the vector comes in: the
    // first vector of each type is preceded by its class information. So the
    // vector notes its elements' floor, and the count is checked once read (Boost
    // reads it first of all, and reserves right after).
    // A vector of numbers is reserved and readied (fresh_memory.hpp) once its
    // checked count is known, before Boost's resize zeroes it page by page.
    template <class T, class A>
    void load_override(std::vector<T, A>& v) {
        floor_ = wire_floor<T>::value;
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
            pending_ = &v;
            reserve_ = [](void* p, std::size_t count) {
                auto& w = *static_cast<std::vector<T, A>*>(p);
                if (count * sizeof(T) < fresh_memory_floor || w.capacity() >= count) return;
                w.reserve(count);
                prepare_fresh(w.data(), count * sizeof(T));
            };
        }
        base::load_override(v);
    }
    void load_override(boost::serialization::collection_size_type& count) {
        base::load_override(count);
        const std::size_t each = floor_;
        floor_ = 1;  // any other collection: at least a byte per element
        if (each != 0 && std::size_t(count) > in_.remaining() / each) refuse("length beyond the end of the input");
        if (void* v = std::exchange(pending_, nullptr)) reserve_(v, std::size_t(count));
    }
    // Boost reads a bool's byte straight into the bool: any byte but 0 or 1 would
    // make a bool with undefined behaviour.
    void load_override(bool& b) {
        unsigned char c = 0;
        base::load_override(c);
        if (c > 1) refuse("a bool that is neither 0 nor 1");
        b = c != 0;
    }

private:
    // Throws unless the string length at the read position fits in what follows
    // it. A length that is not there at all is left to Boost's own error.
    void check(std::size_t each) const {
        std::size_t n = 0;
        if (!in_.peek_length(n)) return;
        if (n > (in_.remaining() - sizeof n) / each) refuse("length beyond the end of the input");
    }
    [[noreturn]] static void refuse(const char* what) {
        throw boost::archive::archive_exception(boost::archive::archive_exception::input_stream_error, what);
    }

    bounded_inbuf& in_;
    std::size_t floor_ = 1;
    void* pending_ = nullptr;  // the vector of numbers whose count comes next
    void (*reserve_)(void*, std::size_t) = nullptr;
    std::shared_ptr<const void> keep_;
};

}  // namespace futures::detail::process

BOOST_SERIALIZATION_REGISTER_ARCHIVE(futures::detail::process::bounded_iarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(futures::detail::process::bounded_iarchive)

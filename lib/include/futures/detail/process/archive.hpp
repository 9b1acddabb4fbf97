#pragma once
// One binary archive per value, written to / read from memory. Why no header and no
// codecvt: both ends come from the same build (the handshake checks it), and the
// 40-byte header plus a std::locale per archive would dominate small calls.
#include <cstddef>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>

#include <futures/serialization.hpp>

namespace futures::detail::process {

constexpr unsigned archive_flags = boost::archive::no_header | boost::archive::no_codecvt;

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
        s_.append(p, static_cast<std::size_t>(n));
        return n;
    }

private:
    std::string& s_;
};

/// Reads a complete buffer in place (frames are decoded only once complete).
class view_inbuf : public std::streambuf {
public:
    explicit view_inbuf(std::string_view v) {
        char* b = const_cast<char*>(v.data());
        setg(b, b, b + v.size());
    }
};

/// Serializes each value in order into `out` (appending).
template <class... T>
void save_to(std::string& out, const T&... v) {
    string_outbuf sb(out);
    boost::archive::binary_oarchive oa(sb, archive_flags);
    ((oa << v), ...);
}

template <class... T>
std::string to_bytes(const T&... v) {
    std::string out;
    save_to(out, v...);
    return out;
}

/// Loads values in order; throws boost::archive::archive_exception on short input.
template <class... T>
void from_bytes(std::string_view in, T&... v) {
    view_inbuf sb(in);
    boost::archive::binary_iarchive ia(sb, archive_flags);
    ((ia >> v), ...);
}

}  // namespace futures::detail::process

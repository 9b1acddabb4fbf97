// Length-prefixed frames: encoding, the header check, and the worker's blocking I/O.
#include <futures/detail/process/protocol/frame.hpp>

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace futures::detail::process {

namespace {
// Roughly the payload's size, so that the frame is allocated once instead of
// doubling its way up through a large frame's worth of copies.
std::size_t payload_estimate(const message& m) {
    std::size_t n = 64;
    if (auto* c = std::get_if<call_frame>(&m)) {
        for (const auto& b : c->batches)
            n += 64 + b.task.size() + b.signature.size() + b.args.byte_size() + 4 * std::size_t(b.args.count());
    } else if (auto* r = std::get_if<result_frame>(&m)) {
        for (const auto& b : r->batches) {
            n += 64 + b.values.byte_size() + 4 * std::size_t(b.values.count());
            for (const auto& f : b.failures)
                n += 64 + f.what.type.size() + f.what.what.size() + f.what.traceback.size();
        }
    }
    return n;
}
}  // namespace

void encode_frame_to(std::string& out, const message& m, std::size_t max_payload) {
    const std::size_t at = out.size();
    out.reserve(at + frame_header_size + payload_estimate(m));
    out.append(frame_header_size, '\0');
    try {
        save_to(out, m);
    } catch (...) {
        out.resize(at);
        throw;
    }
    const std::size_t n = out.size() - at - frame_header_size;
    if (n > max_payload || n > UINT32_MAX) {
        out.resize(at);
        throw frame_error("frame of " + std::to_string(n) + " bytes exceeds the limit of " +
                          std::to_string(max_payload));
    }
    for (std::size_t i = 0; i < frame_header_size; ++i) out[at + i] = static_cast<char>((n >> (8 * i)) & 0xff);
}

std::string encode_frame(const message& m, std::size_t max_payload) {
    std::string out;
    encode_frame_to(out, m, max_payload);
    return out;
}

std::size_t decode_header(const std::array<unsigned char, frame_header_size>& h, std::size_t max_payload) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < frame_header_size; ++i) n |= std::size_t(h[i]) << (8 * i);
    if (n > max_payload)
        throw frame_error("incoming frame of " + std::to_string(n) + " bytes exceeds the limit of " +
                          std::to_string(max_payload));
    return n;
}

message decode_payload(std::string_view payload) {
    message m;
    try {
        from_bytes(payload, m);
    } catch (const std::exception& e) {
        throw frame_error(std::string("undecodable frame: ") + e.what());
    }
    return m;
}

namespace {
// Reads exactly n bytes; returns the count read before EOF.
std::size_t read_fully(int fd, char* p, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = ::read(fd, p + got, n - got);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "read");
        }
        got += static_cast<std::size_t>(r);
    }
    return got;
}
}  // namespace

bool read_frame(int fd, std::string& out, std::size_t max_payload) {
    std::array<unsigned char, frame_header_size> h{};
    std::size_t got = read_fully(fd, reinterpret_cast<char*>(h.data()), h.size());
    if (got == 0) return false;
    if (got != h.size()) throw frame_error("truncated frame header");
    std::size_t n = decode_header(h, max_payload);
    out.resize(n);
    if (read_fully(fd, out.data(), n) != n) throw frame_error("truncated frame");
    return true;
}

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t w = ::write(fd, bytes.data(), bytes.size());
        if (w < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "write");
        }
        bytes.remove_prefix(static_cast<std::size_t>(w));
    }
}

}  // namespace futures::detail::process

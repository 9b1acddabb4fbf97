// Length-prefixed frames: encoding, the header check, and the worker's blocking I/O.
#include <futures/detail/process/protocol/frame.hpp>

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace futures::detail::process {

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

void encode_shm_frame_to(std::string& out, std::uint64_t offset, std::uint64_t length) {
    char b[frame_header_size + shm_descriptor_size];
    for (std::size_t i = 0; i < frame_header_size; ++i) b[i] = static_cast<char>((shm_marker >> (8 * i)) & 0xff);
    for (std::size_t i = 0; i < 8; ++i) {
        b[frame_header_size + i] = static_cast<char>((offset >> (8 * i)) & 0xff);
        b[frame_header_size + 8 + i] = static_cast<char>((length >> (8 * i)) & 0xff);
    }
    out.append(b, sizeof b);
}

bool is_shm_header(const std::array<unsigned char, frame_header_size>& h) noexcept {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < frame_header_size; ++i) n |= std::uint32_t(h[i]) << (8 * i);
    return n == shm_marker;
}

std::pair<std::uint64_t, std::uint64_t> decode_shm_descriptor(std::string_view d) noexcept {
    std::uint64_t offset = 0, length = 0;
    for (std::size_t i = 0; i < 8 && i + 8 < d.size(); ++i) {
        offset |= std::uint64_t(static_cast<unsigned char>(d[i])) << (8 * i);
        length |= std::uint64_t(static_cast<unsigned char>(d[8 + i])) << (8 * i);
    }
    return {offset, length};
}

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
    if (n > max_payload || n >= shm_marker) {
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

message decode_payload(std::string_view payload) { return decode_payload(payload, nullptr); }

message decode_payload(std::string_view payload, std::shared_ptr<const void> keep) {
    message m;
    try {
        // As from_bytes(payload, m) does, with the viewing switch.
        bounded_inbuf sb(payload);
        bounded_iarchive ia(sb, archive_flags);
        ia.view_bytes(std::move(keep));
        ia >> m;
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

bool read_frame(int fd, std::string& out, std::size_t max_payload, bool* shm) {
    std::array<unsigned char, frame_header_size> h{};
    std::size_t got = read_fully(fd, reinterpret_cast<char*>(h.data()), h.size());
    if (got == 0) return false;
    if (got != h.size()) throw frame_error("truncated frame header");
    const bool in_region = shm && is_shm_header(h);
    if (shm) *shm = in_region;
    std::size_t n = in_region ? shm_descriptor_size : decode_header(h, max_payload);
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

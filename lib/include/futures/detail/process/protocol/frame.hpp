#pragma once
// Frames on a byte stream: a 4-byte little-endian payload length, then the payload
// (one serialized `message`). The length is checked against a hard cap before
// anything is allocated, on both sides: a corrupt or hostile length must not make
// either process allocate gigabytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <futures/detail/process/protocol/limits.hpp>
#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

constexpr std::size_t frame_header_size = 4;

/// A frame that is larger than the cap, or does not decode.
class frame_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Header + payload for m, ready to write. Throws frame_error above max_payload.
/// (Build the message by moving its alternative in: a message copies what it is
/// constructed from.)
std::string encode_frame(const message& m, std::size_t max_payload);
/// As encode_frame, appended to `out` (whose capacity is reused); on any throw,
/// `out` is left as it was.
void encode_frame_to(std::string& out, const message& m, std::size_t max_payload);
/// The payload length announced by a header; throws frame_error above max_payload.
std::size_t decode_header(const std::array<unsigned char, frame_header_size>& h, std::size_t max_payload);
/// Decodes one complete payload; throws frame_error (wrapping the archive's error).
message decode_payload(std::string_view payload);

// Blocking frame I/O on a file descriptor, for the worker side (which is a plain
// loop with nothing else to do). Retries EINTR and short transfers.

/// Reads one frame's payload into `out`. Returns false on a clean EOF before the
/// header; throws frame_error on a truncated frame or a length above the cap, and
/// std::system_error on read errors.
bool read_frame(int fd, std::string& out, std::size_t max_payload);
/// Writes all of `bytes`; throws std::system_error (EPIPE: the reader is gone).
void write_all(int fd, std::string_view bytes);

}  // namespace futures::detail::process

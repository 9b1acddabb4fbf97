#pragma once
// Frames on a byte stream: a 4-byte little-endian payload length, then the payload
// (one serialized `message`). The length is checked against a hard cap before
// anything is allocated, on both sides: a corrupt or hostile length must not make
// either process allocate gigabytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <futures/detail/process/protocol/limits.hpp>
#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

constexpr std::size_t frame_header_size = 4;

/// A header holding this value announces a frame whose payload lies in the
/// sender's shared region (shm_region.hpp): the pipe carries only its descriptor,
/// shm_descriptor_size bytes (offset, then length, 64-bit little-endian). Pipe
/// frames stay below it.
constexpr std::uint32_t shm_marker = UINT32_MAX;
constexpr std::size_t shm_descriptor_size = 16;

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
/// Appends the pipe's part of a frame that lies in a shared region.
void encode_shm_frame_to(std::string& out, std::uint64_t offset, std::uint64_t length);
/// Whether a header is shm_marker's.
bool is_shm_header(const std::array<unsigned char, frame_header_size>& h) noexcept;
/// The (offset, length) pair of a descriptor (exactly shm_descriptor_size bytes).
std::pair<std::uint64_t, std::uint64_t> decode_shm_descriptor(std::string_view d) noexcept;
/// Roughly m's encoded size: enough to size a buffer once.
std::size_t payload_estimate(const message& m);
/// The payload length announced by a header; throws frame_error above max_payload.
std::size_t decode_header(const std::array<unsigned char, frame_header_size>& h, std::size_t max_payload);
/// Decodes one complete payload; throws frame_error (wrapping the archive's error).
message decode_payload(std::string_view payload);
/// As decode_payload, but the packed lists of the message are views into
/// `payload` (no copy), each holding `keep`, which keeps the payload's bytes alive.
message decode_payload(std::string_view payload, std::shared_ptr<const void> keep);

// Blocking frame I/O on a file descriptor, for the worker side (which is a plain
// loop with nothing else to do). Retries EINTR and short transfers.

/// Reads one frame's payload into `out`. Returns false on a clean EOF before the
/// header; throws frame_error on a truncated frame or a length above the cap, and
/// std::system_error on read errors. A shared-memory frame leaves its descriptor
/// in `out` and sets *shm, if shm is given (else it is a frame_error).
bool read_frame(int fd, std::string& out, std::size_t max_payload, bool* shm = nullptr);
/// Writes all of `bytes`; throws std::system_error (EPIPE: the reader is gone).
void write_all(int fd, std::string_view bytes);

}  // namespace futures::detail::process

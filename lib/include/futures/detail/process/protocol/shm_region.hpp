#pragma once
// Large frames through shared memory (docs/payloads.md). Each worker has two
// regions, one per direction: memfds the parent creates before spawning and the
// worker inherits as known descriptors. The writer serializes a frame straight into
// its region and sends only a small descriptor (offset, length) down the pipe; the
// reader decodes from its mapping, its packed lists left in place as views (no
// copy), and releases the frame once the last of them is gone; the writer then
// reuses the same pages for the next frame (fresh pages cost a page fault each).
//
// The region's first 64 bytes hold the count of frames the reader released; frames
// follow, bump-allocated while some are outstanding, from the start again once all
// were released. A memfd vanishes with the last process that holds it: a worker
// that dies mid-call, or a parent that is SIGKILLed, leaves nothing behind. The
// parent seals the memfd against shrinking, so that a hostile worker cannot cut
// the file under the parent's reads (that would be SIGBUS); oversized regions give
// their pages back with a punched hole instead.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

/// Where a frame lies in a region: what the pipe carries instead of the payload.
struct shm_descriptor {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// A frame's bytes in the reader's mapping. While `keep` (or a copy of it) lives,
/// the writer does not reuse them and the mapping stays; its end releases the frame.
struct shm_view {
    std::string_view bytes;
    std::shared_ptr<const void> keep;
};

class shm_region {
public:
    /// A new memfd, close-on-exec, sealed against shrinking. Throws std::system_error.
    static int create();

    shm_region() = default;
    /// Takes ownership of fd. max_frame caps every frame, as on the pipe.
    shm_region(int fd, std::size_t max_frame) noexcept : fd_(fd), max_frame_(max_frame) {}
    shm_region(shm_region&& o) noexcept;
    shm_region& operator=(shm_region&& o) noexcept;
    ~shm_region();

    bool valid() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

    // ---- writer side
    /// Serializes m into the region as one frame payload. Throws frame_error above
    /// the frame cap (nothing is sent); nullopt if the region cannot take it now
    /// (send it down the pipe instead).
    std::optional<shm_descriptor> write(const message& m);

    // ---- reader side
    /// The payload d names, after checking it against the cap and the region's
    /// size; throws frame_error (nothing is mapped or allocated for a bad one).
    /// Every frame the writer sent must be viewed once, for its release to count.
    shm_view view(const shm_descriptor& d);

    /// Region bytes reserved before the first frame (the release counter).
    static constexpr std::size_t header_bytes = 64;
    /// How far frames may reach into a region: two whole frames, so one can be
    /// written while the reader still holds the other.
    std::size_t limit() const noexcept { return header_bytes + 2 * (max_frame_ + header_bytes); }

    /// One mmap of the file; a reader's old mapping lives on while views hold it.
    struct mapping {
        char* p = nullptr;
        std::size_t len = 0;
        mapping(char* at, std::size_t n) noexcept : p(at), len(n) {}
        mapping(const mapping&) = delete;
        mapping& operator=(const mapping&) = delete;
        ~mapping();
    };

private:
    friend class region_outbuf;
    /// Maps at least `need` bytes of the file, growing the file first if `grow`.
    bool cover(std::size_t need, bool grow);
    void give_back_beyond(std::size_t keep) noexcept;
    void populate(std::size_t from, std::size_t to) noexcept;
    char* base() const noexcept { return map_ ? map_->p : nullptr; }
    std::size_t mapped() const noexcept { return map_ ? map_->len : 0; }

    int fd_ = -1;
    std::size_t max_frame_ = 0;
    std::shared_ptr<mapping> map_;
    std::uint64_t sent_ = 0;  // writer: frames written
    std::size_t tail_ = header_bytes;
};

}  // namespace futures::detail::process

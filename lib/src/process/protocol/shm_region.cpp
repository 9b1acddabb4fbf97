// A shared-memory region for large frames (shm_region.hpp, docs/payloads.md).
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/protocol/fresh_memory.hpp>
#include <futures/detail/process/protocol/shm_region.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <streambuf>
#include <system_error>
#include <utility>

#include <boost/archive/binary_oarchive.hpp>

namespace futures::detail::process {

namespace {
constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }
constexpr std::size_t grow_step = std::size_t(1) << 20;
struct region_full {};  // the frame does not fit now: the pipe takes it instead
}  // namespace

/// Writes a frame into the region from `at` on, growing it as the archive writes.
class region_outbuf : public std::streambuf {
public:
    region_outbuf(shm_region& r, std::size_t at) : r_(r), start_(at), pos_(at) {}
    std::size_t end() const noexcept { return pos_; }

protected:
    int_type overflow(int_type c) override {
        if (c == traits_type::eof()) return c;
        const char ch = static_cast<char>(c);
        xsputn(&ch, 1);
        return c;
    }
    std::streamsize xsputn(const char* p, std::streamsize n) override {
        const auto k = static_cast<std::size_t>(n);
        if (pos_ - start_ + k > r_.max_frame_)
            throw frame_error("frame exceeds the limit of " + std::to_string(r_.max_frame_) + " bytes");
        if (!r_.cover(pos_ + k, true)) throw region_full{};
        std::memcpy(r_.base() + pos_, p, k);
        pos_ += k;
        return n;
    }

private:
    shm_region& r_;
    const std::size_t start_;
    std::size_t pos_;
};

int shm_region::create() {
    int fd = ::memfd_create("futures-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
    if (fd <= 2) {  // never on a standard stream's number (spawn.cpp, above_stdio)
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        const int err = errno;
        ::close(fd);
        if (moved < 0) throw std::system_error(err, std::generic_category(), "fcntl(F_DUPFD_CLOEXEC)");
        fd = moved;
    }
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
        const int err = errno;
        ::close(fd);
        throw std::system_error(err, std::generic_category(), "fcntl(F_ADD_SEALS)");
    }
    return fd;
}

shm_region::shm_region(shm_region&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      max_frame_(o.max_frame_),
      map_(std::move(o.map_)),
      sent_(o.sent_),
      tail_(o.tail_) {}

shm_region& shm_region::operator=(shm_region&& o) noexcept {
    if (this != &o) {
        this->~shm_region();
        new (this) shm_region(std::move(o));
    }
    return *this;
}

shm_region::~shm_region() {
    if (fd_ >= 0) ::close(fd_);
}

shm_region::mapping::~mapping() { ::munmap(p, len); }

namespace {
std::atomic_ref<std::uint64_t> released_count(char* region) {
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(region));
}
// A frame's hold on the reader's mapping; its end counts the frame as released.
struct frame_hold {
    explicit frame_hold(std::shared_ptr<shm_region::mapping> at) noexcept : m(std::move(at)) {}
    frame_hold(const frame_hold&) = delete;
    frame_hold& operator=(const frame_hold&) = delete;
    ~frame_hold() { released_count(m->p).fetch_add(1); }
    std::shared_ptr<shm_region::mapping> m;
};
}  // namespace

bool shm_region::cover(std::size_t need, bool grow) {
    const std::size_t have = mapped();
    if (need <= have) return true;
    if (need > limit()) return false;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return false;
    const auto file = static_cast<std::size_t>(st.st_size);
    std::size_t size = std::min(file, limit());
    if (size < need) {
        if (!grow) return false;
        // Whole MiB steps, doubling: a frame that grows by a few bytes does not
        // remap each time.
        size = std::min(limit(), std::max(round_up(need, grow_step), std::min(2 * have, limit())));
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return false;
    }
    if (grow && map_) {  // the writer: nobody else holds its mapping
        void* p = ::mremap(map_->p, have, size, MREMAP_MAYMOVE);
        if (p == MAP_FAILED) return false;
        map_->p = static_cast<char*>(p);
        map_->len = size;
        populate(have, size);
        return true;
    }
    // The reader: a new mapping; views into the old one keep it until they end.
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return false;
    map_ = std::make_shared<mapping>(static_cast<char*>(p), size);
    if (grow) populate(0, size);
    return true;
}

// The writer's new pages, allocated in one call rather than one fault per 4 KiB
// page at the first frame (fresh_memory.hpp: shared memory gets no huge pages, as
// shmem_enabled is never on our VMs). Only the writer does this, for sizes it chose:
// a reader populating what a worker claims would let the worker make the parent
// allocate up to the region's limit.
void shm_region::populate(std::size_t from, std::size_t to) noexcept {
    if (to > from) populate_pages(base() + from, to - from);
}

void shm_region::give_back_beyond(std::size_t keep) noexcept {
    keep = round_up(keep, grow_step);
    if (keep < mapped())
        (void)::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(keep),
                          static_cast<off_t>(mapped() - keep));
}

std::optional<shm_descriptor> shm_region::write(const message& m) {
    if (!valid()) return std::nullopt;
    const std::size_t estimate = std::min(payload_estimate(m), max_frame_);
    const std::uint64_t released = mapped() >= header_bytes ? released_count(base()).load() : sent_;
    if (released == sent_) {
        tail_ = header_bytes;  // nothing outstanding: the same pages again
        // One huge frame does not pin its pages for good.
        if (mapped() > kept_buffer_limit && 4 * estimate < mapped()) give_back_beyond(header_bytes + 2 * estimate);
    } else if (tail_ > header_bytes + max_frame_ + header_bytes) {
        return std::nullopt;  // the reader is behind by a whole frame's room
    }
    if (!cover(tail_ + estimate, true)) return std::nullopt;
    region_outbuf sb(*this, tail_);
    try {
        boost::archive::binary_oarchive oa(sb, archive_flags);
        oa << m;  // as save_to() would: the reader decodes with decode_payload()
    } catch (const region_full&) {
        return std::nullopt;
    }
    const shm_descriptor d{tail_, sb.end() - tail_};
    tail_ = round_up(sb.end(), header_bytes);
    ++sent_;
    return d;
}

shm_view shm_region::view(const shm_descriptor& d) {
    if (!valid()) throw frame_error("shared-memory frame, but no shared region");
    if (d.length > max_frame_)
        throw frame_error("incoming shared-memory frame of " + std::to_string(d.length) +
                          " bytes exceeds the limit of " + std::to_string(max_frame_));
    if (d.offset < header_bytes || d.offset > limit() || d.length > limit() - d.offset)
        throw frame_error("shared-memory frame outside its region");
    if (!cover(d.offset + d.length, false)) throw frame_error("shared-memory frame beyond the region's end");
    return {{map_->p + d.offset, d.length}, std::make_shared<frame_hold>(map_)};
}

}  // namespace futures::detail::process

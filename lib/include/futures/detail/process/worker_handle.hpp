#pragma once
// The parent's view of one worker process. Owned by pool_core and touched only on
// its I/O thread; async handlers hold a shared_ptr so a handler that completes
// after the worker left the pool still finds it alive.
#include <array>
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <cstdint>
#include <deque>
#include <vector>
#include <memory>
#include <string>

#include <sys/types.h>

#include <futures/detail/process/frame.hpp>
#include <futures/detail/process/job.hpp>
#include <futures/detail/process/spawn.hpp>

namespace futures::detail::process {

/// Bytes read from a worker's result pipe and not yet consumed as frames: one read
/// may bring several frames, or part of one.
class read_buffer {
public:
    /// Room for at least n more bytes at the end (compacting, then growing).
    char* space(std::size_t n) {
        if (cap_ - end_ < n && begin_ > 0) {
            std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (cap_ - end_ < n) {
            std::size_t cap = std::max(cap_ * 2, end_ + n);
            auto b = std::make_unique_for_overwrite<char[]>(cap);
            if (end_) std::memcpy(b.get(), buf_.get(), end_);
            buf_ = std::move(b);
            cap_ = cap;
        }
        return buf_.get() + end_;
    }
    std::size_t room() const noexcept { return cap_ - end_; }
    void commit(std::size_t n) noexcept { end_ += n; }
    std::string_view data() const noexcept { return {buf_.get() + begin_, end_ - begin_}; }
    void consume(std::size_t n) noexcept {
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;
        // Kept for the next frames (fresh pages cost more than the copy), unless huge.
        if (begin_ == 0 && end_ == 0 && cap_ > (std::size_t(64) << 20)) {
            buf_.reset();
            cap_ = 0;
        }
    }

private:
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
};

/// A call frame sent to a worker and not fully answered yet.
struct frame_in_flight {
    std::vector<std::shared_ptr<job>> jobs;  // in call order
    struct batch {
        std::uint32_t jobs = 0;      // how many of the jobs, in order, this call_batch carries
        std::uint64_t first_id = 0;  // its first call's id
    };
    std::vector<batch> batches;
    std::size_t answered = 0;                // batches answered so far
    std::size_t next_job = 0;                // first job of the next unanswered batch
    std::size_t calls = 0;
    std::uint64_t expected_ns = 0;  // the scheduler's estimate; 0: unknown
};

struct worker {
    enum class phase {
        starting,      // spawned, no hello yet
        initializing,  // running the pool's initializer
        ready,         // takes frames (idle when nothing is in flight)
        closing,       // call pipe closed (shutdown or max_tasks_per_child): exit expected
    };

    explicit worker(spawned_worker s) : io(std::move(s)) {}

    spawned_worker io;
    std::size_t slot = 0;
    pid_t pid = 0;
    phase state = phase::starting;
    std::deque<frame_in_flight> in_flight;  // oldest first: the worker answers in order
    std::size_t jobs_sent = 0;              // for max_tasks_per_child

    bool idle() const noexcept { return state == phase::ready && in_flight.empty(); }

    read_buffer in;
    std::string out;         // being written (kept alive for async_write)
    std::string out_next;    // frames queued behind it
    bool writing = false;

    // The worker is gone once its process was reaped AND its result pipe drained:
    // results written just before exiting still complete their futures.
    bool exited = false;
    bool eof = false;
    bool finalized = false;
    int status = 0;              // raw waitpid status
    std::string protocol_error;  // why we killed it, if we did
};

/// "exit code 3" or "signal 11 (SIGSEGV)"; code/sig receive the parts.
std::string describe_status(int status, std::optional<int>& code, std::optional<int>& sig);

}  // namespace futures::detail::process

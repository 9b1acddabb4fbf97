#pragma once
// A channel over two pipes to a child process: frames written in order, frames cut
// out of the byte stream read back, and the worker's end (reaped AND its pipe
// drained) reported once. I/O thread only; async handlers hold a shared_ptr, so a
// handler that completes after the pool forgot the worker still finds it alive.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>

#include <futures/detail/process/parent/spawn.hpp>
#include <futures/detail/process/parent/transport.hpp>
#include <futures/detail/process/protocol/limits.hpp>
#include <futures/detail/process/protocol/shm_region.hpp>

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
        if (begin_ == 0 && end_ == 0 && cap_ > kept_buffer_limit) {
            buf_.reset();
            cap_ = 0;
        }
    }

private:
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
};

class pipe_channel final : public channel, public std::enable_shared_from_this<pipe_channel> {
public:
    /// The worker's shared regions: frames of `threshold` bytes or more go through
    /// `calls`, and the worker may answer through `results` (docs/payloads.md).
    struct regions {
        shm_region calls, results;
        std::size_t threshold = 0;
    };
    pipe_channel(spawned_worker s, channel_events& events, std::size_t max_frame, channel_deadlines deadlines,
                 regions r);
    /// Starts reading and watching for the worker's exit.
    void start();

    void send(const message& m) override;
    void close() override;
    void kill(int sig) override;
    void fail(std::string why) override;
    bool failed() const noexcept override { return failed_; }
    bool running() const noexcept override { return !exited_; }
    pid_t pid() const noexcept override { return pid_; }

private:
    static constexpr std::size_t read_chunk = 64 * 1024;  // the default pipe's size: one read drains it
    void read_next(std::size_t want = read_chunk);
    void start_write();
    void report_if_gone();
    void watch_partial_frame();
    void arm(std::chrono::steady_clock::duration after);
    void on_deadline();

    spawned_worker io_;
    channel_events& events_;
    const std::size_t max_frame_;
    const pid_t pid_;
    const channel_deadlines deadlines_;

    // One timer: first the handshake's deadline, then, while part of a frame is
    // buffered, the frame's (checked lazily when it fires: arming it per frame would
    // cost the hot path a timer update each).
    boost::asio::steady_timer deadline_;
    bool armed_ = false;
    std::chrono::steady_clock::time_point progress_{};  // the last read that brought bytes

    regions shm_;
    read_buffer in_;
    std::string out_;       // being written (kept alive for async_write)
    std::string out_next_;  // frames queued behind it
    bool writing_ = false;
    bool closing_ = false;  // the stop message was sent: the pipe closes once it is written

    // Gone once the process was reaped AND its result pipe drained: results written
    // just before exiting still complete their futures.
    bool exited_ = false;
    bool eof_ = false;
    bool greeted_ = false;       // its first frame (the handshake) has arrived
    bool no_handshake_ = false;  // failed for not greeting in time
    bool reported_ = false;
    int status_ = 0;              // raw waitpid status
    std::string protocol_error_;  // why we killed it, if we did
    // fail() only: a failed write also kills the worker and says why, but its pipe is
    // still read to EOF, so that the answers it wrote before it died count and its
    // loss is reported (stopping the reads there left its calls pending for good).
    bool failed_ = false;
};

}  // namespace futures::detail::process

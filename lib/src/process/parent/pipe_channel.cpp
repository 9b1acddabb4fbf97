// One worker's pipes: frames out in order, frames cut out of the byte stream coming
// back, and the worker's end reported once it is reaped and its pipe drained.
#include <futures/detail/process/parent/pipe_channel.hpp>
#include <futures/detail/process/protocol/frame.hpp>

#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <array>
#include <optional>

#include <boost/asio/write.hpp>

namespace futures::detail::process {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// "exit code 3" or "signal 11 (SIGSEGV)"; code/sig receive the parts.
std::string describe_status(int status, std::optional<int>& code, std::optional<int>& sig) {
    if (WIFSIGNALED(status)) {
        sig = WTERMSIG(status);
        const char* abbrev = ::sigabbrev_np(*sig);
        return "signal " + std::to_string(*sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    }
    code = WIFEXITED(status) ? WEXITSTATUS(status) : status;
    return "exit code " + std::to_string(*code);
}

// The length on the pipe announced by the frame header at the start of d, if the
// header is there yet (a shared-memory frame's: its descriptor's); throws
// frame_error above the cap.
std::optional<std::size_t> announced(std::string_view d, std::size_t max_frame, bool& shm) {
    if (d.size() < frame_header_size) return std::nullopt;
    std::array<unsigned char, frame_header_size> h{};
    std::memcpy(h.data(), d.data(), h.size());
    shm = is_shm_header(h);
    return shm ? shm_descriptor_size : decode_header(h, max_frame);
}
}  // namespace

pipe_channel::pipe_channel(spawned_worker s, channel_events& events, std::size_t max_frame, channel_deadlines deadlines,
                           regions r)
    : io_(std::move(s)),
      events_(events),
      max_frame_(max_frame),
      pid_(io_.proc.id()),
      deadlines_(deadlines),
      deadline_(io_.results.get_executor()),
      shm_(std::move(r)) {}

void pipe_channel::start() {
    io_.proc.async_wait([self = shared_from_this()](error_code ec, int) {
        self->exited_ = true;
        self->status_ = ec ? 0 : self->io_.proc.native_exit_code();
        if (ec) self->protocol_error_ = "waiting for the worker failed: " + ec.message();
        self->report_if_gone();
    });
    arm(deadlines_.handshake);
    read_next();
}

void pipe_channel::arm(std::chrono::steady_clock::duration after) {
    armed_ = true;
    deadline_.expires_after(after);
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->on_deadline();  // else cancelled: greeted, or gone
    });
}

void pipe_channel::watch_partial_frame() {
    progress_ = std::chrono::steady_clock::now();
    if (greeted_ && !armed_ && !in_.data().empty()) arm(deadlines_.frame);
}

void pipe_channel::on_deadline() {
    armed_ = false;
    if (reported_ || eof_) return;
    const auto ms = [](auto d) {
        return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    };
    if (!greeted_) {
        no_handshake_ = true;
        fail("it sent no handshake within " + ms(deadlines_.handshake) + " ms");
        return;
    }
    if (in_.data().empty()) return;  // that frame completed; the next partial one arms again
    // Bytes waiting in the pipe mean this thread was busy, not that the worker stopped.
    const auto quiet = std::chrono::steady_clock::now() - progress_;
    int waiting = 0;
    if (quiet < deadlines_.frame || (::ioctl(io_.results.native_handle(), FIONREAD, &waiting) == 0 && waiting > 0)) {
        arm(quiet < deadlines_.frame ? deadlines_.frame - quiet : deadlines_.frame);
        return;
    }
    std::string of;
    try {
        bool shm = false;
        if (auto len = announced(in_.data(), max_frame_, shm)) of = " of " + std::to_string(frame_header_size + *len);
    } catch (const frame_error&) {
    }
    fail("it stopped halfway through a frame (" + std::to_string(in_.data().size()) + of +
         " bytes arrived, then nothing for " + ms(quiet) + " ms)");
}

void pipe_channel::send(const message& m) {
    auto& out = writing_ ? out_next_ : out_;
    // A large frame goes into the worker's call region, which keeps its pages from
    // frame to frame; the pipe carries where it lies. If the region cannot take it
    // now, the pipe carries it all.
    std::optional<shm_descriptor> d;
    if (shm_.threshold && payload_estimate(m) >= shm_.threshold) d = shm_.calls.write(m);
    if (d)
        encode_shm_frame_to(out, d->offset, d->length);
    else  // straight into the output buffer, whose capacity is reused
        encode_frame_to(out, m, max_frame_);
    if (!writing_) start_write();
}

void pipe_channel::start_write() {
    writing_ = true;
    asio::async_write(io_.calls, asio::buffer(out_), [self = shared_from_this()](error_code ec, std::size_t) {
        self->writing_ = false;
        self->out_.clear();  // keeps its capacity for the next frame
        if (self->out_.capacity() > kept_buffer_limit) self->out_.shrink_to_fit();  // but not a huge one
        // A worker that cannot take its calls will not answer them: make sure it
        // ends, so that its loss fails them instead of leaving them pending.
        if (ec) {
            self->out_next_.clear();
            if (!self->exited_) {
                if (self->protocol_error_.empty()) self->protocol_error_ = "writing the call failed: " + ec.message();
                ::kill(self->pid_, SIGKILL);
            }
            return;
        }
        if (!self->out_next_.empty()) {
            std::swap(self->out_, self->out_next_);
            self->start_write();
        } else if (self->closing_) {
            error_code ignored;
            self->io_.calls.close(ignored);
        }
    });
}

void pipe_channel::close() {
    if (closing_) return;
    closing_ = true;
    // The stop message, then EOF once it is written. The message is what stops the
    // worker: a child the program forked without exec holds a copy of this pipe's
    // write end, so EOF may never come while that child lives (messages.hpp).
    send(message{call_frame{}});
}

void pipe_channel::kill(int sig) {
    if (!exited_) ::kill(pid_, sig);  // not reaped yet: the pid is still ours
}

void pipe_channel::fail(std::string why) {
    failed_ = true;
    if (protocol_error_.empty()) protocol_error_ = std::move(why);
    kill(SIGKILL);
    eof_ = true;  // nothing more is read from it
    report_if_gone();
}

void pipe_channel::read_next(std::size_t want) {
    char* at = in_.space(want);
    io_.results.async_read_some(asio::buffer(at, in_.room()), [self = shared_from_this()](error_code ec,
                                                                                          std::size_t n) {
        auto& c = *self;
        if (ec) {
            c.eof_ = true;
            c.report_if_gone();
            return;
        }
        c.in_.commit(n);
        std::size_t next = read_chunk;
        try {
            // Every complete frame in the buffer, in order; then room for the rest of
            // a partial one, so that it arrives in as few reads as it can.
            // A worker's first frame is its handshake, which is tiny: a header
            // announcing more is refused before anything is allocated for it.
            bool shm = false;
            while (auto len = announced(c.in_.data(),
                                        c.greeted_ ? c.max_frame_ : std::min(c.max_frame_, max_handshake_frame), shm)) {
                const std::size_t whole = frame_header_size + *len, have = c.in_.data().size();
                if (have < whole) {
                    // Room grows with what has arrived, not with what the header
                    // claims: a header that lies costs no memory.
                    next = std::max(next, std::min(whole - have, have));
                    break;
                }
                const std::string_view frame = c.in_.data().substr(frame_header_size, *len);
                if (!shm) {
                    c.events_.on_frame(c, frame);
                } else {
                    if (!c.greeted_) throw frame_error("a shared-memory frame before the handshake");
                    // Decoded in place: the results stay in the mapping until their
                    // futures have taken them; then the worker may reuse those pages.
                    const auto [offset, length] = decode_shm_descriptor(frame);
                    auto v = c.shm_.results.view({offset, length});
                    c.events_.on_frame(c, v.bytes, std::move(v.keep));
                }
                if (c.failed() || c.reported_) return;  // the pool gave up on it
                c.in_.consume(whole);
                if (!c.greeted_) {
                    c.greeted_ = true;
                    c.deadline_.cancel();
                    c.armed_ = false;
                }
            }
        } catch (const frame_error& e) {
            c.fail(e.what());
            return;
        }
        c.watch_partial_frame();
        c.read_next(next);
    });
}

void pipe_channel::report_if_gone() {
    if (!exited_ || !eof_ || reported_) return;
    reported_ = true;
    deadline_.cancel();  // an armed timer would keep the I/O thread's loop alive
    worker_loss loss;
    loss.no_handshake = no_handshake_;
    loss.how = describe_status(status_, loss.code, loss.sig);
    loss.protocol_error = protocol_error_;
    events_.on_lost(*this, loss);
}

}  // namespace futures::detail::process

#pragma once
// The seam between scheduling and carrying. The pool (admission, the frame
// builder, the restart cap) decides what each worker gets; a transport starts
// workers and gives each a channel that carries whole frames to it and back, and
// says when it is gone. Pipes to child processes are the first transport
// (pipe_transport.hpp); MPI ranks or shared memory can carry the same messages.
// Everything here runs on the pool's I/O thread.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

/// How a worker ended, as its transport saw it.
struct worker_loss {
    std::optional<int> code;     ///< its exit code, if it exited
    std::optional<int> sig;      ///< the signal that ended it, if one did
    std::string how;             ///< "exit code 3", "signal 9 (SIGKILL)"
    std::string protocol_error;  ///< why the pool gave up on it (fail()), or empty
    bool no_handshake = false;   ///< it never greeted within the handshake deadline
};

/// How long a channel waits on a silent worker (process_pool_options).
struct channel_deadlines {
    /// A frame that started arriving and then nothing more for this long: the
    /// worker is failed (it stopped halfway through a frame).
    std::chrono::milliseconds frame{30'000};
    /// A new worker that has not greeted (sent its handshake) after this long is failed.
    std::chrono::milliseconds handshake{60'000};
};

class channel;

/// What a channel reports. Implemented by the pool.
class channel_events {
public:
    /// A whole frame arrived (its payload: one encoded message). If the handler
    /// failed the channel, nothing more is read from it. The payload is valid
    /// during the call; if `keep` is set, for as long as `keep` lives (the decoded
    /// message may then point into it instead of copying: a shared region's frame).
    virtual void on_frame(channel& from, std::string_view payload, std::shared_ptr<const void> keep = {}) = 0;
    /// The worker is gone: it ended AND every frame it sent was delivered, so
    /// answers written just before a death still count. Reported once, last.
    virtual void on_lost(channel& from, const worker_loss& loss) = 0;

protected:
    ~channel_events() = default;
};

/// One worker's link.
class channel {
public:
    virtual ~channel() = default;
    /// Sends m as one frame, after those sent before it. m is serialized before
    /// this returns (it may borrow bytes that live only until then). Throws
    /// frame_error (and sends nothing) above the frame cap. A failed write stops the worker: its
    /// loss is then reported.
    virtual void send(const message& m) = 0;
    /// No more frames: the worker is sent the stop message, and ends once it has
    /// answered those it has.
    virtual void close() = 0;
    /// Stops the worker now with sig; nothing if it has ended already.
    virtual void kill(int sig) = 0;
    /// Gives up on a worker that broke the protocol: stops it, reads nothing more,
    /// and reports why with its loss.
    virtual void fail(std::string why) = 0;
    /// Whether fail() was called.
    virtual bool failed() const noexcept = 0;
    /// Whether the worker has not ended yet.
    virtual bool running() const noexcept = 0;
    /// The worker's process id, for errors and worker_pids().
    virtual pid_t pid() const noexcept = 0;
};

/// Starts workers.
class transport {
public:
    virtual ~transport() = default;
    /// Starts one worker; its frames and its end go to `events`. Throws
    /// std::exception if it cannot be started.
    virtual std::shared_ptr<channel> start(channel_events& events) = 0;
    /// What the workers run, for messages ("worker /path/to/exe").
    virtual std::string describe() const = 0;
};

}  // namespace futures::detail::process

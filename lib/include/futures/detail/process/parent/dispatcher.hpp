#pragma once
// The dispatcher: the I/O thread's side of the pool. It keeps the workers' records,
// gives each worker the frames the frame builder makes, starts workers on demand
// through the transport, and settles a worker's loss (the restart cap). It knows
// channels only through transport.hpp: which carrier runs underneath is not its
// business. Everything here runs on the I/O thread but pids() and the counters.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <boost/asio/steady_timer.hpp>

#include <futures/detail/process/parent/admission.hpp>
#include <futures/detail/process/parent/completion.hpp>
#include <futures/detail/process/parent/frame_builder.hpp>
#include <futures/detail/process/parent/io_thread.hpp>
#include <futures/detail/process/parent/transport.hpp>
#include <futures/detail/process/parent/worker_record.hpp>

namespace futures::detail::process {

struct worker_rules {
    std::size_t max_restarts = 3;
    bool break_on_worker_death = false;
    std::optional<call_batch> initializer;  // ready to send (ids set per send)
    std::chrono::milliseconds terminate_grace{1000};
    std::chrono::milliseconds restart_window{60'000};
    std::optional<std::size_t> max_rss;        // max_worker_rss_bytes
    std::optional<std::size_t> address_space;  // worker_address_space_bytes, for messages
};

/// Counters that stats() reads from any thread.
struct pool_counters {
    std::atomic<std::size_t> running{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> deaths{0};
};

class dispatcher {
public:
    dispatcher(frame_limits limits, worker_rules rules, admission& queue, const completion& done, io_thread& io,
               transport& carrier);
    /// Where the channels' events go (set once, before the first pump()).
    void set_events(channel_events& events) { events_ = &events; }

    /// Sends what the workers can take, starts the workers the queue needs, closes
    /// those with nothing left to do after shutdown.
    void pump();
    /// Shutdown: once the queue is empty, workers are let go and the I/O thread ends.
    void close_when_done();
    /// terminate_workers()/kill_workers(): sig to every worker; none is replaced.
    /// Those still alive terminate_grace after a SIGTERM get SIGKILL.
    void stop_all(int sig);
    /// A call cancelled while running (cancel_running_calls): its worker is killed,
    /// as for a timeout. Nothing if no worker has it any more.
    void cancel_running(const state_base* s);
    /// Refuses every call from now on; the workers are killed, their calls fail.
    void break_pool(const std::string& why);

    /// The record of the worker on channel c, or null once it left the pool.
    worker_record* find(const channel& c);
    /// w said hello: it runs the initializer first, if any, else takes frames.
    void on_ready(worker_record& w);
    /// w answered calls: its death would not be a crash loop's. Above max_rss, it
    /// is retired once it has answered what it has.
    void on_progress(worker_record& w);
    /// w's front frame changed (sent to it idle, or the one before it answered):
    /// the frame's timeout, if any, starts now.
    void front_started(worker_record& w);
    /// w is gone: fails the frame it was running, requeues those it had not
    /// started, frees its slot; pump() replaces it on demand.
    void on_lost(worker_record& w, const worker_loss& loss);

    frame_builder& builder() noexcept { return builder_; }
    pool_counters& counters() noexcept { return counters_; }
    const transport& carrier() const noexcept { return carrier_; }

    // Any thread.
    std::vector<pid_t> pids() const;

private:
    void send_frame(worker_record& w);
    void start_worker();
    void publish_pids();
    /// The restart cap: whether a crash now is the (max_restarts + 1)-th in the window.
    bool crash_loop();
    /// Waits for the earliest deadline of a front frame; kills the workers past theirs.
    void watch_deadlines();
    void on_deadlines();
    /// Every worker is gone: nothing may keep the I/O thread's loop alive.
    void stop_timers();

    const worker_rules rules_;
    admission& queue_;
    const completion& done_;
    io_thread& io_;
    transport& carrier_;
    channel_events* events_ = nullptr;
    frame_builder builder_;
    pool_counters counters_;

    std::vector<std::unique_ptr<worker_record>> workers_;
    std::deque<std::chrono::steady_clock::time_point> crashes_;  // within restart_window, oldest first
    boost::asio::steady_timer deadline_timer_;                    // for call timeouts
    boost::asio::steady_timer grace_timer_;                       // terminate_workers() -> SIGKILL
    std::vector<bool> slot_used_;
    bool closing_ = false;  // shutdown seen: close workers once the queue is empty
    bool forced_ = false;   // terminate/kill_workers: no replacements
    bool broken_ = false;

    mutable std::mutex pids_m_;
    std::vector<pid_t> pids_;
};

}  // namespace futures::detail::process

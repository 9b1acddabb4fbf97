#pragma once
// The dispatcher: the I/O thread's side of the pool. It keeps the workers' records,
// gives each worker the frames the frame builder makes, starts workers on demand
// through the transport, and settles a worker's loss (the restart cap). It knows
// channels only through transport.hpp: which carrier runs underneath is not its
// business. Everything here runs on the I/O thread but pids() and the counters.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

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
    void stop_all(int sig);
    /// Refuses every call from now on; the workers are killed, their calls fail.
    void break_pool(const std::string& why);

    /// The record of the worker on channel c, or null once it left the pool.
    worker_record* find(const channel& c);
    /// w said hello: it runs the initializer first, if any, else takes frames.
    void on_ready(worker_record& w);
    /// w answered calls: its slot is not in a crash loop.
    void on_progress(worker_record& w) { slot_crashes_[w.slot] = 0; }
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

    const worker_rules rules_;
    admission& queue_;
    const completion& done_;
    io_thread& io_;
    transport& carrier_;
    channel_events* events_ = nullptr;
    frame_builder builder_;
    pool_counters counters_;

    std::vector<std::unique_ptr<worker_record>> workers_;
    std::vector<unsigned> slot_crashes_;  // consecutive losses, per slot
    std::vector<bool> slot_used_;
    bool closing_ = false;  // shutdown seen: close workers once the queue is empty
    bool forced_ = false;   // terminate/kill_workers: no replacements
    bool broken_ = false;

    mutable std::mutex pids_m_;
    std::vector<pid_t> pids_;
};

}  // namespace futures::detail::process

#pragma once
// The non-template part of process_pool_executor: the parts of the pool, put
// together. How a call travels (docs/design.md has the same, hop by hop):
//
//   submit(task, args)          caller's thread: args -> bytes, one job
//     v
//   admission                   bound, refusals, async_submit's FIFO; one wake-up
//     v                         of the I/O thread per burst
//   dispatcher  (I/O thread)    a worker that can take a frame? none: start one
//     v
//   frame_builder               the next frame: gathering, share, one ahead
//     v
//   channel (transport)         pipes: frame out ... worker runs it ... frame back
//     v
//   worker_events               match the answer to the frame, a slice per job
//     v
//   completion                  here, or posted to the completion executor
//     v
//   job.complete()              bytes -> values; future set -> done-callbacks
//
//   a worker's loss (channel) -> worker_events -> dispatcher: fail the frame it ran,
//   requeue those it had not started, free the slot (restart cap).
//
// Everything from the dispatcher down runs on one thread, the pool's io_thread
// (the only thread that forks); only admission is shared with the submitters.
// This header stays free of Boost.Process: the transport is behind an interface.
#include <signal.h>

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <futures/detail/process/parent/admission.hpp>
#include <futures/detail/process/parent/completion.hpp>
#include <futures/detail/process/parent/io_thread.hpp>

namespace futures {
struct process_pool_options;
struct process_pool_stats;
}  // namespace futures

namespace futures::detail::process {

class dispatcher;
class transport;
class worker_events;

/// Makes the pool's transport, on the pool's io_thread, for frames of at most
/// max_frame bytes (the MPI backend passes its own; the default is pipes).
using transport_factory = std::function<std::unique_ptr<transport>(io_thread& io, std::size_t max_frame)>;

class pool_core {
public:
    /// With pipe workers (pipe_transport).
    explicit pool_core(process_pool_options opts);
    /// With the transport `make` returns (called once, here).
    pool_core(process_pool_options opts, const transport_factory& make);
    ~pool_core();
    pool_core(const pool_core&) = delete;
    pool_core& operator=(const pool_core&) = delete;

    /// admission::submit: blocks while max_pending jobs are queued (never on the I/O
    /// thread); throws broken_process_pool when broken, std::runtime_error after
    /// shutdown.
    void submit(std::shared_ptr<job> j) {
        check_process();
        admission_.submit(std::move(j));
    }
    /// admission::submit_nowait: never blocks (async_submit's FIFO).
    void submit_nowait(std::shared_ptr<job> j) {
        check_process();
        admission_.submit_nowait(std::move(j));
    }
    /// cancel_futures: the queued calls are cancelled before it returns. Throws
    /// std::logic_error in a forked copy (check_process()).
    void shutdown(bool wait, bool cancel_futures);
    /// Whether this process is a child fork()ed (without exec) from the one that
    /// created the pool: the workers and the I/O thread are not this process's.
    bool forked_copy() const noexcept;
    /// Throws std::logic_error in a forked copy: nothing submitted there could ever
    /// complete, and shutting down there must not touch the creator's workers.
    void check_process() const;
    /// Lets go of the last reference to a pool in a forked copy without destroying
    /// it: its destructor would join a thread this process does not have and kill
    /// workers that serve the creator. Its memory is left to the child's exit.
    static void abandon(std::shared_ptr<pool_core> p) noexcept;
    /// shutdown(false, true), then sends sig to every live worker.
    void stop_workers(int sig);
    /// cancel_running_calls: s's call was cancelled while running; kills the
    /// worker that has it (on the I/O thread, soon). Any thread.
    void cancel_running(const state_base* s);
    bool cancel_running_calls() const noexcept { return cancel_running_calls_; }

    std::size_t max_workers() const noexcept { return max_workers_; }
    std::size_t max_frame() const noexcept { return max_frame_; }
    std::size_t queued() const { return admission_.queued(); }
    process_pool_stats stats() const;
    std::vector<pid_t> worker_pids() const;
    /// Whether the calling thread is the pool's I/O thread.
    bool on_io_thread() const noexcept { return io_.on_thread(); }

private:
    const std::size_t max_workers_;
    const std::size_t max_frame_;
    const bool cancel_running_calls_;
    const std::uint64_t fork_generation_;  // forks seen by this process when the pool was made
    const pid_t creator_;
    // Declared first, destroyed last: the channels' pipes live on its io_context.
    io_thread io_;
    completion completion_;
    admission admission_;
    std::unique_ptr<transport> transport_;
    std::unique_ptr<dispatcher> dispatcher_;
    std::unique_ptr<worker_events> events_;
};

}  // namespace futures::detail::process

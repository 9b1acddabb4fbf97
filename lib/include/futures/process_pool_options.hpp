#pragma once
// process_pool_executor's options and the counters its stats() reports: a header of
// their own, so that the pool's compiled core reads them without the executor's
// templates.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <futures/detail/process/protocol/limits.hpp>
#include <futures/task.hpp>

namespace futures {

struct process_pool_options {
    /// Worker processes at most. Unset: the usable cores. 0 or more than 65536 throws
    /// std::invalid_argument.
    std::optional<std::size_t> max_workers{};
    /// Runs once in each new worker before its first call (make_call(task, args...)).
    /// If it fails, the pool is broken: pending and later calls fail with
    /// broken_process_pool, as in Python.
    std::optional<task_call> initializer{};
    /// A worker is replaced after this many calls (a map chunk counts as one).
    /// Unset: never. 0 throws std::invalid_argument.
    std::optional<std::size_t> max_tasks_per_child{};
    /// Beyond Python: the most calls queued (not yet sent to a worker) at once;
    /// submit() blocks while the queue is full. 0: unbounded. Above PTRDIFF_MAX
    /// throws std::invalid_argument.
    std::size_t max_pending = 0;
    /// The worker binary (worker.hpp). Empty: this executable, relaunched; its main()
    /// must call run_worker_if_requested() first (if it does not, the relaunched copy
    /// exits at once and the pool breaks with an error that says so). A name without
    /// '/' is looked up in PATH as execvp() does; a path with '/' is relative to the
    /// current directory. Resolved to an absolute path when the pool is constructed.
    std::string worker_executable{};
    /// Beyond Python: a worker that dies fails only the calls it was running (the
    /// frame it was on: one call, or several calls of tasks known to be short that
    /// the pool sent together), and is replaced; calls sent ahead to it that it had
    /// not started are run by another worker. Against crash loops, the pool breaks
    /// at the (max_restarts + 1)-th crash within restart_window. A crash is a
    /// worker's death while it ran the pool's initializer, or while it ran a call
    /// before it had completed any; or before its handshake, unless SIGKILL,
    /// SIGTERM, SIGINT or SIGHUP ended it; or a worker that broke the protocol.
    /// Not crashes (an operator's stray kill): deaths of idle workers, of workers
    /// that had completed a call, of starting workers by those four signals, and
    /// the pool's own kills (call timeouts, cancel_running_calls).
    std::size_t max_restarts = 3;
    /// Python's behaviour: the first worker death breaks the whole pool.
    bool break_on_worker_death = false;
    /// Hard cap on one frame (the calls sent to a worker at once, or their results),
    /// both directions. Default 1 GiB: memory is spent on bytes that arrive, not on
    /// what a header claims. Below 4096 or above 2^32 - 1 (the frame header's 32
    /// bits) throws std::invalid_argument.
    std::size_t max_frame_bytes = detail::process::default_max_frame;
    /// Beyond Python: where futures complete (results are deserialized, done-callbacks
    /// and executor-less then() continuations run), e.g. the executor of the program's
    /// own io_context. Unset: the pool's I/O thread. Each completion is posted there,
    /// and from submit() until it has run the executor counts outstanding work, so
    /// that io_context's run() does not return while this pool's futures are pending.
    /// Its context must outlive the pool and keep running until the futures complete:
    /// a completion it never runs leaves its future pending. Spawning and pipe I/O
    /// stay on the pool's own thread.
    std::optional<boost::asio::any_io_executor> completion_executor{};
    /// Beyond Python: when futures::start_fork_server() runs a server for this pool's
    /// worker binary, workers are forked by it (a fork instead of an exec; worker.hpp).
    /// false: always relaunch the binary. Without a server this changes nothing.
    bool use_fork_server = true;
    /// Beyond Python: a frame of at least this many bytes (estimated before encoding)
    /// travels through a shared-memory region of its worker instead of the pipe, both
    /// ways: the sender serializes into the region, the receiver decodes from it, and
    /// the region's pages are reused from call to call (docs/payloads.md). 0: always
    /// the pipe. max_frame_bytes still caps every frame.
    std::size_t shm_threshold_bytes = detail::process::default_shm_threshold;

    // Deadlines on silent workers (beyond Python, whose pool waits forever).
    /// Once part of a frame from a worker has arrived, the pool waits at most this
    /// long for more of it: a worker that stops halfway through a frame (a frozen
    /// process, a stray write into its pipe) is then killed, and the calls it was
    /// running fail with terminated_worker_error ("stopped halfway through a
    /// frame"); the worker is replaced and shutdown() does not wait on it. Measured
    /// from the last bytes that arrived, so a large frame on a slow machine is not
    /// cut short. Below 1 ms throws std::invalid_argument.
    std::chrono::milliseconds frame_timeout{std::chrono::seconds(30)};
    /// A new worker that has not sent its handshake after this long (its main()
    /// blocks before run_worker_if_requested(), or the worker executable is not one)
    /// breaks the pool: pending and later calls fail with broken_process_pool, which
    /// says so. Below 1 ms throws std::invalid_argument.
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(60)};

    // Stopping workers and guarding their resources (issue 10: items 4, 8, 11, 12).
    /// terminate_workers() sends SIGTERM; a worker still alive this long after gets
    /// SIGKILL, so a task that ignores or blocks SIGTERM cannot keep shutdown() or
    /// the destructor waiting. Negative throws std::invalid_argument.
    std::chrono::milliseconds terminate_grace{1000};
    /// The window of the restart cap (max_restarts). Not positive throws
    /// std::invalid_argument.
    std::chrono::milliseconds restart_window{60'000};
    /// Beyond Python (loky's memory-leak guard): after a worker answers calls, its
    /// resident set size is read (/proc/<pid>/statm); above this many bytes it
    /// takes no more calls and is replaced once it has answered those it has (the
    /// results are delivered as usual). Unset: never. 0 throws std::invalid_argument.
    std::optional<std::size_t> max_worker_rss_bytes{};
    /// Beyond Python: each worker's address space is capped at this many bytes
    /// (RLIMIT_AS, set before exec). A call that allocates past it fails with a
    /// remote_error that says the worker ran out of memory (the task's
    /// std::bad_alloc); if the worker dies of it instead, the call fails with
    /// terminated_worker_error naming this cap. The worker and the pool go on.
    /// Unset: no cap. Below 64 MiB throws std::invalid_argument (no worker starts).
    /// Sanitizer builds reserve terabytes of address space: do not set it there.
    std::optional<std::size_t> worker_address_space_bytes{};
    /// Beyond Python: future::cancel() of a RUNNING submit() call succeeds: the
    /// future is cancelled at once, and the worker that has the call is killed
    /// (SIGKILL) and replaced; calls sent ahead to it run on another one. Each call
    /// then travels alone in its frame (no gathering of short calls), so a cancel
    /// kills no other call. false (the default): Python's rule, a running call
    /// cannot be cancelled.
    bool cancel_running_calls = false;
};

/// Beyond Python (pebble's schedule(timeout=)): per-call options,
/// process_pool_executor::submit(call_options, task, args...).
struct call_options {
    /// The longest the call may run in its worker, counted from when the worker
    /// starts it. When it runs longer, its worker is killed (SIGKILL) and replaced,
    /// and the call fails with timeout_error. A call with a timeout travels alone in
    /// its frame, so no other call is lost with it; calls sent ahead to that worker
    /// are run by another one. Unset: no limit. Not positive: the future holds
    /// std::invalid_argument and nothing is sent.
    std::optional<std::chrono::milliseconds> timeout{};
};

/// What process_pool_executor::stats() reports.
struct process_pool_stats {
    std::size_t max_workers = 0;      ///< the option, or the usable cores
    std::size_t workers = 0;          ///< live worker processes (starting, idle or busy)
    std::size_t queued = 0;           ///< calls not yet sent to a worker (async_submit's FIFO included)
    std::size_t running = 0;          ///< calls sent to a worker and not answered yet (a map chunk counts its items)
    std::uint64_t completed = 0;      ///< calls a worker answered (with a value or an exception)
    std::uint64_t worker_deaths = 0;  ///< workers that died unexpectedly (each one is replaced unless the pool broke)
};

}  // namespace futures

#pragma once
// The non-template part of process_pool_executor. How a call travels:
//
//   submit(task, args)            caller's thread: args -> bytes (a failure fails
//     |                           this future only), job -> incoming_ (one post
//     v                           wakes the I/O thread for a whole burst)
//   queue_ (I/O thread)           pending jobs; cancel() still works here
//     |  pump(): a worker that    set_running_or_notify_cancel(), ids assigned;
//     |  can take a frame?        short jobs (task_timing) are gathered, same-task
//     |  none? spawn one          neighbours into one call_batch (scheduler.cpp)
//     v
//   call_frame -> calls pipe      up to two frames in flight per worker when the
//     v                           calls are known to be short
//   worker process                worker_loop: run_batch() per call_batch
//     v
//   results pipe -> on_frame      async reads of every worker's pipe, no threads
//     v
//   finish(job, slice)            here, or posted to the completion executor if
//     v                           the options name one (it holds work until then)
//   job.complete()                bytes -> values, or rebuild_exception()
//     v
//   future set -> done-callbacks  run there
//
//   worker exit (async_wait)  ->  finalize(): once exited AND its pipe drained,
//                                 fail the frame it was running (pid, code/signal),
//                                 requeue the frame it had not started, free the
//                                 slot; pump() replaces it on demand.
//
// Everything below "queue_" up to finish() runs on one thread, the pool's own
// io_context thread (the only thread that forks: boost-1.81-notes §10 P4), so the
// I/O-side state needs no lock; m_ guards only what submit() and shutdown() share
// with it. That thread starts with the first submit(), not at construction.
#include <signal.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <futures/detail/process/job.hpp>
#include <futures/detail/process/spawn.hpp>
#include <futures/detail/process/task_timing.hpp>

namespace futures {
struct process_pool_options;
struct process_pool_stats;
}

namespace futures::detail::process {

struct worker;

class pool_core {
public:
    explicit pool_core(process_pool_options opts);
    ~pool_core();
    pool_core(const pool_core&) = delete;
    pool_core& operator=(const pool_core&) = delete;

    /// Queues j. Blocks while max_pending jobs are queued (never on the I/O thread).
    /// Throws broken_process_pool when broken, std::runtime_error after shutdown.
    void submit(std::shared_ptr<job> j);
    /// As submit(), but never blocks: with max_pending jobs queued, j waits in
    /// deferred_ and is admitted as the queue drains (FIFO).
    void submit_nowait(std::shared_ptr<job> j);
    void shutdown(bool wait, bool cancel_futures);
    /// shutdown(false, true), then sends sig to every live worker.
    void stop_workers(int sig);

    std::size_t max_workers() const noexcept { return max_workers_; }
    std::size_t max_frame() const noexcept { return max_frame_; }
    std::size_t queued() const;
    process_pool_stats stats() const;
    std::vector<pid_t> worker_pids() const;
    /// Whether the calling thread is the pool's I/O thread.
    bool on_io_thread() const noexcept { return std::this_thread::get_id() == io_id_.load(); }

private:
    friend struct worker;
    using clock = std::chrono::steady_clock;
    // All of these run on the I/O thread.
    void take_incoming();  // incoming_ -> queue_
    void drain();          // take_incoming(), then pump()
    void pump();
    /// How a job ends: from its results, with an error, or (neither) cancelled.
    struct job_end {
        std::optional<result_slice> results;
        std::exception_ptr error;
        pid_t pid = 0;
    };
    /// Ends j: at once, or posted to completion_ (then the job's tracked work is
    /// released once posted). A complete() that throws fails the job with that.
    void finish(std::shared_ptr<job> j, job_end end);
    void finish_failed(std::shared_ptr<job> j, std::exception_ptr e) { finish(std::move(j), {{}, std::move(e), 0}); }
    void cancel_job(std::shared_ptr<job> j) { finish(std::move(j), {}); }
    // scheduler.cpp
    bool can_take(const worker& w) const;
    void send_frame(const std::shared_ptr<worker>& w);
    void send_initializer(const std::shared_ptr<worker>& w);
    void start_write(const std::shared_ptr<worker>& w);
    void linger(std::uint64_t expected_ns);
    // worker_events.cpp
    void spawn_one();
    static constexpr std::size_t read_chunk = 64 * 1024;  // the default pipe's size: one read drains it
    void read_next(const std::shared_ptr<worker>& w, std::size_t want = read_chunk);
    bool on_frame(const std::shared_ptr<worker>& w, std::string_view payload);
    void on_results(const std::shared_ptr<worker>& w, result_frame& rf);
    void on_ready(const std::shared_ptr<worker>& w);
    void kill_for(const std::shared_ptr<worker>& w, std::string why);
    void finalize(const std::shared_ptr<worker>& w);
    void close_calls(const std::shared_ptr<worker>& w);
    void break_pool(const std::string& why);
    void fail_queue(const std::string& why);
    void publish_pids();
    void run_io();
    void start_locked();  // under m_: starts the I/O thread once
    void enqueue_locked(std::shared_ptr<job> j);  // under m_: counts j and hands it to the I/O thread
    /// Under m_, on the I/O thread: one queue slot was freed; a deferred job takes it.
    void admit_deferred_locked();
    /// Finishes jobs that never reached the queue (deferred_) with e, or cancels them.
    void drop_deferred(std::deque<std::shared_ptr<job>> js, std::exception_ptr e);

    const std::size_t max_workers_;
    const std::size_t max_pending_;
    const std::size_t max_frame_;
    const std::size_t max_restarts_;
    const std::optional<std::size_t> max_tasks_per_child_;
    const bool break_on_worker_death_;
    const std::string exe_;
    const std::optional<call_batch> initializer_;  // ready to send (ids set per send)
    const std::optional<boost::asio::any_io_executor> completion_;  // where futures complete

    boost::asio::io_context io_{1};
    boost::asio::io_context spawn_ctx_{1};  // forks only; never run (P4)
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
    std::thread thread_;                     // started under m_, joined under join_m_
    std::atomic<std::thread::id> io_id_{};  // set by the I/O thread itself
    std::mutex join_m_;

    // Shared with submitters, under m_.
    mutable std::mutex m_;
    std::condition_variable space_cv_;
    std::size_t queued_ = 0;  // submitted, not yet sent or dropped
    bool shutdown_ = false;
    bool started_ = false;  // the I/O thread was started (never after shutdown_)
    std::string broken_;
    std::vector<pid_t> pids_;
    std::deque<std::shared_ptr<job>> deferred_;  // async_submit's jobs waiting for queue room
    std::vector<std::shared_ptr<job>> incoming_;  // submitted, not yet in queue_
    bool drain_posted_ = false;                   // a drain() is on its way

    // Written on the I/O thread, read by stats() from anywhere.
    std::atomic<std::size_t> running_{0};
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> deaths_{0};

    // I/O thread only.
    std::deque<std::shared_ptr<job>> queue_;
    std::vector<std::shared_ptr<worker>> workers_;
    std::vector<unsigned> slot_crashes_;  // consecutive crashes, per slot
    std::vector<bool> slot_used_;
    std::uint64_t next_id_ = 1;
    task_timing timing_;
    sigset_t worker_sigmask_{};  // set by the I/O thread before it spawns anything
    clock::time_point spin_until_{};  // run_io() polls instead of sleeping until then
    bool closing_ = false;  // shutdown seen: close workers once the queue is empty
    bool forced_ = false;   // terminate/kill_workers: no replacements
    bool is_broken_ = false;
};

}  // namespace futures::detail::process

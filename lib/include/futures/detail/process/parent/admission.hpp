#pragma once
// Admission: which calls the pool takes, and the queue they wait in until a frame
// takes them. Submitters and the I/O thread share it: the bound (max_pending), the
// deferred FIFO of async_submit, shutdown and cancel_futures, the broken state.
// What the submitters touch is under one mutex; the queue itself is the I/O
// thread's alone, fed in bursts (one wake-up of that thread per burst).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <futures/detail/process/parent/completion.hpp>
#include <futures/detail/process/parent/io_thread.hpp>
#include <futures/detail/process/parent/job.hpp>

namespace futures::detail::process {

class admission {
public:
    /// on_arrival runs on the I/O thread after a burst of submits joined the queue.
    admission(std::size_t max_pending, const completion& done, io_thread& io, std::function<void()> on_arrival);

    // Any thread.
    /// Queues j. Blocks while max_pending jobs are queued (never on the I/O thread).
    /// Throws broken_process_pool when broken, std::runtime_error after shutdown.
    void submit(std::shared_ptr<job> j);
    /// As submit(), but never blocks: with max_pending jobs queued, j waits in the
    /// deferred FIFO and is admitted as the queue drains.
    void submit_nowait(std::shared_ptr<job> j);
    /// No more submits; fails the deferred jobs with the shutdown refusal (or
    /// cancels them). Returns whether the I/O thread was ever started.
    bool close(bool cancel_futures);
    /// Runs f on the I/O thread if it was started and not yet let go (after that a
    /// posted f might never run); returns whether f was posted.
    bool post_if_started(std::function<void()> f);
    /// Jobs queued or deferred, not yet sent.
    std::size_t queued() const;

    // I/O thread only.
    job_queue& queue() noexcept { return queue_; }
    /// The latest burst of submits joins the queue.
    void take_arrivals();
    /// n jobs left the queue (sent or dropped): room for blocked and deferred submits.
    void taken(std::size_t n);
    /// Jobs a lost worker had not started go back to the front of the queue.
    void requeue_front(std::vector<std::shared_ptr<job>> again);
    /// cancel_futures: cancels the queued jobs no worker has started.
    void cancel_queued();
    /// From now on every call is refused with broken_process_pool(why); what waits
    /// (queued or deferred) fails with it.
    void break_with(const std::string& why);
    /// Jobs that arrived after the pool broke fail too.
    void fail_late_arrivals();
    /// After shutdown, lets the I/O thread end once its last handler returns.
    void release_io_if_closed();

private:
    void enqueue_locked(std::shared_ptr<job> j);
    void admit_deferred_locked();
    void fail_queue(const std::exception_ptr& e);
    void drop(job_queue js, const std::exception_ptr& e);  // e null: cancel

    const std::size_t max_pending_;
    const completion& done_;
    io_thread& io_;
    const std::function<void()> on_arrival_;

    mutable std::mutex m_;
    std::condition_variable space_cv_;
    std::size_t queued_ = 0;  // submitted, not yet sent or dropped
    bool shutdown_ = false;
    bool started_ = false;   // the I/O thread was started (never after shutdown_)
    bool released_ = false;  // the I/O thread was let go: what is posted now may never run
    bool broken_ = false;
    std::string broken_why_;
    job_queue deferred_;                          // async_submit's jobs waiting for room
    std::vector<std::shared_ptr<job>> arrivals_;  // submitted, not yet in queue_
    bool wake_posted_ = false;                    // a take_arrivals() is on its way

    // I/O thread only.
    job_queue queue_;
    bool broken_seen_ = false;  // break_with() ran: lets fail_late_arrivals() skip the lock
};

}  // namespace futures::detail::process

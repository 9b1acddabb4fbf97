#pragma once
// The non-template part of thread_pool_executor: queue, workers, shutdown. Shared
// with its worker threads (and map() iterators) so that it outlives the executor
// object whenever one of them still needs it.
//
// Hot path: submitters and workers meet only in a lock-free queue and a few
// atomics; the mutex is taken to start a thread, to sleep, and to wake a sleeper.
// Sleeping is an event count: a worker announces itself in sleepers_ before its
// last look at the queue, a submitter looks at sleepers_ after its push (both
// seq_cst), so one of them always sees the other.
//
// Two optional features stay off that path unless used (thread_pool_options):
// - Deferred admission (async_submit): a submission that finds max_pending calls
//   queued parks in deferred_ instead of blocking; it counts in space_waiters_,
//   so the worker's existing "someone waits for space" check, taken after every
//   pop, is also what admits it. No new atomic on the hot path.
// - A completion executor: a finished call is published (its future completed,
//   its callbacks run) by a function posted there, and the executor's outstanding
//   work is held while any call is queued or running.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <futures/detail/intrusive_queue.hpp>
#include <futures/detail/pooled_call.hpp>

namespace futures {
struct thread_pool_options;
}

namespace futures::detail {

class thread_pool_core : public std::enable_shared_from_this<thread_pool_core> {
public:
    explicit thread_pool_core(thread_pool_options opts);
    ~thread_pool_core();

    /// Queues w, which carries a reference for the queue. Blocks while max_pending
    /// calls are queued. Throws (leaving w's reference to the caller) when shut
    /// down or broken.
    void post(work_item* w);
    /// As post(), but never blocks and never throws: if max_pending calls are
    /// queued, w waits in a FIFO and is queued by a worker as soon as one takes a
    /// call. If the pool is (or becomes, before w is queued) shut down or broken,
    /// w's future fails with what post() would have thrown (a shutdown with
    /// cancel_futures cancels it instead). Takes over w's reference in all cases.
    void post_or_defer(work_item* w) noexcept;
    void shutdown(bool wait, bool cancel_futures);

    std::size_t max_workers() const noexcept { return max_workers_; }
    std::size_t thread_count() const noexcept { return started_.load(); }
    std::size_t queued() const noexcept;

private:
    void maybe_spawn();
    void worker_main(std::size_t index);
    work_item* next_item();
    bool may_exit() const noexcept;
    void wait_for_space();
    void enqueue(work_item* w);  // post() past the max_pending check
    void admit_deferred();       // cold: someone waits for space
    void admit(std::vector<work_item*>& ws) noexcept;
    void refuse(work_item* w) noexcept;   // fails w's future with the refusal; drops w
    void discard(work_item* w) noexcept;  // drops the queue's reference on a popped w
    void finish(work_item* w) noexcept;   // publishes an executed w, then discards it
    void hold_work();                     // completion executor only
    void drop_work() noexcept;
    std::exception_ptr refusal();
    struct publisher;  // posts finish() to the completion executor
    void break_pool(const std::string& why);
    void fail_queued();
    [[noreturn]] void throw_refusal();

    const std::size_t max_workers_;
    const std::size_t max_pending_;
    const std::string name_prefix_;
    const std::function<void()> initializer_;
    const std::optional<boost::asio::any_io_executor> completion_ex_;

    // Grouped by writer, one cache line each: sharing a line between the
    // submitter's counters and the workers' cost 2x in submit throughput.
    intrusive_queue queue_;
    alignas(64) std::atomic<long> queued_{0};        // pushed and not yet popped (may dip below 0 briefly)
    alignas(64) std::atomic<long> posting_{0};       // posts past the shutdown check, not yet pushed
    alignas(64) std::atomic<bool> shutdown_{false};  // read-mostly
    std::atomic<bool> broken_flag_{false};
    std::atomic<std::size_t> started_{0};
    alignas(64) std::atomic<bool> spinner_{false};  // one idle worker spins; the others sleep
    std::atomic<long> sleepers_{0};                 // workers about to block or blocked on work_cv_
    std::atomic<long> space_waiters_{0};            // submitters blocked on space_cv_ (max_pending)
    alignas(64) std::atomic<std::size_t> free_{0};  // workers not running a call: idle reuse

    alignas(64) mutable std::mutex m_;  // threads_, broken_, and the two condition variables
    std::condition_variable work_cv_;
    std::condition_variable space_cv_;
    std::vector<std::thread> threads_;
    std::string broken_;
    std::deque<work_item*> deferred_;  // post_or_defer() items waiting for space

    // Completion executor work: one tracked executor while tracked_calls_ > 0.
    std::mutex work_m_;
    long tracked_calls_ = 0;
    std::optional<boost::asio::any_io_executor> work_;
};

}  // namespace futures::detail

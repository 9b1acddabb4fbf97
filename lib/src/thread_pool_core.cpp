#include <futures/detail/admission_rules.hpp>
#include <futures/detail/context_work.hpp>
#include <futures/detail/spin.hpp>
#include <futures/detail/thread_pool_core.hpp>
#include <futures/log.hpp>
#include <futures/thread_pool_executor.hpp>

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include <boost/core/demangle.hpp>

namespace futures::detail {
namespace {

// Python's default: enough threads for I/O-bound calls, never more than 32.
std::size_t pick_max_workers(const std::optional<std::size_t>& n) {
    return checked_max_workers(n, std::min<std::size_t>(32, usable_cores() + 4));
}

std::string pick_prefix(std::string prefix) {
    static std::atomic<unsigned> counter{0};
    if (!prefix.empty()) return prefix;
    return "ThreadPool-" + std::to_string(counter.fetch_add(1));
}

}  // namespace

thread_pool_core::thread_pool_core(thread_pool_options opts)
    : max_workers_(pick_max_workers(opts.max_workers)),
      max_pending_(opts.max_pending),
      name_prefix_(pick_prefix(std::move(opts.thread_name_prefix))),
      initializer_(std::move(opts.initializer)),
      completion_ex_(std::move(opts.completion_executor)) {}

thread_pool_core::~thread_pool_core() {
    // Only reachable if a post raced a failure (the executor shuts down first).
    while (work_item* w = queue_.pop()) discard(w);
    for (work_item* w : deferred_) discard(w);
}

void thread_pool_core::post(work_item* w) {
    if (max_pending_ != 0 && queued_.load() >= static_cast<long>(max_pending_)) wait_for_space();
    enqueue(w);
}

void thread_pool_core::enqueue(work_item* w) {
    if (completion_ex_) hold_work();
    posting_.fetch_add(1);
    if (shutdown_.load() || broken_flag_.load()) {
        posting_.fetch_sub(1);
        if (shutdown_.load()) {
            std::lock_guard lk(m_);
            work_cv_.notify_all();  // workers waiting for posting_ to drain
        }
        if (completion_ex_) drop_work();
        throw_refusal();
    }
    maybe_spawn();
    queue_.push(w);
    queued_.fetch_add(1);
    posting_.fetch_sub(1);
    if (broken_flag_.load()) {
        fail_queued();  // break_pool() drained before our push landed
    } else if (shutdown_.load()) {
        std::lock_guard lk(m_);
        work_cv_.notify_all();
    } else if (sleepers_.load() > 0 && !spinner_.load()) {
        std::lock_guard lk(m_);
        work_cv_.notify_one();
    }
}

void thread_pool_core::maybe_spawn() {
    // Start a thread only when the idle ones cannot absorb the queue (Python >= 3.8
    // reuses idle threads rather than starting one per submit).
    if (started_.load() >= max_workers_ || queued_.load() + 1 <= static_cast<long>(free_.load())) return;
    std::lock_guard lk(m_);
    if (started_.load() >= max_workers_ || shutdown_.load()) return;
    std::size_t index = started_.load();
    free_.fetch_add(1);
    threads_.emplace_back([self = shared_from_this(), index] { self->worker_main(index); });
    started_.store(index + 1);
}

void thread_pool_core::post_or_defer(work_item* w) noexcept {
    if (max_pending_ == 0 || queued_.load() < static_cast<long>(max_pending_)) {
        try {
            enqueue(w);
        } catch (...) {
            refuse(w);
        }
        return;
    }
    try {
        if (completion_ex_) hold_work();  // a deferred call is pending too
    } catch (...) {
        refuse(w);
        return;
    }
    {
        std::unique_lock lk(m_);
        if (shutdown_.load() || broken_flag_.load()) {
            lk.unlock();
            if (completion_ex_) drop_work();
            refuse(w);
            return;
        }
        deferred_.push_back(w);
        space_waiters_.fetch_add(1);
    }
    // The workers may all have popped before they could see us in space_waiters_
    // (both sides are seq_cst, so if they missed us, we see the space).
    if (queued_.load() < static_cast<long>(max_pending_)) admit_deferred();
}

void thread_pool_core::admit_deferred() {
    std::vector<work_item*> ws;
    {
        std::lock_guard lk(m_);
        space_cv_.notify_one();  // a blocked submit(), as before
        long room = static_cast<long>(max_pending_) - queued_.load();
        while (room-- > 0 && !deferred_.empty()) {
            ws.push_back(deferred_.front());
            deferred_.pop_front();
            space_waiters_.fetch_sub(1);
        }
    }
    admit(ws);
}

void thread_pool_core::admit(std::vector<work_item*>& ws) noexcept {
    for (work_item* w : ws) {
        try {
            enqueue(w);
        } catch (...) {
            refuse(w);
        }
        if (completion_ex_) drop_work();  // the hold taken when w was deferred
    }
}

void thread_pool_core::refuse(work_item* w) noexcept {
    try {
        w->state().try_set_exception(refusal());
    } catch (...) {
    }
    release(w);
}

void thread_pool_core::discard(work_item* w) noexcept {
    release(w);
    if (completion_ex_) drop_work();
}

// Publishes an executed call on the completion executor. If that executor's context
// is destroyed without running it, the future stays unfinished but nothing leaks.
struct thread_pool_core::publisher {
    std::shared_ptr<thread_pool_core> core;
    work_item* w;

    publisher(std::shared_ptr<thread_pool_core> c, work_item* x) noexcept : core(std::move(c)), w(x) {}
    publisher(publisher&& o) noexcept : core(std::move(o.core)), w(std::exchange(o.w, nullptr)) {}
    ~publisher() {
        if (w) core->discard(w);
    }
    void operator()() {
        work_item* x = std::exchange(w, nullptr);
        x->publish();
        core->discard(x);
    }
};

void thread_pool_core::finish(work_item* w) noexcept {
    if (!completion_ex_) {
        w->publish();
        release(w);
        return;
    }
    try {
        post_completion(*completion_ex_, publisher(shared_from_this(), w));
    } catch (...) {
        // Could not post (out of memory): publishing here beats never publishing.
        w->publish();
        discard(w);
    }
}

void thread_pool_core::hold_work() {
    std::lock_guard lk(work_m_);
    if (tracked_calls_++ == 0) work_.emplace(tracked_work(*completion_ex_));
}

void thread_pool_core::drop_work() noexcept {
    std::optional<boost::asio::any_io_executor> last;  // released outside the lock
    std::lock_guard lk(work_m_);
    if (--tracked_calls_ == 0) last.swap(work_);
}

void thread_pool_core::wait_for_space() {
    std::unique_lock lk(m_);
    space_waiters_.fetch_add(1);
    space_cv_.wait(lk, [&] {
        return queued_.load() < static_cast<long>(max_pending_) || shutdown_.load() || broken_flag_.load();
    });
    space_waiters_.fetch_sub(1);
}

bool thread_pool_core::may_exit() const noexcept {
    return broken_flag_.load() || (shutdown_.load() && posting_.load() == 0);
}

work_item* thread_pool_core::next_item() {
    bool spun = false;
    for (;;) {
        if (work_item* w = queue_.pop()) {
            queued_.fetch_sub(1);
            free_.fetch_sub(1);
            if (space_waiters_.load() > 0) admit_deferred();
            // post() skips the wake while a spinner is due to take its item; if more
            // is queued, pass the wake on.
            if (queued_.load() > 0 && sleepers_.load() > 0 && !spinner_.load()) {
                std::lock_guard lk(m_);
                work_cv_.notify_one();
            }
            return w;
        }
        if (may_exit()) {
            // A post that finished after our pop left its item behind: look once more.
            if (work_item* w = broken_flag_.load() ? nullptr : queue_.pop()) {
                queued_.fetch_sub(1);
                free_.fetch_sub(1);
                return w;
            }
            return nullptr;
        }
        // One idle worker spins before sleeping, so a submitter that posts within
        // the budget hands over without a futex wake; more spinners would only
        // steal the submitter's CPU.
        if (!spun && !spinner_.exchange(true)) {
            spun = true;
            spin_until([&] { return queued_.load(std::memory_order_relaxed) > 0 || shutdown_.load(); });
            spinner_.store(false);
            continue;
        }
        std::unique_lock lk(m_);
        sleepers_.fetch_add(1);
        work_cv_.wait(lk, [&] { return queued_.load() > 0 || may_exit(); });
        sleepers_.fetch_sub(1);
        spun = false;
    }
}

void thread_pool_core::worker_main(std::size_t index) {
    std::string name = name_prefix_ + "_" + std::to_string(index);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());

    if (initializer_) {
        try {
            initializer_();
        } catch (...) {
            auto what = describe_exception(std::current_exception());
            log_line(log_level::error, "futures: exception in thread pool initializer: " + what);
            free_.fetch_sub(1);
            break_pool("A thread initializer failed, the thread pool is not usable anymore (" + what + ")");
            return;
        }
    }
    while (work_item* w = next_item()) {
        w->execute();
        // Count ourselves idle before the result is visible, so that a caller who
        // submits again after result() returns reuses this thread.
        free_.fetch_add(1);
        finish(w);
    }
    free_.fetch_sub(1);
}

void thread_pool_core::break_pool(const std::string& why) {
    {
        std::lock_guard lk(m_);
        if (broken_.empty()) broken_ = why;
        broken_flag_.store(true);
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    fail_queued();
}

void thread_pool_core::fail_queued() {
    std::string why;
    std::deque<work_item*> deferred;
    {
        std::lock_guard lk(m_);
        why = broken_;
        deferred.swap(deferred_);
        space_waiters_.fetch_sub(static_cast<long>(deferred.size()));
    }
    while (work_item* w = queue_.pop()) {
        queued_.fetch_sub(1);
        w->state().try_set_exception(std::make_exception_ptr(broken_thread_pool(why)));
        discard(w);
    }
    for (work_item* w : deferred) {
        w->state().try_set_exception(std::make_exception_ptr(broken_thread_pool(why)));
        discard(w);
    }
}

std::exception_ptr thread_pool_core::refusal() {
    try {
        throw_refusal();
    } catch (...) {
        return std::current_exception();
    }
}

void thread_pool_core::throw_refusal() {
    std::string why;
    const bool broken = broken_flag_.load();
    if (broken) {
        std::lock_guard lk(m_);
        why = broken_;
    }
    detail::throw_refusal<broken_thread_pool>(broken, why);
}

void thread_pool_core::shutdown(bool wait, bool cancel_futures) {
    shutdown_.store(true);
    auto cancel = [](work_item* w) {
        auto& s = w->state();
        s.cancel();
        try {
            s.set_running_or_notify_cancel();  // the executor has noticed
        } catch (...) {
        }
    };
    if (cancel_futures) {
        while (work_item* w = queue_.pop()) {
            queued_.fetch_sub(1);
            cancel(w);
            discard(w);
        }
    }
    // Deferred submissions were never queued: they are refused like a submit()
    // after shutdown, or cancelled if asked to.
    std::deque<work_item*> deferred;
    {
        std::lock_guard lk(m_);
        deferred.swap(deferred_);
        space_waiters_.fetch_sub(static_cast<long>(deferred.size()));
    }
    for (work_item* w : deferred) {
        if (cancel_futures) {
            cancel(w);
            discard(w);
        } else {
            refuse(w);
            if (completion_ex_) drop_work();
        }
    }
    std::vector<std::thread> threads;
    {
        std::lock_guard lk(m_);
        if (wait) threads.swap(threads_);
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    for (auto& t : threads) {
        if (t.get_id() == std::this_thread::get_id())
            t.detach();  // shutdown from one of our own calls: the thread holds the core
        else
            t.join();
    }
}

std::size_t thread_pool_core::queued() const noexcept { return static_cast<std::size_t>(std::max(0L, queued_.load())); }

}  // namespace futures::detail

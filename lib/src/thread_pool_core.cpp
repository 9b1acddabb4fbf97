#include <futures/detail/spin.hpp>
#include <futures/detail/thread_pool_core.hpp>
#include <futures/thread_pool_executor.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>

#include <boost/core/demangle.hpp>

namespace futures::detail {
namespace {

std::size_t usable_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

std::size_t pick_max_workers(const std::optional<std::size_t>& n) {
    if (!n) return std::min<std::size_t>(32, usable_cores() + 4);
    if (*n == 0) throw std::invalid_argument("max_workers must be greater than 0");
    return *n;
}

std::string pick_prefix(std::string prefix) {
    static std::atomic<unsigned> counter{0};
    if (!prefix.empty()) return prefix;
    return "ThreadPool-" + std::to_string(counter.fetch_add(1));
}

std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return boost::core::demangle(typeid(x).name()) + ": " + x.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

thread_pool_core::thread_pool_core(thread_pool_options opts)
    : max_workers_(pick_max_workers(opts.max_workers)),
      max_pending_(opts.max_pending),
      name_prefix_(pick_prefix(std::move(opts.thread_name_prefix))),
      initializer_(std::move(opts.initializer)) {}

thread_pool_core::~thread_pool_core() {
    while (work_item* w = queue_.pop()) release(w);  // only reachable if a post raced a failure
}

void thread_pool_core::post(work_item* w) {
    if (max_pending_ != 0 && queued_.load() >= static_cast<long>(max_pending_)) wait_for_space();
    posting_.fetch_add(1);
    if (shutdown_.load() || broken_flag_.load()) {
        posting_.fetch_sub(1);
        if (shutdown_.load()) {
            std::lock_guard lk(m_);
            work_cv_.notify_all();  // workers waiting for posting_ to drain
        }
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
            if (space_waiters_.load() > 0) {
                std::lock_guard lk(m_);
                space_cv_.notify_one();
            }
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
            auto what = describe(std::current_exception());
            std::fprintf(stderr, "futures: exception in thread pool initializer: %s\n", what.c_str());
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
        w->publish();
        release(w);
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
    {
        std::lock_guard lk(m_);
        why = broken_;
    }
    while (work_item* w = queue_.pop()) {
        queued_.fetch_sub(1);
        w->state().try_set_exception(std::make_exception_ptr(broken_thread_pool(why)));
        release(w);
    }
}

void thread_pool_core::throw_refusal() {
    if (broken_flag_.load()) {
        std::lock_guard lk(m_);
        throw broken_thread_pool(broken_);
    }
    throw std::runtime_error("cannot schedule new futures after shutdown");
}

void thread_pool_core::shutdown(bool wait, bool cancel_futures) {
    shutdown_.store(true);
    if (cancel_futures) {
        while (work_item* w = queue_.pop()) {
            queued_.fetch_sub(1);
            auto& s = w->state();
            s.cancel();
            try {
                s.set_running_or_notify_cancel();  // the executor has noticed
            } catch (...) {
            }
            release(w);
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

// pool_core: the shared side (submit, shutdown) and scheduling on the I/O thread.
// The worker-facing half (spawn, frames, exits) is in worker_events.cpp.
#include <futures/detail/context_work.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/worker_handle.hpp>
#include <futures/process_pool_executor.hpp>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <boost/asio/post.hpp>

namespace futures::detail::process {
namespace {

std::size_t pick_max_workers(const std::optional<std::size_t>& n) {
    if (n) {
        if (*n == 0) throw std::invalid_argument("max_workers must be greater than 0");
        return *n;
    }
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

std::optional<std::size_t> check_max_tasks(std::optional<std::size_t> n) {
    if (n && *n == 0) throw std::invalid_argument("max_tasks_per_child must be >= 1");
    return n;
}

std::optional<call_batch> to_batch(const std::optional<task_call>& c) {
    if (!c) return std::nullopt;
    call_batch b;
    b.initializer = true;
    b.task = c->task;
    b.signature = c->signature;
    b.calls.push_back({0, c->args});
    return b;
}

std::string pick_exe(const std::string& given) {
    std::string exe = given.empty() ? self_executable() : given;
    if (::access(exe.c_str(), X_OK) != 0) throw std::invalid_argument("worker executable is not executable: " + exe);
    return exe;
}

}  // namespace

pool_core::pool_core(process_pool_options o)
    : max_workers_(pick_max_workers(o.max_workers)),
      max_pending_(o.max_pending),
      max_frame_(o.max_frame_bytes),
      max_restarts_(o.max_restarts),
      max_tasks_per_child_(check_max_tasks(o.max_tasks_per_child)),
      break_on_worker_death_(o.break_on_worker_death),
      exe_(pick_exe(o.worker_executable)),
      initializer_(to_batch(o.initializer)),
      completion_(std::move(o.completion_executor)),
      slot_crashes_(max_workers_, 0),
      slot_used_(max_workers_, false) {
    // Writing to a dead worker's pipe must report EPIPE, not kill us (notes P12).
    // A handler the program installed itself is left alone.
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    // The I/O thread starts with the first submit() (start_locked): like Python's
    // pool, a pool that is never used costs no thread and no process.
}

void pool_core::start_locked() {
    if (started_) return;
    guard_.emplace(io_.get_executor());
    thread_ = std::thread([this] { run_io(); });
    started_ = true;
}

pool_core::~pool_core() {
    if (!thread_.joinable()) return;  // never started, or already joined
    if (on_io_thread()) {
        thread_.detach();  // destroyed from its own callback: cannot join itself
        return;
    }
    shutdown(true, false);
}

void pool_core::run_io() {
    // Set here, before any handler runs, so a handler's on_io_thread() never misses.
    io_id_.store(std::this_thread::get_id());
    pthread_setname_np(pthread_self(), "futures-procio");
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            // Handlers do not throw by design; if one does, say so and keep serving.
            std::fprintf(stderr, "futures: process pool I/O thread: %s\n", e.what());
        }
    }
}

void pool_core::submit(std::shared_ptr<job> j) {
    std::unique_lock lk(m_);
    if (max_pending_ != 0 && !on_io_thread())
        space_cv_.wait(lk, [&] { return queued_ < max_pending_ || shutdown_ || !broken_.empty(); });
    if (!broken_.empty()) throw broken_process_pool(broken_);
    if (shutdown_) throw std::runtime_error("cannot schedule new futures after shutdown");
    enqueue_locked(std::move(j));
}

void pool_core::submit_nowait(std::shared_ptr<job> j) {
    std::lock_guard lk(m_);
    if (!broken_.empty()) throw broken_process_pool(broken_);
    if (shutdown_) throw std::runtime_error("cannot schedule new futures after shutdown");
    if (max_pending_ != 0 && queued_ >= max_pending_) {
        // Tracked like a queued job, so the completion executor's run() keeps going.
        if (completion_)
            j->work.emplace(boost::asio::prefer(*completion_, boost::asio::execution::outstanding_work.tracked));
        deferred_.push_back(std::move(j));
        return;
    }
    enqueue_locked(std::move(j));
}

void pool_core::enqueue_locked(std::shared_ptr<job> j) {
    // Counted as work on the user's executor until the completion ran there, so
    // that its run() does not return while this future is pending.
    if (completion_ && !j->work)
        j->work.emplace(boost::asio::prefer(*completion_, boost::asio::execution::outstanding_work.tracked));
    start_locked();
    ++queued_;
    // Posted under m_: once shutdown_ is set nothing more is posted, so the I/O
    // thread may stop as soon as it has drained what it has.
    boost::asio::post(io_, [this, j = std::move(j)]() mutable {
        queue_.push_back(std::move(j));
        pump();
    });
}

void pool_core::admit_deferred_locked() {
    if (deferred_.empty() || (max_pending_ != 0 && queued_ >= max_pending_)) return;
    // Straight into queue_: we are on the I/O thread, inside pump().
    ++queued_;
    queue_.push_back(std::move(deferred_.front()));
    deferred_.pop_front();
}

void pool_core::drop_deferred(std::deque<std::shared_ptr<job>> js, std::exception_ptr e) {
    for (auto& j : js) {
        if (e)
            finish(std::move(j), [e](job& x) { x.fail(e); });
        else
            finish(std::move(j), [](job& x) { x.state->cancel(); });
    }
}

void pool_core::shutdown(bool wait, bool cancel_futures) {
    bool started = false;
    std::deque<std::shared_ptr<job>> refused;
    {
        std::lock_guard lk(m_);
        shutdown_ = true;
        space_cv_.notify_all();
        refused.swap(deferred_);
        started = started_;  // fixed from here on: nothing starts after shutdown_
    }
    // async_submit's calls that never got into the queue: not accepted, as a
    // submit() blocked on max_pending is refused by shutdown.
    drop_deferred(std::move(refused), cancel_futures ? nullptr
                                                     : std::make_exception_ptr(std::runtime_error(
                                                           "cannot schedule new futures after shutdown")));
    {
        std::lock_guard lk(m_);
        if (!started) return;  // nothing was ever submitted: no thread, no worker
        boost::asio::post(io_, [this, cancel_futures] {
            if (cancel_futures) {
                std::size_t n = queue_.size();
                for (auto& j : queue_) finish(std::move(j), [](job& x) { x.state->cancel(); });
                queue_.clear();
                std::lock_guard lk2(m_);
                queued_ -= n;
            }
            closing_ = true;
            pump();
        });
    }
    if (wait && started && !on_io_thread()) {
        std::lock_guard lk(join_m_);
        if (thread_.joinable()) thread_.join();
    }
}

void pool_core::stop_workers(int sig) {
    shutdown(false, true);
    std::lock_guard lk(m_);
    if (!started_) return;  // no worker was ever started
    boost::asio::post(io_, [this, sig] {
        forced_ = true;
        for (auto& w : workers_)
            if (!w->exited) ::kill(w->pid, sig);  // not reaped yet: the pid is still ours
    });
}

std::size_t pool_core::queued() const {
    std::lock_guard lk(m_);
    return queued_ + deferred_.size();
}

process_pool_stats pool_core::stats() const {
    process_pool_stats st;
    st.max_workers = max_workers_;
    {
        std::lock_guard lk(m_);
        st.workers = pids_.size();
        st.queued = queued_ + deferred_.size();
    }
    st.running = running_.load(std::memory_order_relaxed);
    st.completed = completed_.load(std::memory_order_relaxed);
    st.worker_deaths = deaths_.load(std::memory_order_relaxed);
    return st;
}

std::vector<pid_t> pool_core::worker_pids() const {
    std::lock_guard lk(m_);
    return pids_;
}

void pool_core::publish_pids() {
    std::vector<pid_t> p;
    for (auto& w : workers_)
        if (!w->exited) p.push_back(w->pid);
    std::lock_guard lk(m_);
    pids_ = std::move(p);
}

void pool_core::pump() {
    if (is_broken_ && !queue_.empty()) {  // posted just before the pool broke
        std::string why;
        {
            std::lock_guard lk(m_);
            why = broken_;
        }
        fail_queue(why);
    }
    // Hand queued jobs to idle workers, oldest first.
    for (auto& w : workers_) {
        while (w->state == worker::phase::idle && !queue_.empty()) {
            auto j = std::move(queue_.front());
            queue_.pop_front();
            {
                std::lock_guard lk(m_);
                --queued_;
                space_cv_.notify_one();
                admit_deferred_locked();
            }
            bool run = false;
            try {
                run = j->state->set_running_or_notify_cancel();
            } catch (...) {  // finished by hand while queued: nothing to run
            }
            if (run) send(w, std::move(j), false);
        }
    }
    // Start workers on demand: one per queued job that no starting worker will take.
    if (!forced_ && !is_broken_) {
        std::size_t starting = 0, live = 0;
        for (auto& w : workers_) {
            if (w->state == worker::phase::starting || w->state == worker::phase::initializing) ++starting;
            if (w->state != worker::phase::closing) ++live;
        }
        while (queue_.size() > starting && live < max_workers_ && !is_broken_) {
            spawn_one();
            ++starting;
            ++live;
        }
    }
    if (closing_ && queue_.empty())
        for (auto& w : workers_)
            if (w->state == worker::phase::idle) close_calls(w);
    if (workers_.empty() && queue_.empty() && closing_) {
        std::lock_guard lk(m_);
        if (shutdown_) guard_.reset();  // the I/O thread ends when its last handler returns
    }
}

void pool_core::finish(std::shared_ptr<job> j, std::function<void(job&)> done) {
    auto run = [](job& x, std::function<void(job&)>& f) {
        try {
            f(x);
        } catch (...) {  // complete() reports its own failures; this is a last resort
            x.fail(std::current_exception());
        }
    };
    if (!j->work) {
        run(*j, done);
        return;
    }
    // The posted handler is itself work on that executor's context, so the
    // tracked executor may go as soon as it is posted.
    auto keep = context_work(*j->work);  // context_work.hpp: declared first, released last
    auto ex = std::move(*j->work);
    j->work.reset();
    boost::asio::post(ex, [j = std::move(j), done = std::move(done), run]() mutable { run(*j, done); });
}

void pool_core::fail_queue(const std::string& why) {
    std::size_t n = queue_.size();
    for (auto& j : queue_)
        finish(std::move(j), [e = std::make_exception_ptr(broken_process_pool(why))](job& x) { x.fail(e); });
    queue_.clear();
    std::lock_guard lk(m_);
    queued_ -= n;
    space_cv_.notify_all();
}

void pool_core::break_pool(const std::string& why) {
    if (is_broken_) return;
    is_broken_ = true;
    std::deque<std::shared_ptr<job>> refused;
    {
        std::lock_guard lk(m_);
        broken_ = why;
        space_cv_.notify_all();
        refused.swap(deferred_);
    }
    fail_queue(why);
    drop_deferred(std::move(refused), std::make_exception_ptr(broken_process_pool(why)));
    // The calls still running fail with terminated_worker_error when their worker
    // is reaped (finalize).
    for (auto& w : workers_)
        if (!w->exited) ::kill(w->pid, SIGKILL);
}

}  // namespace futures::detail::process

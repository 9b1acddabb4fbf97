// pool_core: the shared side (submit, shutdown, stats), the I/O thread's loop, and
// how jobs end. Deciding what each worker gets is in scheduler.cpp; the
// worker-facing half (spawn, frames, exits) is in worker_events.cpp.
#include <futures/detail/context_work.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/worker_executable.hpp>
#include <futures/detail/process/worker_handle.hpp>
#include <futures/log.hpp>
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
    b.args.append(c->args);
    return b;
}

}  // namespace

pool_core::pool_core(process_pool_options o)
    : max_workers_(pick_max_workers(o.max_workers)),
      max_pending_(o.max_pending),
      max_frame_(o.max_frame_bytes),
      max_restarts_(o.max_restarts),
      max_tasks_per_child_(check_max_tasks(o.max_tasks_per_child)),
      break_on_worker_death_(o.break_on_worker_death),
      exe_(resolve_worker_executable(o.worker_executable)),
      initializer_(to_batch(o.initializer)),
      completion_(std::move(o.completion_executor)),
      slot_crashes_(max_workers_, 0),
      slot_used_(max_workers_, false) {
    // SIGPIPE is left as the program set it: only the I/O thread writes to the
    // workers' pipes, and it blocks every signal (run_io), so a dead worker's pipe
    // reports EPIPE there and the signal neither kills us nor reaches a handler.
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
    // This thread forks the workers: with every signal blocked here, none can
    // reach a child before it has reset the handlers (spawn.cpp), and no signal
    // handler of the program ever runs on this thread. The workers get the mask
    // this thread started with: that of the thread that first submitted.
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &worker_sigmask_);
    for (;;) {
        try {
            // Until spin_until_ (set by linger()), poll instead of sleeping in epoll:
            // an answer or a submit expected within microseconds then finds this
            // thread on a CPU rather than paying a sleeping CPU's wake-up, which
            // costs more than the whole round trip on small VMs.
            while (!io_.stopped()) {
                if (io_.poll() > 0) continue;
                if (clock::now() < spin_until_) {
                    sched_yield();
                    continue;
                }
                io_.run_one();
            }
            return;
        } catch (const std::exception& e) {
            // Handlers do not throw by design; if one does, say so and keep serving.
            log_line(log_level::error, std::string("futures: process pool I/O thread: ") + e.what());
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
    incoming_.push_back(std::move(j));
    // One post per burst: a loop of submits costs one wake-up of the I/O thread,
    // and it takes them all at once. Posted under m_: once shutdown_ is set nothing
    // more is posted, so the I/O thread may stop once it has drained what it has.
    if (!drain_posted_) {
        drain_posted_ = true;
        boost::asio::post(io_, [this] { drain(); });
    }
}

void pool_core::take_incoming() {
    std::vector<std::shared_ptr<job>> in;
    {
        std::lock_guard lk(m_);
        in.swap(incoming_);
        drain_posted_ = false;
    }
    for (auto& j : in) queue_.push_back(std::move(j));
}

void pool_core::drain() {
    take_incoming();
    pump();
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
            finish_failed(std::move(j), e);
        else
            cancel_job(std::move(j));
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
                take_incoming();  // whatever was submitted before shutdown is cancelled too
                std::size_t n = 0;
                for (auto& j : queue_) {
                    // A job sent back by a dead worker already runs: it stays.
                    if (j->started) continue;
                    ++n;
                    cancel_job(std::move(j));
                }
                std::erase(queue_, nullptr);
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

void pool_core::finish(std::shared_ptr<job> j, job_end end) {
    auto run = [](job& x, job_end& e) {
        try {
            if (e.results)
                x.complete(*e.results, e.pid);
            else if (e.error)
                x.fail(e.error);
            else
                x.state->cancel();
        } catch (...) {  // complete() reports its own failures; this is a last resort
            x.fail(std::current_exception());
        }
    };
    if (!j->work) {
        run(*j, end);
        return;
    }
    // The posted handler is itself work on that executor's context, so the
    // tracked executor may go as soon as it is posted.
    auto keep = context_work(*j->work);  // context_work.hpp: declared first, released last
    auto ex = std::move(*j->work);
    j->work.reset();
    boost::asio::post(ex, [j = std::move(j), end = std::move(end), run]() mutable { run(*j, end); });
}

void pool_core::fail_queue(const std::string& why) {
    const auto e = std::make_exception_ptr(broken_process_pool(why));
    const std::size_t n = queue_.size();
    for (auto& j : queue_) finish_failed(std::move(j), e);
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

// pool_core: puts the parts together (see pool_core.hpp for the picture), and the
// few operations that reach all of them: shutdown, stop, stats.
#include <futures/detail/admission_rules.hpp>
#include <futures/detail/process/parent/dispatcher.hpp>
#include <futures/detail/process/parent/pipe_transport.hpp>
#include <futures/detail/process/parent/worker_events.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/process_pool_options.hpp>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>

namespace futures::detail::process {
namespace {

// Counted in the child of every fork() (pthread_atfork): comparing counts is how a
// pool notices it runs in a copy of its creator, without a getpid() syscall per submit.
std::atomic<std::uint64_t> forks{0};

std::uint64_t fork_generation() {
    static const int registered = ::pthread_atfork(nullptr, nullptr, [] { forks.fetch_add(1); });
    (void)registered;
    return forks.load(std::memory_order_relaxed);
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
    : pool_core(o,
                [exe = o.worker_executable, deadlines = channel_deadlines{o.frame_timeout, o.handshake_timeout},
                 shm = o.shm_threshold_bytes, fork_server = o.use_fork_server,
                 address_space = o.worker_address_space_bytes.value_or(0)](
                    io_thread& io, std::size_t max_frame) -> std::unique_ptr<transport> {
                    return std::make_unique<pipe_transport>(io, exe, max_frame, deadlines, shm, fork_server,
                                                            address_space);
                }) {}

pool_core::pool_core(process_pool_options o, const transport_factory& make)
    : max_workers_(checked_max_workers(o.max_workers, usable_cores())),
      max_frame_(o.max_frame_bytes),
      cancel_running_calls_(o.cancel_running_calls),
      fork_generation_(fork_generation()),
      creator_(::getpid()),
      completion_(std::move(o.completion_executor)),
      admission_(o.max_pending, completion_, io_, [this] { dispatcher_->pump(); }) {
    const frame_limits limits{max_workers_, checked_at_least_one(o.max_tasks_per_child, "max_tasks_per_child"),
                              max_frame_, o.cancel_running_calls};
    transport_ = make(io_, max_frame_);
    dispatcher_ = std::make_unique<dispatcher>(
        limits,
        worker_rules{o.max_restarts, o.break_on_worker_death, to_batch(o.initializer), o.terminate_grace,
                     o.restart_window, o.max_worker_rss_bytes, o.worker_address_space_bytes},
        admission_, completion_, io_, *transport_);
    events_ = std::make_unique<worker_events>(*dispatcher_, completion_);
    dispatcher_->set_events(*events_);
    // SIGPIPE is left as the program set it: only the I/O thread writes to the
    // workers' pipes, and it blocks every signal (io_thread.cpp), so a dead worker's
    // pipe reports EPIPE there and the signal neither kills us nor reaches a handler.
}

pool_core::~pool_core() {
    if (!io_.joinable()) return;  // never started, or already joined
    if (io_.on_thread()) {
        io_.detach();  // destroyed from its own callback: cannot join itself
        return;
    }
    shutdown(true, false);
}

bool pool_core::forked_copy() const noexcept { return forks.load(std::memory_order_relaxed) != fork_generation_; }

void pool_core::check_process() const {
    if (forked_copy())
        throw std::logic_error("process_pool_executor: used in a process fork()ed (without exec) from process " +
                               std::to_string(creator_) +
                               ", which created the pool; its workers and I/O thread serve that process only: "
                               "create a new pool in the child");
}

void pool_core::abandon(std::shared_ptr<pool_core> p) noexcept { new std::shared_ptr<pool_core>(std::move(p)); }

void pool_core::shutdown(bool wait, bool cancel_futures) {
    check_process();
    const bool started = admission_.close(cancel_futures);
    if (!started) return;  // nothing was ever submitted: no thread, no worker
    auto close = [this, cancel_futures] {
        if (cancel_futures) admission_.cancel_queued();
        dispatcher_->close_when_done();
    };
    if (io_.on_thread()) {
        close();  // a callback: nothing else runs on this thread meanwhile
        return;
    }
    if (!cancel_futures) {
        admission_.post_if_started(close);
    } else {
        // The queue is the I/O thread's: the cancelling happens there, and the caller
        // waits for it (a handler never blocks for long), so that on its next line
        // every queued call is cancelled(), as with the thread pool.
        std::promise<void> done;
        auto cancelled = done.get_future();
        if (admission_.post_if_started([&close, &done] {
                close();
                done.set_value();
            }))
            cancelled.wait();
    }
    if (wait) io_.join();
}

void pool_core::cancel_running(const state_base* s) {
    // Held until the I/O thread has looked: a state freed meanwhile could come back
    // at the same address as another call's.
    admission_.post_if_started(
        [this, keep = boost::intrusive_ptr<const state_base>(s)] { dispatcher_->cancel_running(keep.get()); });
}

void pool_core::stop_workers(int sig) {
    shutdown(false, true);
    admission_.post_if_started([this, sig] { dispatcher_->stop_all(sig); });
}

process_pool_stats pool_core::stats() const {
    process_pool_stats st;
    st.max_workers = max_workers_;
    st.workers = dispatcher_->pids().size();
    st.queued = admission_.queued();
    const auto& c = dispatcher_->counters();
    st.running = c.running.load(std::memory_order_relaxed);
    st.completed = c.completed.load(std::memory_order_relaxed);
    st.worker_deaths = c.deaths.load(std::memory_order_relaxed);
    return st;
}

std::vector<pid_t> pool_core::worker_pids() const { return dispatcher_->pids(); }

}  // namespace futures::detail::process

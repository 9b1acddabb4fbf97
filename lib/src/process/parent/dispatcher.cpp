// The dispatcher: which worker gets the next frame, when workers start and stop,
// and what a worker's loss costs.
#include <futures/detail/process/lost_worker.hpp>
#include <futures/detail/process/parent/dispatcher.hpp>
#include <futures/errors.hpp>
#include <futures/log.hpp>
#include <futures/remote_error.hpp>

#include <signal.h>

#include <algorithm>
#include <cstdio>

namespace futures::detail::process {

dispatcher::dispatcher(frame_limits limits, worker_rules rules, admission& queue, const completion& done, io_thread& io,
                       transport& carrier)
    : rules_(std::move(rules)),
      queue_(queue),
      done_(done),
      io_(io),
      carrier_(carrier),
      builder_(limits),
      deadline_timer_(io.context()),
      grace_timer_(io.context()),
      slot_used_(limits.max_workers, false) {}

void dispatcher::pump() {
    queue_.fail_late_arrivals();
    auto& queue = queue_.queue();
    // Idle workers first, oldest job first.
    for (auto& w : workers_)
        while (w->in_flight.empty() && builder_.can_take(*w, queue)) send_frame(*w);
    // Start workers on demand: one per queued job that no starting worker will take.
    std::size_t starting = 0;
    if (!forced_ && !broken_) {
        std::size_t live = 0;
        for (auto& w : workers_) {
            if (w->state == worker_record::phase::starting || w->state == worker_record::phase::initializing)
                ++starting;
            if (w->state != worker_record::phase::closing) ++live;
        }
        while (queue.size() > starting && live < builder_.limits().max_workers && !broken_) {
            start_worker();
            ++starting;
            ++live;
        }
    }
    // Frames ahead for busy workers, but not while a worker is starting: what is
    // queued is its first work.
    if (starting == 0)
        for (auto& w : workers_)
            while (builder_.can_take(*w, queue)) send_frame(*w);
    const auto& per_child = builder_.limits().max_tasks_per_child;
    for (auto& w : workers_) {
        if (!w->idle()) continue;
        const bool retiring = w->retiring || (per_child && w->jobs_sent >= *per_child);
        if (retiring || (closing_ && queue.empty())) {
            w->state = worker_record::phase::closing;
            w->link->close();
        }
    }
    if (workers_.empty() && queue.empty() && closing_) {
        stop_timers();
        queue_.release_io_if_closed();
    }
}

void dispatcher::send_frame(worker_record& w) {
    built_frame b = builder_.build(w, queue_.queue());
    if (b.taken > 0) queue_.taken(b.taken);
    if (b.record.jobs.empty()) return;  // everything taken had been cancelled
    try {
        w.link->send(message{std::move(b.message)});
    } catch (const std::exception& e) {
        // Only a single job can exceed the cap (the byte cap stops gathering first).
        for (auto& j : b.record.jobs) {
            auto err = std::make_exception_ptr(
                serialization_error("the call of task \"" + j->task + "\" cannot be sent: " + e.what()));
            done_.fail(std::move(j), err);
        }
        return;  // the worker stays as it was
    }
    counters_.running.fetch_add(b.record.calls, std::memory_order_relaxed);
    w.jobs_sent += b.record.jobs.size();
    w.in_flight.push_back(std::move(b.record));
    if (w.in_flight.size() == 1) front_started(w);
    if (b.linger_ns) io_.linger(*b.linger_ns);
}

void dispatcher::start_worker() {
    std::size_t slot = 0;
    while (slot < slot_used_.size() && slot_used_[slot]) ++slot;
    if (slot == slot_used_.size()) return;  // cannot happen: live < max_workers
    std::shared_ptr<channel> c;
    try {
        c = carrier_.start(*events_);
    } catch (const std::exception& e) {
        break_pool(std::string("a worker process could not be started: ") + e.what());
        return;
    }
    slot_used_[slot] = true;
    workers_.push_back(std::make_unique<worker_record>(std::move(c), slot));
    publish_pids();
}

void dispatcher::on_ready(worker_record& w) {
    if (!rules_.initializer) {
        w.state = worker_record::phase::ready;
        pump();
        return;
    }
    try {  // the first frame: nothing is being written
        w.link->send(message{builder_.initializer_frame(*rules_.initializer)});
    } catch (const std::exception& e) {
        break_pool(std::string("the initializer cannot be sent: ") + e.what());
        return;
    }
    w.state = worker_record::phase::initializing;
}

worker_record* dispatcher::find(const channel& c) {
    for (auto& w : workers_)
        if (w->link.get() == &c) return w.get();
    return nullptr;
}

void dispatcher::close_when_done() {
    closing_ = true;
    pump();
}

void dispatcher::stop_all(int sig) {
    forced_ = true;
    for (auto& w : workers_) w->link->kill(sig);
    if (sig == SIGKILL || workers_.empty()) return;
    // A task may ignore or block SIGTERM: it must not keep shutdown waiting.
    grace_timer_.expires_after(rules_.terminate_grace);
    grace_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        for (auto& w : workers_) w->link->kill(SIGKILL);
    });
}

void dispatcher::break_pool(const std::string& why) {
    if (broken_) return;
    broken_ = true;
    queue_.break_with(why);
    // The calls still running fail with terminated_worker_error when their worker's
    // loss is reported.
    for (auto& w : workers_) w->link->kill(SIGKILL);
}

void dispatcher::on_lost(worker_record& w, const worker_loss& loss) {
    std::string how = loss.how;
    const bool expected = w.state == worker_record::phase::closing && loss.code == 0 && loss.protocol_error.empty();
    const pid_t pid = w.link->pid();
    const std::string who = "worker process " + std::to_string(pid) + " ";
    if (!loss.protocol_error.empty()) how += "; " + loss.protocol_error;
    if (rules_.address_space && !w.stopped_by_pool)
        how += "; worker_address_space_bytes is " + std::to_string(*rules_.address_space) +
               ": it may have run out of memory";
    const std::size_t slot = w.slot;
    const auto state = w.state;
    const bool stopped_by_pool = w.stopped_by_pool;
    // The restart cap's crash (process_pool_options::max_restarts): it broke the
    // protocol, or died running the initializer, or running a call before it had
    // completed any, or before its handshake of anything but an operator's signal.
    const bool operator_signal = loss.sig == SIGKILL || loss.sig == SIGTERM || loss.sig == SIGINT || loss.sig == SIGHUP;
    const bool crash = !loss.protocol_error.empty() || state == worker_record::phase::initializing ||
                       (state == worker_record::phase::ready && !w.in_flight.empty() && !w.completed) ||
                       (state == worker_record::phase::starting && !operator_signal);
    auto frames = std::move(w.in_flight);
    std::erase_if(workers_, [&](const auto& p) { return p.get() == &w; });  // w is gone from here on
    slot_used_[slot] = false;
    publish_pids();
    // Decide whether the pool breaks before failing the calls: whoever wakes up on
    // those futures must already see the pool's new state.
    if (!expected && !forced_ && !stopped_by_pool) {
        counters_.deaths.fetch_add(1, std::memory_order_relaxed);
        if (state == worker_record::phase::starting &&
            (loss.no_handshake || (loss.protocol_error.empty() && (loss.code == lost_worker_status || loss.code == 0))))
            break_pool(
                lost_worker_error(carrier_.describe(), how));  // its main() never runs the loop: restarting cannot help
        else if (rules_.break_on_worker_death)
            break_pool("A child process terminated abruptly, the process pool is not usable anymore (" + who + how +
                       ")");
        else if (crash && crash_loop())
            break_pool(std::to_string(crashes_.size()) + " workers died within " +
                       std::to_string(rules_.restart_window.count()) +
                       " ms while running a call or the initializer, before completing any call (last: " + who + how +
                       "): the task crashes its workers; the process pool is not usable anymore");
        else if (state == worker_record::phase::starting || state == worker_record::phase::initializing)
            log_line(log_level::warning, "futures: " + who + "died while starting (" + how + ")");
    }
    // The front frame was running: its jobs fail. The worker never started the
    // frames behind it (it answers in order): they are queued again, at the front,
    // unless nothing will run them any more.
    std::vector<std::shared_ptr<job>> again;
    for (std::size_t n = 0; n < frames.size(); ++n) {
        auto& f = frames[n];
        for (std::size_t k = f.next_job; k < f.jobs.size(); ++k) {
            auto& j = f.jobs[k];
            counters_.running.fetch_sub(j->calls(), std::memory_order_relaxed);
            if (n > 0 && !forced_ && !broken_) {
                again.push_back(std::move(j));
                continue;
            }
            std::exception_ptr err;
            if (n == 0 && stopped_by_pool && f.timeout)
                err = std::make_exception_ptr(timeout_error(
                    "the call of task \"" + j->task + "\" ran longer than its timeout of " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*f.timeout).count()) +
                    " ms; its " + who + "was killed"));
            else
                err = std::make_exception_ptr(terminated_worker_error(
                    who + "terminated abruptly (" + how + ") while running task \"" + j->task + "\"", pid, loss.code,
                    loss.sig));
            done_.fail(std::move(j), err);
        }
    }
    queue_.requeue_front(std::move(again));
    watch_deadlines();
    pump();
}

bool dispatcher::crash_loop() {
    const auto now = std::chrono::steady_clock::now();
    while (!crashes_.empty() && now - crashes_.front() > rules_.restart_window) crashes_.pop_front();
    crashes_.push_back(now);
    return crashes_.size() > rules_.max_restarts;
}

void dispatcher::publish_pids() {
    std::vector<pid_t> p;
    for (auto& w : workers_)
        if (w->link->running()) p.push_back(w->link->pid());
    std::lock_guard lk(pids_m_);
    pids_ = std::move(p);
}

std::vector<pid_t> dispatcher::pids() const {
    std::lock_guard lk(pids_m_);
    return pids_;
}

}  // namespace futures::detail::process

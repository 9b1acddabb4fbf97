// The dispatcher's guards on a worker's resources (issue 10, items 11 and 12):
// call timeouts, and the resident set size after each answer.
#include <futures/detail/process/parent/dispatcher.hpp>
#include <futures/log.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace futures::detail::process {
namespace {

using clock = std::chrono::steady_clock;

// A process's resident set in bytes (the second field of /proc/<pid>/statm, in
// pages), or 0 if it cannot be read (the worker just exited: its loss says so).
std::size_t resident_bytes(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/statm";
    std::FILE* f = std::fopen(path.c_str(), "re");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    if (n != 2) return 0;
    return std::size_t(resident) * std::size_t(::sysconf(_SC_PAGESIZE));
}

}  // namespace

void dispatcher::on_progress(worker_record& w) {
    w.completed = true;
    if (!rules_.max_rss || w.retiring) return;
    const std::size_t rss = resident_bytes(w.link->pid());
    if (rss <= *rules_.max_rss) return;
    // Retired gracefully: it answers what it has (pump() sends it nothing more and
    // closes it once idle); a replacement starts on demand.
    w.retiring = true;
    log_line(log_level::warning, "futures: worker process " + std::to_string(w.link->pid()) + " uses " +
                                  std::to_string(rss) + " bytes, above max_worker_rss_bytes: replacing it");
}

void dispatcher::front_started(worker_record& w) {
    const auto& t = w.in_flight.empty() ? std::nullopt : w.in_flight.front().timeout;
    w.deadline = t ? clock::now() + *t : clock::time_point::max();
    watch_deadlines();
}

void dispatcher::watch_deadlines() {
    auto first = clock::time_point::max();
    for (auto& w : workers_)
        if (!w->stopped_by_pool && w->deadline < first) first = w->deadline;
    if (first == clock::time_point::max()) {
        deadline_timer_.cancel();
        return;
    }
    if (deadline_timer_.expiry() == first) return;  // already waiting for it
    deadline_timer_.expires_at(first);
    deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) on_deadlines();
    });
}

void dispatcher::on_deadlines() {
    const auto now = clock::now();
    for (auto& w : workers_) {
        if (w->stopped_by_pool || w->deadline > now) continue;
        // Its loss fails the timed call with timeout_error and requeues what was
        // sent behind it; the kill is the pool's own, not a crash.
        w->stopped_by_pool = true;
        w->retiring = true;
        w->link->kill(SIGKILL);
    }
    watch_deadlines();
}

void dispatcher::cancel_running(const state_base* s) {
    // Only the front frame runs. A call sent ahead and cancelled costs its run (the
    // result is dropped): killing the worker would fail the call it is running.
    for (auto& w : workers_) {
        if (w->in_flight.empty() || w->stopped_by_pool) continue;
        const auto& f = w->in_flight.front();
        for (std::size_t k = f.next_job; k < f.jobs.size(); ++k)
            if (f.jobs[k] && f.jobs[k]->state.get() == s) {
                // Its loss fails nothing that was not cancelled (one call per
                // frame) and requeues what was sent behind it.
                w->stopped_by_pool = true;
                w->retiring = true;
                w->link->kill(SIGKILL);
                return;
            }
    }
}

void dispatcher::stop_timers() {
    deadline_timer_.cancel();
    grace_timer_.cancel();
}

}  // namespace futures::detail::process

// pool_core, worker-facing half, all on the I/O thread: start a worker, read its
// frames, match its answers to the frames in flight, and settle its end (finalize).
#include <futures/detail/process/lost_worker.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/worker_handle.hpp>
#include <futures/log.hpp>
#include <futures/remote_error.hpp>

#include <signal.h>
#include <string.h>

#include <cstring>
#include <optional>
#include <sys/wait.h>


namespace futures::detail::process {

namespace asio = boost::asio;
using boost::system::error_code;

std::string describe_status(int status, std::optional<int>& code, std::optional<int>& sig) {
    if (WIFSIGNALED(status)) {
        sig = WTERMSIG(status);
        const char* abbrev = ::sigabbrev_np(*sig);
        return "signal " + std::to_string(*sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    }
    code = WIFEXITED(status) ? WEXITSTATUS(status) : status;
    return "exit code " + std::to_string(*code);
}

void pool_core::spawn_one() {
    std::size_t slot = 0;
    while (slot < slot_used_.size() && slot_used_[slot]) ++slot;
    if (slot == slot_used_.size()) return;  // cannot happen: live < max_workers
    std::shared_ptr<worker> w;
    try {
        w = std::make_shared<worker>(spawn_worker(io_, spawn_ctx_, exe_, max_frame_, worker_sigmask_));
    } catch (const std::exception& e) {
        break_pool(std::string("a worker process could not be started: ") + e.what());
        return;
    }
    w->slot = slot;
    w->pid = w->io.proc.id();
    slot_used_[slot] = true;
    workers_.push_back(w);
    publish_pids();
    w->io.proc.async_wait([this, w](error_code ec, int) {
        w->exited = true;
        w->status = ec ? 0 : w->io.proc.native_exit_code();
        if (ec) w->protocol_error = "waiting for the worker failed: " + ec.message();
        finalize(w);
    });
    read_next(w);
}

void pool_core::kill_for(const std::shared_ptr<worker>& w, std::string why) {
    if (w->protocol_error.empty()) w->protocol_error = std::move(why);
    if (!w->exited) ::kill(w->pid, SIGKILL);
    w->eof = true;  // nothing more is read from it
    finalize(w);
}

namespace {
// The payload length announced by the frame header at the start of d, if the
// header is there yet; throws frame_error above the cap.
std::optional<std::size_t> announced(std::string_view d, std::size_t max_frame) {
    if (d.size() < frame_header_size) return std::nullopt;
    std::array<unsigned char, frame_header_size> h{};
    std::memcpy(h.data(), d.data(), h.size());
    return decode_header(h, max_frame);
}
}  // namespace

void pool_core::read_next(const std::shared_ptr<worker>& w, std::size_t want) {
    char* at = w->in.space(want);
    w->io.results.async_read_some(asio::buffer(at, w->in.room()), [this, w](error_code ec, std::size_t n) {
        if (ec) {
            w->eof = true;
            finalize(w);
            return;
        }
        w->in.commit(n);
        std::size_t next = read_chunk;
        try {
            // Every complete frame in the buffer, in order; then room for the rest
            // of a partial one, so that it arrives in as few reads as it can.
            while (auto len = announced(w->in.data(), w->state == worker::phase::starting
                                                          ? std::min(max_frame_, max_handshake_frame)
                                                          : max_frame_)) {
                const std::size_t whole = frame_header_size + *len, have = w->in.data().size();
                if (have < whole) {
                    next = std::max(next, whole - have);
                    break;
                }
                if (!on_frame(w, w->in.data().substr(frame_header_size, *len))) return;  // the worker was dropped
                w->in.consume(whole);
            }
        } catch (const frame_error& e) {
            kill_for(w, e.what());
            return;
        }
        read_next(w, next);
    });
}

bool pool_core::on_frame(const std::shared_ptr<worker>& w, std::string_view payload) {
    std::string bad;
    try {
        message m = decode_payload(payload);
        if (auto* h = std::get_if<hello>(&m)) {
            if (w->state != worker::phase::starting) {
                bad = "unexpected handshake";
            } else if (auto why = check_hello(*h); !why.empty()) {
                break_pool("incompatible worker " + exe_ + ": " + why);
                bad = why;
            } else {
                on_ready(w);
            }
        } else if (auto* rf = std::get_if<result_frame>(&m)) {
            on_results(w, *rf);
        } else {
            bad = "unexpected message";
        }
    } catch (const std::exception& e) {
        bad = e.what();
    }
    if (!bad.empty()) kill_for(w, bad);
    return !w->finalized && w->protocol_error.empty();
}

void pool_core::on_ready(const std::shared_ptr<worker>& w) {
    if (initializer_) {
        send_initializer(w);
        return;
    }
    w->state = worker::phase::ready;
    pump();
}

namespace {
// Why a result batch cannot be the answer to the call batch we expect, or "".
std::string mismatch(const result_batch& rb, std::uint64_t id, std::uint32_t calls) {
    if (rb.first_id != id || rb.values.count() != calls) return "results that match no call";
    rb.values.check();
    std::int64_t last = -1;
    for (const auto& f : rb.failures) {
        if (std::int64_t(f.index) <= last || f.index >= calls) return "failures that match no call";
        last = f.index;
    }
    return {};
}
}  // namespace

void pool_core::on_results(const std::shared_ptr<worker>& w, result_frame& rf) {
    if (w->state == worker::phase::initializing) {
        if (rf.batches.size() != 1) {
            kill_for(w, "results that match no call");
            return;
        }
        if (auto& fs = rf.batches.front().failures; !fs.empty()) {
            const auto& f = fs.front().what;
            log_line(log_level::error, "futures: exception in initializer: " + f.type + ": " + f.what);
            break_pool("A process in the process pool failed its initializer (" + f.type + ": " + f.what +
                       "); the process pool is not usable anymore");
            return;
        }
        w->state = worker::phase::ready;
        pump();
        return;
    }
    for (auto& rb : rf.batches) {
        if (w->in_flight.empty()) {
            kill_for(w, "results that match no call");
            return;
        }
        auto& f = w->in_flight.front();
        const auto& batch = f.batches[f.answered];
        const std::size_t first = f.next_job, last = first + batch.jobs;
        std::uint32_t calls = 0;
        for (std::size_t k = first; k < last; ++k) calls += f.jobs[k]->calls();
        if (auto why = mismatch(rb, batch.first_id, calls); !why.empty()) {
            kill_for(w, why);
            return;
        }
        timing_.learn(f.jobs[first]->task, rb.elapsed_ns, calls);
        // Counted first: whoever wakes up on these futures sees them in stats().
        running_.fetch_sub(calls, std::memory_order_relaxed);
        completed_.fetch_add(calls, std::memory_order_relaxed);
        // The jobs of one batch read their slices off one shared copy of it.
        auto shared = std::make_shared<result_batch>(std::move(rb));
        auto c = shared->values.reader();
        std::size_t fi = 0;
        for (std::size_t k = first; k < last; ++k) {
            auto j = std::move(f.jobs[k]);
            result_slice slice(shared, c, fi);
            for (std::uint32_t i = 0; i < j->calls(); ++i) c.next();
            while (fi < shared->failures.size() && shared->failures[fi].index < c.index()) ++fi;
            finish(std::move(j), {std::move(slice), nullptr, w->pid});
        }
        slot_crashes_[w->slot] = 0;  // calls completed: not a crash loop
        f.next_job = last;
        if (++f.answered == f.batches.size()) {
            w->in_flight.pop_front();
            // The next frame is now the one the worker runs: it is never sent again.
            if (!w->in_flight.empty())
                for (auto& j : w->in_flight.front().jobs) j->args = {};
        }
    }
    pump();
}

void pool_core::close_calls(const std::shared_ptr<worker>& w) {
    w->state = worker::phase::closing;
    error_code ec;
    w->io.calls.close(ec);  // EOF: the worker leaves its loop and exits 0
}

void pool_core::finalize(const std::shared_ptr<worker>& w) {
    if (!w->exited || !w->eof || w->finalized) return;
    w->finalized = true;
    std::optional<int> code, sig;
    std::string how = describe_status(w->status, code, sig);
    const bool expected = w->state == worker::phase::closing && code == 0 && w->protocol_error.empty();
    std::string who = "worker process " + std::to_string(w->pid) + " ";
    if (!w->protocol_error.empty()) how += "; " + w->protocol_error;
    auto frames = std::move(w->in_flight);
    std::erase(workers_, w);
    slot_used_[w->slot] = false;
    publish_pids();
    // Decide whether the pool breaks before failing the calls: whoever wakes up on
    // those futures must already see the pool's new state.
    if (!expected && !forced_) {
        deaths_.fetch_add(1, std::memory_order_relaxed);
        if (w->state == worker::phase::starting && w->protocol_error.empty() &&
            (code == lost_worker_status || code == 0))
            break_pool(lost_worker_error(exe_, how));  // its main() never runs the loop: restarting cannot help
        else if (break_on_worker_death_)
            break_pool("A child process terminated abruptly, the process pool is not usable anymore (" + who + how + ")");
        else if (++slot_crashes_[w->slot] > max_restarts_)
            break_pool("worker slot " + std::to_string(w->slot) + " lost " + std::to_string(slot_crashes_[w->slot]) +
                       " workers in a row (last: " + who + how + "); the process pool is not usable anymore");
        else if (w->state == worker::phase::starting || w->state == worker::phase::initializing)
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
            running_.fetch_sub(j->calls(), std::memory_order_relaxed);
            if (n > 0 && !forced_ && !is_broken_) {
                again.push_back(std::move(j));
                continue;
            }
            auto err = std::make_exception_ptr(terminated_worker_error(
                who + "terminated abruptly (" + how + ") while running task \"" + j->task + "\"", w->pid, code, sig));
            finish_failed(std::move(j), err);
        }
    }
    if (!again.empty()) {
        queue_.insert(queue_.begin(), std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()));
        std::lock_guard lk(m_);
        queued_ += again.size();
    }
    pump();
}

}  // namespace futures::detail::process

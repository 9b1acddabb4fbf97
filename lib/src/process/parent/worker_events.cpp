// pool_core, worker-facing half, all on the I/O thread: start a worker, send it a
// frame, read its frames, and settle its end (finalize).
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/worker_handle.hpp>
#include <futures/remote_error.hpp>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

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
        w = std::make_shared<worker>(spawn_worker(io_, spawn_ctx_, exe_, max_frame_));
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

void pool_core::send(const std::shared_ptr<worker>& w, std::shared_ptr<job> j, bool initializer) {
    message m{call_batch{}};
    auto& b = std::get<call_batch>(m);
    if (initializer) {
        b = *initializer_;
        for (auto& c : b.calls) c.id = next_id_++;
    } else {
        // A job runs one task, named by its first call: sent once for the batch.
        b.task = j->calls.front().task;
        b.signature = j->calls.front().signature;
        b.calls.resize(j->calls.size());
        for (std::size_t k = 0; k < b.calls.size(); ++k) {
            b.calls[k].id = j->calls[k].id = next_id_++;
            b.calls[k].args = std::move(j->calls[k].args);  // the job keeps its names, for errors
        }
    }
    try {
        w->out = encode_frame(m, max_frame_);
    } catch (const std::exception& e) {
        if (initializer) {
            break_pool(std::string("the initializer cannot be sent: ") + e.what());
        } else {
            auto err = std::make_exception_ptr(
                serialization_error("the call of task \"" + b.task + "\" cannot be sent: " + e.what()));
            finish(std::move(j), [err](job& x) { x.fail(err); });
        }
        return;  // the worker stays idle
    }
    if (!initializer) running_.fetch_add(j->calls.size(), std::memory_order_relaxed);
    w->current = std::move(j);
    w->state = initializer ? worker::phase::initializing : worker::phase::busy;
    asio::async_write(w->io.calls, asio::buffer(w->out), [this, w](error_code ec, std::size_t) {
        w->out.clear();
        w->out.shrink_to_fit();
        // A worker that cannot take its call will not answer it: make sure it ends,
        // so that finalize() fails the call instead of leaving it pending.
        if (ec && !w->exited) {
            if (w->protocol_error.empty()) w->protocol_error = "writing the call failed: " + ec.message();
            ::kill(w->pid, SIGKILL);
        }
    });
}

void pool_core::read_next(const std::shared_ptr<worker>& w) {
    asio::async_read(w->io.results, asio::buffer(w->header), [this, w](error_code ec, std::size_t) {
        if (ec) {
            w->eof = true;
            finalize(w);
            return;
        }
        std::size_t n = 0;
        try {
            n = decode_header(w->header, max_frame_);
        } catch (const std::exception& e) {
            w->protocol_error = e.what();
            ::kill(w->pid, SIGKILL);
            w->eof = true;
            finalize(w);
            return;
        }
        w->in.resize(n);
        asio::async_read(w->io.results, asio::buffer(w->in), [this, w](error_code ec2, std::size_t) {
            if (ec2) {
                w->eof = true;
                finalize(w);
                return;
            }
            on_frame(w);
        });
    });
}

void pool_core::on_frame(const std::shared_ptr<worker>& w) {
    std::string bad;
    try {
        message m = decode_payload(w->in);
        w->in.clear();
        if (auto* h = std::get_if<hello>(&m)) {
            if (w->state != worker::phase::starting) {
                bad = "unexpected handshake";
            } else if (auto why = check_hello(*h); !why.empty()) {
                break_pool("incompatible worker " + exe_ + ": " + why);
                bad = why;
            } else {
                on_ready(w);
            }
        } else if (auto* rb = std::get_if<result_batch>(&m)) {
            on_results(w, *rb);
            if (!w->protocol_error.empty()) return;
        } else {
            bad = "unexpected message";
        }
    } catch (const std::exception& e) {
        bad = e.what();
    }
    if (!bad.empty()) {
        w->protocol_error = bad;
        ::kill(w->pid, SIGKILL);
        w->eof = true;
        finalize(w);
        return;
    }
    read_next(w);
}

void pool_core::on_ready(const std::shared_ptr<worker>& w) {
    if (initializer_) {
        send(w, nullptr, true);
        return;
    }
    w->state = worker::phase::idle;
    pump();
}

void pool_core::on_results(const std::shared_ptr<worker>& w, result_batch& rb) {
    if (w->state == worker::phase::initializing) {
        if (rb.results.size() == 1) {
            if (auto* f = std::get_if<failure>(&rb.results.front().value)) {
                std::fprintf(stderr, "futures: exception in initializer: %s: %s\n", f->type.c_str(), f->what.c_str());
                break_pool("A process in the process pool failed its initializer (" + f->type + ": " + f->what +
                           "); the process pool is not usable anymore");
                return;
            }
        }
        w->state = worker::phase::idle;
        pump();
        return;
    }
    auto j = std::move(w->current);
    if (w->state != worker::phase::busy || !j || rb.results.size() != j->calls.size()) {
        w->current = std::move(j);  // finalize() fails it
        w->protocol_error = "results that match no call";
        ::kill(w->pid, SIGKILL);
        w->eof = true;
        finalize(w);
        return;
    }
    w->state = worker::phase::idle;
    running_.fetch_sub(j->calls.size(), std::memory_order_relaxed);
    completed_.fetch_add(j->calls.size(), std::memory_order_relaxed);
    slot_crashes_[w->slot] = 0;  // a call completed: not a crash loop
    ++w->calls_done;
    if (max_tasks_per_child_ && w->calls_done >= *max_tasks_per_child_) close_calls(w);
    // Decoding the results and the done-callbacks run where futures complete.
    finish(std::move(j), [rs = std::move(rb.results), pid = w->pid](job& x) mutable { x.complete(rs, pid); });
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
    auto j = std::move(w->current);
    std::erase(workers_, w);
    slot_used_[w->slot] = false;
    publish_pids();
    // Decide whether the pool breaks before failing the call: whoever wakes up on
    // that future must already see the pool's new state.
    if (!expected && !forced_) {
        deaths_.fetch_add(1, std::memory_order_relaxed);
        if (break_on_worker_death_)
            break_pool("A child process terminated abruptly, the process pool is not usable anymore (" + who + how + ")");
        else if (++slot_crashes_[w->slot] > max_restarts_)
            break_pool("worker slot " + std::to_string(w->slot) + " lost " + std::to_string(slot_crashes_[w->slot]) +
                       " workers in a row (last: " + who + how + "); the process pool is not usable anymore");
        else if (w->state == worker::phase::starting || w->state == worker::phase::initializing)
            std::fprintf(stderr, "futures: %sdied while starting (%s)\n", who.c_str(), how.c_str());
    }
    if (j) {
        running_.fetch_sub(j->calls.size(), std::memory_order_relaxed);  // current is set only by send()
        std::string task = j->calls.empty() ? std::string("?") : j->calls.front().task;
        auto err = std::make_exception_ptr(terminated_worker_error(
            who + "terminated abruptly (" + how + ") while running task \"" + task + "\"", w->pid, code, sig));
        finish(std::move(j), [err](job& x) { x.fail(err); });
    }
    pump();
}

}  // namespace futures::detail::process

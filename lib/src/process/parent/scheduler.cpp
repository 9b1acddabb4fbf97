// pool_core's scheduler, on the I/O thread: which worker gets which jobs, in how
// many frames, and writing them.
//
// A round trip to a worker costs two cross-CPU wake-ups (tens of microseconds on
// small VMs), so per-call messages cap a pool of no-op calls at a few ten thousand
// a second. Two remedies, both only for calls known to be short (task_timing):
//  - gathering: one frame takes several queued jobs, up to about frame_budget of
//    work and a quarter of one worker's share of the queue; neighbours of one task
//    share a call_batch, so their arguments travel as one packed list;
//  - prefetch: a busy worker whose frame should end soon gets its next frame now,
//    so it never waits for the parent between frames (unless a worker is starting:
//    the queue is its first work).
// A task never seen to finish is treated as long: its jobs travel one per frame to
// an idle worker only, exactly as if none of this existed.
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/worker_handle.hpp>
#include <futures/remote_error.hpp>

#include <signal.h>

#include <algorithm>

#include <boost/asio/write.hpp>

namespace futures::detail::process {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr std::uint64_t frame_budget_ns = 1'000'000;      // work gathered into one frame
constexpr std::uint64_t prefetch_horizon_ns = 2'000'000;  // a frame ahead only behind one this short
constexpr std::size_t max_frames_in_flight = 2;
constexpr std::size_t max_jobs_per_frame = 4096;
// Small frames of many calls rather than big ones: a frame's buffers are reused
// from frame to frame, and fresh memory (page faults) costs more than the extra
// frames; 64 KiB is the default pipe's size.
constexpr std::size_t soft_frame_bytes = 64 * 1024;
constexpr std::uint64_t spin_horizon_ns = 200'000;  // poll through the wait for answers this close
constexpr auto linger_after_send = std::chrono::microseconds(50);

// The bytes a job adds to a frame, with room for its share of the envelope.
std::size_t wire_bytes(const job& j) {
    return j.args.byte_size() + (j.args.uniform() ? 0 : 4 * std::size_t(j.calls())) + 64;
}
}  // namespace

bool pool_core::can_take(const worker& w) const {
    if (w.state != worker::phase::ready || queue_.empty()) return false;
    if (max_tasks_per_child_ && w.jobs_sent >= *max_tasks_per_child_) return false;
    if (w.in_flight.empty()) return true;
    if (w.in_flight.size() >= max_frames_in_flight) return false;
    const auto& ahead = w.in_flight.back();
    if (ahead.expected_ns == 0 || ahead.expected_ns > prefetch_horizon_ns) return false;
    const job& j = *queue_.front();
    const std::uint64_t per = timing_.per_call_ns(j.task);
    return per != 0 && per * j.calls() <= prefetch_horizon_ns;
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
    // Idle workers first, oldest job first.
    for (auto& w : workers_)
        while (w->in_flight.empty() && can_take(*w)) send_frame(w);
    // Start workers on demand: one per queued job that no starting worker will take.
    std::size_t starting = 0;
    if (!forced_ && !is_broken_) {
        std::size_t live = 0;
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
    // Frames ahead for busy workers, but not while a worker is starting: what is
    // queued is its first work.
    if (starting == 0)
        for (auto& w : workers_)
            while (can_take(*w)) send_frame(w);
    for (auto& w : workers_) {
        if (!w->idle()) continue;
        const bool retiring = max_tasks_per_child_ && w->jobs_sent >= *max_tasks_per_child_;
        if (retiring || (closing_ && queue_.empty())) close_calls(w);
    }
    if (workers_.empty() && queue_.empty() && closing_) {
        std::lock_guard lk(m_);
        if (shutdown_) guard_.reset();  // the I/O thread ends when its last handler returns
    }
}

void pool_core::send_frame(const std::shared_ptr<worker>& w) {
    // A quarter of one worker's share of the queue at most, counting the workers the
    // pool may still start: estimates learnt from cheap calls can be wrong for the
    // next ones (a task's cost may depend on its arguments), and a worker that got
    // all of a backlog would leave the others idle. Four rounds per worker, as
    // Python's map chunks, leave room to rebalance.
    const std::size_t rounds = 4 * max_workers_;
    const std::size_t share = (queue_.size() + rounds - 1) / rounds;
    std::size_t limit = max_jobs_per_frame;
    if (max_tasks_per_child_) limit = std::min(limit, *max_tasks_per_child_ - w->jobs_sent);
    const std::size_t byte_cap = std::min(soft_frame_bytes, max_frame_ / 2);
    // The front frame is the one the worker runs: if it dies, that frame fails and
    // its arguments are never needed again. Frames behind it are sent back to the
    // queue instead, so their jobs keep their arguments until they reach the front.
    const bool front = w->in_flight.empty();

    frame_in_flight f;
    call_frame cf;
    std::uint64_t expected = 0;
    bool known = true;
    std::size_t bytes = 0, taken = 0;
    while (!queue_.empty() && f.jobs.size() < limit) {
        const job& head = *queue_.front();
        const std::uint64_t per = timing_.per_call_ns(head.task);
        const std::uint64_t cost = per * head.calls();
        if (!f.jobs.empty() && (!known || per == 0 || expected + cost > frame_budget_ns || f.jobs.size() >= share ||
                                bytes + wire_bytes(head) > byte_cap))
            break;
        auto j = std::move(queue_.front());
        queue_.pop_front();
        ++taken;
        if (!j->started) {
            bool run = false;
            try {
                run = j->state->set_running_or_notify_cancel();
            } catch (...) {  // finished by hand while queued: nothing to run
            }
            if (!run) continue;
            j->started = true;
        }
        known = known && per != 0;
        expected += cost;
        bytes += wire_bytes(*j);
        if (f.jobs.empty() || f.jobs.back()->task != j->task || f.jobs.back()->signature != j->signature)
            f.batches.push_back({0, next_id_});
        next_id_ += j->calls();
        ++f.batches.back().jobs;
        f.calls += j->calls();
        f.jobs.push_back(std::move(j));
    }
    // Neighbours of one task share a call_batch: their arguments back to back in
    // one list, allocated once.
    std::size_t k = 0;
    for (const auto& b : f.batches) {
        const std::size_t end = k + b.jobs;
        call_batch cb;
        cb.task = f.jobs[k]->task;
        cb.signature = f.jobs[k]->signature;
        cb.first_id = b.first_id;
        if (front && b.jobs == 1) {
            cb.args = std::move(f.jobs[k]->args);
        } else {
            std::size_t n = 0;
            for (std::size_t i = k; i < end; ++i) n += f.jobs[i]->args.byte_size();
            cb.args.reserve_bytes(n);
            for (std::size_t i = k; i < end; ++i) cb.args.append(f.jobs[i]->args);
        }
        if (front)
            for (std::size_t i = k; i < end; ++i) f.jobs[i]->args = {};
        cf.batches.push_back(std::move(cb));
        k = end;
    }
    if (taken > 0) {
        std::lock_guard lk(m_);
        queued_ -= taken;
        space_cv_.notify_all();
        for (std::size_t k = 0; k < taken; ++k) admit_deferred_locked();
    }
    if (f.jobs.empty()) return;  // everything taken had been cancelled
    // Straight into the worker's output buffer, whose capacity is reused: a large
    // frame then costs no fresh pages.
    std::string& out = w->writing ? w->out_next : w->out;
    try {
        encode_frame_to(out, message{std::move(cf)}, max_frame_);
    } catch (const std::exception& e) {
        // Only a single job can exceed the cap (the byte cap stops gathering first).
        for (auto& j : f.jobs) {
            auto err = std::make_exception_ptr(
                serialization_error("the call of task \"" + j->task + "\" cannot be sent: " + e.what()));
            finish_failed(std::move(j), err);
        }
        return;  // the worker stays as it was
    }
    f.expected_ns = known ? expected : 0;
    running_.fetch_add(f.calls, std::memory_order_relaxed);
    w->jobs_sent += f.jobs.size();
    w->in_flight.push_back(std::move(f));
    if (!w->writing) start_write(w);
    if (known && expected <= spin_horizon_ns) linger(expected);
}

void pool_core::send_initializer(const std::shared_ptr<worker>& w) {
    call_frame cf;
    cf.batches.push_back(*initializer_);
    cf.batches.back().first_id = next_id_++;
    try {
        encode_frame_to(w->out, message{std::move(cf)}, max_frame_);  // the first frame: nothing is being written
    } catch (const std::exception& e) {
        break_pool(std::string("the initializer cannot be sent: ") + e.what());
        return;
    }
    w->state = worker::phase::initializing;
    start_write(w);
}

void pool_core::linger(std::uint64_t expected_ns) {
    spin_until_ = std::max(spin_until_, clock::now() + std::chrono::nanoseconds(expected_ns) + linger_after_send);
}

void pool_core::start_write(const std::shared_ptr<worker>& w) {
    w->writing = true;
    asio::async_write(w->io.calls, asio::buffer(w->out), [this, w](error_code ec, std::size_t) {
        w->writing = false;
        w->out.clear();  // keeps its capacity for the next frame
        if (w->out.capacity() > (std::size_t(64) << 20)) w->out.shrink_to_fit();  // but not a huge one
        // A worker that cannot take its calls will not answer them: make sure it
        // ends, so that finalize() fails them instead of leaving them pending.
        if (ec) {
            w->out_next.clear();
            if (!w->exited) {
                if (w->protocol_error.empty()) w->protocol_error = "writing the call failed: " + ec.message();
                ::kill(w->pid, SIGKILL);
            }
            return;
        }
        if (!w->out_next.empty()) {
            std::swap(w->out, w->out_next);
            start_write(w);
        }
    });
}

}  // namespace futures::detail::process

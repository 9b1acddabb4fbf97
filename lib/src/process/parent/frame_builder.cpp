// The frame builder (see frame_builder.hpp for the rules and why).
#include <futures/detail/process/parent/frame_builder.hpp>

#include <algorithm>

namespace futures::detail::process {

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

// The bytes a job adds to a frame, with room for its share of the envelope.
std::size_t wire_bytes(const job& j) {
    return j.args.byte_size() + (j.args.uniform() ? 0 : 4 * std::size_t(j.calls())) + 64;
}

// Whether j's future may run: asked once (a job sent again is not asked twice).
bool start(job& j) {
    if (j.started) return !j.state->done();  // sent again: unless cancelled while running
    try {
        j.started = j.state->set_running_or_notify_cancel();
    } catch (...) {  // finished by hand while queued: nothing to run
    }
    return j.started;
}
}  // namespace

bool frame_builder::can_take(const worker_record& w, const job_queue& queue) const {
    if (w.state != worker_record::phase::ready || w.retiring || queue.empty()) return false;
    if (limits_.max_tasks_per_child && w.jobs_sent >= *limits_.max_tasks_per_child) return false;
    if (w.in_flight.empty()) return true;
    if (w.in_flight.size() >= max_frames_in_flight) return false;
    // A call's timeout runs from when its worker starts it: only an idle worker's
    // start is known.
    if (queue.front()->timeout) return false;
    const auto& ahead = w.in_flight.back();
    if (ahead.expected_ns == 0 || ahead.expected_ns > prefetch_horizon_ns) return false;
    const job& j = *queue.front();
    const std::uint64_t per = timing_.per_call_ns(j.task);
    return per != 0 && per * j.calls() <= prefetch_horizon_ns;
}

built_frame frame_builder::build(const worker_record& w, job_queue& queue) {
    // A quarter of one worker's share of the queue at most, counting the workers the
    // pool may still start: estimates learnt from cheap calls can be wrong for the
    // next ones (a task's cost may depend on its arguments), and a worker that got
    // all of a backlog would leave the others idle. Four rounds per worker, as
    // Python's map chunks, leave room to rebalance.
    const std::size_t rounds = 4 * limits_.max_workers;
    const std::size_t share = (queue.size() + rounds - 1) / rounds;
    std::size_t limit = max_jobs_per_frame;
    if (limits_.max_tasks_per_child) limit = std::min(limit, *limits_.max_tasks_per_child - w.jobs_sent);
    const std::size_t byte_cap = std::min(soft_frame_bytes, limits_.max_frame / 2);
    // The front frame is the one the worker runs: if it dies, that frame fails and
    // its arguments are never needed again. Frames behind it are sent back to the
    // queue instead, so their jobs keep their arguments until they reach the front.
    const bool front = w.in_flight.empty();

    built_frame out;
    frame_in_flight& f = out.record;
    std::uint64_t expected = 0;
    bool known = true;
    std::size_t bytes = 0;
    while (!queue.empty() && f.jobs.size() < limit) {
        const job& head = *queue.front();
        const std::uint64_t per = timing_.per_call_ns(head.task);
        const std::uint64_t cost = per * head.calls();
        // A timed call travels alone: its timeout kills the worker, and must not
        // take frame-mates with it.
        if (!f.jobs.empty() && (limits_.one_call_per_frame || head.timeout || f.jobs.front()->timeout || !known || per == 0 || expected + cost > frame_budget_ns || f.jobs.size() >= share ||
                                bytes + wire_bytes(head) > byte_cap))
            break;
        auto j = std::move(queue.front());
        queue.pop_front();
        ++out.taken;
        if (!start(*j)) continue;
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
    // Neighbours of one task share a call_batch: their arguments back to back in one
    // list, allocated once.
    std::size_t k = 0;
    for (const auto& b : f.batches) {
        const std::size_t end = k + b.jobs;
        call_batch cb;
        cb.task = f.jobs[k]->task;
        cb.signature = f.jobs[k]->signature;
        cb.first_id = b.first_id;
        if (front && b.jobs == 1) {
            cb.args = std::move(f.jobs[k]->args);
        } else if (b.jobs == 1) {
            // Sent ahead: the job keeps its list (it may be sent again), and the frame
            // reads it where it lies; a large value is not copied into fresh pages.
            cb.args = packed_values::borrow(f.jobs[k]->args);
        } else {
            std::size_t n = 0;
            for (std::size_t i = k; i < end; ++i) n += f.jobs[i]->args.byte_size();
            cb.args.reserve_bytes(n);
            for (std::size_t i = k; i < end; ++i) cb.args.append(f.jobs[i]->args);
        }
        if (front)
            for (std::size_t i = k; i < end; ++i) f.jobs[i]->args = {};
        out.message.batches.push_back(std::move(cb));
        k = end;
    }
    f.expected_ns = known ? expected : 0;
    if (f.jobs.size() == 1) f.timeout = f.jobs.front()->timeout;
    if (!f.jobs.empty() && known && expected <= spin_horizon_ns) out.linger_ns = expected;
    return out;
}

call_frame frame_builder::initializer_frame(call_batch init) {
    call_frame cf;
    init.first_id = next_id_++;
    cf.batches.push_back(std::move(init));
    return cf;
}

}  // namespace futures::detail::process

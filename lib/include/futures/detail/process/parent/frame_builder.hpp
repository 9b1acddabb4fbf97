#pragma once
// The frame builder: which queued jobs a worker gets next, as one call frame. Pure
// logic over the queue, the workers' records and the tasks' timings: no process,
// no I/O, so it is unit-tested with made-up timings (test/process/
// test_process_frame_builder.cpp). I/O thread only.
//
// A round trip to a worker costs two cross-CPU wake-ups (tens of microseconds on
// small VMs), so one message per call caps a pool of no-op calls at a few ten
// thousand a second. Two remedies, both only for calls known to be short
// (task_timing):
//  - gathering: one frame takes several queued jobs, up to about frame_budget of
//    work and a quarter of one worker's share of the queue; neighbours of one task
//    share a call_batch, so their arguments travel as one packed list;
//  - one frame ahead: a busy worker whose frame should end soon gets its next frame
//    now, so it never waits for the parent between frames.
// A task never seen to finish is treated as long: its jobs travel one per frame to
// an idle worker only, exactly as if none of this existed.
#include <cstddef>
#include <cstdint>
#include <optional>

#include <futures/detail/process/parent/job.hpp>
#include <futures/detail/process/parent/task_timing.hpp>
#include <futures/detail/process/parent/worker_record.hpp>
#include <futures/detail/process/protocol/limits.hpp>
#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

struct frame_limits {
    std::size_t max_workers = 1;  // the quarter-share rule counts every worker the pool may start
    std::optional<std::size_t> max_tasks_per_child;
    std::size_t max_frame = default_max_frame;
    bool one_call_per_frame = false;  // cancel_running_calls: a cancel kills no frame-mate
};

/// One frame, ready to send.
struct built_frame {
    frame_in_flight record;  // the jobs it carries, for matching the answer
    call_frame message;
    std::size_t taken = 0;  // jobs that left the queue (cancelled ones included)
    /// Set when the frame is known to be short: the I/O thread should poll for
    /// about this long rather than sleep (io_thread::linger).
    std::optional<std::uint64_t> linger_ns;
};

class frame_builder {
public:
    explicit frame_builder(frame_limits limits) : limits_(limits) {}

    /// Whether w takes a frame now: ready, something queued, under
    /// max_tasks_per_child, and idle, or (one frame ahead) busy with a frame due to
    /// end soon while the queue's head is known to be short too.
    bool can_take(const worker_record& w, const job_queue& queue) const;
    /// Takes w's next frame off the front of the queue: the futures become RUNNING
    /// (a cancelled job is dropped); call ids are assigned. Jobs that go to an idle
    /// worker give their arguments to the frame; those sent ahead keep them, in
    /// case the worker dies before it starts them, and a frame of one such job
    /// borrows them (packed_values::borrow): send the frame before the queue or
    /// the jobs change. `record.jobs` is empty if every
    /// job taken had been cancelled.
    built_frame build(const worker_record& w, job_queue& queue);
    /// The pool's initializer as a frame of its own.
    call_frame initializer_frame(call_batch init);

    /// What the workers report about each task's calls.
    task_timing& timing() noexcept { return timing_; }
    const frame_limits& limits() const noexcept { return limits_; }

private:
    const frame_limits limits_;
    task_timing timing_;
    std::uint64_t next_id_ = 1;
};

}  // namespace futures::detail::process

#pragma once
// The parent's record of one worker, as the scheduler sees it. Owned by the
// dispatcher and touched only on the I/O thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <futures/detail/process/parent/job.hpp>
#include <futures/detail/process/parent/transport.hpp>

namespace futures::detail::process {

/// A call frame sent to a worker and not fully answered yet.
struct frame_in_flight {
    std::vector<std::shared_ptr<job>> jobs;  // in call order
    struct batch {
        std::uint32_t jobs = 0;      // how many of the jobs, in order, this call_batch carries
        std::uint64_t first_id = 0;  // its first call's id
    };
    std::vector<batch> batches;
    std::size_t answered = 0;  // batches answered so far
    std::size_t next_job = 0;  // first job of the next unanswered batch
    std::size_t calls = 0;
    std::uint64_t expected_ns = 0;  // the scheduler's estimate; 0: unknown
    std::optional<std::chrono::nanoseconds> timeout;  // its one job's call_options::timeout
};

/// The pool's record of one worker: where it is in its life and which frames it
/// has. The link itself (bytes, process, loss) is its channel's.
struct worker_record {
    enum class phase {
        starting,      // spawned, no hello yet
        initializing,  // running the pool's initializer
        ready,         // takes frames (idle when nothing is in flight)
        closing,       // channel closed (shutdown or max_tasks_per_child): exit expected
    };

    explicit worker_record(std::shared_ptr<channel> c, std::size_t s = 0) : link(std::move(c)), slot(s) {}

    std::shared_ptr<channel> link;
    std::size_t slot = 0;  // which of max_workers places it takes
    phase state = phase::starting;
    std::deque<frame_in_flight> in_flight;  // oldest first: the worker answers in order
    std::size_t jobs_sent = 0;              // for max_tasks_per_child
    bool completed = false;                 // answered a call: its death is no crash loop
    bool retiring = false;                  // above max_worker_rss_bytes: takes no more frames
    bool stopped_by_pool = false;           // killed for its front frame's timeout or cancel: no crash
    /// When the front frame's timeout ends; max() when it has none.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

    bool idle() const noexcept { return state == phase::ready && in_flight.empty(); }
};

}  // namespace futures::detail::process

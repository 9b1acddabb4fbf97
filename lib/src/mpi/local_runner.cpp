// The hybrid layout: a serving rank hands each call_batch to its own process pool
// (pipe workers, children of this rank) as raw bytes, and answers with their
// results. A task that crashes kills a child, not the rank: its calls fail with
// terminated_worker_error, reported across MPI like any exception of a task.
#include <futures/detail/mpi/serve.hpp>
#include <futures/detail/process/parent/job.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/future.hpp>
#include <futures/process_pool_options.hpp>

#include <chrono>

namespace futures::detail::mpi {
namespace {

namespace p = detail::process;

// One call_batch as it came from the root: its arguments stay bytes, and its
// answer is the slice of the local worker's result batch.
struct raw_job final : p::job {
    std::string sig;  // owns what `signature` views
    future<std::optional<p::result_slice>> fut;
    void complete(const p::result_slice& rs, pid_t) override {
        static_cast<shared_state<std::optional<p::result_slice>>&>(*state).try_set_value(rs);
    }
};

p::result_batch answer(std::uint64_t first_id, std::uint32_t n, const future<std::optional<p::result_slice>>& f) {
    p::result_batch rb;
    rb.first_id = first_id;
    std::optional<p::result_slice> rs;
    try {
        rs = f.result();
    } catch (...) {
        const p::failure why = p::capture_failure(p::failure_phase::run);
        for (std::uint32_t k = 0; k < n; ++k) p::add_failure(rb, k, why);
        return rb;
    }
    std::uint32_t k = 0;
    rs->for_each(n, [&](const p::failure* fl, std::string_view bytes) {
        if (fl)
            p::add_failure(rb, k, *fl);
        else
            rb.values.append(bytes);
        ++k;
    });
    return rb;
}

}  // namespace

struct local_runner::impl {
    p::pool_core core;
    explicit impl(process_pool_options o) : core(std::move(o)) {}
};

local_runner::local_runner(std::size_t workers, std::size_t max_frame) {
    process_pool_options o;
    o.max_workers = workers;
    o.max_frame_bytes = max_frame;
    p_ = std::make_unique<impl>(std::move(o));
}

local_runner::~local_runner() { p_->core.shutdown(true, true); }

p::result_frame local_runner::run(p::call_frame& f) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<raw_job>> jobs;
    p::result_frame rf;
    for (auto& b : f.batches) {
        if (b.initializer) {  // the pool's initializer runs in the rank itself
            jobs.push_back(nullptr);
            continue;
        }
        b.args.check();
        auto j = std::make_shared<raw_job>();
        j->state = j->fut.native_state();
        j->task = b.task;
        j->sig = b.signature;
        j->signature = j->sig;
        j->set_args(std::move(b.args));
        jobs.push_back(j);
        p_->core.submit(j);
    }
    for (std::size_t k = 0; k < f.batches.size(); ++k) {
        auto& b = f.batches[k];
        rf.batches.push_back(jobs[k] ? answer(b.first_id, jobs[k]->calls(), jobs[k]->fut) : p::run_batch(b));
        rf.batches.back().elapsed_ns = std::uint64_t(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    }
    return rf;
}

}  // namespace futures::detail::mpi

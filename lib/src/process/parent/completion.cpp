// Where a job's future is completed: here on the I/O thread, or on the completion
// executor, which counts the job as outstanding work from submit() until then.
#include <futures/detail/admission_rules.hpp>
#include <futures/detail/process/parent/completion.hpp>

namespace futures::detail::process {

void completion::track(job& j) const {
    if (ex_ && !j.work) j.work.emplace(tracked_work(*ex_));
}

void completion::finish(std::shared_ptr<job> j, job_end end) const {
    auto run = [](job& x, job_end& e) {
        try {
            if (e.results)
                x.complete(*e.results, e.pid);
            else if (e.error)
                x.fail(e.error);
            else
                x.state->cancel();
        } catch (...) {  // complete() reports its own failures; this is a last resort
            x.fail(std::current_exception());
        }
    };
    if (!j->work) {
        run(*j, end);
        return;
    }
    // The posted handler is itself work on that executor's context, so the tracked
    // executor may go as soon as it is posted.
    auto ex = std::move(*j->work);
    j->work.reset();
    post_completion(std::move(ex), [j = std::move(j), end = std::move(end), run]() mutable { run(*j, end); });
}

}  // namespace futures::detail::process

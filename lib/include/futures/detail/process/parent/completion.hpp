#pragma once
// How a job ends: from its results, with an error, or cancelled; at once on the I/O
// thread, or posted to the pool's completion executor when the options name one.
#include <exception>
#include <memory>
#include <optional>

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>

#include <futures/detail/process/parent/job.hpp>

namespace futures::detail::process {

/// How a job ends: from its results, with an error, or (neither) cancelled.
struct job_end {
    std::optional<result_slice> results;
    std::exception_ptr error;
    pid_t pid = 0;
};

class completion {
public:
    explicit completion(std::optional<boost::asio::any_io_executor> ex) : ex_(std::move(ex)) {}

    /// From submit() on: counts j as outstanding work of the completion executor,
    /// so that its context's run() does not return while j's future is pending.
    void track(job& j) const;
    /// Ends j: at once, or posted to the completion executor (then j's tracked work
    /// is released once posted). A complete() that throws fails j with that.
    void finish(std::shared_ptr<job> j, job_end end) const;
    void fail(std::shared_ptr<job> j, std::exception_ptr e) const { finish(std::move(j), {{}, std::move(e), 0}); }
    void cancel(std::shared_ptr<job> j) const { finish(std::move(j), {}); }

private:
    const std::optional<boost::asio::any_io_executor> ex_;
};

}  // namespace futures::detail::process

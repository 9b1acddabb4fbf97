#pragma once
// A job: what one frame carries to a worker (one submit, or one map chunk), and
// how to complete its future from the worker's answers. Type-erased here so that
// the pool core is not a template.
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>

#include <futures/detail/process/messages.hpp>
#include <futures/detail/shared_state.hpp>

namespace futures::detail::process {

/// One call of a job, in the parent. A job runs one task: the first call's task and
/// signature name it (map leaves them empty in the others), and are sent once per
/// frame (call_batch).
struct job_call {
    std::uint64_t id = 0;  // assigned when the job is sent
    std::string task;
    std::string signature;
    std::string args;  // dropped once the frame is encoded
};

struct job {
    boost::intrusive_ptr<state_base> state;
    std::vector<job_call> calls;
    /// Completes the future from one result per call, in call order. Runs on the
    /// pool's I/O thread and must not throw (it reports failures into the future).
    std::function<void(std::vector<result_item>&, pid_t)> complete;
    /// The pool's completion executor with outstanding work tracked, when it has one:
    /// keeps that executor's context from running out of work while this job is
    /// pending. Released when the completion is posted there (or the job dropped).
    std::optional<boost::asio::any_io_executor> work;

    /// Fails the future unless it is already done. Never throws.
    void fail(std::exception_ptr e) noexcept { state->try_set_exception(std::move(e)); }
};

/// The exception a worker's failure report turns into in the parent: remote_error,
/// or remote_exception<E> for common standard exceptions.
std::exception_ptr rebuild_exception(const failure& f, const std::string& task, pid_t pid);

}  // namespace futures::detail::process

#pragma once
// Errors of the process pool, beyond those of errors.hpp:
//
//   remote_details                       (mixin: what the worker said about it)
//   std::runtime_error
//    ├─ futures::remote_error            a task threw a type we do not rebuild
//    ├─ futures::serialization_error     the parent could not write the arguments or
//    │                                   read the result (that future only)
//    └─ futures::broken_executor
//        └─ broken_process_pool
//            └─ terminated_worker_error  the worker running the call died
//   remote_exception<E> : E, remote_details
//                                        a task threw a common standard exception E
//                                        (invalid_argument, out_of_range, ...):
//                                        re-thrown as E, so existing catch clauses
//                                        work, with the remote details attached.
//
// Like Python's _RemoteTraceback, the worker's backtrace travels as text. Find it on
// any caught exception with remote_details_of(e).
#include <sys/types.h>
#include <optional>
#include <stdexcept>
#include <string>

#include <futures/errors.hpp>

namespace futures {

/// What the worker reported about a failure.
class remote_details {
public:
    remote_details() = default;
    remote_details(std::string type, std::string message, std::string traceback, pid_t pid)
        : type_(std::move(type)), message_(std::move(message)), traceback_(std::move(traceback)), pid_(pid) {}
    virtual ~remote_details() = default;

    /// The demangled dynamic type of the exception in the worker ("std::out_of_range").
    const std::string& remote_type() const noexcept { return type_; }
    /// Its what() in the worker.
    const std::string& remote_what() const noexcept { return message_; }
    /// The worker's backtrace (Boost.Stacktrace text). It shows the throw site when
    /// the task threw with futures::throw_with_trace(), else the worker's catch site.
    const std::string& remote_traceback() const noexcept { return traceback_; }
    /// The worker's process id.
    pid_t remote_pid() const noexcept { return pid_; }

private:
    std::string type_, message_, traceback_;
    pid_t pid_ = 0;
};

/// A task threw something that is not rebuilt as its own type; also a failure of
/// the worker to find the task, to load the arguments or to save the result.
/// what(): "<type>: <message>", prefixed by the phase when it was not the call.
class remote_error : public std::runtime_error, public remote_details {
public:
    remote_error(const std::string& what, remote_details d) : std::runtime_error(what), remote_details(std::move(d)) {}
};

/// A standard exception E thrown by a task, rebuilt with the same what().
template <class E>
class remote_exception final : public E, public remote_details {
public:
    remote_exception(const std::string& what, remote_details d) : E(what), remote_details(std::move(d)) {}
};

/// The details if e came from a worker, else nullptr.
inline const remote_details* remote_details_of(const std::exception& e) noexcept {
    return dynamic_cast<const remote_details*>(&e);
}

/// The arguments could not be serialized in the parent, or the result could not be
/// deserialized there (or a frame was larger than the pool's max_frame_bytes).
/// Only that future fails; the pool and the worker stay healthy.
class serialization_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The worker running the call died (exit, _exit, abort, a signal, or lost its
/// protocol pipes). what() names the pid and the exit code or the signal.
class terminated_worker_error : public broken_process_pool {
public:
    terminated_worker_error(const std::string& what, pid_t pid, std::optional<int> exit_code, std::optional<int> signal)
        : broken_process_pool(what), pid_(pid), exit_code_(exit_code), signal_(signal) {}
    pid_t pid() const noexcept { return pid_; }
    /// Set when the worker exited (its status), unset when a signal killed it.
    std::optional<int> exit_code() const noexcept { return exit_code_; }
    /// Set when a signal killed the worker (SIGSEGV, SIGKILL, ...).
    std::optional<int> signal() const noexcept { return signal_; }

private:
    pid_t pid_;
    std::optional<int> exit_code_, signal_;
};

}  // namespace futures

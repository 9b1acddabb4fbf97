#pragma once
// The exception family mirrors Python's concurrent.futures hierarchy so that code
// ported from Python catches the same things:
//
//   std::runtime_error
//    ├─ futures::error                  (concurrent.futures._base.Error)
//    │   ├─ futures::cancelled_error     (CancelledError)
//    │   └─ futures::invalid_state_error (InvalidStateError)
//    ├─ futures::timeout_error           (builtins.TimeoutError)
//    └─ futures::broken_executor         (BrokenExecutor, a RuntimeError)
//        ├─ futures::broken_thread_pool  (BrokenThreadPool)
//        └─ futures::broken_process_pool (BrokenProcessPool)
//
// Submitting to a shut-down executor throws a plain std::runtime_error, as Python
// raises a plain RuntimeError. Every type is catchable as std::exception.
#include <stdexcept>
#include <string>

namespace futures {

/// Base of the errors that describe a future's own state.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown by result()/exception() of a cancelled future.
class cancelled_error : public error {
public:
    cancelled_error() : error("the future was cancelled") {}
    using error::error;
};

/// Thrown by set_result()/set_exception() on a future that is already done.
/// what() is "<STATE>: <repr>", as in Python.
class invalid_state_error : public error {
public:
    using error::error;
};

/// Thrown when a timed wait ends before the future is done. as_completed() and
/// map() put "N (of M) futures unfinished" in what().
class timeout_error : public std::runtime_error {
public:
    timeout_error() : std::runtime_error("timed out") {}
    using std::runtime_error::runtime_error;
};

/// An executor that can no longer run work; pending futures fail with it.
class broken_executor : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A thread pool whose initializer failed.
class broken_thread_pool : public broken_executor {
public:
    using broken_executor::broken_executor;
};

/// A process pool that lost a worker (or its restart budget) and cannot go on.
class broken_process_pool : public broken_executor {
public:
    using broken_executor::broken_executor;
};

}  // namespace futures

#pragma once
// throw_with_trace(e): throws e with the current backtrace attached, so that a task
// failing in a worker reports the throw site (remote_details::remote_traceback())
// rather than the worker's catch site. Boost 1.81 cannot recover the throw site of
// an arbitrary exception (from_current_exception() arrived in 1.85).
#include <boost/exception/enable_error_info.hpp>
#include <boost/exception/error_info.hpp>
#include <boost/exception/info.hpp>
#include <boost/stacktrace.hpp>

namespace futures {

using traced = boost::error_info<struct traced_tag, boost::stacktrace::stacktrace>;

/// Throws e (still catchable as its own type) carrying the current backtrace.
template <class E>
[[noreturn]] void throw_with_trace(const E& e) {
    throw boost::enable_error_info(e) << traced(boost::stacktrace::stacktrace());
}

}  // namespace futures

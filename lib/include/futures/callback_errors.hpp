#pragma once
// Where exceptions thrown by done-callbacks go. Python logs them on the
// "concurrent.futures" logger and carries on; we report them to a handler and carry
// on: the other callbacks still run and nothing propagates into the thread that
// completed the future.
#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace futures {

/// Receives the callback's exception and the repr() of the future it was called for.
/// Called on the thread that ran the callback; must not throw.
using callback_error_handler = std::function<void(std::exception_ptr, std::string_view future_repr)>;

/// Installs h and returns the previous handler. An empty h restores the default,
/// which sends "futures: exception calling callback for <repr>: <type>: <what>" to
/// the log handler (log.hpp; by default, stderr). Thread-safe.
callback_error_handler set_callback_error_handler(callback_error_handler h);

namespace detail {
void report_callback_error(std::exception_ptr e, const std::string& future_repr) noexcept;
}

}  // namespace futures

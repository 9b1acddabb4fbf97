#pragma once
// Where the library's diagnostics go: worker deaths, failed initializers,
// exceptions from done-callbacks (through the default callback_error_handler),
// misuse of the worker flag. One line each, in one place, so a program can route
// them into its own logging.
#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace futures {

/// How bad a diagnostic is. error: something failed (a call, a worker, the
/// pool); warning: the library recovered (a worker was replaced).
enum class log_level { warning, error };

/// Receives one line (no trailing newline), beginning with "futures". Called on
/// whichever thread hit the condition (a pool thread, the process pool's I/O
/// thread, a thread running done-callbacks), possibly on several at once; must
/// not throw (what it throws is dropped) and should not block for long.
using log_handler = std::function<void(log_level, std::string_view line)>;

/// Installs h and returns the previous handler. An empty h restores the default,
/// which writes the line and a newline to stderr with one write, so lines from
/// several threads do not interleave. Thread-safe.
log_handler set_log_handler(log_handler h);

namespace detail {
/// Sends one line to the installed handler (or stderr). Never throws.
void log_line(log_level level, std::string_view line) noexcept;
/// "<demangled type>: <what()>" of e, or "unknown exception".
std::string describe_exception(std::exception_ptr e);
}  // namespace detail

}  // namespace futures

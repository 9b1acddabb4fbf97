#pragma once
// Which binary a process pool starts as its workers, decided once, when the pool
// is constructed.
#include <string>

namespace futures::detail::process {

/// The absolute path of the worker binary for process_pool_options::worker_executable
/// `given`: empty means this executable (/proc/self/exe); a name without '/' is
/// looked up in PATH as execvp does (an empty PATH entry is the current directory;
/// no PATH: confstr's default); a path with '/' is taken relative to the current
/// directory. Resolved now, so a later chdir() or PATH change does not matter.
/// Throws std::invalid_argument naming what was tried if nothing executable is
/// found. In a relaunched worker that never entered the worker loop it exits
/// instead (lost_worker.hpp).
std::string resolve_worker_executable(const std::string& given);

}  // namespace futures::detail::process

#pragma once
// The parent's side of the fork server (fork_server.hpp, docs/pool-start.md): one
// per process, shared by every pool whose worker binary it runs.
#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include <futures/detail/process/fork_server.hpp>

namespace futures::detail::process {

/// Starts the server for the worker binary `exe` (an absolute path) unless one runs.
/// Throws std::system_error if it cannot be started.
void start_fork_server_for(const std::string& exe);

/// A worker forked by the server for `exe`, on fds (fork_server.hpp's passed_fds:
/// pipe ends and regions, which stay open here), with no signal blocked and RLIMIT_AS at `address_space` (0: none): its
/// pid, a child of this process. -1 if no server runs for `exe`, or if it failed (it is then given up, and the caller
/// spawns instead). Thread-safe; blocks for the round trip.
pid_t fork_from_server(const std::string& exe, const int (&fds)[passed_fds], std::size_t max_frame,
                       std::size_t shm_threshold, std::size_t address_space);

/// The server's pid, -1 if none runs (for tests).
pid_t fork_server_pid();

}  // namespace futures::detail::process

#pragma once
// Catching a relaunched worker whose main() does not call run_worker_if_requested.
//
// Without this check such a worker runs the program's main() again, which starts
// its own pool, whose workers do the same: a chain of processes, each parent
// seeing its children "die while starting". Instead, a process started with the
// worker flag that creates a process_pool_executor before entering the worker
// loop says what to fix on stderr and exits at once with lost_worker_status; the
// parent recognises that status (or a plain exit before the handshake) and breaks
// the pool with the same advice, so every pending call fails within moments.
#include <string>

namespace futures::detail::process {

/// The exit status of a worker that never entered the worker loop (86: unused by
/// the C library, the shells and sysexits.h).
inline constexpr int lost_worker_status = 86;

/// Records that this process runs (or ran) the worker loop: pools it creates from
/// then on, in a task say, are legitimate.
void enter_worker_loop() noexcept;

/// Whether this process was started by a pool, as a worker or as the fork server
/// (argv[1] as the kernel saw it), whether or not it entered its loop yet.
bool started_by_a_pool();

/// If this process was started as a pool worker and has not entered the worker
/// loop, prints why on stderr and exits with lost_worker_status (never returns).
/// Otherwise does nothing. Called when a process_pool_executor is constructed.
void exit_if_lost_worker();

/// The parent's error for a worker of `exe` that exited before its handshake with
/// `how` (e.g. "exit code 86").
std::string lost_worker_error(const std::string& exe, const std::string& how);

}  // namespace futures::detail::process

#pragma once
// Starting one worker process with Boost.Process v2, working around its 1.81
// defects (docs/boost-1.81.md, "Spawning"): every inherited fd but the two protocol pipes and
// the standard streams is closed in the child (P1), a failed exec is reaped (P2),
// the fork happens on a private io_context that no other thread touches (P4), and
// no signal can run the parent's handlers in the child before it execs.
#include <signal.h>

#include <cstddef>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/process/v2/process.hpp>

namespace futures::detail::process {

struct spawned_worker {
    boost::process::v2::process proc;    // bound to the pool's io_context
    boost::asio::writable_pipe calls;    // parent -> worker
    boost::asio::readable_pipe results;  // worker -> parent
};

/// Starts `exe --futures-worker <call fd> <result fd> <parent pid> <max frame>`.
/// Must run on the thread that owns spawn_ctx (never run, never shared), with
/// every signal blocked; the child execs with reset_worker_signals() applied and,
/// unless address_space is 0, RLIMIT_AS set to it. The returned objects live on
/// io. Throws std::system_error if the start fails.
spawned_worker spawn_worker(boost::asio::io_context& io, boost::asio::io_context& spawn_ctx, const std::string& exe,
                            std::size_t max_frame, std::size_t address_space);

/// In a forked child before exec (async-signal-safe): every handled signal back
/// to its default, an ignored SIGTERM too (a worker must die of the SIGTERM that
/// terminate_workers() sends; other ignored signals stay ignored, as exec keeps
/// them: nohup's SIGHUP), and an empty signal mask, whatever the thread that
/// started the pool had blocked (servers block SIGTERM/SIGINT for a signal_set).
void reset_worker_signals() noexcept;

/// This executable's path, for relaunching it as a worker.
std::string self_executable();

}  // namespace futures::detail::process

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

/// The shared regions a worker inherits (shm_region.hpp) and the frame size from
/// which frames travel through them (0: never).
struct worker_regions {
    int calls = -1, results = -1;
    std::size_t threshold = 0;
};

/// Starts `exe --futures-worker <call fd> <result fd> <parent pid> <max frame>
/// <call region fd> <result region fd> <shm threshold>`.
/// Must run on the thread that owns spawn_ctx (never run, never shared), with
/// every signal blocked; the child starts with reset_worker_signals() applied and,
/// unless address_space is 0, RLIMIT_AS set to it (child_setup.hpp). The returned
/// objects live on io. Throws std::system_error if the start fails. fork_server: ask
/// the fork server first (fork_server_client.hpp); the same pipes and arguments, a
/// fork of the server instead of an exec.
spawned_worker spawn_worker(boost::asio::io_context& io, boost::asio::io_context& spawn_ctx, const std::string& exe,
                            std::size_t max_frame, const worker_regions& regions, std::size_t address_space,
                            bool fork_server = false);

/// This executable's path, for relaunching it as a worker.
std::string self_executable();

}  // namespace futures::detail::process

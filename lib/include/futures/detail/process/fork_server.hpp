#pragma once
// The fork server (docs/pool-start.md): a copy of the worker binary started once,
// early, that forks a pool's workers on request, so that a worker costs a fork of a
// small, already linked process instead of an exec of the whole program. What both
// sides of its socket agree on.
#include <signal.h>

#include <cstddef>
#include <cstdint>

namespace futures::detail::process {

/// argv[1] of the server: `exe --futures-fork-server <socket fd> <parent pid>`.
inline constexpr const char* fork_server_flag = "--futures-fork-server";

/// The fds a request carries (SCM_RIGHTS), in this order: the worker's call pipe
/// (read end), its result pipe (write end), its call region and its result region
/// (shm_region.hpp).
inline constexpr int passed_fds = 4;

/// One request on the server's SOCK_SEQPACKET socket, sent with passed_fds fds.
struct fork_request {
    std::uint64_t max_frame;
    std::uint64_t shm_threshold;  // frames this large go through the regions (0: never)
    std::uint64_t address_space;  // the worker's RLIMIT_AS (0: none)
};

/// Spares: workers forked ahead of the requests, waiting for their pipes, so that a
/// request is a hand-over to a process that is already running (pool-start.md).
inline constexpr int max_spares = 2;

/// What the server sends: after each request its answer, and after each change of
/// its spares their pids. A spare whose server died says so on the same socket
/// before it exits. The spares are the parent's children: it reaps them when the
/// server fails.
struct fork_note {
    enum kind_t : std::int32_t { answer, spares_changed, spare_exiting } kind;
    std::int64_t pid_or_error;        // answer: the worker's pid, or -errno; spare_exiting: its pid
    std::int64_t spares[max_spares];  // the spares now waiting; 0 for none
};

/// One message with passed_fds fds (SCM_RIGHTS) on a SOCK_SEQPACKET socket. False
/// if it was not sent whole.
bool send_with_fds(int sock, const void* data, std::size_t n, const int (&fds)[passed_fds]);

/// One message and, if it came with exactly passed_fds, its fds (else all -1;
/// received close-on-exec). Returns recvmsg's result: 0 at EOF, -1 on error; truncated
/// control data counts as no fds.
long receive_with_fds(int sock, void* data, std::size_t n, int (&fds)[passed_fds]);

/// The server's main(): serves requests until its parent closes the socket, or
/// dies. A forked worker returns from here too, with the worker loop's status.
int fork_server_main(int argc, char** argv);

}  // namespace futures::detail::process

#pragma once
// What every new worker does to itself before it runs a call, whether it was
// exec'd (parent/spawn.cpp) or forked by the fork server (worker/fork_server.cpp):
// both paths call these, so the two kinds of worker start alike. Both are
// async-signal-safe (they run between fork and exec).
#include <cstddef>

namespace futures::detail::process {

/// Every handled signal back to its default, an ignored SIGTERM too (a worker must
/// die of the SIGTERM that terminate_workers() sends; other ignored signals stay
/// ignored, as exec keeps them: nohup's SIGHUP), and an empty signal mask, whatever
/// the thread that started the pool had blocked (servers block SIGTERM/SIGINT for
/// an asio::signal_set).
void reset_worker_signals() noexcept;

/// The last step of reset_worker_signals() alone: an empty signal mask. For a
/// worker forked by the fork server, whose handlers are already those of a fresh
/// start (the server was spawned with default handlers, then ran the same start-up
/// as an exec'd worker: a sanitizer's handlers, say), so only the mask is reset.
void unblock_all_signals() noexcept;

/// RLIMIT_AS to `bytes` (process_pool_options::worker_address_space_bytes); 0: no
/// change. Returns errno on failure, 0 on success.
int cap_address_space(std::size_t bytes) noexcept;

}  // namespace futures::detail::process

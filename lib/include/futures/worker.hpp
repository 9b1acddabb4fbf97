#pragma once
// The worker side of process_pool_executor. A worker is a separate executable that
// links the same FUTURES_TASK registrations as the parent. Two ways to get one:
//
// 1. Relaunch the parent's own executable (like Python's "spawn"); the default.
//    Make this the first line of main():
//
//        int main(int argc, char** argv) {
//            futures::run_worker_if_requested(argc, argv);
//            ...
//
// 2. A separate worker binary, named in process_pool_options::worker_executable:
//
//        // worker.cpp
//        #include <futures/worker.hpp>
//        int main(int argc, char** argv) { return futures::worker_main(argc, argv); }
//
//        # CMake: the tasks' sources go into both the parent and the worker
//        add_executable(my_worker worker.cpp tasks.cpp)
//        target_link_libraries(my_worker PRIVATE futures::futures)
//
// A worker talks to its parent on two dedicated pipes (never its stdout), so what
// tasks print goes to the parent's stdout/stderr as usual. It exits when the parent
// closes the call pipe, when the parent dies (PR_SET_PDEATHSIG, plus a getppid check
// for the race at start), or when a write to the parent fails.

#include <string>

namespace futures {

/// If argv marks this process as a pool worker, runs the worker loop and exits the
/// process (std::exit) when the parent lets it go; otherwise returns at once, doing
/// nothing. Call it before anything else in main() (before threads are started or
/// arguments parsed).
void run_worker_if_requested(int argc, char** argv);

/// The main() of a dedicated worker binary: runs the worker loop and returns the
/// exit status. Returns 2 with a message on stderr when not started by a pool.
int worker_main(int argc, char** argv);

/// Starts the fork server for `worker_executable` (as process_pool_options: empty is
/// this executable) and returns at once, without waiting for it to be up. From then
/// on every pool of this process that runs that binary, with
/// process_pool_options::use_fork_server (the default), gets its workers forked by
/// that server instead of exec'ing the binary anew: about a millisecond instead of
/// several (docs/pool-start.md). The server is a copy of the binary started now, so
/// call this from main(), right after run_worker_if_requested() and before anything
/// that should not be in every worker's memory; the server and its workers die with
/// the thread that called it (PR_SET_PDEATHSIG), so that must be the main thread or
/// one that outlives every pool. A second call does nothing, and so does a call in
/// a process a pool started (a main() that calls this before
/// run_worker_if_requested() runs it again in the server and in relaunched
/// workers; a server started there would start the next). Thread-safe. Throws
/// std::invalid_argument if the binary cannot be found (as the pool would) and
/// std::system_error if the server cannot be started. If the server dies later,
/// pools go back to relaunching the binary (one warning through the log handler).
void start_fork_server(const std::string& worker_executable = {});

namespace detail::process {
/// The argv[1] that marks a worker.
inline constexpr const char* worker_flag = "--futures-worker";
}  // namespace detail::process

}  // namespace futures

#pragma once
// The parent's view of one worker process. Owned by pool_core and touched only on
// its I/O thread; async handlers hold a shared_ptr so a handler that completes
// after the worker left the pool still finds it alive.
#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include <sys/types.h>

#include <futures/detail/process/frame.hpp>
#include <futures/detail/process/job.hpp>
#include <futures/detail/process/spawn.hpp>

namespace futures::detail::process {

struct worker {
    enum class phase {
        starting,      // spawned, no hello yet
        initializing,  // running the pool's initializer
        idle,
        busy,          // running `current`
        closing,       // call pipe closed (shutdown or max_tasks_per_child): exit expected
    };

    explicit worker(spawned_worker s) : io(std::move(s)) {}

    spawned_worker io;
    std::size_t slot = 0;
    pid_t pid = 0;
    phase state = phase::starting;
    std::shared_ptr<job> current;  // the job whose frame was sent and not answered
    std::size_t calls_done = 0;    // for max_tasks_per_child

    std::array<unsigned char, frame_header_size> header{};
    std::string in;   // the frame being read
    std::string out;  // the frame being written (kept alive for async_write)

    // The worker is gone once its process was reaped AND its result pipe drained:
    // results written just before exiting still complete their futures.
    bool exited = false;
    bool eof = false;
    bool finalized = false;
    int status = 0;              // raw waitpid status
    std::string protocol_error;  // why we killed it, if we did
};

/// "exit code 3" or "signal 11 (SIGSEGV)"; code/sig receive the parts.
std::string describe_status(int status, std::optional<int>& code, std::optional<int>& sig);

}  // namespace futures::detail::process

// Starting a worker process for the pipe transport.
#include <futures/detail/process/parent/pipe_channel.hpp>
#include <futures/detail/process/parent/pipe_transport.hpp>
#include <futures/detail/process/parent/worker_executable.hpp>

namespace futures::detail::process {

pipe_transport::pipe_transport(io_thread& io, const std::string& exe, std::size_t max_frame,
                               channel_deadlines deadlines, std::size_t shm_threshold, bool fork_server,
                               std::size_t address_space)
    : io_(io),
      exe_(resolve_worker_executable(exe)),
      max_frame_(max_frame),
      deadlines_(deadlines),
      shm_threshold_(shm_threshold),
      fork_server_(fork_server),
      address_space_(address_space) {}

std::shared_ptr<channel> pipe_transport::start(channel_events& events) {
    // Created before the fork, so the worker inherits them; ours close with the channel.
    shm_region calls(shm_region::create(), max_frame_), results(shm_region::create(), max_frame_);
    const worker_regions regions{calls.fd(), results.fd(), shm_threshold_};
    auto c = std::make_shared<pipe_channel>(
        spawn_worker(io_.context(), spawn_ctx_, exe_, max_frame_, regions, address_space_, fork_server_), events,
        max_frame_, deadlines_, pipe_channel::regions{std::move(calls), std::move(results), shm_threshold_});
    c->start();
    return c;
}

}  // namespace futures::detail::process

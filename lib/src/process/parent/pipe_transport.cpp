// Starting a worker process for the pipe transport.
#include <futures/detail/process/parent/pipe_channel.hpp>
#include <futures/detail/process/parent/pipe_transport.hpp>
#include <futures/detail/process/parent/worker_executable.hpp>

namespace futures::detail::process {

pipe_transport::pipe_transport(io_thread& io, const std::string& exe, std::size_t max_frame,
                               channel_deadlines deadlines)
    : io_(io), exe_(resolve_worker_executable(exe)), max_frame_(max_frame), deadlines_(deadlines) {}

std::shared_ptr<channel> pipe_transport::start(channel_events& events) {
    auto c = std::make_shared<pipe_channel>(spawn_worker(io_.context(), spawn_ctx_, exe_, max_frame_, io_.start_mask()),
                                            events, max_frame_, deadlines_);
    c->start();
    return c;
}

}  // namespace futures::detail::process

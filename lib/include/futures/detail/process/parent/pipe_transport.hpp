#pragma once
// The first transport: each worker a child process (this executable relaunched, or
// a worker binary) with two pipes, calls down and results up. Boost.Process stays
// behind this header's .cpp and pipe_channel.hpp.
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include <futures/detail/process/parent/io_thread.hpp>
#include <futures/detail/process/parent/transport.hpp>

namespace futures::detail::process {

class pipe_transport final : public transport {
public:
    /// Throws std::invalid_argument if exe (empty: this executable) cannot be executed.
    /// Frames of shm_threshold bytes or more travel through shared memory (0: never).
    /// fork_server: ask the fork server for workers when one runs for exe.
    /// address_space: each worker's RLIMIT_AS, 0 for none.
    pipe_transport(io_thread& io, const std::string& exe, std::size_t max_frame, channel_deadlines deadlines,
                   std::size_t shm_threshold, bool fork_server, std::size_t address_space);

    /// Forks and execs a worker from the I/O thread (the only thread that forks), or
    /// has the fork server fork one.
    std::shared_ptr<channel> start(channel_events& events) override;
    std::string describe() const override { return exe_; }

private:
    io_thread& io_;
    boost::asio::io_context spawn_ctx_{1};  // forks only; never run (docs/boost-1.81.md, "Spawning")
    const std::string exe_;
    const std::size_t max_frame_;
    const channel_deadlines deadlines_;
    const std::size_t shm_threshold_;
    const bool fork_server_;
    const std::size_t address_space_;
};

}  // namespace futures::detail::process

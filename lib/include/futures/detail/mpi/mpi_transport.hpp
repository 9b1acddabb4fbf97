#pragma once
// The MPI transport of the process pool (transport.hpp): each "worker" is a
// session with a serving rank, and each channel carries the same encoded messages
// as the pipes do, one MPI_BYTE message per frame. Only the pool's I/O thread calls
// MPI here: a tick handler on its io_context polls (MPI_Improbe) and tests the sends
// in flight, spinning while messages flow and backing off to timer sleeps when they
// do not; it stops when no session is open, so the I/O thread can end.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include <futures/detail/mpi/link.hpp>
#include <futures/detail/process/parent/io_thread.hpp>
#include <futures/detail/process/parent/transport.hpp>

namespace futures::detail::mpi {

class mpi_channel;

class mpi_transport final : public process::transport {
public:
    /// Sessions on `ranks` (at most one each at a time); each serving rank runs its
    /// calls itself, or in `local_workers` processes of its own if that is not 0. A
    /// session from which nothing (not even a heartbeat) arrived for `heartbeat` is
    /// lost and its rank dead (0: never).
    mpi_transport(process::io_thread& io, link& l, std::vector<int> ranks, std::size_t max_frame,
                  std::size_t local_workers, std::chrono::milliseconds heartbeat);
    ~mpi_transport() override;

    /// Starts a session on the first rank without one; throws std::runtime_error if
    /// every rank has one (a rank cannot be replaced: see docs/mpi.md).
    std::shared_ptr<process::channel> start(process::channel_events& events) override;
    std::string describe() const override { return "MPI rank"; }

    // For the channels (I/O thread):
    void send(int rank, int tag, std::string buf, std::size_t offset);
    /// The channel of `rank` was reported lost: its rank is free again once it says
    /// bye (messages from it are ignored until then).
    void forget(int rank) noexcept;
    std::size_t max_frame() const noexcept { return max_frame_; }
    process::io_thread& io() noexcept { return io_; }

private:
    void kick();
    void tick();
    void dispatch(const incoming& m);
    void check_heartbeats(backoff::clock::time_point now);

    process::io_thread& io_;
    link& link_;
    const std::vector<int> ranks_;
    const std::size_t max_frame_, local_workers_;
    const std::chrono::milliseconds heartbeat_;
    std::vector<backoff::clock::time_point> heard_;  // by rank: the last message from it
    boost::asio::steady_timer timer_;
    bool ticking_ = false, sleeping_ = false;
    backoff::clock::time_point last_{};
    std::chrono::microseconds delay_ = backoff::first;
    std::vector<std::shared_ptr<mpi_channel>> live_;  // by rank: the open session's channel
    std::vector<bool> draining_;                      // by rank: abandoned, its bye not seen yet
    std::string in_;
};

}  // namespace futures::detail::mpi

#pragma once
// What the parent rank and the serving ranks share: a communicator of our own (a
// duplicate, so that the program's own messages never match ours), the message
// tags, and the sends still in flight. Every MPI call of the library is made under
// link::mutex(): the pool's I/O thread and the main thread (start, exit) never call
// MPI at once, which is all MPI_THREAD_SERIALIZED asks (docs/mpi.md).
#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace futures::detail::mpi {

/// One tag per kind of message. Parent -> serving rank: start a session (payload:
/// session id, frame cap, local workers, heartbeat interval in ms, 8 bytes each), a
/// call frame, end the session, leave the serving loop. Serving rank -> parent: its
/// handshake (session id, then the hello payload), a result frame, the session's
/// end (empty, or why the rank gave up on it), a heartbeat (empty).
enum tag : int {
    t_start = 1,
    t_call = 2,
    t_close = 3,
    t_exit = 4,
    t_hello = 11,
    t_result = 12,
    t_bye = 13,
    t_beat = 14
};

/// A message received whole, or refused for its size (then `bytes` is empty and
/// nothing was allocated for it).
struct incoming {
    int source = 0;
    int tag = 0;
    std::size_t size = 0;
    bool too_large = false;
};

class link {
public:
    /// Duplicates comm (collective: every rank of comm calls it) and makes MPI
    /// errors on it return codes instead of aborting. root is the parent's rank.
    link(MPI_Comm comm, int root);
    /// Frees the duplicate (collective too). The sends must be done (drain()).
    ~link();
    link(const link&) = delete;
    link& operator=(const link&) = delete;

    MPI_Comm comm() const noexcept { return comm_; }
    int root() const noexcept { return root_; }
    int rank() const noexcept { return rank_; }
    int size() const noexcept { return size_; }
    /// Every rank but the root, in order.
    std::vector<int> servers() const;
    std::mutex& mutex() noexcept { return m_; }

    // The caller holds mutex():
    /// Starts sending buf from `offset` on, without blocking; buf stays alive here
    /// until MPI reports the send complete (progress()).
    void isend(int to, int tag, std::string buf, std::size_t offset = 0);
    /// Tests the sends in flight, forgets the completed ones; returns how many.
    std::size_t progress();
    bool sending() const noexcept { return !sends_.empty(); }
    /// Receives the next message from `source` (or MPI_ANY_SOURCE) into `into`, if
    /// one is there. A message above `cap` bytes is consumed by a zero-byte receive
    /// (MPI reports the truncation) and reported too_large: never allocated for.
    std::optional<incoming> receive(int source, std::size_t cap, std::string& into);

    /// Takes the mutex and polls progress() until no send is in flight or `limit`
    /// passed; false on timeout.
    bool drain(std::chrono::milliseconds limit);

    /// The root's farewell: drains its sends, tells every serving rank but the dead
    /// ones to leave its loop, drains again; false if a send did not complete within
    /// `limit` (each time).
    bool leave_all(std::chrono::milliseconds limit);

    /// A rank that stopped answering (heartbeat timeout): never used again, and
    /// not waited for at exit. Any thread.
    void mark_dead(int rank);
    bool dead(int rank) const;
    bool any_dead() const;

    /// One pool at a time per link: false if another holds it.
    bool claim();
    void release();
    /// A fresh session id (the parent's side).
    std::uint64_t next_session() noexcept { return ++session_; }

private:
    struct pending {
        std::string buf;
        MPI_Request req = MPI_REQUEST_NULL;
    };
    MPI_Comm comm_ = MPI_COMM_NULL;
    int root_ = 0, rank_ = 0, size_ = 0;
    std::mutex m_;
    std::deque<pending> sends_;  // deque: a started send's buffer never moves
    mutable std::mutex claim_m_;  // also guards dead_
    bool claimed_ = false;
    std::vector<bool> dead_;
    std::uint64_t session_ = 0;
};

/// Throws std::runtime_error naming `what` if rc is not MPI_SUCCESS.
void check(int rc, const char* what);

/// 8-byte little-endian fields of the start and hello messages.
void put_u64(std::string& out, std::uint64_t v);
std::uint64_t get_u64(const std::string& in, std::size_t at);

/// Back-off for a loop that polls MPI: spin (yielding the CPU) for a while after the
/// last message, then sleep, doubling from `first` up to `cap`.
class backoff {
public:
    using clock = std::chrono::steady_clock;
    void reset() noexcept {
        last_ = clock::now();
        delay_ = first;
    }
    /// Yields or sleeps once, as the time since reset() says.
    void idle(std::chrono::microseconds cap);
    static constexpr std::chrono::microseconds spin{200}, first{20};

private:
    clock::time_point last_ = clock::now();
    std::chrono::microseconds delay_ = first;
};

}  // namespace futures::detail::mpi

#pragma once
// A serving rank: sessions of the root's pools, one at a time, until the root says
// to leave (docs/mpi.md, "The messages").
#include <cstddef>
#include <memory>

#include <futures/detail/mpi/link.hpp>
#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::mpi {

/// Runs every call_batch of a frame in this rank's own worker processes (the
/// hybrid layout): a crashing task kills one of them and fails its calls only.
class local_runner {
public:
    local_runner(std::size_t workers, std::size_t max_frame);
    ~local_runner();
    /// One result_batch per batch of f, in order. Blocks until they are all answered.
    process::result_frame run(process::call_frame& f);

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

/// Serves sessions on l until the root sends t_exit. Blocking; MPI from this
/// thread only (the rank's main thread). Returns false if the root said not to
/// finalize MPI (a rank was taken for dead: MPI_Finalize could wait for it forever).
bool serve(link& l);

}  // namespace futures::detail::mpi

#pragma once
// mpi4py's MPICommExecutor for programs that already use MPI (SPMD): every rank of
// a communicator constructs one, collectively; the root rank gets an
// mpi_pool_executor whose serving ranks are the others, and the others serve it
// from inside their constructor until the root's executor is destroyed:
//
//     futures::mpi_comm_executor ex(MPI_COMM_WORLD, 0);
//     if (ex) {                      // the root only
//         auto f = ex->submit(task, 42);
//         ...
//     }                              // the other ranks get here once the root is done
//
// The program initializes MPI itself (MPI_Init_thread, or a boost::mpi::environment)
// with MPI_THREAD_SERIALIZED at least. While the root's executor exists, its I/O
// thread calls MPI: the root's program must not call MPI at the same time from
// another thread unless MPI runs with MPI_THREAD_MULTIPLE. Not to be mixed with
// mpi::serve_if_worker() on the same ranks.
#include <mpi.h>

#include <memory>

#include <futures/mpi_pool_executor.hpp>

namespace futures {

class mpi_comm_executor {
public:
    /// Collective over comm (an intra-communicator of 2 or more ranks). On root:
    /// builds the executor (o as mpi_pool_executor's). Elsewhere: serves the root's
    /// calls, and returns once the root's mpi_comm_executor is destroyed. Throws
    /// std::invalid_argument (on every rank alike) for a root outside comm, an
    /// inter-communicator or a communicator of one rank; std::runtime_error if MPI is
    /// not initialized with MPI_THREAD_SERIALIZED or more; on root, what
    /// mpi_pool_executor's constructor throws.
    explicit mpi_comm_executor(MPI_Comm comm = MPI_COMM_WORLD, int root = 0, const mpi_pool_options& o = {});
    /// On root: shuts the executor down (waiting for its calls), then lets the other
    /// ranks go; blocks until they have taken that message (10 s at most each time,
    /// then MPI_Abort). Collective (frees the communicator's duplicate).
    ~mpi_comm_executor();
    mpi_comm_executor(const mpi_comm_executor&) = delete;
    mpi_comm_executor& operator=(const mpi_comm_executor&) = delete;

    /// Whether this rank is the root (it has an executor).
    explicit operator bool() const noexcept { return ex_ != nullptr; }
    /// The root's executor; null on the other ranks.
    mpi_pool_executor* get() noexcept { return ex_.get(); }
    /// The root's executor; on other ranks, undefined behaviour (check bool first).
    mpi_pool_executor* operator->() noexcept { return get(); }

private:
    std::unique_ptr<detail::mpi::link> link_;
    std::unique_ptr<mpi_pool_executor> ex_;
};

}  // namespace futures

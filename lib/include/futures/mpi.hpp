#pragma once
// Static launch on MPI ranks (docs/mpi.md): `mpirun -n N ./app`, where rank 0 runs
// main() and every other rank serves mpi_pool_executor's calls. Make this the first
// line of main():
//
//     int main(int argc, char** argv) {
//         futures::mpi::serve_if_worker(argc, argv);
//         futures::mpi_pool_executor ex;   // rank 0 only gets here
//         ...
//
// Built when CMake finds MPI and Boost.MPI (option FUTURES_MPI); link futures::mpi.

namespace futures::mpi {

/// Initializes MPI (Boost.MPI's environment, MPI_THREAD_SERIALIZED) once. On rank 0
/// returns at once, and registers with std::atexit what lets the other ranks go
/// and finalizes MPI. On every other rank serves the sessions of rank 0's pools
/// until rank 0's process exits, then finalizes MPI and exits the process (status
/// 0) without returning. In a local worker process of the hybrid layout
/// (mpi_pool_options::local_workers) runs that worker instead, never touching MPI,
/// as run_worker_if_requested() does. Call it before anything else in main(), on
/// every rank (it is collective). Throws std::runtime_error if MPI cannot grant
/// MPI_THREAD_SERIALIZED.
void serve_if_worker(int argc, char** argv);

/// This process's rank in MPI_COMM_WORLD (0 before serve_if_worker()).
int rank();
/// The ranks of MPI_COMM_WORLD (1 before serve_if_worker()).
int size();

}  // namespace futures::mpi

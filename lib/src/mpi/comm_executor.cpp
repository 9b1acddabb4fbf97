// mpi_comm_executor: the SPMD helper (mpi_comm_executor.hpp).
#include <futures/detail/mpi/link.hpp>
#include <futures/detail/mpi/serve.hpp>
#include <futures/log.hpp>
#include <futures/mpi_comm_executor.hpp>

#include <stdexcept>
#include <string>

namespace futures {
namespace {

// The same verdict on every rank, before anything collective happens.
void check_comm(MPI_Comm comm, int root) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (!initialized || finalized) throw std::runtime_error("mpi_comm_executor: MPI is not initialized");
    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    if (provided < MPI_THREAD_SERIALIZED)
        throw std::runtime_error("mpi_comm_executor: MPI must be initialized with MPI_THREAD_SERIALIZED or more");
    if (comm == MPI_COMM_NULL) throw std::invalid_argument("mpi_comm_executor: MPI_COMM_NULL");
    int inter = 0, size = 0;
    MPI_Comm_test_inter(comm, &inter);
    if (inter) throw std::invalid_argument("mpi_comm_executor: an inter-communicator");
    MPI_Comm_size(comm, &size);
    if (size < 2) throw std::invalid_argument("mpi_comm_executor: a communicator of one rank has no serving rank");
    if (root < 0 || root >= size)
        throw std::invalid_argument("mpi_comm_executor: root " + std::to_string(root) + " is not a rank of the " +
                                    std::to_string(size) + " in the communicator");
}

}  // namespace

mpi_comm_executor::mpi_comm_executor(MPI_Comm comm, int root, const mpi_pool_options& o) {
    check_comm(comm, root);
    link_ = std::make_unique<detail::mpi::link>(comm, root);
    if (link_->rank() == root) {
        ex_.reset(new mpi_pool_executor(detail::mpi::prepare_pool(o, link_.get())));  // its constructor is private
        return;
    }
    detail::mpi::serve(*link_);  // a dead rank (recovery): the program decides about MPI_Finalize
    link_.reset();
}

mpi_comm_executor::~mpi_comm_executor() {
    if (!link_) return;  // a serving rank: done in the constructor
    ex_.reset();
    if (!link_->leave_all(std::chrono::seconds(10))) {
        detail::log_line(log_level::error, "futures: an MPI rank does not take its messages; aborting the job");
        MPI_Abort(link_->comm(), 1);
    }
    link_.reset();
}

}  // namespace futures

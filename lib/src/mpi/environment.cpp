// The program's MPI state: the environment, the link of the static launch, and the
// pool's setup on rank 0.
#include <futures/detail/mpi/mpi_transport.hpp>
#include <futures/detail/mpi/serve.hpp>
#include <futures/log.hpp>
#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>
#include <futures/worker.hpp>

#include <boost/mpi/environment.hpp>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace futures {
namespace {

namespace m = detail::mpi;

struct mpi_state {
    std::unique_ptr<boost::mpi::environment> env;
    std::unique_ptr<m::link> link;
};
// Immortal: the atexit handler below runs after main(), before static destructors.
mpi_state& state() {
    static mpi_state* s = new mpi_state;
    return *s;
}

constexpr std::chrono::seconds exit_drain{10};

// Ends MPI here, unless a rank was taken for dead (only possible under mpirun
// --enable-recovery): Open MPI's MPI_Finalize may then wait for that rank forever,
// so the environment is let go without finalizing, and the process exits as it
// would (its status unchanged).
void end_mpi(mpi_state& s, bool finalize) {
    s.link.reset();
    if (finalize)
        s.env.reset();
    else
        (void)s.env.release();
}

// Rank 0 at exit: every serving rank leaves its loop, then MPI is finalized. A
// send that MPI never completes (a rank that died under --enable-recovery) ends
// the job with MPI_Abort instead of hanging in MPI_Finalize.
void finish() {
    auto& s = state();
    if (!s.link) return;
    if (!s.link->leave_all(exit_drain)) {
        detail::log_line(log_level::error, "futures: an MPI rank does not take its messages; aborting the job");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    end_mpi(s, !s.link->any_dead());
}

}  // namespace

namespace mpi {

void serve_if_worker(int argc, char** argv) {
    run_worker_if_requested(argc, argv);  // a hybrid layout's local worker: no MPI
    auto& s = state();
    if (s.env) return;
    s.env = std::make_unique<boost::mpi::environment>(argc, argv, boost::mpi::threading::serialized);
    if (boost::mpi::environment::thread_level() < boost::mpi::threading::serialized)
        throw std::runtime_error("futures: this MPI does not grant MPI_THREAD_SERIALIZED");
    s.link = std::make_unique<m::link>(MPI_COMM_WORLD, 0);
    if (s.link->rank() != 0) {
        int status = 0;
        bool finalize = true;
        try {
            finalize = m::serve(*s.link);
        } catch (const std::exception& e) {
            detail::log_line(log_level::error, std::string("futures: MPI serving rank: ") + e.what());
            status = 70;
        }
        end_mpi(s, finalize);
        std::exit(status);
    }
    std::atexit(finish);
}

int rank() { return state().link ? state().link->rank() : 0; }
int size() { return state().link ? state().link->size() : 1; }

}  // namespace mpi

namespace detail::mpi {

pool_setup prepare_pool(const mpi_pool_options& o, link* l) {
    if (!l) l = state().link.get();
    if (!l) throw std::logic_error("mpi_pool_executor: call futures::mpi::serve_if_worker(argc, argv) first in main()");
    if (l->rank() != l->root()) throw std::logic_error("mpi_pool_executor: only rank 0 may construct one");
    auto ranks = l->servers();
    if (ranks.empty())
        throw std::invalid_argument("mpi_pool_executor: no serving rank (run the program with mpirun -n 2 or more)");
    if (o.max_workers && (*o.max_workers == 0 || *o.max_workers > ranks.size()))
        throw std::invalid_argument("mpi_pool_executor: max_workers must be between 1 and " +
                                    std::to_string(ranks.size()) + " (the serving ranks), not " +
                                    std::to_string(*o.max_workers));
    if (o.max_frame_bytes > std::size_t(INT_MAX) - 8)
        throw std::invalid_argument("mpi_pool_executor: max_frame_bytes above an MPI message's INT_MAX bytes");
    if (o.heartbeat_timeout.count() < 0) throw std::invalid_argument("mpi_pool_executor: heartbeat_timeout below 0");
    std::erase_if(ranks, [l](int r) { return l->dead(r); });  // taken for dead by an earlier pool
    if (ranks.empty()) throw std::runtime_error("mpi_pool_executor: every serving rank was taken for dead");
    if (o.max_workers) ranks.resize(std::min(ranks.size(), *o.max_workers));
    process_pool_options po;
    po.max_workers = ranks.size();
    po.initializer = o.initializer;
    po.max_pending = o.max_pending;
    po.max_frame_bytes = o.max_frame_bytes;
    po.completion_executor = o.completion_executor;
    // A rank cannot be replaced: any lost session breaks the pool. max_restarts
    // would not do, since it only counts crashes (a rank lost after it completed a
    // call is not one); this is Python's rule, which fits ranks.
    po.break_on_worker_death = true;
    if (!l->claim()) throw std::logic_error("mpi_pool_executor: another one exists (one at a time per communicator)");
    const std::size_t local = o.local_workers;
    const auto beat = o.heartbeat_timeout;
    process::transport_factory make = [l, ranks, local, beat](process::io_thread& io, std::size_t max_frame) {
        return std::make_unique<mpi_transport>(io, *l, ranks, max_frame, local, beat);
    };
    return {std::move(po), std::move(make), l};
}

void release_pool(link* l) noexcept {
    if (l) l->release();
}

}  // namespace detail::mpi
}  // namespace futures

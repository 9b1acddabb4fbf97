#pragma once
// mpi_pool_executor: mpi4py.futures' MPIPoolExecutor for registered tasks, on the
// ranks of an `mpirun -n N` job (static launch: mpi.hpp). It is the process pool
// (process_pool_executor.hpp) with another carrier under its transport seam: the
// same call and result frames travel as MPI messages to serving ranks, which run
// them with the pipe worker's batch runner. So the contract is the process pool's:
// submit, map (chunksize, buffersize, mpi4py's unordered, a failing element fails
// itself), async_submit with any completion token, shutdown(wait, cancel_futures),
// completion_executor, stats(), remote errors with the rank's details, unknown-task
// and signature errors.
// What differs (docs/mpi.md):
//  - a worker is a serving rank, started (a session) on demand or by bootup();
//  - a rank cannot be replaced: a lost session breaks the pool;
//  - a task that crashes its rank ends the whole MPI job (Open MPI aborts it), unless
//    the ranks run their calls in local worker processes (local_workers).
// One mpi_pool_executor at a time per program; only rank 0 may construct one.
// Threads are the process pool's: the calling thread serializes arguments; the
// pool's I/O thread is the only one that calls MPI; futures complete there or on
// completion_executor.
#include <chrono>
#include <cstddef>
#include <optional>
#include <ranges>
#include <utility>

#include <futures/process_pool_executor.hpp>

namespace futures {

struct mpi_pool_options {
    /// Serving ranks used at most. Unset: every rank but 0. 0, or more than there
    /// are, throws std::invalid_argument.
    std::optional<std::size_t> max_workers{};
    /// Runs once on each rank's session before its first call; if it fails the pool
    /// breaks (as process_pool_options::initializer). In the hybrid layout it runs in
    /// the rank itself.
    std::optional<task_call> initializer{};
    /// As process_pool_options::max_pending.
    std::size_t max_pending = 0;
    /// Hard cap on one frame, both ways: 4096 to INT_MAX (an MPI count), else
    /// std::invalid_argument.
    std::size_t max_frame_bytes = detail::process::default_max_frame;
    /// As process_pool_options::completion_executor.
    std::optional<boost::asio::any_io_executor> completion_executor{};
    /// The hybrid layout: 0, each serving rank runs its calls itself (a crash ends
    /// the job); N, each runs them in N worker processes of its own (this executable
    /// relaunched), so a crashing task fails only its calls, with a remote_error of
    /// type "futures::terminated_worker_error", and the next call runs.
    std::size_t local_workers = 0;
    /// A serving rank from which nothing arrives for this long (it sends a heartbeat
    /// every quarter of it, from a thread of its own, even while a task runs) is
    /// taken for dead: its calls fail with terminated_worker_error, and the pool
    /// breaks (a rank cannot be replaced). It matters under mpirun --enable-recovery,
    /// where MPI never reports a dead rank; by default Open MPI ends the whole job.
    /// 0: no heartbeat.
    std::chrono::milliseconds heartbeat_timeout{30'000};
};

namespace detail::mpi {
class link;
/// What an mpi_pool_executor is built from.
struct pool_setup {
    process_pool_options options;
    process::transport_factory make;
    link* claimed = nullptr;
};
/// Checks o, claims l (one pool at a time per link) and returns the process pool's
/// options and the transport to build it with. l null: the static launch's link.
pool_setup prepare_pool(const mpi_pool_options& o, link* l = nullptr);
/// Lets the next pool claim l.
void release_pool(link* l) noexcept;
}  // namespace detail::mpi

class mpi_comm_executor;

/// Runs registered tasks on the serving ranks of an MPI job.
class mpi_pool_executor : private process_pool_executor {
public:
    /// As mpi_pool_executor(mpi_pool_options{}).
    mpi_pool_executor() : mpi_pool_executor(mpi_pool_options{}) {}
    /// Starts nothing (sessions start on demand, or with bootup()). Throws
    /// std::logic_error if mpi::serve_if_worker() was not called, on a rank other than
    /// 0, or while another mpi_pool_executor exists; std::invalid_argument for bad
    /// options or a job with no serving rank (mpirun -n 1).
    explicit mpi_pool_executor(const mpi_pool_options& o) : mpi_pool_executor(detail::mpi::prepare_pool(o)) {}
    /// shutdown(wait=true), then lets the next pool be constructed.
    ~mpi_pool_executor() {
        process_pool_executor::shutdown(true);
        detail::mpi::release_pool(link_);
    }

    using process_pool_executor::async_submit;
    using process_pool_executor::map;
    using process_pool_executor::max_workers;
    using process_pool_executor::pending;
    using process_pool_executor::shutdown;
    using process_pool_executor::stats;
    using process_pool_executor::submit;
    /// Not offered: a call's timeout (process_pool_executor's call_options) works by
    /// killing the worker running it, and an MPI rank cannot be killed, only given up
    /// for good (docs/mpi.md). Deleted so that a timeout is never silently ignored.
    template <class R, class... A, class... X>
    requires std::is_constructible_v<typename task<R(A...)>::args_tuple, X &&...> future<R> submit(
        const call_options& o, const task<R(A...)>& t, X&&... args) = delete;

    /// mpi4py's starmap: t(args...) for each tuple of `tuples` (a forward range, read
    /// once per argument, that must outlive the iteration), in input order (completion
    /// order with map_options::unordered), as map().
    template <class R, class... A, std::ranges::forward_range Tuples, class... O>
    requires(sizeof...(O) <= 1) auto starmap(const task<R(A...)>& t, const Tuples& tuples, O&&... options) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return map(t, std::views::elements<I>(tuples)..., std::forward<O>(options)...);
        }(std::index_sequence_for<A...>{});
    }

    /// mpi4py's bootup(): queues one no-op call per serving rank this pool may use,
    /// which makes the pool start a session on each now rather than at the first
    /// calls. wait: blocks until those calls are answered (at least one session is
    /// ready then, usually all). Throws as submit() does (std::runtime_error after
    /// shutdown).
    void bootup(bool wait = true);
    /// mpi4py's num_workers: the serving ranks this pool uses (max_workers()).
    std::size_t num_workers() const noexcept { return max_workers(); }

private:
    friend class mpi_comm_executor;
    explicit mpi_pool_executor(detail::mpi::pool_setup s)
        : process_pool_executor(std::move(s.options), s.make), link_(s.claimed) {}

    detail::mpi::link* link_;
};

}  // namespace futures

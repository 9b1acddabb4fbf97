#pragma once
// process_pool_executor: Python's ProcessPoolExecutor for registered tasks
// (task.hpp) run in worker processes (worker.hpp). How a call travels: the picture
// in detail/process/pool_core.hpp, and hop by hop in docs/design.md.
//
// Which thread runs what:
//  - The calling thread: submit() and map() serialize the arguments there, and
//    block there while max_pending calls are queued; iterating a map() result
//    blocks there.
//  - The pool's own I/O thread ("futures-procio"), started by the first submit():
//    it spawns and reaps the workers and does all pipe I/O. It is the only thread
//    that forks, which is why it never runs on a user's io_context: in Boost 1.81,
//    forking while another thread uses the same io_context breaks the child
//    (docs/boost-1.81.md, "Spawning"). It blocks every signal, so no signal handler of
//    the program runs there. Workers start with default signal handlers (a signal
//    can never run the parent's handlers in a worker before it execs) and no
//    signal blocked, whatever the submitting thread blocks.
//  - Where futures complete: by default the I/O thread; with
//    process_pool_options::completion_executor, that executor. Results are
//    deserialized there, and done-callbacks and then() continuations without an
//    executor run there. They may submit more work, but must not block on this
//    pool's futures: on the I/O thread that stalls every worker's results (as
//    Python warns for its own pool); on a user's single-threaded io_context it
//    deadlocks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <futures/detail/admission_rules.hpp>
#include <futures/detail/process/parent/cancellable_state.hpp>
#include <futures/detail/process/parent/submit_job.hpp>
#include <futures/detail/process/pool_core.hpp>
#include <futures/detail/zip_source.hpp>
#include <futures/future.hpp>
#include <futures/map.hpp>
#include <futures/process_pool_options.hpp>
#include <futures/remote_error.hpp>
#include <futures/task.hpp>

namespace futures {

/// Runs registered tasks in a pool of worker processes, started on demand.
class process_pool_executor {
public:
    /// As process_pool_executor(process_pool_options{}).
    process_pool_executor() : process_pool_executor(process_pool_options{}) {}
    /// As process_pool_executor(process_pool_options{.max_workers = max_workers}).
    explicit process_pool_executor(std::size_t max_workers)
        : process_pool_executor(process_pool_options{.max_workers = max_workers}) {}
    /// Starts nothing, as in Python: the I/O thread starts with the first submit(),
    /// workers on demand. Throws std::invalid_argument for bad options (including a
    /// worker executable that cannot be found or executed). In a process started as
    /// a worker whose main() did not call run_worker_if_requested(), prints how to fix
    /// that on the log (log.hpp) and exits the process (status 86) instead of
    /// returning. Changes no signal disposition: a dead worker's pipe reports EPIPE
    /// to the I/O thread, which blocks every signal, so SIGPIPE neither kills this
    /// process nor runs the program's handler.
    explicit process_pool_executor(process_pool_options opts)
        : handler_ex_((detail::check_options(opts), detail::default_handler_executor(opts.completion_executor))),
          core_(std::make_shared<detail::process::pool_core>(std::move(opts))),
          cancel_hook_(make_cancel_hook(core_)) {}

    /// shutdown(wait=true). Must not run on the pool's I/O thread (in a done-callback
    /// of a pool without completion_executor). In a child that fork()ed (without
    /// exec) from the pool's creator it does nothing to the workers, which serve the
    /// creator: the child's copy is left to its exit, never destroyed.
    ~process_pool_executor() {
        if (core_->forked_copy())
            detail::process::pool_core::abandon(std::move(core_));
        else
            shutdown(true);
    }
    process_pool_executor(const process_pool_executor&) = delete;
    process_pool_executor& operator=(const process_pool_executor&) = delete;

    /// Schedules t(args...) in a worker and returns its future. The arguments are
    /// serialized here, on the caller's thread: if that throws, or they exceed
    /// max_frame_bytes, the returned future holds a serialization_error and nothing
    /// is sent. Blocks only while max_pending calls are queued (never on the I/O
    /// thread). Throws std::runtime_error after shutdown, broken_process_pool once
    /// broken, std::logic_error in a forked child (see shutdown()). The future fails with: what the task threw
    /// (remote_exception<E> for standard exceptions, else remote_error), serialization_error (result not readable
    /// here), remote_error (task unknown to the worker, or the worker could not read the arguments or write the
    /// result), terminated_worker_error (the worker died while running it, or a call sent in the same frame). The
    /// future is RUNNING, and cancel() fails, from when the call is sent to a worker:
    /// as in Python, that can be a little before the worker starts it (a call of a
    /// task known to be short may wait behind one frame there). With
    /// process_pool_options::cancel_running_calls, cancel() of a RUNNING call
    /// succeeds instead and kills its worker (see there).
    template <class R, class... A, class... X>
    requires std::is_constructible_v<typename task<R(A...)>::args_tuple, X &&...> future<R> submit(
        const task<R(A...)>& t, X&&... args) {
        future<R> fut = new_future<R>();
        if (auto j = make_job(*core_, t, fut, std::forward<X>(args)...)) core_->submit(std::move(j));
        return fut;
    }

    /// Beyond Python: submit(t, args...) with per-call options (call_options): with a
    /// timeout, a call still running in its worker that long after the worker
    /// started it fails with timeout_error, and its worker is killed and replaced
    /// (calls sent ahead to that worker run on another one). Throws as submit(); a
    /// timeout that is not positive puts std::invalid_argument in the future and
    /// sends nothing. Not for map().
    template <class R, class... A, class... X>
    requires std::is_constructible_v<typename task<R(A...)>::args_tuple, X &&...> future<R> submit(
        const call_options& o, const task<R(A...)>& t, X&&... args) {
        future<R> fut = new_future<R>();
        if (o.timeout && o.timeout->count() <= 0) {
            fut.set_exception(std::make_exception_ptr(std::invalid_argument("call_options::timeout must be positive")));
            return fut;
        }
        if (auto j = make_job(*core_, t, fut, std::forward<X>(args)...)) {
            j->timeout = o.timeout;
            core_->submit(std::move(j));
        }
        return fut;
    }

    /// Anything but a task handle: a compile-time error that says to use FUTURES_TASK.
    template <class F, class... X>
    requires(!is_task_v<std::remove_cvref_t<F>>&& !std::is_same_v<std::remove_cvref_t<F>, call_options>) void submit(
        F&&, X&&...) {
        static_assert(is_task_v<std::remove_cvref_t<F>>,
                      "process_pool_executor::submit(t, args...): t must be a task handle. A process pool runs "
                      "named functions: declare one with FUTURES_TASK(handle, function) at namespace scope and "
                      "submit the handle");
    }

    /// Asio form of submit: async_submit(t, args..., token). The token comes last and
    /// is any completion token for void(std::exception_ptr, R) (void(std::exception_ptr)
    /// for a void task); R must be default-constructible (a failure delivers R{} beside
    /// the exception). Delivers the result, or what the future of submit() would hold,
    /// or the error submit() would have thrown (shutdown, broken pool): errors go to
    /// the handler, never thrown here. The arguments are serialized in the initiating
    /// call. Never blocks: with max_pending calls queued, the call waits in a FIFO
    /// that is admitted from as workers take calls; shutdown refuses (or, with
    /// cancel_futures, cancels) calls still waiting there.
    /// The handler runs on its associated executor (if none: completion_executor if
    /// set, else the system executor), never inside this call; the executor counts
    /// outstanding work until then. A cancellation through the handler's slot
    /// (terminal, partial or total) ends the wait with operation_aborted and cancels
    /// the call if no worker has it yet.
    template <class... X>
    requires(sizeof...(X) >= 2) auto async_submit(X&&... task_args_token) {
        return async_submit_split(std::forward_as_tuple(std::forward<X>(task_args_token)...),
                                  std::make_index_sequence<sizeof...(X) - 2>{});
    }

    /// Calls t over the zipped ranges (shortest wins) and returns a lazy range of
    /// results in input order (map.hpp); an optional map_options comes last. Inputs
    /// go to workers in chunks (short chunks share frames); a failing element fails only
    /// itself (its error is thrown when the iteration reaches it). With
    /// map_options::unordered (mpi4py's), chunks are yielded as they complete, each
    /// chunk's results together and in input order. Serializes the inputs and blocks
    /// as submit() does (all of them here, or buffersize chunks); the iteration blocks
    /// the iterating thread until the next result is in (timeout_error past
    /// map_options::timeout). Throws as submit() does, and std::invalid_argument for
    /// a chunksize or buffersize of 0. Without
    /// map_options::chunksize the chunk size is chosen: for sized ranges,
    /// ceil(n / (4 * max_workers)) clamped to [1, 1024] (about four chunks per
    /// worker, to balance load); for unsized or infinite ranges, 64.
    /// Anything but a task handle: a compile-time error that says to use FUTURES_TASK.
    template <class F, class... Xs>
    requires(!is_task_v<std::remove_cvref_t<F>>) void map(F&&, Xs&&...) {
        static_assert(is_task_v<std::remove_cvref_t<F>>,
                      "process_pool_executor::map(t, ranges...): t must be a task handle; declare one with "
                      "FUTURES_TASK(handle, function)");
    }

    template <class R, class... A, class... Xs>
    auto map(const task<R(A...)>& t, Xs&&... ranges_then_options) {
        return detail::with_map_options(
            [&](const map_options& o, auto&&... rs) { return map_impl(o, t, std::forward<decltype(rs)>(rs)...); },
            std::forward<Xs>(ranges_then_options)...);
    }

    /// Stops accepting calls. cancel_futures: cancels the calls not yet sent to a
    /// worker before it returns, so the next line sees cancelled() on each (with a
    /// completion_executor, their cancellations are posted there instead). wait:
    /// blocks until every queued call has run and every worker has exited (then the
    /// I/O thread is gone); with a completion_executor, the last completions may
    /// still be queued there when it returns. Safe to call more than once; from the
    /// I/O thread (a callback) it never waits. Workers are stopped by a message, not
    /// by EOF alone, so a child the program fork()ed meanwhile cannot hold it up.
    /// Throws std::logic_error in a process fork()ed (without exec) from the pool's
    /// creator, as submit(), map(), async_submit() (to its handler),
    /// terminate_workers() and kill_workers() do there: the workers are not its own.
    void shutdown(bool wait = true, bool cancel_futures = false) { core_->shutdown(wait, cancel_futures); }
    /// Python 3.14: shutdown(wait=false, cancel_futures=true), then SIGTERM to every
    /// worker; those still alive process_pool_options::terminate_grace later get
    /// SIGKILL (a task that ignores SIGTERM cannot keep the destructor waiting).
    /// Calls that were running fail with terminated_worker_error. No-op on workers
    /// already gone. Does not block.
    void terminate_workers() { core_->stop_workers(SIGTERM); }
    /// As terminate_workers(), with SIGKILL.
    void kill_workers() { core_->stop_workers(SIGKILL); }

    /// The most workers this pool runs at once (the option, or the usable cores).
    std::size_t max_workers() const noexcept { return core_->max_workers(); }
    /// Calls queued and not yet sent to a worker.
    std::size_t pending() const { return core_->queued(); }
    /// The pids of the live workers (a snapshot).
    std::vector<pid_t> worker_pids() const { return core_->worker_pids(); }
    /// A consistent-enough snapshot of the pool's counters (each read atomically, not
    /// all at one instant), e.g. for a server's /stats page. Never blocks for long.
    process_pool_stats stats() const { return core_->stats(); }

protected:
    /// The same pool over another carrier: mpi_pool_executor (mpi_pool_executor.hpp)
    /// passes its MPI transport here. Checks opts as the public constructor does.
    process_pool_executor(process_pool_options opts, const detail::process::transport_factory& make)
        : handler_ex_((detail::check_options(opts), detail::default_handler_executor(opts.completion_executor))),
          core_(std::make_shared<detail::process::pool_core>(std::move(opts), make)) {}

private:
    // The job that carries t(args...) to a worker and completes fut; null if the
    // arguments cannot be sent (fut then holds the serialization_error).
    template <class R, class... A, class... X>
    static std::shared_ptr<detail::process::job> make_job(const detail::process::pool_core& core,
                                                          const task<R(A...)>& t, const future<R>& fut, X&&... args) {
        detail::process::packed_values bytes;
        if (!serialize_args(core, t, fut, bytes, std::forward<X>(args)...)) return nullptr;
        auto j = std::make_shared<detail::process::submit_job<R>>();
        j->state = fut.native_state();
        j->task = t.name();
        j->signature = t.signature();
        j->set_args(std::move(bytes));
        return j;
    }

    struct submit_initiation {
        std::shared_ptr<detail::process::pool_core> core;  // shared: a deferred op may start late
        boost::asio::any_io_executor fallback;             // for handlers without an executor

        template <class Handler, class R, class... A, class... X>
        void operator()(Handler&& h, const task<R(A...)>* t, X&&... args) const {
            future<R> fut;
            detail::start_wait<detail::wait_traits<R>>(fut.native_state(), std::forward<Handler>(h), true, fallback);
            auto j = make_job(*core, *t, fut, std::forward<X>(args)...);
            if (!j) return;
            try {
                core->submit_nowait(std::move(j));
            } catch (...) {
                fut.native_state()->try_set_exception(std::current_exception());
            }
        }
    };

    template <class Tuple, std::size_t... I>
    auto async_submit_split(Tuple&& t, std::index_sequence<I...>) {
        constexpr std::size_t last = sizeof...(I) + 1;
        using Token = detail::trailing_token_t<std::decay_t<Tuple>>;
        const auto& tk = std::get<0>(t);
        static_assert(is_task_v<std::remove_cvref_t<decltype(tk)>>,
                      "process_pool_executor::async_submit(t, args..., token): t must be a task handle; declare "
                      "one with FUTURES_TASK(handle, function)");
        using sig = typename detail::wait_traits<typename std::decay_t<decltype(tk)>::result_type>::signature;
        static_assert(boost::asio::completion_token_for<Token, sig>,
                      "async_submit(task, args..., token): the last argument must be a completion token");
        return boost::asio::async_initiate<Token, sig>(submit_initiation{core_, handler_ex_}, std::get<last>(t), &tk,
                                                       std::get<I + 1>(std::forward<Tuple>(t))...);
    }

    template <class R, class... A, class... X>
    static bool serialize_args(const detail::process::pool_core& core, const task<R(A...)>& t, const future<R>& fut,
                               detail::process::packed_values& out, X&&... args) {
        try {
            using args_tuple = typename task<R(A...)>::args_tuple;
            // Arguments of the parameters' own types are serialized where they are,
            // not first copied into a tuple (a 16 MiB string would be copied, into
            // fresh pages). Same bytes: a tuple is its elements in order, and its
            // class information does not depend on the element types. Bitwise
            // tuples keep their packed format, which references would not get.
            if constexpr ((std::is_same_v<std::remove_cvref_t<X>, A> && ...) &&
                          !detail::process::is_bitwise_v<args_tuple>) {
                const std::tuple<const A&...> refs(args...);
                out.append_with([&](std::string& b) { detail::process::save_to(b, refs); });
            } else {
                args_tuple tuple(std::forward<X>(args)...);
                out.append_with([&](std::string& b) { detail::process::save_to(b, tuple); });
            }
        } catch (const std::exception& e) {
            fut.set_exception(detail::process::unserializable_args(t.name(), e.what()));
            return false;
        }
        if (out.byte_size() > core.max_frame()) {
            fut.set_exception(serialization_error("the arguments of task \"" + std::string(t.name()) + "\" take " +
                                                  std::to_string(out.byte_size()) + " bytes, above max_frame_bytes"));
            return false;
        }
        return true;
    }

    template <class R, class... A, class... Rs>
    auto map_impl(const map_options& o, const task<R(A...)>& t, Rs&&... rs);

    using cancel_hook = std::shared_ptr<const detail::process::running_cancel_hook>;
    static cancel_hook make_cancel_hook(const std::shared_ptr<detail::process::pool_core>& core) {
        if (!core->cancel_running_calls()) return nullptr;
        return std::make_shared<const detail::process::running_cancel_hook>(
            [w = std::weak_ptr<detail::process::pool_core>(core)](const detail::state_base* s) {
                if (auto c = w.lock()) c->cancel_running(s);
            });
    }
    // A submit()'s future: one that running calls can be cancelled through, if the
    // options say so.
    template <class R>
    future<R> new_future() const {
        if (!cancel_hook_) return future<R>();
        return future<R>(new detail::process::cancellable_state<R>(cancel_hook_));
    }

    boost::asio::any_io_executor handler_ex_;  // see detail::default_handler_executor
    std::shared_ptr<detail::process::pool_core> core_;
    cancel_hook cancel_hook_;  // null unless cancel_running_calls
};

}  // namespace futures

#include <futures/impl/process_pool_executor.hpp>

#pragma once
// thread_pool_executor: Python's ThreadPoolExecutor, plus a bound on queued calls,
// and Asio integration: async_submit (any completion token, never blocks) and
// an optional completion executor on which finished calls are published.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <futures/detail/admission_rules.hpp>
#include <futures/detail/pool_asio_executor.hpp>
#include <futures/detail/thread_pool_core.hpp>
#include <futures/detail/zip_source.hpp>
#include <futures/future.hpp>
#include <futures/map.hpp>

namespace futures {

struct thread_pool_options {
    /// Threads at most. Unset: min(32, usable cores + 4), as Python. 0 or more than
    /// 65536 throws std::invalid_argument.
    std::optional<std::size_t> max_workers{};
    /// Threads are named "<prefix>_<index>" (default prefix "ThreadPool-<n>"); Linux
    /// shows the first 15 bytes in top -H, ps -L and gdb.
    std::string thread_name_prefix{};
    /// Runs once in each worker thread before its first call. If it throws, the pool
    /// is broken: queued and later submits fail with broken_thread_pool.
    std::function<void()> initializer{};
    /// Beyond Python: the most calls queued (submitted, not yet started) at once;
    /// submit() blocks while the queue is full. 0: unbounded, as Python. Above
    /// PTRDIFF_MAX throws std::invalid_argument.
    std::size_t max_pending = 0;
    /// Beyond Python: where finished calls are published. Unset: a call's future
    /// is completed, and its done-callbacks run, on the worker thread that ran it.
    /// Set: the worker posts that to this executor (so callbacks run on, say, the
    /// io_context thread), and the executor has outstanding work while any call is
    /// queued, deferred or running, so its run() does not return before they are
    /// published. Futures finished another way (cancel(), shutdown(cancel_futures),
    /// a broken pool) still complete on the thread that does it. If the executor's
    /// context is destroyed with a publication still queued, that future stays
    /// unfinished. So never block in result()/wait() for this pool's futures on
    /// the executor's only thread: the completion could not run (deadlock); wait
    /// with async_wait there instead.
    std::optional<boost::asio::any_io_executor> completion_executor{};
};

/// Runs calls on a pool of threads that start lazily (one per submit at most, none
/// while an idle thread exists) and live until shutdown.
class thread_pool_executor {
public:
    thread_pool_executor() : thread_pool_executor(thread_pool_options{}) {}
    explicit thread_pool_executor(std::size_t max_workers)
        : thread_pool_executor(thread_pool_options{.max_workers = max_workers}) {}
    /// Throws std::invalid_argument, naming the option, for options that cannot work.
    explicit thread_pool_executor(thread_pool_options opts)
        : handler_ex_((detail::check_options(opts), detail::default_handler_executor(opts.completion_executor))),
          core_(std::make_shared<detail::thread_pool_core>(std::move(opts))),
          asio_(std::make_shared<detail::pool_asio_context>(core_)) {}

    /// shutdown(wait=true): queued calls still run; blocks until all have.
    ~thread_pool_executor() { shutdown(true); }
    thread_pool_executor(const thread_pool_executor&) = delete;
    thread_pool_executor& operator=(const thread_pool_executor&) = delete;

    /// Schedules f(args...) and returns its future. f and args are decay-copied (or
    /// moved), so move-only arguments work; they are destroyed on the worker right
    /// after the call. Blocks only while max_pending calls are queued. Throws
    /// std::runtime_error after shutdown, broken_thread_pool after an initializer
    /// failed.
    template <class F, class... A>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...>
    auto submit(F&& f, A&&... args) { return submit_to(*core_, std::forward<F>(f), std::forward<A>(args)...); }

    /// Asio form of submit: async_submit(f, args..., token). The token comes last
    /// (Asio's convention) and is any completion token for
    /// void(std::exception_ptr, R) (void(std::exception_ptr) if f returns void),
    /// where R is f's result type, which must be default-constructible (a failure
    /// delivers R{} beside the exception). Delivers the result, or the call's
    /// exception, or cancelled_error, or the error submit() would have thrown
    /// (shutdown, broken pool): errors go to the handler, never thrown here.
    /// Never blocks: with max_pending calls queued, the call waits in a FIFO that
    /// workers admit from as they take calls; a shutdown refuses (or, with
    /// cancel_futures, cancels) calls still waiting there.
    /// Threads and cancellation as future::async_wait, except that a handler without
    /// an associated executor runs on completion_executor when the pool has one (as
    /// Asio runs such handlers on the I/O object's executor), and that a cancellation
    /// through the handler's slot also cancels the call if it has not started.
    template <class... A>
    requires(sizeof...(A) >= 2) auto async_submit(A&&... f_args_token) {
        return async_submit_split(std::forward_as_tuple(std::forward<A>(f_args_token)...),
                                  std::make_index_sequence<sizeof...(A) - 2>{});
    }

    /// Calls f over the zipped ranges (shortest wins) and returns a lazy range of the
    /// results in input order (in completion order with map_options::unordered); an
    /// optional map_options comes last. What Python does and when: see map.hpp and
    /// map_options.hpp. Lvalue ranges are referenced, not copied, and must outlive
    /// the iteration. f may run on several threads at once.
    template <class F, class... Xs>
    auto map(F&& f, Xs&&... ranges_then_options) {
        return detail::with_map_options(
            [&](const map_options& o, auto&&... rs) {
                return map_impl(o, std::forward<F>(f), std::forward<decltype(rs)>(rs)...);
            },
            std::forward<Xs>(ranges_then_options)...);
    }

    /// Stops accepting calls. cancel_futures: cancels the queued calls that have not
    /// started. wait: blocks until every worker has finished (queued calls that were
    /// not cancelled still run). Safe to call more than once, and from a worker (it
    /// then does not wait for its own thread).
    void shutdown(bool wait = true, bool cancel_futures = false) { core_->shutdown(wait, cancel_futures); }

    /// The Asio executor of this pool (Asio's standard executor model; converts to
    /// any_io_executor): asio::post(pool.get_executor(), f), co_spawn(pool.get_executor(),
    /// ...), bind_executor(pool.get_executor(), h) and strands of it run their
    /// functions on the pool's threads, queued with submit()'s calls, never inside
    /// the call that hands them over (blocking.never). Never blocks; after shutdown
    /// the functions are dropped without running, as a stopped io_context's are; what
    /// one throws goes to the log (log.hpp). Copies compare equal; they keep the
    /// pool's queue alive (not the executor object) and may outlive it.
    using executor_type = detail::thread_pool_asio_executor;
    executor_type get_executor() const noexcept { return executor_type(asio_); }

    std::size_t max_workers() const noexcept { return core_->max_workers(); }
    /// Threads started so far.
    std::size_t thread_count() const { return core_->thread_count(); }
    /// Calls queued and not yet started.
    std::size_t pending() const { return core_->queued(); }

private:
    struct submit_initiation {
        std::shared_ptr<detail::thread_pool_core> core;  // shared: a deferred op may start late
        boost::asio::any_io_executor fallback;           // for handlers without an executor

        template <class Handler, class F, class... Args>
        void operator()(Handler&& h, F&& f, Args&&... args) const {
            using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
            auto* t = new detail::pooled_call<R, std::decay_t<F>, std::decay_t<Args>...>(std::forward<F>(f),
                                                                                         std::forward<Args>(args)...);
            boost::intrusive_ptr<detail::state_base> s(t);
            detail::start_wait<detail::wait_traits<R>>(s, std::forward<Handler>(h), true, fallback);
            intrusive_ptr_add_ref(t);  // the queue's reference, which post_or_defer takes over
            core->post_or_defer(t);
        }
    };

    template <class Tuple, std::size_t... I>
    auto async_submit_split(Tuple&& t, std::index_sequence<I...>) {
        constexpr std::size_t last = sizeof...(I) + 1;
        using Token = detail::trailing_token_t<std::decay_t<Tuple>>;
        using F = std::decay_t<std::tuple_element_t<0, std::decay_t<Tuple>>>;
        static_assert(std::is_invocable_v<F, std::decay_t<std::tuple_element_t<I + 1, std::decay_t<Tuple>>>...>,
                      "async_submit(f, args..., token): f(args...) is not callable");
        using R = std::invoke_result_t<F, std::decay_t<std::tuple_element_t<I + 1, std::decay_t<Tuple>>>...>;
        using sig = typename detail::wait_traits<R>::signature;
        static_assert(boost::asio::completion_token_for<Token, sig>,
                      "async_submit(f, args..., token): the last argument must be a completion token");
        auto& token = std::get<last>(t);
        return boost::asio::async_initiate<Token, sig>(submit_initiation{core_, handler_ex_}, token,
                                                       std::get<0>(std::forward<Tuple>(t)),
                                                       std::get<I + 1>(std::forward<Tuple>(t))...);
    }

    template <class F, class... A>
    static auto submit_to(detail::thread_pool_core& core, F&& f, A&&... args) {
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
        using task_t = detail::pooled_call<R, std::decay_t<F>, std::decay_t<A>...>;
        auto* t = new task_t(std::forward<F>(f), std::forward<A>(args)...);
        future<R> fut(t);          // the caller's reference
        intrusive_ptr_add_ref(t);  // the queue's reference
        try {
            core.post(t);
        } catch (...) {
            detail::release(t);
            throw;
        }
        return fut;
    }

    template <class F, class... Rs>
    auto map_impl(const map_options& o, F&& f, Rs&&... rs) {
        static_assert(sizeof...(Rs) > 0, "map() needs at least one input range");
        detail::validate(o);
        using Fn = std::decay_t<F>;
        using Args = detail::args_tuple<Rs...>;
        using R = decltype(std::apply(std::declval<Fn&>(), std::declval<Args>()));
        auto fn = std::make_shared<Fn>(std::forward<F>(f));
        // A weak reference, as Python's map holds a weakref to its executor: once the
        // executor is gone, no more input is submitted.
        auto submit = [weak = std::weak_ptr(core_),
                       fn](std::vector<Args>& chunk) -> std::optional<detail::chunk_future<R>> {
            auto core = weak.lock();
            if (!core) return std::nullopt;
            return submit_to(*core,
                             [fn, chunk = std::move(chunk)]() mutable { return detail::run_chunk<R>(*fn, chunk); });
        };
        using source_t = detail::zip_source<R, decltype(submit), Rs...>;
        return map_result<R>(
            std::make_unique<source_t>(std::move(submit), o.chunksize.value_or(1), std::forward<Rs>(rs)...), o);
    }

    boost::asio::any_io_executor handler_ex_;  // see detail::default_handler_executor
    std::shared_ptr<detail::thread_pool_core> core_;
    std::shared_ptr<detail::pool_asio_context> asio_;  // get_executor()'s context
};

}  // namespace futures

#pragma once
// thread_pool_executor: Python's ThreadPoolExecutor, plus a bound on queued calls.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <futures/detail/thread_pool_core.hpp>
#include <futures/detail/zip_source.hpp>
#include <futures/future.hpp>
#include <futures/map.hpp>

namespace futures {

struct thread_pool_options {
    /// Threads at most. Unset: min(32, usable cores + 4), as Python. 0 throws
    /// std::invalid_argument.
    std::optional<std::size_t> max_workers{};
    /// Threads are named "<prefix>_<index>" (default prefix "ThreadPool-<n>"); Linux
    /// shows the first 15 bytes in top -H, ps -L and gdb.
    std::string thread_name_prefix{};
    /// Runs once in each worker thread before its first call. If it throws, the pool
    /// is broken: queued and later submits fail with broken_thread_pool.
    std::function<void()> initializer{};
    /// Beyond Python: the most calls queued (submitted, not yet started) at once;
    /// submit() blocks while the queue is full. 0: unbounded, as Python.
    std::size_t max_pending = 0;
};

/// Runs calls on a pool of threads that start lazily (one per submit at most, none
/// while an idle thread exists) and live until shutdown.
class thread_pool_executor {
public:
    thread_pool_executor() : thread_pool_executor(thread_pool_options{}) {}
    explicit thread_pool_executor(std::size_t max_workers)
        : thread_pool_executor(thread_pool_options{.max_workers = max_workers}) {}
    explicit thread_pool_executor(thread_pool_options opts)
        : core_(std::make_shared<detail::thread_pool_core>(std::move(opts))) {}

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
    auto submit(F&& f, A&&... args) {
        return submit_to(*core_, std::forward<F>(f), std::forward<A>(args)...);
    }

    /// Calls f over the zipped ranges (shortest wins) and returns a lazy range of the
    /// results in input order; an optional map_options comes last. What Python does
    /// and when: see map.hpp and map_options.hpp. Lvalue ranges are referenced, not
    /// copied, and must outlive the iteration. f may run on several threads at once.
    template <class F, class... Xs>
    auto map(F&& f, Xs&&... ranges_then_options) {
        return detail::with_map_options(
            [&](const map_options& o, auto&&... rs) { return map_impl(o, std::forward<F>(f), std::forward<decltype(rs)>(rs)...); },
            std::forward<Xs>(ranges_then_options)...);
    }

    /// Stops accepting calls. cancel_futures: cancels the queued calls that have not
    /// started. wait: blocks until every worker has finished (queued calls that were
    /// not cancelled still run). Safe to call more than once, and from a worker (it
    /// then does not wait for its own thread).
    void shutdown(bool wait = true, bool cancel_futures = false) { core_->shutdown(wait, cancel_futures); }

    std::size_t max_workers() const noexcept { return core_->max_workers(); }
    /// Threads started so far.
    std::size_t thread_count() const { return core_->thread_count(); }
    /// Calls queued and not yet started.
    std::size_t pending() const { return core_->queued(); }

private:
    template <class F, class... A>
    static auto submit_to(detail::thread_pool_core& core, F&& f, A&&... args) {
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
        using task_t = detail::task<R, std::decay_t<F>, std::decay_t<A>...>;
        auto* t = new task_t(std::forward<F>(f), std::forward<A>(args)...);
        future<R> fut(t);         // the caller's reference
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
        auto submit = [weak = std::weak_ptr(core_), fn](std::vector<Args>&& chunk)
            -> std::optional<detail::chunk_future<R>> {
            auto core = weak.lock();
            if (!core) return std::nullopt;
            return submit_to(*core, [fn, chunk = std::move(chunk)]() mutable {
                return detail::run_chunk<R>(*fn, chunk);
            });
        };
        using source_t = detail::zip_source<R, decltype(submit), Rs...>;
        return map_result<R>(std::make_unique<source_t>(std::move(submit), o.chunksize.value_or(1),
                                                        std::forward<Rs>(rs)...),
                             o);
    }

    std::shared_ptr<detail::thread_pool_core> core_;
};

}  // namespace futures

#pragma once
// thread_pool_executor::get_executor(): the pool as an Asio executor (the standard
// executor model of Boost 1.81), so that asio::post, co_spawn, bind_executor and
// strands run work on its threads. It converts to any_io_executor.
//
// Asio wants a context to keep services in (strands keep theirs there); a thread
// pool has none, so each pool gets a plain execution_context of its own, kept
// alive by every copy of the executor.
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>

#include <futures/detail/pooled_call.hpp>
#include <futures/detail/thread_pool_core.hpp>
#include <futures/log.hpp>

namespace futures::detail {

struct pool_asio_context : boost::asio::execution_context {
    explicit pool_asio_context(std::shared_ptr<thread_pool_core> c) : core(std::move(c)) {}
    ~pool_asio_context() {
        // Services (a strand's) go first, while the pool can still run what they destroy.
        shutdown();
        destroy();
    }
    std::shared_ptr<thread_pool_core> core;
};

void report_escaped(std::exception_ptr e) noexcept;  // thread_pool_core.cpp

class thread_pool_asio_executor {
public:
    explicit thread_pool_asio_executor(std::shared_ptr<pool_asio_context> c) noexcept : ctx_(std::move(c)) {}

    /// Runs f() on one of the pool's threads, never inside this call, as a call
    /// queued like submit()'s (FIFO with them); never blocks (with max_pending calls
    /// queued it waits in the pool's FIFO, as async_submit's calls do). After
    /// shutdown f is destroyed without running, as a stopped io_context drops
    /// handlers. What f throws is reported to the log (log.hpp), as Asio has no
    /// run() here to propagate it from.
    template <class F>
    void execute(F&& f) const {
        auto run = [fn = std::decay_t<F>(std::forward<F>(f))]() mutable {
            try {
                std::move(fn)();
            } catch (...) {
                report_escaped(std::current_exception());
            }
        };
        auto* t = new pooled_call<void, decltype(run)>(std::move(run));
        intrusive_ptr_add_ref(t);      // the queue's, the only one: nobody looks at this future
        ctx_->core->post_or_defer(t);  // takes it over, and frees t once run or refused
    }

    boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept { return *ctx_; }
    static constexpr auto query(boost::asio::execution::blocking_t) noexcept {
        return boost::asio::execution::blocking.never;
    }
    static constexpr auto query(boost::asio::execution::relationship_t) noexcept {
        return boost::asio::execution::relationship.fork;
    }
    static constexpr auto query(boost::asio::execution::outstanding_work_t) noexcept {
        return boost::asio::execution::outstanding_work.untracked;
    }
    thread_pool_asio_executor require(boost::asio::execution::blocking_t::never_t) const noexcept { return *this; }

    friend bool operator==(const thread_pool_asio_executor& a, const thread_pool_asio_executor& b) noexcept {
        return a.ctx_ == b.ctx_;
    }
    friend bool operator!=(const thread_pool_asio_executor& a, const thread_pool_asio_executor& b) noexcept {
        return !(a == b);
    }

private:
    std::shared_ptr<pool_asio_context> ctx_;
};

}  // namespace futures::detail

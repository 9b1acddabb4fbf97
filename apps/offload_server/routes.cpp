#include "routes.hpp"

#include <exception>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <futures/remote_error.hpp>

#include "query.hpp"
#include "tasks.hpp"

namespace asio = boost::asio;

namespace offload {
namespace {

enum class route { none, health, stats, fib, gcd, crash };

route find_route(std::string_view path) {
    if (path == "/health") return route::health;
    if (path == "/stats") return route::stats;
    if (path == "/fib") return route::fib;
    if (path == "/gcd") return route::gcd;
    if (path == "/crash") return route::crash;
    return route::none;
}

}  // namespace

reply text(unsigned status, std::string line) { return reply{.status = status, .body = std::move(line) + "\n"}; }

asio::awaitable<reply> router::handle(std::string_view method, std::string_view raw_target) {
    try {
        const target t = parse_target(raw_target);
        const route r = find_route(t.path);
        if (r == route::none) co_return text(404, "not found: " + printable(t.path));
        if (method != "GET") {
            reply no = text(405, "method not allowed: " + printable(method) + " (only GET)");
            no.allow = "GET";
            co_return no;
        }
        switch (r) {
        case route::health:
            accept_only(t, {});
            // A load balancer's probe: answered from here, never queued behind
            // CPU work; it turns 503 only once the pool can compute no more.
            if (!counters_.pool_broken.empty()) co_return text(503, "unhealthy: " + counters_.pool_broken);
            co_return text(200, "ok");
        case route::stats: {
            accept_only(t, {});
            reply s{.status = 200, .body = stats_json(to_string(opts_.mode), counters_, pool_)};
            s.content_type = "application/json";
            co_return s;
        }
        case route::fib: {
            accept_only(t, {"n"});
            const int n = static_cast<int>(integer_param(t, "n", 0, max_fib));
            co_return co_await compute(fib_task, offload::fib, n);
        }
        case route::gcd: {
            accept_only(t, {"a", "b"});
            const gcd_workload::pair p{integer_param(t, "a", 1, max_gcd_arg), integer_param(t, "b", 1, max_gcd_arg)};
            co_return co_await compute(gcd_task, gcd_workload::gcd, p);
        }
        case route::crash:
            accept_only(t, {});
            // Inline, the "worker" is the server itself.
            if (!pool_) co_return text(501, "/crash needs --mode offload: inline, it would kill the server");
            co_return co_await compute(crash_task, offload::crash);
        case route::none:
            break;
        }
        co_return text(500, "internal error: unrouted path");
    } catch (const bad_request& e) {
        co_return text(400, std::string("bad request: ") + e.what());
    } catch (const std::exception& e) {
        co_return text(500, std::string("internal error: ") + e.what());
    }
}

template <class R, class... A, class F, class... X>
asio::awaitable<reply> router::compute(const futures::task<R(A...)>& t, F&& here, X... args) {
    if (!pool_) co_return text(200, std::to_string(here(args...)));  // blocks this thread: the baseline
    if (opts_.max_pending != 0 && counters_.offloaded >= opts_.max_pending) {
        ++counters_.rejected;
        reply busy = text(503, "busy: " + std::to_string(counters_.offloaded) + " calls are pending");
        busy.retry_after = true;
        co_return busy;
    }
    scoped_count pending(counters_.offloaded);
    // as_tuple: a failed call is an outcome to answer, not an exception to unwind.
    auto [e, v] = co_await pool_->async_submit(t, args..., asio::as_tuple(asio::use_awaitable));
    if (e) co_return failure(e);
    co_return text(200, std::to_string(v));
}

reply router::failure(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const futures::terminated_worker_error& x) {
        // The pool has already replaced the worker (or will, on the next call).
        ++counters_.worker_failures;
        return text(502, std::string("worker died: ") + x.what());
    } catch (const futures::broken_process_pool& x) {
        counters_.pool_broken = x.what();
        return text(503, std::string("the process pool is broken: ") + x.what());
    } catch (const std::exception& x) {
        // remote_error (the task threw), serialization_error, or the pool was shut down.
        return text(500, std::string("the call failed: ") + x.what());
    }
}

}  // namespace offload

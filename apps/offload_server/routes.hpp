#pragma once
// What each endpoint answers. The router knows nothing of HTTP framing (that is
// server.cpp, the only Beast translation unit): it maps a method and a target to
// a status and a body, and for the CPU endpoints awaits the process pool on the
// io_context thread, which stays free for other connections meanwhile.
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include <futures/process_pool_executor.hpp>

#include "options.hpp"
#include "stats.hpp"

namespace offload {

/// One response, before HTTP framing.
struct reply {
    unsigned status = 200;
    std::string body;
    std::string_view content_type = "text/plain; charset=utf-8";
    std::string_view allow{};  ///< for 405: the methods the path takes
    bool retry_after = false;  ///< for 503: "Retry-After: 1"
};

/// A reply with a one-line text body.
reply text(unsigned status, std::string line);

class router {
public:
    /// pool: where CPU endpoints compute; null in inline mode (on the calling thread).
    /// It must complete its futures on the executor that runs handle().
    router(const options& opts, futures::process_pool_executor* pool, server_counters& counters)
        : opts_(opts), pool_(pool), counters_(counters) {}

    /// The reply to `method target`. Never throws; a malformed target or query is a
    /// 400, an unknown path 404, a method other than GET 405.
    boost::asio::awaitable<reply> handle(std::string_view method, std::string_view target);

    /// /fib?n= accepts n in [0, max_fib]: fib(45) already takes seconds.
    static constexpr int max_fib = 45;
    /// /gcd accepts a and b in [1, max_gcd_arg]: seed 003's loop counts down from
    /// min(a, b), about a second at the bound.
    static constexpr std::int64_t max_gcd_arg = 100'000'000;

private:
    template <class R, class... A, class F, class... X>
    boost::asio::awaitable<reply> compute(const futures::task<R(A...)>& t, F&& here, X... args);
    reply failure(std::exception_ptr e);

    const options& opts_;
    futures::process_pool_executor* pool_;
    server_counters& counters_;
};

}  // namespace offload

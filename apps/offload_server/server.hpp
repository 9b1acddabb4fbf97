#pragma once
// The HTTP/1.1 side: accepting, one coroutine per connection, keep-alive, limits,
// timeouts, and the graceful stop. Beast stays behind this header: it is the
// slowest thing to compile here, so only server.cpp includes it.
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "options.hpp"
#include "routes.hpp"
#include "stats.hpp"

namespace offload {

class http_server {
public:
    /// Everything runs on io, which must have one thread: the counters and the
    /// connection list are unsynchronized by design.
    http_server(boost::asio::io_context& io, const options& opts, router& routes, server_counters& counters);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds and listens; returns the bound endpoint (with the kernel's port for
    /// port 0). Throws boost::system::system_error.
    boost::asio::ip::tcp::endpoint listen();
    /// Starts accepting connections on io.
    void start();
    /// On io: stops accepting, closes idle keep-alive connections, lets every
    /// request already received run to its response (sent with "Connection:
    /// close"), and calls drained() on io once the last connection has closed
    /// (at once if there is none).
    void stop(std::function<void()> drained);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace offload

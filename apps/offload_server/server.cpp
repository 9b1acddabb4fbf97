// One coroutine per connection, all on the server's only thread: Beast reads and
// writes, the router answers, and this file owns the framing rules, the limits,
// the timeouts and the graceful stop.
#include "server.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <list>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace offload {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A request here is a GET line and a few headers. These bound what one
// connection can make the server hold, however it misbehaves.
constexpr std::uint32_t header_limit = 8 * 1024;  // beyond: 431
constexpr std::uint64_t body_limit = 4 * 1024;    // beyond: 413 (a GET has none)
constexpr std::size_t buffer_limit = 16 * 1024;   // read-ahead, pipelined requests included
// After an error response, how long to read and drop what the client still sends
// before closing: closing a socket with unread data sends a RST, which can
// destroy the response before the client has read it.
constexpr auto linger_time = 1s;
// An accept that failed for want of descriptors or memory fails again at once:
// wait this long rather than spin.
constexpr auto accept_retry = 100ms;

using request_parser = http::request_parser<http::string_body>;

struct connection {
    explicit connection(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer{buffer_limit};
    const request_parser* reading = nullptr;  // set while waiting for a request

    // Waiting for a request of which nothing has arrived: stop() may close it, as
    // a keep-alive connection may be closed between requests (RFC 9112 9.3).
    bool idle() const { return reading && buffer.size() == 0 && !reading->got_some(); }
};

// The status for a request Beast could not parse; 0: answer nothing, the peer
// is gone or silent (end of stream, reset, timeout, or cancelled by stop()).
unsigned status_for(const beast::error_code& ec) {
    if (ec.category() != http::make_error_code(http::error::bad_method).category()) return 0;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
    if (ec == http::error::body_limit) return 413;
    return 400;
}

// HTTP/1.1 requires exactly one Host header (RFC 9112 3.2); Beast leaves that to us.
bool host_ok(const http::request<http::string_body>& req) {
    const auto n = req.count(http::field::host);
    return n == 1 || (n == 0 && req.version() < 11);
}

// head: the answer to a HEAD request, framed as if it had its body (RFC 9110 9.3.2).
http::response<http::string_body> to_response(reply r, unsigned version, bool keep_alive, bool head) {
    http::response<http::string_body> res;
    res.version(version);
    res.result(r.status);
    res.set(http::field::server, "offload_server");
    res.set(http::field::content_type, r.content_type);
    if (!r.allow.empty()) res.set(http::field::allow, r.allow);
    if (r.retry_after) res.set(http::field::retry_after, "1");
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length stays: the size the body would have
    return res;
}

bool out_of_resources(const beast::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
           ec == beast::error_code(ENFILE, boost::system::system_category());
}

// co_spawn's completion: a coroutine that threw (it should not) is logged, never
// rethrown into io.run().
void report(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::fprintf(stderr, "offload_server: %s\n", x.what());
    }
}

}  // namespace

struct http_server::impl {
    impl(asio::io_context& i, const options& o, router& r, server_counters& c)
        : io(i), opts(o), routes(r), counters(c) {}

    asio::io_context& io;
    const options& opts;
    router& routes;
    server_counters& counters;
    tcp::acceptor acceptor{io};
    asio::steady_timer retry{io};
    std::list<connection*> live;  // stop() looks for the idle ones
    std::function<void()> drained;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket, bool refuse);
    asio::awaitable<void> converse(connection& c);
    asio::awaitable<bool> send(connection& c, reply r, unsigned version, bool keep_alive, bool head = false);
    asio::awaitable<void> linger_close(connection& c);
    void check_drained();
};

asio::awaitable<void> http_server::impl::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (counters.stopping) co_return;
        if (ec) {
            if (!out_of_resources(ec)) continue;  // e.g. the client reset before we took it
            std::fprintf(stderr, "offload_server: accept: %s\n", ec.message().c_str());
            retry.expires_after(accept_retry);
            co_await retry.async_wait(use_tuple);
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // small responses: never wait for an ACK
        const bool refuse = counters.connections >= opts.max_connections;
        asio::co_spawn(io, serve(std::move(socket), refuse), report);
    }
}

asio::awaitable<void> http_server::impl::serve(tcp::socket socket, bool refuse) {
    connection c(std::move(socket));
    // Leaves the list however this frame ends, and tells stop() when it was the last.
    struct registration {
        impl& s;
        std::list<connection*>::iterator at;
        ~registration() {
            s.live.erase(at);
            --s.counters.connections;
            s.check_drained();
        }
    } reg{*this, live.insert(live.end(), &c)};
    ++counters.connections;
    ++counters.connections_total;
    if (!refuse) {
        co_await converse(c);
        co_return;
    }
    ++counters.rejected;
    reply busy = text(503, "too many connections");
    busy.retry_after = true;
    if (co_await send(c, std::move(busy), 11, false)) co_await linger_close(c);
}

asio::awaitable<void> http_server::impl::converse(connection& c) {
    while (!counters.stopping) {
        request_parser parser;  // one per request: a Beast parser is single-use
        parser.header_limit(header_limit);
        parser.body_limit(body_limit);
        c.reading = &parser;
        c.stream.expires_after(opts.timeout);  // covers the idle wait and the whole request
        auto [ec, n] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
        c.reading = nullptr;
        if (ec) {
            const unsigned status = status_for(ec);
            if (status == 0) co_return;
            // The stream may be out of step with the framing now: answer, then close.
            ++counters.malformed;
            reply bad = text(status, "bad request: " + ec.message());
            if (co_await send(c, std::move(bad), 11, false)) co_await linger_close(c);
            co_return;
        }
        auto& req = parser.get();
        ++counters.requests;
        bool keep = false;
        {
            scoped_count busy(counters.in_flight);
            reply r;
            if (host_ok(req))
                r = co_await routes.handle(req.method_string(), req.target());
            else
                r = text(400, "bad request: an HTTP/1.1 request needs exactly one Host header");
            // Decided after the work: a stop that came meanwhile closes this
            // connection once the answer is out.
            keep = req.keep_alive() && !counters.stopping;
            const bool head = req.method() == http::verb::head;
            if (!co_await send(c, std::move(r), req.version(), keep, head)) co_return;
        }
        if (!keep) {
            co_await linger_close(c);
            co_return;
        }
    }
}

asio::awaitable<bool> http_server::impl::send(connection& c, reply r, unsigned version, bool keep_alive, bool head) {
    auto res = to_response(std::move(r), version, keep_alive, head);
    c.stream.expires_after(opts.timeout);
    auto [ec, n] = co_await http::async_write(c.stream, res, use_tuple);
    if (ec) co_return false;
    counters.count_response(res.result_int());
    co_return true;
}

asio::awaitable<void> http_server::impl::linger_close(connection& c) {
    beast::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);  // the client sees EOF after our response
    c.stream.expires_after(linger_time);                         // one deadline for the whole drain
    std::array<char, 4096> sink;
    for (;;) {
        auto [rec, n] = co_await c.stream.async_read_some(asio::buffer(sink), use_tuple);
        if (rec) break;
    }
    c.stream.close();
}

void http_server::impl::check_drained() {
    if (!counters.stopping || !live.empty() || !drained) return;
    auto done = std::move(drained);
    drained = nullptr;
    done();
}

http_server::http_server(asio::io_context& io, const options& opts, router& routes, server_counters& counters)
    : impl_(std::make_unique<impl>(io, opts, routes, counters)) {}

http_server::~http_server() = default;

tcp::endpoint http_server::listen() {
    auto& s = *impl_;
    const tcp::endpoint ep(asio::ip::make_address(s.opts.address), s.opts.port);
    s.acceptor.open(ep.protocol());
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind(ep);
    s.acceptor.listen(asio::socket_base::max_listen_connections);
    return s.acceptor.local_endpoint();
}

void http_server::start() { asio::co_spawn(impl_->io, impl_->accept_loop(), report); }

void http_server::stop(std::function<void()> drained) {
    auto& s = *impl_;
    if (s.counters.stopping) return;
    s.counters.stopping = true;
    s.drained = std::move(drained);
    beast::error_code ec;
    s.acceptor.close(ec);
    s.retry.cancel();
    for (connection* c : s.live)
        if (c->idle()) c->stream.cancel();  // its read ends with operation_aborted: a quiet close
    s.check_drained();
}

}  // namespace offload

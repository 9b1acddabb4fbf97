#pragma once
// A Beast HTTP/1.1 client for the server tests: one connection, each operation
// bounded by the deadline (tcp_stream timeouts need asynchronous operations, so
// each one runs its own io_context until it completes). Failures are returned
// as error codes for the tests to check, never thrown past them.
#include <chrono>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "offload/server_process.hpp"

namespace offload_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using response = http::response<http::string_body>;

class http_client {
public:
    /// Connects to 127.0.0.1:port; ec() tells whether it worked.
    explicit http_client(unsigned short port) {
        const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
        stream_.expires_after(deadline);
        stream_.async_connect(ep, [this](beast::error_code e) { ec_ = e; });
        run();
    }

    /// The last operation's error.
    beast::error_code ec() const { return ec_; }

    /// Sends `method target` (with Host, keep-alive by default in HTTP/1.1).
    void send(const std::string& target, http::verb method = http::verb::get) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        stream_.expires_after(deadline);
        http::async_write(stream_, req, [this](beast::error_code e, std::size_t) { ec_ = e; });
        run();
    }

    /// Sends bytes as they are: for requests Beast would not write.
    void send_raw(const std::string& bytes) {
        stream_.expires_after(deadline);
        asio::async_write(stream_, asio::buffer(bytes), [this](beast::error_code e, std::size_t) { ec_ = e; });
        run();
    }

    /// Reads one response (status 0 and ec() set if none came). to_head: it answers
    /// a HEAD request, so it has no body whatever its Content-Length says.
    response receive(bool to_head = false) {
        http::response_parser<http::string_body> p;
        p.skip(to_head);
        stream_.expires_after(deadline);
        http::async_read(stream_, buffer_, p, [this](beast::error_code e, std::size_t) { ec_ = e; });
        run();
        response res = p.release();
        if (ec_) res.result(0);
        return res;
    }

    /// send(), then receive().
    response get(const std::string& target, http::verb method = http::verb::get) {
        send(target, method);
        if (ec_) return response{};
        return receive();
    }

    /// Whether the server closes the connection (EOF or reset) within `within`,
    /// without sending anything more.
    bool closed_by_server(std::chrono::milliseconds within = deadline) {
        char byte;
        stream_.expires_after(within);
        std::size_t got = 0;
        stream_.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code e, std::size_t n) {
            ec_ = e;
            got = n;
        });
        run();
        return got == 0 && buffer_.size() == 0 && (ec_ == asio::error::eof || ec_ == asio::error::connection_reset);
    }

private:
    void run() {
        io_.restart();
        io_.run();
    }

    asio::io_context io_;
    beast::tcp_stream stream_{io_};
    beast::flat_buffer buffer_;
    beast::error_code ec_;
};

}  // namespace offload_test

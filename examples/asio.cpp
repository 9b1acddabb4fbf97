#include <futures/futures.hpp>

#include <boost/asio.hpp>

#include <iostream>
#include <numeric>
#include <utility>

namespace asio = boost::asio;

int gcd(std::pair<int, int> p) { return std::gcd(p.first, p.second); }
long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
FUTURES_TASK(fib_task, fib);

asio::awaitable<void> handle(futures::thread_pool_executor& threads, futures::process_pool_executor& procs) {
    int g = co_await threads.async_submit(gcd, std::pair{12, 18}, asio::use_awaitable);
    long f = co_await procs.async_submit(fib_task, 30, asio::use_awaitable);  // throws what the task threw
    auto [e, v] = co_await procs.async_submit(fib_task, 31, asio::as_tuple(asio::use_awaitable));
    auto fut = threads.submit(gcd, std::pair{1963309, 2265973});
    int s = co_await fut.async_wait(asio::use_awaitable);
    std::cout << "gcd " << g << ", fib(30) " << f << ", fib(31) " << (e ? -1 : v) << ", gcd " << s << '\n';
}

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);
    asio::io_context io;
    futures::thread_pool_executor threads({.max_workers = 2, .completion_executor = io.get_executor()});
    futures::process_pool_executor procs({.max_workers = 2, .completion_executor = io.get_executor()});
    asio::co_spawn(io, handle(threads, procs), asio::detached);
    // The thread pool is an Asio executor too: this runs on one of its threads.
    asio::post(threads.get_executor(), [] { std::cout << "hello from a pool thread\n"; });
    io.run();  // returns once every call and its completion has run
}

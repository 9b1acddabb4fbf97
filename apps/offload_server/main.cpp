// offload_server: an HTTP/1.1 server on one io_context thread whose CPU-bound
// endpoints run in a process pool, so that /health stays fast while every worker
// is busy (issue #4, item 4). The pool relaunches this executable as its
// workers, hence run_worker_if_requested() first thing in main().
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <futures/process_pool_executor.hpp>
#include <futures/remote_error.hpp>
#include <futures/worker.hpp>

#include "options.hpp"
#include "routes.hpp"
#include "server.hpp"
#include "stats.hpp"
#include "tasks.hpp"

namespace asio = boost::asio;

namespace {

// The niceness workers run at: ours plus --worker-nice, at most 19.
int worker_niceness(const offload::options& o) {
    errno = 0;
    const int mine = ::getpriority(PRIO_PROCESS, 0);  // -1 is a valid niceness: errno tells
    return std::min(19, (errno ? 0 : mine) + o.worker_nice);
}

futures::process_pool_options pool_options(const offload::options& o, asio::io_context& io) {
    return {.max_workers = o.workers,
            .initializer = futures::make_call(prepare_worker_task, worker_niceness(o)),
            .max_restarts = o.max_restarts,
            // Results come back on the server's thread, where the coroutine that
            // awaits them resumes: no locks, no hop.
            .completion_executor = io.get_executor()};
}

// A warm-up call failed. If the pool broke (no worker can start), /health says so
// from the start; a single worker's death is only logged (the pool replaces it).
void note_start_failure(std::exception_ptr e, offload::server_counters& c) {
    try {
        std::rethrow_exception(e);
    } catch (const futures::terminated_worker_error& x) {
        std::fprintf(stderr, "offload_server: a worker died while starting: %s\n", x.what());
    } catch (const futures::broken_process_pool& x) {
        c.pool_broken = x.what();
        std::fprintf(stderr, "offload_server: the process pool is broken: %s\n", x.what());
    } catch (const std::exception& x) {
        std::fprintf(stderr, "offload_server: a worker's first call failed: %s\n", x.what());
    }
}

// The first SIGINT or SIGTERM stops gracefully; a second one means "now".
void on_stop_signal(asio::signal_set& signals, offload::http_server& server, const offload::server_counters& c,
                    const boost::system::error_code& ec, int sig) {
    if (ec) return;  // cancelled: the server has drained
    std::fprintf(stderr, "offload_server: %s: finishing %zu request(s) in flight, then exiting\n", ::sigdescr_np(sig),
                 c.in_flight);
    signals.async_wait([](const boost::system::error_code& ec2, int sig2) {
        if (ec2) return;
        std::fprintf(stderr, "offload_server: %s again: exiting now\n", ::sigdescr_np(sig2));
        std::_Exit(128 + sig2);  // the workers follow: PR_SET_PDEATHSIG
    });
    server.stop([&signals] { signals.cancel(); });
}

}  // namespace

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);
    int status = 0;
    const auto opts = offload::parse_command_line(argc, argv, status);
    if (!opts) return status;

    // The server's only thread runs this context; destroyed last, since the pool
    // completes its futures here.
    asio::io_context io(1);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    // SIGINT and SIGTERM stay blocked while the pool starts its I/O thread: that
    // thread inherits the mask, and so does every worker it forks, across exec.
    // A stop signal sent to the whole group (Ctrl-C, systemd) therefore never
    // reaches a worker, not even between fork and exec, where it would run this
    // process's Asio handler in the child and look like a second signal here.
    sigset_t stop_signals;
    ::sigemptyset(&stop_signals);
    ::sigaddset(&stop_signals, SIGINT);
    ::sigaddset(&stop_signals, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::optional<futures::process_pool_executor> pool;
    if (opts->mode == offload::compute_mode::offload) pool.emplace(pool_options(*opts, io));
    offload::server_counters counters;
    offload::router routes(*opts, pool ? &*pool : nullptr, counters);
    offload::http_server server(io, *opts, routes, counters);

    asio::ip::tcp::endpoint ep;
    try {
        ep = server.listen();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "offload_server: cannot listen on %s:%u: %s\n", opts->address.c_str(),
                     unsigned(opts->port), e.what());
        return 1;
    }
    // "listening" (the one line on stdout, which tests and the benchmark wait
    // for) comes once the warm-up calls are answered: every worker is spawned
    // and the pool works, so the first requests pay for no fork.
    std::size_t starting = pool ? pool->max_workers() : 0;
    auto ready = [&] {
        if (counters.stopping) return;  // stopped before it was ready
        std::printf("listening on %s:%u\n", ep.address().to_string().c_str(), unsigned(ep.port()));
        std::fflush(stdout);
        server.start();
    };
    auto started = [&](std::exception_ptr e) {
        if (e) note_start_failure(e, counters);
        if (--starting == 0) ready();
    };
    // Workers start on demand: one call per worker starts them all (and the
    // pool's I/O thread, under the mask above).
    for (std::size_t i = 0; i < starting; ++i)
        pool->async_submit(prepare_worker_task, worker_niceness(*opts), asio::bind_executor(io, started));
    ::pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);  // this thread takes them, for the signal_set
    signals.async_wait(
        [&](const boost::system::error_code& ec, int sig) { on_stop_signal(signals, server, counters, ec, sig); });
    if (!pool) ready();
    io.run();  // until a stop signal has drained every connection
    if (pool) pool->shutdown(true);
    std::fprintf(stderr, "offload_server: stopped after %llu request(s)\n",
                 static_cast<unsigned long long>(counters.requests));
    return 0;
}

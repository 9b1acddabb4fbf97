// The pool's I/O thread: its loop, and why it polls for a while before sleeping.
#include <futures/detail/process/parent/io_thread.hpp>
#include <futures/log.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace futures::detail::process {

namespace {
// Poll a little past the expected answer: the worker's own reply takes some.
constexpr auto linger_after_send = std::chrono::microseconds(50);
}  // namespace

void io_thread::start() {
    if (thread_.joinable()) return;
    guard_.emplace(io_.get_executor());
    thread_ = std::thread([this] { run(); });
}

void io_thread::join() {
    std::lock_guard lk(join_m_);
    if (thread_.joinable()) thread_.join();
}

void io_thread::linger(std::uint64_t expected_ns) {
    spin_until_ = std::max(spin_until_, clock::now() + std::chrono::nanoseconds(expected_ns) + linger_after_send);
}

void io_thread::run() {
    // Set here, before any handler runs, so a handler's on_thread() never misses.
    id_.store(std::this_thread::get_id());
    pthread_setname_np(pthread_self(), "futures-procio");
    // This thread forks the workers: with every signal blocked here, none can reach
    // a child before it has reset the handlers and unblocked every signal
    // (spawn.cpp), and no signal handler of the program ever runs on this thread.
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
    for (;;) {
        try {
            // Until spin_until_ (set by linger()), poll instead of sleeping in epoll: an
            // answer or a submit expected within microseconds then finds this thread on
            // a CPU rather than paying a sleeping vCPU's wake-up, which costs more than
            // the whole round trip on small VMs (docs/boost-1.81.md, "Floor figures").
            while (!io_.stopped()) {
                if (io_.poll() > 0) continue;
                if (clock::now() < spin_until_) {
                    sched_yield();
                    continue;
                }
                io_.run_one();
            }
            return;
        } catch (const std::exception& e) {
            // Handlers do not throw by design; if one does, say so and keep serving.
            log_line(log_level::error, std::string("futures: process pool I/O thread: ") + e.what());
        }
    }
}

}  // namespace futures::detail::process

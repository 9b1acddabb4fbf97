#pragma once
// The process pool's own thread and io_context. It does all pipe I/O and is the only
// thread that forks: in Boost 1.81, forking while another thread uses the same
// io_context breaks the child (docs/boost-1.81.md, "Spawning"), so it never runs on a
// user's io_context. It blocks every signal, and polls for a short while after a
// send instead of sleeping: see run() in io_thread.cpp.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace futures::detail::process {

class io_thread {
public:
    io_thread() = default;
    io_thread(const io_thread&) = delete;
    io_thread& operator=(const io_thread&) = delete;

    boost::asio::io_context& context() noexcept { return io_; }

    /// Starts the thread unless it runs already. The caller serializes calls (the
    /// pool calls it under its admission lock).
    void start();
    /// Whether the calling thread is this one.
    bool on_thread() const noexcept { return std::this_thread::get_id() == id_.load(); }
    bool joinable() const noexcept { return thread_.joinable(); }
    /// Runs f on the thread.
    template <class F>
    void post(F&& f) {
        boost::asio::post(io_, std::forward<F>(f));
    }
    /// Joins the thread (once its loop ended: see release()); never from the thread itself.
    void join();
    /// Lets go of a thread that is destroying its own pool (it cannot join itself).
    void detach() { thread_.detach(); }

    // On the thread only:
    /// Lets the loop end once its last handler has returned.
    void release() { guard_.reset(); }
    /// Polls rather than sleeps for expected_ns and a little more: an answer due
    /// that soon then finds this thread on a CPU (see io_thread.cpp).
    void linger(std::uint64_t expected_ns);

private:
    using clock = std::chrono::steady_clock;
    void run();

    boost::asio::io_context io_{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
    std::thread thread_;
    std::atomic<std::thread::id> id_{};  // set by the thread itself
    std::mutex join_m_;
    clock::time_point spin_until_{};
};

}  // namespace futures::detail::process

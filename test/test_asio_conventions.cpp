// What Asio users expect (issue 12, item 6): a handler without an associated
// executor runs on the pool's completion_executor; strands over any_io_executor
// work and hold the io_context's work; thread_pool_executor::get_executor() is an
// Asio executor for post, co_spawn, bind_executor and strands. Also the log
// handler (item 7), which receives what escapes such a function.
//
// Every io_context runs on the main thread; pool-side code records, the main
// thread asserts (Boost.Test is not thread-safe). No sleeps: events with deadlines.
#define BOOST_TEST_MODULE asio_conventions
#include <boost/test/unit_test.hpp>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include <futures/log.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

#include "process/tasks.hpp"
#include "support/asio_outcome.hpp"
#include "support/deadline.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using futures_test::event;
using futures_test::outcome;

namespace {

constexpr auto patience = 30s;

std::string thread_name() {
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof buf);
    return buf;
}

// Captures the log lines of one test; restores the default when it ends.
struct log_capture {
    std::mutex m;
    std::vector<std::string> lines;
    event seen;
    log_capture() {
        futures::set_log_handler([this](futures::log_level, std::string_view l) {
            {
                std::lock_guard lk(m);
                lines.emplace_back(l);
            }
            seen.set();
        });
    }
    ~log_capture() { futures::set_log_handler({}); }
    std::string first() {
        std::lock_guard lk(m);
        return lines.empty() ? std::string() : lines.front();
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(plain_handler_runs_on_the_completion_executor) {
    asio::io_context io;
    futures::thread_pool_executor pool({.max_workers = 1, .completion_executor = io.get_executor()});
    outcome o;
    pool.async_submit([] { return 7; }, o.handler());
    io.run_for(patience);  // returns once the handler ran: the work is tracked
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 7);
    BOOST_TEST((o.thread == std::this_thread::get_id()));  // the io_context's thread, not a hidden one
}

BOOST_AUTO_TEST_CASE(process_pool_plain_handler_runs_on_the_completion_executor) {
    asio::io_context io;
    futures::process_pool_executor pool(
        {.max_workers = 1, .worker_executable = FUTURES_TEST_WORKER, .completion_executor = io.get_executor()});
    outcome o;
    pool.async_submit(add_task, 40, 2, o.handler());
    io.run_for(patience);
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(o.value == 42);
    BOOST_TEST((o.thread == std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(plain_handler_without_completion_executor_runs_off_the_caller) {
    futures::thread_pool_executor pool(1);
    event done;
    std::thread::id ran_on;
    pool.async_submit([] { return 1; },
                      [&](std::exception_ptr, int) {
                          ran_on = std::this_thread::get_id();
                          done.set();
                      });
    BOOST_REQUIRE(done.wait_for(patience));
    BOOST_TEST((ran_on != std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(strand_over_any_io_executor_runs_the_handler_and_holds_work) {
    asio::io_context io;
    auto strand = asio::make_strand(asio::any_io_executor(io.get_executor()));
    futures::thread_pool_executor pool(1);
    event release;
    auto f = pool.submit([&] {
        (void)release.wait_for(patience);  // no assertion off the main thread
        return 5;
    });
    int value = 0;
    bool in_strand = false;
    f.async_wait(asio::bind_executor(strand, [&](std::exception_ptr, int v) {
        value = v;
        in_strand = strand.running_in_this_thread();
    }));
    // The only other work is this function: without the wait's work on the strand's
    // io_context, run() would return right after it, before the handler.
    asio::post(io, [&] { release.set(); });
    io.run_for(patience);
    BOOST_TEST(value == 5);
    BOOST_TEST(in_strand);
}

BOOST_AUTO_TEST_CASE(post_to_get_executor_runs_on_a_pool_thread) {
    futures::thread_pool_executor pool({.max_workers = 2, .thread_name_prefix = "asioex"});
    event done;
    std::string name;
    asio::post(pool.get_executor(), [&] {
        name = thread_name();
        done.set();
    });
    BOOST_REQUIRE(done.wait_for(patience));
    BOOST_TEST(name.rfind("asioex_", 0) == 0, "ran on " << name);
    asio::any_io_executor any = pool.get_executor();  // what co_spawn and strands need
    BOOST_TEST((any.target<futures::thread_pool_executor::executor_type>() != nullptr));
    BOOST_TEST((pool.get_executor() == pool.get_executor()));
}

asio::awaitable<std::string> on_the_pool(futures::thread_pool_executor& pool) {
    const std::string before = thread_name();
    // Waits on the pool's own future: resumes on the coroutine's executor, the pool.
    const int v = co_await pool.async_submit([] { return 20; }, asio::use_awaitable);
    co_return before + " " + std::to_string(v + 1) + " " + thread_name();
}

BOOST_AUTO_TEST_CASE(co_spawn_on_get_executor_runs_the_coroutine_there) {
    futures::thread_pool_executor pool({.max_workers = 2, .thread_name_prefix = "coro"});
    auto fut = asio::co_spawn(pool.get_executor(), on_the_pool(pool), asio::use_future);
    BOOST_REQUIRE((fut.wait_for(patience) == std::future_status::ready));
    const std::string got = fut.get();
    BOOST_TEST(got.rfind("coro_", 0) == 0, got);
    BOOST_TEST(got.find(" 21 coro_") != std::string::npos, got);
}

BOOST_AUTO_TEST_CASE(bind_executor_sends_a_timer_handler_to_the_pool) {
    asio::io_context io;
    futures::thread_pool_executor pool({.max_workers = 1, .thread_name_prefix = "bound"});
    asio::steady_timer t(io, 0ms);
    event done;
    std::string name;
    t.async_wait(asio::bind_executor(pool.get_executor(), [&](boost::system::error_code) {
        name = thread_name();
        done.set();
    }));
    io.run_for(patience);  // the timer's work ends when the handler is handed to the pool
    BOOST_REQUIRE(done.wait_for(patience));
    BOOST_TEST(name == "bound_0");
}

BOOST_AUTO_TEST_CASE(strand_of_get_executor_serialises) {
    futures::thread_pool_executor pool(4);
    auto strand = asio::make_strand(pool.get_executor());
    constexpr int n = 2000;
    int count = 0;  // no lock: the strand is the lock
    std::atomic<int> inside{0}, overlaps{0};
    futures_test::latch all(n);
    for (int i = 0; i < n; ++i)
        asio::post(strand, [&] {
            if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
            ++count;
            inside.fetch_sub(1);
            all.count_down();
        });
    BOOST_REQUIRE(all.wait_for(patience));
    BOOST_TEST(count == n);
    BOOST_TEST(overlaps.load() == 0);
}

BOOST_AUTO_TEST_CASE(post_after_shutdown_drops_the_function) {
    futures::thread_pool_executor pool(1);
    auto ex = pool.get_executor();
    pool.shutdown();
    auto token = std::make_shared<int>(0);
    asio::post(ex, [token] { *token = 1; });
    BOOST_TEST(token.use_count() == 1);  // destroyed at once, not kept for later
    BOOST_TEST(*token == 0);
}

BOOST_AUTO_TEST_CASE(exception_from_a_posted_function_goes_to_the_log) {
    log_capture log;
    futures::thread_pool_executor pool(1);
    asio::post(pool.get_executor(), [] { throw std::runtime_error("posted boom"); });
    BOOST_REQUIRE(log.seen.wait_for(patience));
    const auto line = log.first();
    BOOST_TEST(line.find("std::runtime_error: posted boom") != std::string::npos, line);
    BOOST_TEST(line.rfind("futures", 0) == 0, line);
}

BOOST_AUTO_TEST_CASE(callback_errors_reach_the_log_handler) {
    log_capture log;
    futures::future<int> f;
    f.add_done_callback([](futures::future<int>) { throw std::logic_error("callback boom"); });
    f.set_result(1);  // runs the callback here, which reports at once
    BOOST_REQUIRE(log.seen.wait_for(patience));
    const auto line = log.first();
    BOOST_TEST(line.find("exception calling callback") != std::string::npos, line);
    BOOST_TEST(line.find("std::logic_error: callback boom") != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(log_handler_can_be_restored) {
    auto old = futures::set_log_handler([](futures::log_level, std::string_view) {});
    BOOST_TEST(!old);  // the default is empty: stderr
    auto mine = futures::set_log_handler({});
    BOOST_TEST(static_cast<bool>(mine));
}

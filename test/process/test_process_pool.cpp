// process_pool_executor with the test executable relaunched as its worker: submit,
// remote errors, the crash matrix, map, shutdown and the lifecycle options.
#define BOOST_TEST_MODULE process_pool
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <ranges>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

using namespace std::chrono_literals;
using futures::process_pool_executor;
using futures::process_pool_options;
using ptest::deadline;
using ptest::error_of;
using ptest::eventually;

BOOST_AUTO_TEST_CASE(submit_returns_results) {
    process_pool_executor pool(2);
    auto f = pool.submit(add_task, 2, 3);
    auto g = pool.submit(gcd_task, std::pair{12, 18});
    BOOST_TEST(f.result(deadline) == 5);
    BOOST_TEST(g.result(deadline) == 6);
    ptest::record r{"n", {1}, {{"k", {1, 2.0}}}, {1, "s", 3}, 7};
    auto e = pool.submit(echo_record_task, r).result(deadline);
    BOOST_TEST(e.values.size() == 2u);
    BOOST_TEST((e.var == r.var && e.table == r.table && e.tup == r.tup));
    BOOST_TEST(pool.submit(get_pid_task).result(deadline) != ::getpid());
}

BOOST_AUTO_TEST_CASE(workers_start_on_demand_and_are_reused) {
    process_pool_executor pool(4);
    BOOST_TEST(pool.worker_pids().empty());
    auto a = pool.submit(get_pid_task).result(deadline);
    auto b = pool.submit(get_pid_task).result(deadline);
    BOOST_TEST(a == b);
    BOOST_TEST(pool.worker_pids().size() == 1u);
}

BOOST_AUTO_TEST_CASE(remote_exceptions_keep_std_types_and_details) {
    process_pool_executor pool(1);
    BOOST_TEST(error_of<std::invalid_argument>(pool.submit(throw_task, 0, "bad")) == "bad");
    BOOST_TEST(error_of<std::out_of_range>(pool.submit(throw_task, 1, "oor")) == "oor");
    BOOST_TEST(error_of<std::runtime_error>(pool.submit(throw_task, 2, "rt")) == "rt");
    BOOST_TEST(error_of<std::logic_error>(pool.submit(throw_task, 3, "lg")) == "lg");
    try {
        pool.submit(throw_task, 4, "dom").result(deadline);
        BOOST_FAIL("no exception");
    } catch (const std::domain_error& e) {
        auto* d = futures::remote_details_of(e);
        BOOST_REQUIRE(d);
        BOOST_TEST(d->remote_type() == "std::domain_error");
        BOOST_TEST(d->remote_traceback().find("throw_kind") != std::string::npos, d->remote_traceback());
    }
    BOOST_TEST(error_of<futures::remote_error>(pool.submit(throw_task, 5, "int")).find("unknown exception") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_task_and_signature_mismatch_fail_that_future) {
    process_pool_executor pool(1);
    const futures::task<int(int)> ghost("no_such_task");
    BOOST_TEST(error_of<futures::remote_error>(pool.submit(ghost, 1)).find("no task named \"no_such_task\"") !=
               std::string::npos);
    const futures::task<int(long)> wrong("square_task");
    BOOST_TEST(error_of<futures::remote_error>(pool.submit(wrong, 1L)).find("int (int)") != std::string::npos);
    BOOST_TEST(pool.submit(square_task, 3).result(deadline) == 9);
}

// This process's stdout and stderr pointed at two memory files while it lives, so
// that what a worker (which inherits them) prints can be read back. Nothing is
// asserted while it is in place: Boost.Test would report into the files.
class captured_streams {
public:
    captured_streams() {
        std::cout.flush();
        std::fflush(nullptr);
        for (int i = 0; i < 2; ++i) {
            saved_[i] = ::dup(fds[i]);
            files_[i] = ::memfd_create(i ? "stderr" : "stdout", MFD_CLOEXEC);
            BOOST_REQUIRE(saved_[i] >= 0 && files_[i] >= 0 && ::dup2(files_[i], fds[i]) == fds[i]);
        }
    }
    ~captured_streams() { restore(); }
    captured_streams(const captured_streams&) = delete;
    captured_streams& operator=(const captured_streams&) = delete;

    /// Puts the streams back (once) and returns what reached {stdout, stderr}.
    std::array<std::string, 2> restore() {
        std::array<std::string, 2> text;
        if (saved_[0] < 0) return text;
        std::cout.flush();
        std::fflush(nullptr);
        for (int i = 0; i < 2; ++i) {
            char buf[4096];
            ssize_t n;
            for (off_t at = 0; (n = ::pread(files_[i], buf, sizeof buf, at)) > 0; at += n) text[i].append(buf, n);
            ::dup2(saved_[i], fds[i]);
            ::close(saved_[i]);
            ::close(files_[i]);
            saved_[i] = -1;
        }
        return text;
    }

private:
    static constexpr int fds[2] = {STDOUT_FILENO, STDERR_FILENO};
    int saved_[2] = {-1, -1}, files_[2] = {-1, -1};
};

BOOST_AUTO_TEST_CASE(task_output_reaches_the_parent_streams) {
    int printed = 0, added = 0;
    std::array<std::string, 2> text;
    {
        captured_streams cap;  // first: the worker inherits the redirected streams
        process_pool_executor pool(1);
        printed = pool.submit(print_task, std::string("hello")).result(deadline);
        added = pool.submit(add_task, 1, 1).result(deadline);
        // The worker flushes what a task printed before it sends the result.
        text = cap.restore();
    }
    BOOST_TEST(printed == 5);
    BOOST_TEST(added == 2);  // the protocol survived the printing
    BOOST_TEST(text[0].find("stdout: hello\n") != std::string::npos, "stdout: " << text[0]);
    BOOST_TEST(text[0].find("printf: hello\n") != std::string::npos, "stdout: " << text[0]);
    BOOST_TEST(text[1].find("stderr: hello\n") != std::string::npos, "stderr: " << text[1]);
}

// ---- the crash matrix -------------------------------------------------------------

ptest::trap trap_at(int phase, int action) {
    ptest::trap t;
    t.act[phase] = action;
    return t;
}

BOOST_AUTO_TEST_CASE(crash_matrix_exceptions_fail_one_future) {
    process_pool_executor pool(1);
    auto pid = pool.submit(get_pid_task).result(deadline);
    BOOST_TEST(error_of<futures::serialization_error>(
                   pool.submit(echo_trap_task, trap_at(ptest::parent_saves_args, ptest::throw_it)))
                   .find("cannot serialize the arguments") != std::string::npos);
    BOOST_TEST(
        error_of<futures::remote_error>(pool.submit(echo_trap_task, trap_at(ptest::worker_loads_args, ptest::throw_it)))
            .find("could not deserialize the arguments") != std::string::npos);
    BOOST_TEST(error_of<std::runtime_error>(pool.submit(crash_task, int(ptest::throw_it))) == "trap sprung");
    BOOST_TEST(error_of<futures::remote_error>(
                   pool.submit(echo_trap_task, trap_at(ptest::worker_saves_result, ptest::throw_it)))
                   .find("could not serialize the result") != std::string::npos);
    BOOST_TEST(error_of<futures::serialization_error>(
                   pool.submit(echo_trap_task, trap_at(ptest::parent_loads_result, ptest::throw_it)))
                   .find("cannot deserialize the result") != std::string::npos);
    // Healthy, and still the same worker.
    BOOST_TEST(pool.submit(get_pid_task).result(deadline) == pid);
}

struct death {
    int action;
    const char* expect;
};
const death deaths[] = {{ptest::exit_3, "exit code 3"},
                        {ptest::underscore_exit_4, "exit code 4"},
                        {ptest::abort_it, "(SIGABRT)"},
                        {ptest::segv, "(SIGSEGV)"},
                        {ptest::sigkill_self, "(SIGKILL)"}};

BOOST_AUTO_TEST_CASE(crash_matrix_worker_deaths_fail_one_future_and_are_replaced) {
    futures_test::set_deadline(180s);  // 15 worker deaths and restarts; slow under sanitizers
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_restarts = 100});
    for (const auto& d : deaths) {
        for (int phase : {int(ptest::worker_loads_args), -1, int(ptest::worker_saves_result)}) {
            BOOST_TEST_CONTEXT("action " << d.action << " phase " << phase) {
                auto f =
                    phase < 0
                        ? pool.submit(crash_task, d.action)
                        : pool.submit(echo_trap_task, trap_at(phase, d.action)).then([](ptest::trap) { return 0; });
                auto what = error_of<futures::terminated_worker_error>(f);
                BOOST_TEST(what.find(d.expect) != std::string::npos, what);
                BOOST_TEST(what.find("worker process ") != std::string::npos, what);
                BOOST_TEST(pool.submit(add_task, 1, 2).result(deadline) == 3);  // replaced, healthy
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(external_sigkill_fails_the_running_future) {
    process_pool_executor pool(1);
    auto pid = pool.submit(get_pid_task).result(deadline);
    auto f = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the call runs", [&] { return f.running(); }));
    ::kill(pid, SIGKILL);
    try {
        f.result(deadline);
        BOOST_FAIL("no exception");
    } catch (const futures::terminated_worker_error& e) {
        BOOST_TEST(e.pid() == pid);
        BOOST_TEST(e.signal().value_or(0) == SIGKILL);
        BOOST_TEST(std::string(e.what()).find(std::to_string(pid)) != std::string::npos);
    }
    BOOST_TEST(pool.submit(get_pid_task).result(deadline) != pid);
}

BOOST_AUTO_TEST_CASE(restart_cap_breaks_the_pool) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_restarts = 2});
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(error_of<futures::terminated_worker_error>(pool.submit(crash_task, int(ptest::underscore_exit_4)))
                       .find("exit code 4") != std::string::npos);
    BOOST_CHECK_THROW(pool.submit(add_task, 1, 1), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(break_on_worker_death_is_python_behaviour) {
    process_pool_executor pool(process_pool_options{.max_workers = 2, .break_on_worker_death = true});
    auto blocked = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the blocking call runs", [&] { return blocked.running(); }));
    auto dead = pool.submit(crash_task, int(ptest::segv));
    BOOST_TEST(error_of<futures::broken_process_pool>(dead).find("SIGSEGV") != std::string::npos);
    BOOST_TEST(error_of<futures::broken_process_pool>(blocked).find("SIGKILL") != std::string::npos);
    BOOST_CHECK_THROW(pool.submit(add_task, 1, 1), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(crash_with_a_big_frame_in_flight) {
    process_pool_executor pool(1);
    auto pid = pool.submit(get_pid_task).result(deadline);
    ::kill(pid, SIGSTOP);  // the worker stops reading: the 8 MiB frame stays in flight
    auto f = pool.submit(big_arg_task, std::string(8 << 20, 'x'));
    BOOST_REQUIRE(eventually("the call runs", [&] { return f.running(); }));
    ::kill(pid, SIGKILL);
    BOOST_TEST(error_of<futures::terminated_worker_error>(f).find("SIGKILL") != std::string::npos);
    BOOST_TEST(pool.submit(big_arg_task, std::string(8 << 20, 'y')).result(deadline) == std::size_t(8 << 20));
}

BOOST_AUTO_TEST_CASE(callback_submits_new_work) {
    process_pool_executor pool(2);
    futures::future<int> second;
    futures_test::event ready;  // second is written before set(), read after wait_for()
    auto first = pool.submit(add_task, 1, 2);
    first.add_done_callback([&](futures::future<int> f) {
        second = pool.submit(square_task, f.result());
        ready.set();
    });
    BOOST_TEST(first.result(deadline) == 3);
    BOOST_REQUIRE(ready.wait_for(deadline));
    BOOST_TEST(second.result(deadline) == 9);
}

// ---- map ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(map_with_auto_and_explicit_chunks) {
    process_pool_executor pool(2);
    std::vector<int> in(1000);
    std::iota(in.begin(), in.end(), 0);
    int i = 0;
    for (int r : pool.map(square_task, in)) {
        BOOST_REQUIRE(r == i * i);
        ++i;
    }
    BOOST_TEST(i == 1000);
    i = 0;
    for (int r : pool.map(add_task, in, in, futures::map_options{.chunksize = 7})) {
        BOOST_REQUIRE(r == 2 * i);
        ++i;
    }
    BOOST_TEST(i == 1000);
    BOOST_CHECK_THROW(pool.map(square_task, in, futures::map_options{.chunksize = 0}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(map_error_fails_that_element_only) {
    process_pool_executor pool(2);
    std::vector<int> in{1, 2, -3, 4};
    auto results = pool.map(fail_negative_task, in, futures::map_options{.chunksize = 4});
    auto it = results.begin();
    BOOST_TEST(*it == 10);
    ++it;
    BOOST_TEST(*it == 20);
    ++it;
    BOOST_CHECK_THROW(*it, std::out_of_range);  // the third element, after the first two
    ++it;
    BOOST_TEST(*it == 40);  // and the iteration goes on
}

BOOST_AUTO_TEST_CASE(map_with_buffersize_over_an_infinite_range) {
    process_pool_executor pool(2);
    int n = 0;
    for (int r : pool.map(square_task, std::views::iota(0), futures::map_options{.buffersize = 2})) {
        BOOST_REQUIRE(r == n * n);
        if (++n == 300) break;
    }
    BOOST_TEST(n == 300);
}

// ---- lifecycle -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shutdown_runs_queued_work_and_refuses_more) {
    process_pool_executor pool(1);
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 20; ++i) fs.push_back(pool.submit(square_task, i));
    pool.shutdown(true);
    for (int i = 0; i < 20; ++i) BOOST_TEST(fs[i].result(0s) == i * i);
    BOOST_CHECK_THROW(pool.submit(square_task, 1), std::runtime_error);
    BOOST_TEST(pool.worker_pids().empty());
}

BOOST_AUTO_TEST_CASE(shutdown_cancel_futures_cancels_queued) {
    process_pool_executor pool(1);
    auto blocked = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the blocking call runs", [&] { return blocked.running(); }));
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 5; ++i) fs.push_back(pool.submit(square_task, i));
    pool.kill_workers();  // shutdown(wait=false, cancel_futures=true) + SIGKILL
    for (auto& f : fs) BOOST_CHECK_THROW(f.exception(deadline), futures::cancelled_error);
    BOOST_TEST(error_of<futures::terminated_worker_error>(blocked).find("SIGKILL") != std::string::npos);
    BOOST_CHECK_THROW(pool.submit(square_task, 1), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(terminate_workers_sends_sigterm) {
    process_pool_executor pool(1);
    auto blocked = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the blocking call runs", [&] { return blocked.running(); }));
    pool.terminate_workers();
    BOOST_TEST(error_of<futures::terminated_worker_error>(blocked).find("SIGTERM") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(max_tasks_per_child_replaces_workers) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_tasks_per_child = 3});
    std::vector<pid_t> pids;
    for (int i = 0; i < 7; ++i) pids.push_back(pool.submit(get_pid_task).result(deadline));
    BOOST_TEST((pids[0] == pids[1] && pids[1] == pids[2]));
    BOOST_TEST((pids[3] != pids[2] && pids[3] == pids[5]));
    BOOST_TEST(pids[6] != pids[5]);
}

BOOST_AUTO_TEST_CASE(initializer_runs_in_every_worker) {
    process_pool_options o{.max_workers = 1, .max_tasks_per_child = 1};
    o.initializer = futures::make_call(set_global_task, 42);
    process_pool_executor pool(o);
    BOOST_TEST(pool.submit(get_global_task).result(deadline) == 42);
    BOOST_TEST(pool.submit(get_global_task).result(deadline) == 42);  // a new worker
}

BOOST_AUTO_TEST_CASE(failing_initializer_breaks_the_pool) {
    process_pool_options o{.max_workers = 1};
    o.initializer = futures::make_call(throw_task, 2, "init failed");
    process_pool_executor pool(o);
    BOOST_TEST(error_of<futures::broken_process_pool>(pool.submit(add_task, 1, 1)).find("init failed") !=
               std::string::npos);
    BOOST_CHECK_THROW(pool.submit(add_task, 1, 1), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(max_pending_blocks_submitters) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_pending = 2});
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 50; ++i) {
        fs.push_back(pool.submit(square_task, i));
        BOOST_REQUIRE(pool.pending() <= 2u);
    }
    for (int i = 0; i < 50; ++i) BOOST_TEST(fs[i].result(deadline) == i * i);
}

BOOST_AUTO_TEST_CASE(oversized_arguments_fail_that_future) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .max_frame_bytes = 1 << 16});
    BOOST_TEST(error_of<futures::serialization_error>(pool.submit(big_arg_task, std::string(1 << 17, 'x')))
                   .find("max_frame_bytes") != std::string::npos);
    BOOST_TEST(pool.submit(big_arg_task, std::string(100, 'x')).result(deadline) == 100u);
}

// ---- completion_executor ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(completion_executor_runs_callbacks_on_the_users_io_context) {
    boost::asio::io_context io;
    process_pool_executor pool(process_pool_options{.max_workers = 2, .completion_executor = io.get_executor()});
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 6; ++i) fs.push_back(pool.submit(square_task, i));
    fs.push_back(pool.submit(fail_negative_task, -1));                     // a task's exception
    fs.push_back(pool.submit(crash_task, int(ptest::underscore_exit_4)));  // a worker death
    std::vector<std::thread::id> ran_on;  // written by callbacks, read after run_for: same thread
    // Nothing can complete before run_for() below: completions wait in io's queue.
    for (auto& f : fs) f.add_done_callback([&](futures::future<int>) { ran_on.push_back(std::this_thread::get_id()); });
    std::thread::id then_on;
    auto then = fs[0].then([&](int v) {
        then_on = std::this_thread::get_id();
        return v + 1;
    });
    BOOST_TEST(!fs[0].done());
    // No other work on io: run_for returns early only because the pool's outstanding
    // work ends when the last completion has run, and must not return before that.
    auto t0 = std::chrono::steady_clock::now();
    io.run_for(deadline);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < deadline));
    BOOST_REQUIRE(ran_on.size() == fs.size());
    for (auto id : ran_on) BOOST_TEST((id == std::this_thread::get_id()));
    for (int i = 0; i < 6; ++i) BOOST_TEST(fs[i].result(0s) == i * i);
    BOOST_CHECK_THROW(fs[6].result(0s), std::out_of_range);
    BOOST_CHECK_THROW(fs[7].result(0s), futures::terminated_worker_error);
    BOOST_TEST(then.result(0s) == 1);
    BOOST_TEST((then_on == std::this_thread::get_id()));
}

// Runs io on its own thread while alive; the work guard keeps run() going between
// this test's calls. On the way out: lets run() end on its own, or stops it if the
// test is failing (a REQUIRE threw), then joins.
struct io_runner {
    boost::asio::io_context& io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~io_runner() {
        keep.reset();
        if (std::uncaught_exceptions() > 0) io.stop();
        thread.join();
    }
};

BOOST_AUTO_TEST_CASE(completion_executor_with_a_thread_running_io) {
    boost::asio::io_context io;
    process_pool_executor pool(process_pool_options{.max_workers = 2, .completion_executor = io.get_executor()});
    auto first = pool.submit(square_task, 3);
    std::thread::id seen;
    futures_test::event called;
    // Registered before io runs anywhere, so it cannot run inline on this thread.
    first.add_done_callback([&](futures::future<int>) {
        seen = std::this_thread::get_id();
        called.set();
    });
    std::thread::id runner_id;
    {
        io_runner runner{io};
        runner_id = runner.thread.get_id();
        int sum = 0;  // map's chunks complete on the runner; this thread only waits
        for (int r : pool.map(square_task, std::vector<int>{1, 2, 3, 4}, futures::map_options{.chunksize = 1}))
            sum += r;
        BOOST_TEST(sum == 30);
        BOOST_TEST(first.result(deadline) == 9);
        BOOST_REQUIRE(called.wait_for(deadline));
        pool.shutdown(true);
    }  // io.run() returned on its own: the pool left no work behind on io
    BOOST_TEST((seen == runner_id));
}

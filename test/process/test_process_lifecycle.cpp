// A worker's lifecycle where the program around the pool misbehaves (issue 10,
// items 1, 6 and 10): a frame that stops halfway, a worker that never greets, a
// fork() without exec while the pool runs, a pool used in such a child, and
// shutdown(wait=false, cancel_futures=true) seen from the caller's next line.
#define BOOST_TEST_MODULE process_lifecycle
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"

namespace {

using namespace std::chrono_literals;
using futures::process_pool_executor;
using futures::process_pool_options;
using ptest::deadline;
using ptest::eventually;

// In the worker: writes a result-frame header announcing 2^30 - 16 bytes (under
// the default 1 GiB cap) into the worker's own result pipe, then stops, as a
// worker frozen halfway through a frame would. The pipe is argv[3] of a worker.
int write_half_frame() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> argv;
    for (std::size_t at = 0; at < cmdline.size();) {
        const auto end = cmdline.find('\0', at);
        argv.push_back(cmdline.substr(at, end - at));
        at = end == std::string::npos ? cmdline.size() : end + 1;
    }
    if (argv.size() < 4) throw std::runtime_error("not a worker");
    const std::uint32_t claim = (std::uint32_t(1) << 30) - 16;
    const unsigned char header[4] = {static_cast<unsigned char>(claim), static_cast<unsigned char>(claim >> 8),
                                     static_cast<unsigned char>(claim >> 16), static_cast<unsigned char>(claim >> 24)};
    if (::write(std::atoi(argv[3].c_str()), header, sizeof header) != sizeof header)
        throw std::runtime_error("write failed");
    for (;;) ::pause();
}

// f() in a thread; whether it returned within `within` (it is joined either way,
// so a call that never returns is left to the per-case watchdog).
template <class F>
bool returns_within(std::chrono::milliseconds within, F f) {
    std::atomic<bool> done{false};
    std::thread t([&] {
        f();
        done = true;
    });
    const bool ok = eventually(
        "the call returns", [&] { return done.load(); }, within);
    t.join();
    return ok;
}

// A child's exit status, waited for at most `within` (then it is killed).
int wait_child(pid_t pid, std::chrono::milliseconds within) {
    int status = 0;
    if (!eventually(
            "the child exits", [&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, within)) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

FUTURES_TASK(half_frame_task, write_half_frame);

// ---- item 1: deadlines on a silent worker ------------------------------------------

BOOST_AUTO_TEST_CASE(a_frame_that_stops_halfway_fails_its_call_within_the_deadline) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .frame_timeout = 300ms});
    BOOST_TEST(pool.submit(add_task, 1, 2).result(deadline) == 3);
    const auto t0 = std::chrono::steady_clock::now();
    auto stalled = pool.submit(half_frame_task);
    const std::string why = ptest::error_of<futures::terminated_worker_error>(stalled);
    BOOST_TEST(why.find("stopped halfway through a frame (4 of 1073741812 bytes arrived") != std::string::npos, why);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 20s));
    // The worker was replaced; the pool goes on, and shuts down.
    BOOST_TEST(pool.submit(add_task, 2, 3).result(deadline) == 5);
    BOOST_TEST(returns_within(20s, [&] { pool.shutdown(true); }));
}

BOOST_AUTO_TEST_CASE(a_worker_that_never_greets_breaks_the_pool) {
    // A "worker" whose main() blocks before it could run the worker loop.
    std::string dir_path = (std::filesystem::temp_directory_path() / "futures-silent-XXXXXX").string();
    char* dir = dir_path.data();
    BOOST_REQUIRE(::mkdtemp(dir));
    const std::string exe = std::string(dir) + "/silent-worker";
    { std::ofstream(exe) << "#!/bin/sh\nexec sleep 600\n"; }
    ::chmod(exe.c_str(), 0700);
    {
        process_pool_executor pool(
            process_pool_options{.max_workers = 1, .worker_executable = exe, .handshake_timeout = 300ms});
        auto f = pool.submit(add_task, 1, 2);
        const std::string why = ptest::error_of<futures::broken_process_pool>(f);
        BOOST_TEST(why.find("it sent no handshake within 300 ms") != std::string::npos, why);
        BOOST_TEST(why.find("run_worker_if_requested") != std::string::npos, why);
        BOOST_CHECK_THROW(pool.submit(add_task, 1, 2), futures::broken_process_pool);
        BOOST_TEST(returns_within(20s, [&] { pool.shutdown(true); }));
        BOOST_TEST(pool.worker_pids().empty());
    }
    ::unlink(exe.c_str());
    ::rmdir(dir);
}

BOOST_AUTO_TEST_CASE(deadlines_below_a_millisecond_are_refused) {
    BOOST_CHECK_THROW(process_pool_executor(process_pool_options{.frame_timeout = 0ms}), std::invalid_argument);
    BOOST_CHECK_THROW(process_pool_executor(process_pool_options{.handshake_timeout = -1ms}), std::invalid_argument);
}

// ---- item 6: fork() without exec ----------------------------------------------------

BOOST_AUTO_TEST_CASE(a_forked_child_does_not_hold_up_shutdown) {
    process_pool_executor pool(2);
    // Two workers up, so the child inherits both call pipes' write ends.
    auto a = pool.submit(nap_task, 200);
    auto b = pool.submit(nap_task, 200);
    BOOST_REQUIRE(eventually("both workers run a call", [&] { return a.running() && b.running(); }));
    int gate[2];
    BOOST_REQUIRE(::pipe2(gate, O_CLOEXEC) == 0);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {  // holds every fd of the parent until the gate closes
        char c;
        ::close(gate[1]);
        (void)::read(gate[0], &c, 1);
        ::_exit(0);
    }
    ::close(gate[0]);
    // Before: the workers waited for EOF, which the child's copies held off.
    BOOST_TEST(returns_within(20s, [&] { pool.shutdown(true); }));
    BOOST_TEST(a.result(0s) > 0);
    BOOST_TEST(b.result(0s) > 0);
    ::close(gate[1]);
    BOOST_TEST(wait_child(child, 20s) == 0);
}

BOOST_AUTO_TEST_CASE(a_pool_used_in_a_forked_child_fails_at_once) {
    std::optional<process_pool_executor> pool(std::in_place, 2);
    BOOST_TEST(pool->submit(add_task, 1, 2).result(deadline) == 3);
    const auto workers = pool->worker_pids();
    BOOST_REQUIRE(!workers.empty());
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        // Only async-signal-safe reporting from here: the exit status is a bit set
        // of what went wrong (0: all as expected).
        int bad = 0;
        auto forked_error = [](const std::logic_error& e) {
            return std::string(e.what()).find("fork()ed (without exec)") != std::string::npos;
        };
        try {
            (void)pool->submit(add_task, 1, 2);
            bad |= 1;
        } catch (const std::logic_error& e) {
            if (!forked_error(e)) bad |= 1;
        } catch (...) {
            bad |= 1;
        }
        try {
            (void)pool->map(square_task, std::vector<int>{1, 2, 3});
            bad |= 2;
        } catch (const std::logic_error& e) {
            if (!forked_error(e)) bad |= 2;
        } catch (...) {
            bad |= 2;
        }
        {  // async_submit: the error goes to the handler, at once
            boost::asio::io_context io;
            int got = 0;
            pool->async_submit(add_task, 1, 2, boost::asio::bind_executor(io, [&](std::exception_ptr e, int) {
                                   try {
                                       if (e) std::rethrow_exception(e);
                                   } catch (const std::logic_error& x) {
                                       got = forked_error(x) ? 1 : 2;
                                   } catch (...) {
                                       got = 2;
                                   }
                               }));
            io.run();
            if (got != 1) bad |= 4;
        }
        try {
            pool->shutdown(true);
            bad |= 8;
        } catch (const std::logic_error& e) {
            if (!forked_error(e)) bad |= 8;
        }
        pool.reset();  // the destructor: no join of a thread it does not have, no kill
        ::_exit(bad);
    }
    BOOST_TEST(wait_child(child, 20s) == 0);
    // The parent's pool and workers are untouched.
    BOOST_TEST((pool->worker_pids() == workers));
    BOOST_TEST(pool->submit(add_task, 2, 3).result(deadline) == 5);
}

// ---- item 10: shutdown(wait=false, cancel_futures=true) -----------------------------

BOOST_AUTO_TEST_CASE(cancel_futures_cancels_the_queue_before_shutdown_returns) {
    process_pool_executor pool(2);
    auto busy1 = pool.submit(block_task);
    auto busy2 = pool.submit(block_task);
    BOOST_REQUIRE(eventually("both workers are busy", [&] { return busy1.running() && busy2.running(); }));
    std::vector<futures::future<int>> queued;
    for (int i = 0; i < 6; ++i) queued.push_back(pool.submit(square_task, i));
    pool.shutdown(false, true);
    int cancelled = 0;
    for (auto& f : queued) cancelled += f.cancelled();
    BOOST_TEST(cancelled == 6);  // before: 0 of 6 when shutdown returned
    pool.kill_workers();
    BOOST_CHECK_THROW(busy1.result(deadline), futures::terminated_worker_error);
    BOOST_CHECK_THROW(busy2.result(deadline), futures::terminated_worker_error);
}

#include "process/test_main.hpp"

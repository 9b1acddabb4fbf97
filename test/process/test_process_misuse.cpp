// Misuse gets a clear error, never a process chain (issue 12, items 4 and 5):
// a relaunched worker whose main() forgets run_worker_if_requested, a worker
// binary that lacks a task, tasks in a static library, worker_executable looked
// up in PATH. The programs under test are lost_worker (test/lost_worker/main.cpp)
// and the workers built in test/CMakeLists.txt with futures_add_worker().
#define BOOST_TEST_MODULE misuse
#include <boost/test/unit_test.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <futures/errors.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/remote_error.hpp>

#include "process/tasks.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 30s;

// A fresh, empty pid log in the build tree; every lost_worker process appends to it.
struct pid_log {
    fs::path path;
    explicit pid_log(const std::string& name) : path(fs::current_path() / ("misuse-" + name + ".pids")) {
        fs::remove(path);
        std::ofstream{path};
        ::setenv("FUTURES_TEST_PID_LOG", path.c_str(), 1);
    }
    ~pid_log() {
        ::unsetenv("FUTURES_TEST_PID_LOG");
        fs::remove(path);
    }
    int count() const {
        std::ifstream in(path);
        int n = 0;
        for (std::string l; std::getline(in, l);) ++n;
        return n;
    }
};

// Runs lost_worker with mode; returns its stdout and stderr together.
std::string run_lost_worker(const std::string& mode) {
    std::string out;
    FILE* p = ::popen((std::string(FUTURES_LOST_WORKER) + " " + mode + " 2>&1").c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int status = ::pclose(p);
    BOOST_TEST(status == 0, "lost_worker exited with status " << status << ":\n" << out);
    return out;
}

long elapsed_ms(const std::string& out) {
    const auto at = out.find("elapsed_ms: ");
    return at == std::string::npos ? -1 : std::stol(out.substr(at + 12));
}

std::string error_of(futures::future<int> f) {
    try {
        return "value " + std::to_string(f.result(patience));
    } catch (const std::exception& e) {
        return e.what();
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(relaunched_main_that_creates_a_pool_fails_fast) {
    pid_log log("pool");
    const std::string out = run_lost_worker("pool");
    // The call fails with the fix named, quickly, and the worker's own line says it too.
    BOOST_TEST(out.find("error: ") != std::string::npos, out);
    BOOST_TEST(out.find("run_worker_if_requested(argc, argv)") != std::string::npos, out);
    BOOST_TEST(out.find("was started as a process pool worker") != std::string::npos, out);
    const long ms = elapsed_ms(out);
    BOOST_TEST(ms >= 0);
    BOOST_TEST(ms < 5000, "failed after " << ms << " ms");
    // The parent and at most one worker per slot: no worker ever started a pool.
    BOOST_TEST(log.count() >= 2);
    BOOST_TEST(log.count() <= 3, log.count() << " processes ran main()");
}

BOOST_AUTO_TEST_CASE(relaunched_main_that_returns_fails_fast) {
    pid_log log("return");
    const std::string out = run_lost_worker("return");
    BOOST_TEST(out.find("exited before its handshake (exit code 0)") != std::string::npos, out);
    BOOST_TEST(out.find("run_worker_if_requested(argc, argv)") != std::string::npos, out);
    const long ms = elapsed_ms(out);
    BOOST_TEST(ms >= 0);
    BOOST_TEST(ms < 5000, "failed after " << ms << " ms");
    BOOST_TEST(log.count() <= 3, log.count() << " processes ran main()");
}

BOOST_AUTO_TEST_CASE(start_fork_server_before_run_worker_if_requested_just_works) {
    pid_log log("server_first");
    const std::string out = run_lost_worker("server_first");
    BOOST_TEST(out.find("result: 42") != std::string::npos, out);
    // The program and its one fork server ran main(); the server did not start
    // another (a chain of servers, one per copy of main(), until the cap of 20).
    BOOST_TEST(log.count() == 2, log.count() << " processes ran main()");
}

BOOST_AUTO_TEST_CASE(worker_binary_that_creates_a_pool_breaks_the_pool) {
    pid_log log("binary");
    futures::process_pool_executor pool({.max_workers = 2, .worker_executable = FUTURES_LOST_WORKER});
    const auto t0 = std::chrono::steady_clock::now();
    const std::string what = error_of(pool.submit(add_task, 1, 2));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 5s));
    BOOST_TEST(what.find("exit code 86") != std::string::npos, what);
    BOOST_TEST(what.find("run_worker_if_requested(argc, argv)") != std::string::npos, what);
    BOOST_CHECK_THROW(pool.submit(add_task, 1, 2), futures::broken_process_pool);
    BOOST_TEST(log.count() <= 2, log.count() << " workers ran main()");
}

BOOST_AUTO_TEST_CASE(worker_without_the_task_says_which_and_how_to_link) {
    futures::process_pool_executor pool({.max_workers = 1, .worker_executable = FUTURES_EMPTY_WORKER});
    const std::string what = error_of(pool.submit(add_task, 1, 2));
    BOOST_TEST(what.find("no task named \"add_task\"") != std::string::npos, what);
    BOOST_TEST(what.find("it has no tasks") != std::string::npos, what);
    BOOST_TEST(what.find("futures_link_tasks") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(static_library_tasks_survive_futures_add_worker) {
    futures::process_pool_executor pool({.max_workers = 1, .worker_executable = FUTURES_STATIC_WORKER});
    BOOST_TEST(error_of(pool.submit(add_task, 20, 22)) == "value 42");
}

BOOST_AUTO_TEST_CASE(worker_executable_is_looked_up_in_path) {
    const fs::path worker = FUTURES_STATIC_WORKER;
    const std::string old_path = ::getenv("PATH") ? ::getenv("PATH") : "";
    const fs::path old_cwd = fs::current_path();
    ::setenv("PATH", (worker.parent_path().string() + ":" + old_path).c_str(), 1);
    {
        futures::process_pool_executor pool({.max_workers = 1, .worker_executable = worker.filename().string()});
        fs::current_path("/");  // resolved when constructed: a later chdir does not matter
        const std::string got = error_of(pool.submit(add_task, 1, 2));
        fs::current_path(old_cwd);
        BOOST_TEST(got == "value 3");
    }
    ::setenv("PATH", old_path.c_str(), 1);
    try {
        futures::process_pool_executor pool({.worker_executable = "futures-no-such-worker"});
        BOOST_ERROR("a worker name that is nowhere in PATH was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("was not found in PATH") != std::string::npos, e.what());
    }
}

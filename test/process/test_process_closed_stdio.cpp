// A program started with stdin, stdout or stderr closed (daemons: 0<&-, >&-, 2>&-)
// can use the process pool (issue 10, item 5). Before, pipe2 handed the pool fds
// 0-2, the worker refused them, and the pool broke within milliseconds ("worker
// slot 0 lost 4 workers in a row"). Each case runs this executable again as a
// child with one standard stream closed; the child reports over a pipe of its own.
#define BOOST_TEST_MODULE closed_stdio
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <futures/process_pool_executor.hpp>
#include <futures/worker.hpp>

#include "process/tasks.hpp"

extern char** environ;

namespace {

constexpr const char* child_flag = "--closed-stdio-child";
constexpr auto patience = std::chrono::seconds(30);

std::string fd_target(int fd) {
    char buf[256] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, std::size_t(n)) : "closed";
}

// The child: uses a pool and writes what it saw to `report`, one fact per line
// ("ok ..." or "FAIL ..."); nothing on stdout or stderr, one of which is closed.
int child_main(int closed, int report) {
    std::string out;
    auto say = [&](bool ok, const std::string& what) { out += (ok ? "ok " : "FAIL ") + what + "\n"; };
    try {
        futures::process_pool_executor pool(2);
        int sum = 0;
        for (int i = 0; i < 20; ++i) sum += pool.submit(add_task, i, 1).result(patience);
        say(sum == 210, "20 calls answered");
        // A task that prints to both streams: the closed one is /dev/null in the worker.
        say(pool.submit(print_task, std::string("hi")).result(patience) == 2, "printing task answered");
        std::string worker_std;
        for (const auto& e : pool.submit(list_fds_task).result(patience)) {
            const int n = std::atoi(e.c_str());
            if (n <= 2) worker_std += e + "; ";
        }
        const std::string mine = std::to_string(closed) + " -> /dev/null";
        say(worker_std.find(mine) != std::string::npos, "worker's fd " + mine + " (" + worker_std + ")");
        // The number we closed may be reused, but never by one of the pool's pipes.
        say(fd_target(closed).rfind("pipe:", 0) != 0, "our fd " + std::to_string(closed) + " is " + fd_target(closed));
        const auto st = pool.stats();
        say(st.worker_deaths == 0, "no worker died (" + std::to_string(st.worker_deaths) + ")");
    } catch (const std::exception& e) {
        say(false, std::string("exception: ") + e.what());
    }
    (void)!::write(report, out.data(), out.size());
    return 0;
}

// Runs the child with `closed` closed; returns its report, or why there is none.
std::string run_child(int closed) {
    int p[2];
    BOOST_REQUIRE(::pipe(p) == 0);  // no CLOEXEC: the child writes into p[1]
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, closed);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    char exe[4096] = {};
    BOOST_REQUIRE(::readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
    std::string c = std::to_string(closed), r = std::to_string(p[1]);
    std::vector<char*> argv{exe, const_cast<char*>(child_flag), c.data(), r.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    BOOST_REQUIRE(rc == 0);
    std::string report;
    const auto end = std::chrono::steady_clock::now() + patience;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd pfd{p[0], POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
            ::kill(pid, SIGKILL);
            report += "FAIL no report within the deadline\n";
            break;
        }
        char buf[4096];
        const ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n <= 0) break;
        report.append(buf, std::size_t(n));
    }
    ::close(p[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += "FAIL child status " + std::to_string(status) + "\n";
    return report;
}

void check_child(int closed) {
    const std::string report = run_child(closed);
    BOOST_TEST_MESSAGE("fd " << closed << " closed:\n" << report);
    BOOST_TEST(report.find("FAIL") == std::string::npos, report);
    BOOST_TEST(report.find("ok 20 calls answered") != std::string::npos, report);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_program_without_stdin_uses_the_pool) { check_child(0); }
BOOST_AUTO_TEST_CASE(a_program_without_stdout_uses_the_pool) { check_child(1); }
BOOST_AUTO_TEST_CASE(a_program_without_stderr_uses_the_pool) { check_child(2); }

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);
    // Leak checks at exit are for this process only (see process/test_main.hpp).
    const char* asan = std::getenv("ASAN_OPTIONS");
    ::setenv("ASAN_OPTIONS", (std::string(asan ? asan : "") + (asan ? ":" : "") + "detect_leaks=0").c_str(), 1);
    if (argc == 4 && std::strcmp(argv[1], child_flag) == 0) return child_main(std::atoi(argv[2]), std::atoi(argv[3]));
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

// Process hygiene of process_pool_executor: nothing starts at construction, killing
// the parent leaves no worker behind, workers inherit no fds and no signal
// handlers, and a dead worker's pipe never kills the parent with SIGPIPE.
#define BOOST_TEST_MODULE process_hygiene
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <fstream>
#include <sstream>

#include <futures/detail/process/parent/spawn.hpp>  // self_executable
#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

extern char** environ;

using namespace std::chrono_literals;
using futures::process_pool_executor;
using ptest::deadline;
using ptest::error_of;
using ptest::eventually;

namespace {

std::size_t thread_count() {
    std::size_t n = 0;
    DIR* d = ::opendir("/proc/self/task");
    BOOST_REQUIRE(d);
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
}

std::string fd_target(int fd) {
    char buf[PATH_MAX] = {};
    ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, std::size_t(n)) : "?";
}

// An fd that refers to exactly that process, even if its pid is reused later.
int pidfd_of(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Whether the process behind pidfd ends within `within` (a zombie counts as ended:
// nothing of it runs any more). poll() on a pidfd reports POLLIN once it exits.
bool exits_within(int pidfd, std::chrono::milliseconds within) {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(within.count())) == 1 && (p.revents & POLLIN);
}

// Reads one line from fd, giving up after `within` or at EOF.
std::string read_line(int fd, std::chrono::milliseconds within) {
    const auto end = std::chrono::steady_clock::now() + within;
    std::string line;
    char c;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return line;
        if (::read(fd, &c, 1) != 1 || c == '\n') return line;
        line += c;
    }
}

// Whether the pool's I/O thread ("futures-procio") has `sig` pending: the SigPnd
// mask of /proc/self/task/<tid>/status, the thread's own pending set.
bool io_thread_has_pending(int sig) {
    DIR* d = ::opendir("/proc/self/task");
    BOOST_REQUIRE(d);
    bool found = false, pending = false;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        const std::string dir = std::string("/proc/self/task/") + e->d_name;
        std::ifstream comm(dir + "/comm");
        std::string name;
        std::getline(comm, name);
        if (name != "futures-procio") continue;
        found = true;
        std::ifstream status(dir + "/status");
        for (std::string line; std::getline(status, line);)
            if (line.rfind("SigPnd:", 0) == 0) pending = (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
    }
    ::closedir(d);
    BOOST_REQUIRE_MESSAGE(found, "no futures-procio thread");
    return pending;
}

// Restores SIGPIPE's disposition at the end of a test: the pool changes it for the
// whole process, and each test here wants to start from a known one.
struct sigpipe_restorer {
    struct sigaction saved {};
    sigpipe_restorer() { ::sigaction(SIGPIPE, nullptr, &saved); }
    ~sigpipe_restorer() { ::sigaction(SIGPIPE, &saved, nullptr); }
};

std::atomic<int> sigpipes{0};
static_assert(std::atomic<int>::is_always_lock_free);
void count_sigpipe(int) { sigpipes.fetch_add(1); }

// The worker stops reading, an 8 MiB call is sent (more than the pipe holds, so
// the write waits), then the worker is killed: the parent's pending write meets a
// pipe without a reader, which raises SIGPIPE unless it is ignored or handled.
void write_into_a_dead_worker(process_pool_executor& pool) {
    auto pid = pool.submit(get_pid_task).result(deadline);
    ::kill(pid, SIGSTOP);
    auto f = pool.submit(big_arg_task, std::string(8 << 20, 'x'));
    BOOST_REQUIRE(eventually("the big call is being sent", [&] { return f.running(); }));
    ::kill(pid, SIGKILL);
    BOOST_TEST(error_of<futures::terminated_worker_error>(f).find("SIGKILL") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(construction_starts_no_thread_and_no_process) {
    const auto before = thread_count();
    {
        process_pool_executor pool(2);
        BOOST_TEST(thread_count() == before);
        BOOST_TEST(pool.worker_pids().empty());
        BOOST_TEST(pool.submit(add_task, 1, 2).result(deadline) == 3);
        BOOST_TEST(thread_count() == before + 1);  // the I/O thread, from the first submit
    }
    // Joined; the kernel drops the thread from /proc a moment after the join returns.
    BOOST_TEST(eventually("the I/O thread is gone", [&] { return thread_count() == before; }));
    process_pool_executor unused(2);
    unused.shutdown(true);  // nothing to wait for, and nothing hangs
    BOOST_CHECK_THROW(unused.submit(add_task, 1, 2), std::runtime_error);
    unused.kill_workers();  // no-op
    BOOST_TEST(thread_count() == before);
}

BOOST_AUTO_TEST_CASE(killing_the_parent_leaves_no_worker_behind) {
    int out[2], in[2];
    BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);  // dup2 clears CLOEXEC
    ::posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    std::string self = futures::detail::process::self_executable();
    char* argv[] = {self.data(), const_cast<char*>(ptest::orphan_parent_flag), nullptr};
    pid_t parent = -1;
    int rc = ::posix_spawn(&parent, self.c_str(), &fa, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    BOOST_REQUIRE(rc == 0);

    std::istringstream line(read_line(out[0], deadline));
    pid_t w1 = 0, w2 = 0;
    line >> w1 >> w2;
    BOOST_REQUIRE_MESSAGE(w1 > 0 && w2 > 0 && w1 != w2, "the parent did not report two workers");
    // Taken while the parent still lives, so they can only name those two workers.
    int fd1 = pidfd_of(w1), fd2 = pidfd_of(w2);
    BOOST_REQUIRE(fd1 >= 0);
    BOOST_REQUIRE(fd2 >= 0);
    BOOST_TEST(!exits_within(fd1, 0ms));  // alive and busy until the parent goes
    BOOST_TEST(!exits_within(fd2, 0ms));

    ::kill(parent, SIGKILL);
    int status = 0;
    BOOST_REQUIRE(::waitpid(parent, &status, 0) == parent);
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    BOOST_CHECK_MESSAGE(exits_within(fd1, 10s), "worker " << w1 << " outlived its parent");
    BOOST_CHECK_MESSAGE(exits_within(fd2, 10s), "worker " << w2 << " outlived its parent");
    ::close(fd1);
    ::close(fd2);
    ::close(in[1]);
    ::close(out[0]);
}

BOOST_AUTO_TEST_CASE(workers_inherit_only_their_protocol_pipes) {
    // Neither has CLOEXEC: a plain fork+exec would pass both to every worker.
    int probe = ::memfd_create("futures-fd-probe", 0);
    int leak[2];
    BOOST_REQUIRE(probe >= 0);
    BOOST_REQUIRE(::pipe(leak) == 0);
    const std::string leaked_pipe = fd_target(leak[0]);
    process_pool_executor pool(1);
    auto fds = pool.submit(list_fds_task).result(deadline);
    int std_fds = 0, pipes = 0, regions = 0;
    for (const auto& e : fds) {
        BOOST_TEST_CONTEXT("worker fd " << e) {
            int n = std::atoi(e.c_str());
            if (n <= 2) {
                ++std_fds;
                continue;
            }
            if (e.find(" -> /memfd:futures-payload") != std::string::npos) {
                ++regions;  // a shared payload region (docs/payloads.md)
                continue;
            }
            BOOST_TEST(e.find(" -> pipe:[") != std::string::npos);  // a protocol pipe, nothing else
            BOOST_TEST(e.find(leaked_pipe) == std::string::npos);
            BOOST_TEST(e.find("futures-fd-probe") == std::string::npos);
            ++pipes;
        }
    }
    BOOST_TEST(std_fds == 3);
    BOOST_TEST(pipes == 2);    // calls in, results out
    BOOST_TEST(regions == 2);  // the same, for large frames
    ::close(probe);
    ::close(leak[0]);
    ::close(leak[1]);
}

BOOST_AUTO_TEST_CASE(a_dead_workers_pipe_does_not_kill_the_parent_with_sigpipe) {
    sigpipe_restorer restore;
    ::signal(SIGPIPE, SIG_DFL);  // as in a program that never touched it
    process_pool_executor pool(1);
    // With the default disposition a SIGPIPE delivered to the process would end it
    // (status 141). The pool changes no disposition...
    write_into_a_dead_worker(pool);
    struct sigaction now {};
    ::sigaction(SIGPIPE, nullptr, &now);
    BOOST_TEST((now.sa_handler == SIG_DFL));
    // ...the write did raise SIGPIPE (so this is not vacuous), on the I/O thread,
    // which blocks it: pending there, harmless.
    BOOST_TEST(io_thread_has_pending(SIGPIPE));
    BOOST_TEST(pool.submit(add_task, 2, 2).result(deadline) == 4);  // replaced, healthy
}

BOOST_AUTO_TEST_CASE(a_program_sigpipe_handler_is_kept_and_never_runs_for_the_pools_pipes) {
    sigpipe_restorer restore;
    struct sigaction mine {};
    mine.sa_handler = count_sigpipe;
    ::sigemptyset(&mine.sa_mask);
    ::sigaction(SIGPIPE, &mine, nullptr);
    sigpipes = 0;
    process_pool_executor pool(1);
    write_into_a_dead_worker(pool);
    struct sigaction now {};
    ::sigaction(SIGPIPE, nullptr, &now);
    BOOST_TEST((now.sa_handler == count_sigpipe));  // left alone
    BOOST_TEST(io_thread_has_pending(SIGPIPE));
    BOOST_TEST(sigpipes.load() == 0);  // the pool's pipe is the pool's business
    BOOST_TEST(pool.submit(add_task, 2, 2).result(deadline) == 4);
    // The program's own broken pipe still reaches its handler, on its thread.
    int p[2];
    BOOST_REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    ::close(p[0]);
    BOOST_TEST(::write(p[1], "x", 1) == -1);
    BOOST_TEST(sigpipes.load() == 1);
    ::close(p[1]);
}

BOOST_AUTO_TEST_CASE(a_signal_never_runs_the_parents_handler_in_a_starting_worker) {
    futures_test::set_deadline(std::chrono::seconds(240));  // hundreds of worker starts; slow under sanitizers
    int out[2];
    BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its signals reach its group only
    ::posix_spawnattr_setpgroup(&attr, 0);
    std::string self = futures::detail::process::self_executable();
    char* argv[] = {self.data(), const_cast<char*>(ptest::signal_storm_flag), nullptr};
    pid_t storm = -1;
    int rc = ::posix_spawn(&storm, self.c_str(), &fa, &attr, argv, environ);
    ::posix_spawn_file_actions_destroy(&fa);
    ::posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    BOOST_REQUIRE(rc == 0);
    const std::string line = read_line(out[0], 200s);
    BOOST_TEST(line == "sent 200 saw 200");
    int pidfd = pidfd_of(storm);
    if (!exits_within(pidfd, 30s)) ::kill(-storm, SIGKILL);
    int status = 0;
    BOOST_REQUIRE(::waitpid(storm, &status, 0) == storm);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    ::close(pidfd);
    ::close(out[0]);
}

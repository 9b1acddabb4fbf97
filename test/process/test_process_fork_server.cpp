// The fork server (futures::start_fork_server, docs/pool-start.md): workers forked
// by it are this process's children with the same hygiene as relaunched ones (only
// their protocol pipes, the handlers and mask a relaunched worker has, death with
// the parent), and a dead server sends the pools back to relaunching.
#define BOOST_TEST_MODULE process_fork_server
#define BOOST_TEST_NO_MAIN
void fork_server_setup();
#define PTEST_BEFORE_TESTS fork_server_setup
#include "process/test_main.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <sstream>

#include <futures/detail/process/fork_server.hpp>
#include <futures/detail/process/parent/fork_server_client.hpp>
#include <futures/detail/process/parent/spawn.hpp>  // self_executable
#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

extern char** environ;

using namespace std::chrono_literals;
using futures::process_pool_executor;
using ptest::deadline;
using ptest::eventually;

namespace {

// The worker's own view of its signals: "SigBlk SigIgn SigCgt" from /proc/self/status.
std::string signal_state() {
    std::ifstream in("/proc/self/status");
    std::string out;
    for (std::string line; std::getline(in, line);)
        if (line.rfind("SigBlk:", 0) == 0 || line.rfind("SigIgn:", 0) == 0 || line.rfind("SigCgt:", 0) == 0)
            out += line.substr(line.find(':') + 1) + " ";
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// argv[1] of a process: the fork server's flag for a forked worker, the worker flag
// for a relaunched one.
std::string argv1(pid_t pid) {
    const std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    const auto end0 = cmd.find('\0');
    return end0 == std::string::npos ? "" : std::string(cmd.c_str() + end0 + 1);
}

pid_t parent_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(stat.substr(close + 2));
    char state;
    pid_t ppid = -1;
    rest >> state >> ppid;
    return ppid;
}

// Children of this process that are zombies: reaped by nobody.
int zombie_children() {
    int n = 0;
    DIR* d = ::opendir("/proc");
    while (dirent* e = ::readdir(d)) {
        const pid_t pid = std::atoi(e->d_name);
        if (pid <= 0) continue;
        const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        const auto close = stat.rfind(')');
        if (close != std::string::npos && stat.size() > close + 2 && stat[close + 2] == 'Z' &&
            parent_of(pid) == ::getpid())
            ++n;
    }
    ::closedir(d);
    return n;
}

int pidfd_of(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool exits_within(int pidfd, std::chrono::milliseconds within) {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(within.count())) == 1;
}

process_pool_executor relaunching(std::size_t n) {
    return process_pool_executor(futures::process_pool_options{.max_workers = n, .use_fork_server = false});
}

}  // namespace

FUTURES_TASK(signal_state_task, signal_state);

namespace {
// The worker's RLIMIT_AS (RLIM_INFINITY when uncapped).
unsigned long long address_limit() {
    rlimit r{};
    ::getrlimit(RLIMIT_AS, &r);
    return r.rlim_cur;
}
}  // namespace
FUTURES_TASK(address_limit_task, address_limit);

// Before the server starts: an fd without CLOEXEC, a handler and a blocked signal,
// none of which a worker may inherit.
void fork_server_setup() {
    (void)::memfd_create("futures-early-probe", 0);
    ::signal(SIGUSR1, [](int) {});
    sigset_t usr2;
    ::sigemptyset(&usr2);
    ::sigaddset(&usr2, SIGUSR2);
    ::pthread_sigmask(SIG_BLOCK, &usr2, nullptr);
    futures::start_fork_server();
    ::pthread_sigmask(SIG_UNBLOCK, &usr2, nullptr);
}

BOOST_AUTO_TEST_CASE(workers_are_forked_by_the_server_as_children_of_this_process) {
    process_pool_executor pool(2);
    std::vector<futures::future<pid_t>> fs;
    for (int i = 0; i < 2; ++i) fs.push_back(pool.submit(get_pid_task));
    for (auto& f : fs) {
        const pid_t w = f.result(deadline);
        BOOST_TEST(parent_of(w) == ::getpid());  // ours to reap, as a relaunched worker
        BOOST_TEST(argv1(w) == futures::detail::process::fork_server_flag);
    }
    auto relaunched = relaunching(1);
    BOOST_TEST(argv1(relaunched.submit(get_pid_task).result(deadline)) == futures::detail::process::worker_flag);
}

BOOST_AUTO_TEST_CASE(forked_workers_inherit_only_their_protocol_pipes_and_regions) {
    int probe = ::memfd_create("futures-fd-probe", 0);  // no CLOEXEC, opened after the server
    BOOST_REQUIRE(probe >= 0);
    process_pool_executor pool(1);
    int std_fds = 0, pipes = 0, regions = 0;
    for (const auto& e : pool.submit(list_fds_task).result(deadline)) {
        BOOST_TEST_CONTEXT("worker fd " << e) {
            if (std::atoi(e.c_str()) <= 2) {
                ++std_fds;
                continue;
            }
            BOOST_TEST(e.find("probe") == std::string::npos);
            if (e.find(" -> /memfd:futures-payload") != std::string::npos) {
                ++regions;  // its shared-memory regions, one per direction
                continue;
            }
            BOOST_TEST(e.find(" -> pipe:[") != std::string::npos);
            ++pipes;
        }
    }
    BOOST_TEST(std_fds == 3);
    BOOST_TEST(pipes == 2);
    BOOST_TEST(regions == 2);
    ::close(probe);
}

BOOST_AUTO_TEST_CASE(forked_workers_have_the_signal_state_of_relaunched_ones) {
    process_pool_executor pool(1);
    auto relaunched = relaunching(1);
    const std::string forked = pool.submit(signal_state_task).result(deadline);
    const std::string exec = relaunched.submit(signal_state_task).result(deadline);
    BOOST_TEST(forked == exec);  // SIGUSR1's handler and SIGUSR2's block stayed here
    std::istringstream fields(forked);
    std::string blocked, ignored, caught;
    fields >> blocked >> ignored >> caught;
    BOOST_TEST(blocked == "0000000000000000");
    BOOST_TEST(((std::stoull(caught, nullptr, 16) >> (SIGUSR1 - 1)) & 1) == 0u);
}

// Issue 10, item 4, on the fork server's path: a pool created and used by a thread
// that blocks SIGTERM and SIGINT (as a server does for asio::signal_set) gets
// workers with nothing blocked, so terminate_workers() can end them.
BOOST_AUTO_TEST_CASE(forked_workers_start_with_nothing_blocked_whatever_the_submitter_blocked) {
    std::string state;
    ptest::with_term_blocked([&] {
        process_pool_executor pool(1);
        auto f = pool.submit(signal_state_task);
        state = f.result(deadline);
        const pid_t w = pool.worker_pids().at(0);
        BOOST_TEST(argv1(w) == futures::detail::process::fork_server_flag);
    });
    std::string blocked;
    std::istringstream(state) >> blocked;
    BOOST_TEST(blocked == "0000000000000000");
}

// Issue 10, item 12, on the fork server's path: the address-space cap reaches
// forked workers too. Sanitizer builds reserve terabytes of address space, so the
// cap is not tried there.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
BOOST_AUTO_TEST_CASE(forked_workers_get_the_address_space_cap) {
    constexpr std::size_t cap = std::size_t(1) << 30;
    process_pool_executor capped(futures::process_pool_options{.max_workers = 1, .worker_address_space_bytes = cap});
    BOOST_TEST(argv1(capped.submit(get_pid_task).result(deadline)) == futures::detail::process::fork_server_flag);
    BOOST_TEST(capped.submit(address_limit_task).result(deadline) == cap);
    process_pool_executor uncapped(1);
    BOOST_TEST(uncapped.submit(address_limit_task).result(deadline) == RLIM_INFINITY);
}
#endif

BOOST_AUTO_TEST_CASE(killing_the_parent_leaves_neither_workers_nor_server_behind) {
    int out[2], in[2];
    BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    std::string self = futures::detail::process::self_executable();
    char* argv[] = {self.data(), const_cast<char*>(ptest::orphan_parent_flag), nullptr};
    pid_t parent = -1;
    const int rc = ::posix_spawn(&parent, self.c_str(), &fa, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    BOOST_REQUIRE(rc == 0);
    // The parent reports its two workers once both run a call; its server is the
    // other child of it that runs the server's flag and is not a worker.
    std::string line;
    for (char c; line.find('\n') == std::string::npos;) {
        pollfd p{out[0], POLLIN, 0};
        BOOST_REQUIRE_MESSAGE(::poll(&p, 1, 30'000) == 1 && ::read(out[0], &c, 1) == 1, "no report from the parent");
        line += c;
    }
    std::istringstream ws(line);
    pid_t w1 = 0, w2 = 0;
    ws >> w1 >> w2;
    BOOST_REQUIRE(w1 > 0);
    BOOST_REQUIRE(w2 > 0);
    BOOST_TEST(argv1(w1) == futures::detail::process::fork_server_flag);
    std::vector<int> fds{pidfd_of(w1), pidfd_of(w2)};
    DIR* d = ::opendir("/proc");
    while (dirent* e = ::readdir(d)) {
        const pid_t pid = std::atoi(e->d_name);
        if (pid > 0 && pid != w1 && pid != w2 && parent_of(pid) == parent &&
            argv1(pid) == futures::detail::process::fork_server_flag)
            fds.push_back(pidfd_of(pid));  // the server and its spares
    }
    ::closedir(d);
    BOOST_TEST(fds.size() >= 3u);
    ::kill(parent, SIGKILL);
    int status = 0;
    BOOST_REQUIRE(::waitpid(parent, &status, 0) == parent);
    for (int fd : fds) {
        BOOST_TEST(fd >= 0);
        BOOST_CHECK_MESSAGE(exits_within(fd, 10s), "a process of the killed parent outlived it");
        ::close(fd);
    }
    ::close(in[1]);
    ::close(out[0]);
}

// Payloads past the shared-memory threshold use regions the fork server passed on
// with the pipes: both directions, in a forked worker.
BOOST_AUTO_TEST_CASE(forked_workers_carry_large_payloads_through_their_regions) {
    futures::process_pool_options o;
    o.max_workers = 1;
    o.shm_threshold_bytes = 64 << 10;
    process_pool_executor pool(o);
    const std::string big(3 << 20, 'x');
    auto f = pool.submit(echo_string_task, big);
    BOOST_TEST(argv1(pool.submit(get_pid_task).result(deadline)) == futures::detail::process::fork_server_flag);
    BOOST_TEST(f.result(deadline) == big);
}

// Issue 10, item 11, on the fork server's path: the pool kills a forked worker
// for a call's timeout or a running cancel by the same pid, and forks its
// replacement from the server again.
BOOST_AUTO_TEST_CASE(a_timed_out_or_cancelled_call_kills_its_forked_worker_and_the_next_is_forked) {
    process_pool_executor pool(futures::process_pool_options{.max_workers = 1, .cancel_running_calls = true});
    const pid_t first = pool.submit(get_pid_task).result(deadline);
    BOOST_TEST(argv1(first) == futures::detail::process::fork_server_flag);
    auto timed = pool.submit(futures::call_options{.timeout = 100ms}, block_task);
    BOOST_TEST(ptest::error_of<futures::timeout_error>(timed).find("timeout of 100 ms") != std::string::npos);
    BOOST_TEST(eventually("the timed-out worker is gone", [&] { return ::kill(first, 0) != 0; }));
    const pid_t second = pool.submit(get_pid_task).result(deadline);
    BOOST_TEST(second != first);
    BOOST_TEST(argv1(second) == futures::detail::process::fork_server_flag);
    auto hung = pool.submit(block_task);
    BOOST_REQUIRE(eventually("the call is running", [&] { return hung.running(); }));
    BOOST_TEST(hung.cancel());
    BOOST_CHECK_THROW(hung.result(deadline), futures::cancelled_error);
    BOOST_TEST(eventually("the cancelled call's worker is gone", [&] { return ::kill(second, 0) != 0; }));
    const pid_t third = pool.submit(get_pid_task).result(deadline);
    BOOST_TEST(third != second);
    BOOST_TEST(argv1(third) == futures::detail::process::fork_server_flag);
    BOOST_TEST(pool.stats().worker_deaths == 0u);  // the pool's own kills are no deaths
}

// Last: it stops this process's server.
BOOST_AUTO_TEST_CASE(a_dead_server_sends_the_pools_back_to_relaunching) {
    const pid_t server = futures::detail::process::fork_server_pid();
    BOOST_REQUIRE(server > 0);
    ::kill(server, SIGKILL);
    process_pool_executor pool(2);
    std::vector<futures::future<pid_t>> fs;
    for (int i = 0; i < 2; ++i) fs.push_back(pool.submit(get_pid_task));
    for (auto& f : fs) BOOST_TEST(argv1(f.result(deadline)) == futures::detail::process::worker_flag);
    BOOST_TEST(futures::detail::process::fork_server_pid() == -1);
    // The server and its spares were reaped; the pool's own workers are reaped as they end.
    pool.shutdown(true);
    BOOST_TEST(eventually("no zombie child is left", [] { return zombie_children() == 0; }));
}

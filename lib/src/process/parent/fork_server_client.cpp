// Starting the fork server and asking it for workers (docs/pool-start.md).
#include <futures/detail/process/fork_server.hpp>
#include <futures/detail/process/lost_worker.hpp>
#include <futures/detail/process/parent/fork_server_client.hpp>
#include <futures/detail/process/parent/worker_executable.hpp>
#include <futures/log.hpp>
#include <futures/worker.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

extern char** environ;

namespace futures::detail::process {
namespace {

// How long a fork may take before the server counts as hung: a fork of a small
// process takes about a millisecond; this is for a server stopped or swapped out.
constexpr int reply_timeout_ms = 10'000;

struct server_state {
    std::mutex m;  // one request at a time: replies are not tagged
    int sock = -1;
    pid_t pid = -1;
    pid_t owner = -1;  // the process that started it: a fork() of ours must not use it
    std::string exe;
    pid_t spares[max_spares] = {};  // our children too (CLONE_PARENT): ours to reap if the server fails
};

server_state& state() {
    static server_state s;
    return s;
}

pid_t spawn_server(const std::string& exe, int child_end) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawnattr_init(&attr);
    // fd 3 is the socket, nothing else above the standard streams survives; every
    // handler back to default, nothing blocked: what a relaunched worker gets.
    ::posix_spawn_file_actions_adddup2(&fa, child_end, 3);
    ::posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    sigset_t all, none;
    ::sigfillset(&all);
    ::sigemptyset(&none);
    ::posix_spawnattr_setsigdefault(&attr, &all);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::string self = exe, flag = fork_server_flag, fd = "3", parent = std::to_string(::getpid());
    char* argv[] = {self.data(), flag.data(), fd.data(), parent.data(), nullptr};
    // LD_BIND_NOW: the dynamic linker binds every symbol at start, once, in the server,
    // instead of each forked worker binding what it calls first (a write to a shared
    // page each: copy-on-write faults). The server unsets it for its workers.
    std::vector<char*> env;
    std::string bind_now = "LD_BIND_NOW=1";
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "LD_BIND_NOW=", 12) != 0) env.push_back(*e);
    env.push_back(bind_now.data());
    env.push_back(nullptr);
    pid_t pid = -1;
    const int err = ::posix_spawn(&pid, exe.c_str(), &fa, &attr, argv, env.data());
    ::posix_spawn_file_actions_destroy(&fa);
    ::posix_spawnattr_destroy(&attr);
    if (err != 0) throw std::system_error(err, std::generic_category(), "cannot start the fork server " + exe);
    return pid;
}

// Under s.m: the next note, waiting at most timeout_ms (0: only one already there).
bool next_note(server_state& s, fork_note& n, int timeout_ms) {
    pollfd p{s.sock, POLLIN, 0};
    int ready;
    do ready = ::poll(&p, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready <= 0) return false;
    ssize_t got;
    do got = ::recv(s.sock, &n, sizeof n, 0);
    while (got < 0 && errno == EINTR);
    if (got != static_cast<ssize_t>(sizeof n)) return false;
    if (n.kind == fork_note::spare_exiting)
        ::waitpid(static_cast<pid_t>(n.pid_or_error), nullptr, 0);  // it exits right after saying so
    else
        for (int i = 0; i < max_spares; ++i) s.spares[i] = static_cast<pid_t>(n.spares[i]);
    return true;
}

// Under s.m. The server is gone or hung: stop using it and reap it (it is our child).
void give_up(server_state& s, const char* why) {
    log_line(log_level::warning, std::string("futures: fork server ") + std::to_string(s.pid) + " " + why +
                                     "; pools start their workers by relaunching " + s.exe);
    ::kill(s.pid, SIGKILL);
    ::waitpid(s.pid, nullptr, 0);
    s.pid = -1;
    for (pid_t spare : s.spares)
        if (spare > 0) ::kill(spare, SIGKILL);
    // Every spare holds the server's end of the socket until it exits, reporting
    // itself first if it can: EOF here means none is left to report.
    fork_note n{};
    while (next_note(s, n, reply_timeout_ms)) {
    }
    for (pid_t& spare : s.spares)
        if (spare > 0) ::waitpid(std::exchange(spare, 0), nullptr, 0);
    ::close(s.sock);
    s.sock = -1;
}

}  // namespace

void start_fork_server_for(const std::string& exe) {
    auto& s = state();
    std::lock_guard lk(s.m);
    if (s.sock >= 0) return;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        throw std::system_error(errno, std::generic_category(), "socketpair");
    // Above 3, so that the spawn's dup2 to 3 is a real copy (one that drops CLOEXEC).
    const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 4);
    ::close(sv[1]);
    try {
        if (child_end < 0) throw std::system_error(errno, std::generic_category(), "fcntl(F_DUPFD_CLOEXEC)");
        s.pid = spawn_server(exe, child_end);
    } catch (...) {
        ::close(sv[0]);
        if (child_end >= 0) ::close(child_end);
        throw;
    }
    ::close(child_end);
    s.sock = sv[0];
    s.exe = exe;
    s.owner = ::getpid();
}

pid_t fork_from_server(const std::string& exe, const int (&fds)[passed_fds], std::size_t max_frame,
                       std::size_t shm_threshold, std::size_t address_space) {
    auto& s = state();
    std::lock_guard lk(s.m);
    // In a child of ours (the program forked), the server's workers would be our
    // parent's children, which we could not reap: relaunch instead.
    if (s.sock < 0 || s.exe != exe || s.owner != ::getpid()) return -1;
    fork_request rq{max_frame, shm_threshold, address_space};
    fork_note note{};
    while (next_note(s, note, 0)) {
    }  // spares reported since the last request
    bool answered = send_with_fds(s.sock, &rq, sizeof rq, fds);
    while (answered && (answered = next_note(s, note, reply_timeout_ms)) && note.kind != fork_note::answer) {
    }
    if (!answered) {
        give_up(s, "does not answer");
        return -1;
    }
    if (note.pid_or_error <= 0) {
        log_line(log_level::warning, std::string("futures: fork server could not fork: ") +
                                         std::strerror(static_cast<int>(-note.pid_or_error)));
        return -1;
    }
    return static_cast<pid_t>(note.pid_or_error);
}

pid_t fork_server_pid() {
    auto& s = state();
    std::lock_guard lk(s.m);
    return s.sock >= 0 ? s.pid : -1;
}

}  // namespace futures::detail::process

namespace futures {

void start_fork_server(const std::string& worker_executable) {
    // main() called this before run_worker_if_requested(), and this process is a
    // worker or the fork server itself, running main() again: a server started from
    // here would run main() too and start the next, a chain of servers without end.
    // Nothing to do here; run_worker_if_requested() right after does its job.
    if (detail::process::started_by_a_pool()) return;
    detail::process::start_fork_server_for(detail::process::resolve_worker_executable(worker_executable));
}

}  // namespace futures

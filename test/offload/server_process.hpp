#pragma once
// apps/offload_server as a child process of a test: started on an ephemeral port
// in its own process group, its port read from the "listening on" line, and
// never left behind. The child gets PR_SET_PDEATHSIG, so even a test killed by
// the watchdog takes it along (and its workers follow it the same way); the
// destructor SIGKILLs the whole group of a server still running. Every wait
// polls a descriptor (the stdout pipe, a pidfd) against a deadline: no sleeps.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/child_with_stdout.hpp"

namespace offload_test {

using namespace std::chrono_literals;

/// What every wait of these tests allows: far beyond what any step needs, far
/// below the per-case watchdog (support/deadline.hpp).
constexpr std::chrono::milliseconds deadline = 20s;

inline int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

/// Whether the process behind pidfd ends within `within` (poll reports POLLIN then).
inline bool exits_within(int pidfd, std::chrono::milliseconds within) {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(within.count())) == 1 && (p.revents & POLLIN);
}

/// "exit status N" or "signal N", for messages.
inline std::string describe(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "wait status " + std::to_string(status);
}

class server_process {
public:
    /// Starts the server with --port 0 and args; throws std::runtime_error if it
    /// does not print its port within the deadline.
    explicit server_process(const std::vector<std::string>& args) {
        std::vector<std::string> argv_s{OFFLOAD_SERVER, "--port", "0"};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        auto child = test_support::start_child(std::move(argv_s), /*own_group=*/true);
        pid_ = child.pid;
        out_ = child.out;
        pidfd_ = pidfd_open(pid_);
        const std::string line = read_line(deadline);
        const std::string prefix = "listening on 127.0.0.1:";
        if (line.rfind(prefix, 0) != 0) {
            // Let it finish on its own (a bad command line exits 2) before the kill.
            auto st = wait_exit(deadline);
            if (!reaped_) kill_group();
            ::close(pidfd_);
            ::close(out_);
            throw std::runtime_error("the server did not say where it listens (stdout: \"" + line + "\", " +
                                     (st ? describe(*st) : "killed") + ")");
        }
        port_ = static_cast<unsigned short>(std::stoi(line.substr(prefix.size())));
    }

    ~server_process() {
        if (!reaped_) kill_group();
        if (pidfd_ >= 0) ::close(pidfd_);
        ::close(out_);
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    /// To the server alone.
    void signal(int sig) const { ::kill(pid_, sig); }
    /// To its whole process group, workers included: what Ctrl-C in a terminal,
    /// `kill -- -PGID` or systemd's stop do.
    void signal_group(int sig) const { ::kill(-pid_, sig); }

    /// The wait status once the server has exited, or nullopt if it still runs
    /// after `within`.
    std::optional<int> wait_exit(std::chrono::milliseconds within) {
        if (!reaped_) {
            if (!exits_within(pidfd_, within)) return std::nullopt;
            if (::waitpid(pid_, &status_, 0) != pid_) return std::nullopt;
            reaped_ = true;
        }
        return status_;
    }

private:
    void kill_group() {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);  // in case setpgid had not happened yet
        if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
    }

    // One line from the server's stdout, or what came before EOF or the deadline.
    std::string read_line(std::chrono::milliseconds within) {
        const auto end = std::chrono::steady_clock::now() + within;
        std::string line;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            pollfd p{out_, POLLIN, 0};
            char c;
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) return line;
            if (::read(out_, &c, 1) != 1 || c == '\n') return line;
            line += c;
        }
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int pidfd_ = -1;
    unsigned short port_ = 0;
    bool reaped_ = false;
    int status_ = 0;
};

}  // namespace offload_test

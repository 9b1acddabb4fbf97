#pragma once
// A program run as a child of a (multithreaded) test, its stdout on a pipe the
// test reads. The child gets PR_SET_PDEATHSIG, so a test killed by its watchdog
// takes the child along; between fork and exec it makes async-signal-safe calls
// only, as a child of a multithreaded process must.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

struct child_with_stdout {
    pid_t pid = -1;
    int out = -1;  ///< read end of the child's stdout; the caller closes it
};

/// Starts argv[0] with argv (a path, not looked up in PATH). own_group: the child
/// leads a new process group (so that a kill of the group takes its own children).
/// Throws std::runtime_error if pipe2 or fork fails; an exec failure shows as exit
/// status 127.
inline child_with_stdout start_child(std::vector<std::string> argv_s, bool own_group = false) {
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (own_group) ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the test died before prctl
        ::dup2(out[1], STDOUT_FILENO);            // dup2 clears O_CLOEXEC on the copy
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    // Also here: whichever runs first, the group exists before any kill of it.
    if (own_group) ::setpgid(pid, pid);
    ::close(out[1]);
    return {pid, out[0]};
}

}  // namespace test_support

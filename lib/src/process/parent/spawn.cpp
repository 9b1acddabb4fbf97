// Starting one worker process: Boost.Process v2 with the initializers that work
// around its 1.81 defects (spawn.hpp; docs/boost-1.81.md, "Spawning").
#include <futures/detail/process/child_setup.hpp>
#include <futures/detail/process/parent/fork_server_client.hpp>
#include <futures/detail/process/parent/spawn.hpp>
#include <futures/worker.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <vector>

#include <boost/process/v2/posix/default_launcher.hpp>

namespace futures::detail::process {
namespace {

namespace bp2 = boost::process::v2;

// Runs first. Parent side: keeps the child's pipe ends and its two shared regions
// off the close list. Child side (after fork, so only async-signal-safe calls):
// makes those fds survive exec, and arranges for the child to die with the
// spawning thread, which lives as long as the pool has workers. The getppid check
// closes the window in which the parent died before prctl.
struct protocol_fds {
    std::array<int, 4> fds;  // call pipe, result pipe, call region, result region
    pid_t parent;
    template <class Launcher>
    bp2::error_code on_setup(Launcher& l, const bp2::filesystem::path&, const char* const*) {
        for (int fd : fds) l.fd_whitelist.push_back(fd);
        return {};
    }
    template <class Launcher>
    bp2::error_code on_exec_setup(Launcher&, const bp2::filesystem::path&, const char* const*) {
        for (int fd : fds)
            if (::fcntl(fd, F_SETFD, 0) != 0) return bp2::error_code(errno, bp2::system_category());
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(0);
        return {};
    }
};

// Between fork and exec the child still runs this process's signal handlers (the
// spawning thread blocks every signal until then): reset_worker_signals() runs
// last before exec. Its effect, and only its effect, is also what a worker would
// get from posix_spawn's SETSIGDEF and SETSIGMASK with an empty mask.
struct reset_signals {
    template <class Launcher>
    bp2::error_code on_exec_setup(Launcher&, const bp2::filesystem::path&, const char* const*) {
        reset_worker_signals();
        return {};
    }
};

// Issue 10, item 12: the pool's cap on each worker's address space.
struct address_space_cap {
    std::size_t bytes;  // 0: none
    template <class Launcher>
    bp2::error_code on_exec_setup(Launcher&, const bp2::filesystem::path&, const char* const*) {
        if (const int e = cap_address_space(bytes)) return bp2::error_code(e, bp2::system_category());
        return {};
    }
};

// 1.81's close_all() is off by one and closes nothing below the highest
// whitelisted fd (P1); close everything >= 3 except the whitelist ourselves.
struct close_inherited_fds {
    template <class Launcher>
    bp2::error_code on_exec_setup(Launcher& l, const bp2::filesystem::path&, const char* const*) {
        unsigned lo = 3;
        for (;;) {  // no allocation between fork and exec
            int next = INT_MAX;
            for (int fd : l.fd_whitelist)
                if (fd >= static_cast<int>(lo) && fd < next) next = fd;
            if (next == INT_MAX) {
                ::close_range(lo, ~0U, 0);
                break;
            }
            if (static_cast<unsigned>(next) > lo) ::close_range(lo, static_cast<unsigned>(next) - 1, 0);
            lo = static_cast<unsigned>(next) + 1;
        }
        return {};
    }
};

// A daemon runs with stdin, stdout or stderr closed (0<&-, >&-, 2>&-). A worker
// gets /dev/null for each standard stream that would not survive exec (closed, or
// close-on-exec: one of this process's own fds that took the free number), so
// that what a task reads or prints goes nowhere rather than into a protocol pipe
// or an error.
struct std_streams_or_dev_null {
    template <class Launcher>
    bp2::error_code on_exec_setup(Launcher&, const bp2::filesystem::path&, const char* const*) {
        for (int fd = 0; fd <= 2; ++fd) {
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC)) continue;
            const int n = ::open("/dev/null", O_RDWR);
            if (n < 0) return bp2::error_code(errno, bp2::system_category());
            if (n != fd) {
                if (::dup2(n, fd) < 0) return bp2::error_code(errno, bp2::system_category());
                ::close(n);
            }
        }
        return {};
    }
};

// 1.81 never reaps a child whose exec failed (P2), and that child calls exit(),
// flushing the parent's stdio buffers a second time (#514). The members are
// variadic because 1.81 detects them with one arity and calls them with another.
struct reap_failed_exec {
    template <class L, class... A>
    void on_error(L& l, A&&...) {
        if (l.pid > 0) {
            ::waitpid(l.pid, nullptr, 0);
            l.pid = -1;
        }
    }
    template <class... A>
    void on_exec_error(A&&...) {
        ::_exit(127);
    }
};

constexpr int pipe_bytes = 1 << 20;

// pipe2 returns the lowest free numbers: 0-2 if the program closed a standard
// stream. Those must never carry the protocol: the worker refuses them, and in this
// process the program's next printf would write into a worker's pipe.
int above_stdio(int fd) {
    if (fd > 2) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int err = errno;
    ::close(fd);
    if (moved < 0) throw std::system_error(err, std::generic_category(), "fcntl(F_DUPFD_CLOEXEC)");
    return moved;
}

struct fd_pair {
    int r = -1, w = -1;
    fd_pair() {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        try {
            r = above_stdio(p[0]);
        } catch (...) {
            ::close(p[1]);
            throw;
        }
        try {
            w = above_stdio(p[1]);
        } catch (...) {
            ::close(r);
            throw;
        }
        // A frame of a busy pool is up to a few hundred KiB: with the default 64 KiB
        // pipe it crosses in many partial writes, each a wake-up of the other side.
        // The unprivileged maximum (fs/pipe-max-size, 1 MiB by default) takes it at
        // once; if the system refuses, the default pipe still works.
        (void)::fcntl(w, F_SETPIPE_SZ, pipe_bytes);
    }
    ~fd_pair() {
        if (r >= 0) ::close(r);
        if (w >= 0) ::close(w);
    }
    static int take(int& fd) { return std::exchange(fd, -1); }
};

}  // namespace

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

namespace {

// The relaunch: fork + exec of exe, with the initializers above.
pid_t exec_worker(boost::asio::io_context& spawn_ctx, const std::string& exe, const fd_pair& calls,
                  const fd_pair& results, std::size_t max_frame, const worker_regions& regions,
                  std::size_t address_space) {
    const pid_t me = ::getpid();
    std::vector<std::string> args{worker_flag,
                                  std::to_string(calls.r),
                                  std::to_string(results.w),
                                  std::to_string(me),
                                  std::to_string(max_frame),
                                  std::to_string(regions.calls),
                                  std::to_string(regions.results),
                                  std::to_string(regions.threshold)};
    bp2::posix::default_launcher launcher;
    bp2::error_code ec;
    // The executor overload: the context overload ignores ec in 1.81 (P3).
    auto proc =
        launcher(spawn_ctx.get_executor(), ec, exe, args,
                 protocol_fds{{calls.r, results.w, regions.calls, regions.results}, me}, close_inherited_fds{},
                 std_streams_or_dev_null{}, address_space_cap{address_space}, reset_signals{}, reap_failed_exec{});
    if (::getpid() != me) ::_exit(127);  // never let a forked child run on (P4)
    if (ec) throw std::system_error(ec, "cannot start worker " + exe);
    const pid_t pid = proc.id();
    proc.detach();
    return pid;
}

}  // namespace

spawned_worker spawn_worker(boost::asio::io_context& io, boost::asio::io_context& spawn_ctx, const std::string& exe,
                            std::size_t max_frame, const worker_regions& regions, std::size_t address_space,
                            bool fork_server) {
    fd_pair calls, results;
    const int passed[passed_fds] = {calls.r, results.w, regions.calls, regions.results};
    pid_t pid = fork_server ? fork_from_server(exe, passed, max_frame, regions.threshold, address_space) : -1;
    if (pid <= 0) pid = exec_worker(spawn_ctx, exe, calls, results, max_frame, regions, address_space);
    // Re-home the child on the pool's context: the spawn context only forks.
    spawned_worker w{bp2::process(io.get_executor(), pid), boost::asio::writable_pipe(io),
                     boost::asio::readable_pipe(io)};
    w.calls.assign(fd_pair::take(calls.w));
    w.results.assign(fd_pair::take(results.r));
    return w;  // the child's ends close with calls/results
}

}  // namespace futures::detail::process

// The fork server's loop (docs/pool-start.md). It runs single-threaded and idle
// between requests, so a fork of it holds no lock and no half-done work: the child
// goes straight into the worker loop, with none of the exec, dynamic linking and
// static initialization a relaunch pays. It keeps spares, forked ahead, so that a
// request is usually a hand-over to a process that is already running.
#include <futures/detail/process/child_setup.hpp>
#include <futures/detail/process/fork_server.hpp>
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/protocol/messages.hpp>
#include <futures/log.hpp>
#include <futures/worker.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace futures::detail::process {
namespace {

// Everything >= 3 but `keep`: the server's sockets, and whatever the program's
// static initializers opened.
template <std::size_t N>
void close_all_but(std::array<int, N> keep) {
    std::sort(keep.begin(), keep.end());
    unsigned from = 3;
    for (int fd : keep) {
        if (fd < 3) continue;
        if (static_cast<unsigned>(fd) > from) ::close_range(from, static_cast<unsigned>(fd) - 1, 0);
        from = static_cast<unsigned>(fd) + 1;
    }
    ::close_range(from, ~0U, 0);
}

// A worker, as if exec'd with these pipes and regions (spawn.hpp's argv).
int become_worker(const fork_request& rq, const int (&fds)[passed_fds], pid_t parent) {
    close_all_but(std::to_array(fds));
    // As an exec'd worker (spawn.cpp): nothing blocked, the cap (handlers: see
    // unblock_all_signals()).
    unblock_all_signals();
    if (const int e = cap_address_space(rq.address_space)) return 128 + e;
    std::string in = std::to_string(fds[0]), out = std::to_string(fds[1]), pp = std::to_string(parent),
                mf = std::to_string(rq.max_frame), cr = std::to_string(fds[2]), rr = std::to_string(fds[3]),
                th = std::to_string(rq.shm_threshold);
    char flag[] = "--futures-worker";
    char* argv[] = {flag, flag, in.data(), out.data(), pp.data(), mf.data(), cr.data(), rr.data(), th.data(), nullptr};
    return worker_main(9, argv);
}

// CLONE_PARENT: the child is the pool's child, not ours, so the pool reaps it and
// reads its exit status exactly as for a worker it spawned. A raw clone, not
// fork(): glibc's fork() has no such flag. Safe here because this process has one
// thread and holds no lock between requests.
long clone_sibling() { return ::syscall(SYS_clone, CLONE_PARENT, nullptr, nullptr, nullptr, 0L); }

// Every page a fresh fork writes to is a copy-on-write fault (~10 us on the VMs we
// target; pool-start.md): a spare takes the first ones, stack and the heap the
// handshake uses, while it waits rather than after its request came.
void warm_up() {
    volatile char stack[64 << 10];
    for (std::size_t i = 0; i < sizeof stack; i += 4096) stack[i] = 0;
    std::string frame = encode_frame(make_hello(), 4096);
    frame.reserve(64 << 10);
}

constexpr int top_up_delay_ms = 5;

struct spare {
    pid_t pid;
    int sock;  // the request goes down here
};

// A spare waits for its request on its own socket; the server's end closing
// (the server exits or dies) ends it. Returns in the child only once it has
// become a worker, with that worker's exit status; -1 in the server if the fork
// failed.
int fork_spare(spare& out, int server_sock, pid_t parent, int& status) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    const long pid = clone_sibling();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the parent is the pool's process, as for any worker
        if (::getppid() != parent) ::_exit(0);
        close_all_but(std::array{sv[1], server_sock});
        warm_up();
        fork_request rq{};
        int fds[passed_fds];
        const long n = receive_with_fds(sv[1], &rq, sizeof rq, fds);
        if (n != static_cast<long>(sizeof rq) || fds[0] < 0) {
            // The server is gone, perhaps before it could report this spare: tell the
            // parent who is about to need reaping.
            const fork_note bye{fork_note::spare_exiting, ::getpid(), {}};
            (void)::send(server_sock, &bye, sizeof bye, MSG_NOSIGNAL);
            ::_exit(0);
        }
        ::close(sv[1]);
        ::close(server_sock);
        status = become_worker(rq, fds, parent);
        return 1;
    }
    ::close(sv[1]);
    if (pid < 0) {
        ::close(sv[0]);
        return -1;
    }
    out = {static_cast<pid_t>(pid), sv[0]};
    return 0;
}

// A worker closed at fd 0-2 would take them for pipes; as spawn.cpp does for a
// relaunched worker, a closed standard stream becomes /dev/null.
void standard_streams_or_dev_null() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0) continue;
        const int n = ::open("/dev/null", O_RDWR);
        if (n >= 0 && n != fd) {
            ::dup2(n, fd);
            ::close(n);
        }
    }
}

class server {
public:
    server(int sock, pid_t parent) : sock_(sock), parent_(parent) {}

    // Returns the exit status: of the server, or of a worker forked from it.
    int run() {
        int status = 0;
        if (top_up(status)) return status;
        for (;;) {
            fork_request rq{};
            int fds[passed_fds];
            const long n = receive_with_fds(sock_, &rq, sizeof rq, fds);
            if (n <= 0) return 0;  // the parent is done with us
            fork_note note{fork_note::answer, -EPROTO, {}};
            if (n == static_cast<long>(sizeof rq) && fds[0] >= 0) {
                const long pid = hand_over(rq, fds, status);
                if (pid == 0) return status;  // we are the worker
                note.pid_or_error = pid > 0 ? pid : -errno;
            }
            for (int fd : fds)
                if (fd >= 0) ::close(fd);
            if (!send(note)) return 0;
            if (top_up(status)) return status;
        }
    }

private:
    // To a spare if one takes it, else to a fresh fork. 0 in the worker.
    long hand_over(const fork_request& rq, const int (&fds)[passed_fds], int& status) {
        while (count_ > 0) {
            const spare s = spares_[--count_];
            const bool taken = send_with_fds(s.sock, &rq, sizeof rq, fds);
            ::close(s.sock);
            if (taken) return s.pid;  // a spare that died is reaped by the parent, like any worker
        }
        const long pid = clone_sibling();
        if (pid == 0) status = become_worker(rq, fds, parent_);
        return pid;
    }

    // Forks spares up to max_spares and reports them. True in a spare that has
    // become a worker (its exit status in `status`).
    bool top_up(int& status) {
        bool changed = false;
        while (count_ < max_spares && !request_waiting()) {
            const int r = fork_spare(spares_[count_], sock_, parent_, status);
            if (r == 1) return true;
            if (r < 0) break;
            ++count_;
            changed = true;
        }
        if (changed) send({fork_note::spares_changed, 0, {}});
        return false;
    }

    // A pool starting several workers asks for them back to back: serve those
    // first. And a fork takes a CPU for a while: the workers just handed over, on a
    // small machine, should have it while they start, so new spares wait a little.
    bool request_waiting() const {
        pollfd p{sock_, POLLIN, 0};
        return ::poll(&p, 1, top_up_delay_ms) != 0;
    }

    bool send(fork_note note) {
        for (int i = 0; i < count_; ++i) note.spares[i] = spares_[i].pid;
        return ::send(sock_, &note, sizeof note, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof note);
    }

    const int sock_;
    const pid_t parent_;
    spare spares_[max_spares]{};
    int count_ = 0;
};

// posix_spawn gives the signals glibc keeps for itself (32 and 33, below SIGRTMIN)
// SIG_IGN in the child when the parent handles them, and an ignored signal stays
// ignored across exec; a relaunched worker has them at SIG_DFL. glibc's sigaction()
// refuses those numbers, so the raw system call resets them.
void internal_signals_to_default() {
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)();
        std::uint64_t mask;
    } dfl{SIG_DFL, 0, nullptr, 0};
    for (int sig = 32; sig < SIGRTMIN; ++sig) ::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
}

}  // namespace

int fork_server_main(int argc, char** argv) {
    const int sock = argc >= 4 ? std::atoi(argv[2]) : -1;
    const pid_t parent = argc >= 4 ? static_cast<pid_t>(std::atoll(argv[3])) : 0;
    if (sock < 3 || parent <= 0) {
        log_line(log_level::error, "futures: this is a fork server; it is started by futures::start_fork_server");
        return 2;
    }
    // With the thread that started us (no orphans); if it died already, we are re-parented.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) return 0;
    standard_streams_or_dev_null();
    internal_signals_to_default();
    // Started with LD_BIND_NOW (every symbol bound at load, once, here), which
    // workers and what they start must not inherit.
    ::unsetenv("LD_BIND_NOW");
    return server(sock, parent).run();
}

}  // namespace futures::detail::process

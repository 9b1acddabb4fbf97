// Passing the pipe ends and shared regions of a worker between processes (fork_server.hpp).
#include <futures/detail/process/fork_server.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace futures::detail::process {

namespace {
constexpr std::size_t control_bytes = CMSG_SPACE(passed_fds * sizeof(int));
}

bool send_with_fds(int sock, const void* data, std::size_t n, const int (&fds)[passed_fds]) {
    alignas(cmsghdr) char control[control_bytes] = {};
    iovec iov{const_cast<void*>(data), n};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t sent;
    do sent = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    return sent == static_cast<ssize_t>(n);
}

long receive_with_fds(int sock, void* data, std::size_t n, int (&fds)[passed_fds]) {
    alignas(cmsghdr) char control[control_bytes];
    iovec iov{data, n};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got;
    do got = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (got < 0 && errno == EINTR);
    for (int& fd : fds) fd = -1;
    const cmsghdr* c = got > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        int got_fds[passed_fds];
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const std::size_t kept = count < passed_fds ? count : passed_fds;
        std::memcpy(got_fds, CMSG_DATA(c), kept * sizeof(int));
        if (count == passed_fds && !(msg.msg_flags & MSG_CTRUNC)) {
            std::memcpy(fds, got_fds, sizeof fds);
        } else {
            for (std::size_t i = 0; i < kept; ++i) ::close(got_fds[i]);
        }
    }
    return got;
}

}  // namespace futures::detail::process

#include <futures/detail/process/child_setup.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <cerrno>

namespace futures::detail::process {

void reset_worker_signals() noexcept {
    for (int s = 1; s < NSIG; ++s) {
        struct sigaction sa {};
        if (::sigaction(s, nullptr, &sa) != 0 || sa.sa_handler == SIG_DFL) continue;
        if (sa.sa_handler == SIG_IGN && s != SIGTERM) continue;  // as exec keeps it: nohup's SIGHUP
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        ::sigemptyset(&sa.sa_mask);
        ::sigaction(s, &sa, nullptr);
    }
    unblock_all_signals();
}

void unblock_all_signals() noexcept {
    sigset_t none;
    ::sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
}

int cap_address_space(std::size_t bytes) noexcept {
    if (bytes == 0) return 0;
    const rlimit r{bytes, bytes};
    return ::setrlimit(RLIMIT_AS, &r) == 0 ? 0 : errno;
}

}  // namespace futures::detail::process

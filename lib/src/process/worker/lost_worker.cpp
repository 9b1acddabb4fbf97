#include <futures/detail/process/fork_server.hpp>
#include <futures/detail/process/lost_worker.hpp>
#include <futures/log.hpp>
#include <futures/worker.hpp>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace futures::detail::process {
namespace {

std::atomic<bool> entered{false};

// argv[1] as the kernel started us (the flag of a worker or of the fork server is
// there), whatever main() did with its own argv since; empty if there is none.
std::string first_argument() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto end0 = cmdline.find('\0');
    if (end0 == std::string::npos || cmdline.size() <= end0 + 1) return {};
    return std::string(cmdline.c_str() + end0 + 1);
}

bool started_as_worker() { return first_argument() == worker_flag; }

constexpr const char* fix =
    "call futures::run_worker_if_requested(argc, argv) as the first line of main(), or set "
    "process_pool_options::worker_executable to a worker binary (futures_add_worker in CMake)";

}  // namespace

void enter_worker_loop() noexcept { entered.store(true, std::memory_order_relaxed); }

bool started_by_a_pool() {
    const std::string a = first_argument();
    return a == worker_flag || a == fork_server_flag;
}

void exit_if_lost_worker() {
    if (entered.load(std::memory_order_relaxed) || !started_as_worker()) return;
    log_line(log_level::error,
             std::string("futures: process ") + std::to_string(::getpid()) +
                 " was started as a process pool worker, but its main() created a process_pool_executor "
                 "instead of running the worker loop: " +
                 fix);
    ::_exit(lost_worker_status);  // no atexit handlers, no static destructors: we never got going
}

std::string lost_worker_error(const std::string& exe, const std::string& how) {
    return "worker " + exe + " exited before its handshake (" + how + "): its main() does not run the worker loop; " +
           fix;
}

}  // namespace futures::detail::process

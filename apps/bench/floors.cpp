// `bench --only floors`: what this machine costs before any executor code runs, the
// floors under the figures of the other rows (README cites them): moving bytes
// through a pipe and through memcpy, waking a thread that sleeps on another CPU
// (futex) against handing over to one that spins, a first touch of a fresh page,
// and starting this executable as a process (what a process-pool worker costs to
// start). Each is measured --repeat times; median, min and max are printed.
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <futures/worker.hpp>

#include "harness.hpp"

extern char** environ;

namespace bench {
namespace {

void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

}  // namespace

// ---- bytes -----------------------------------------------------------------------------

// GB/s through a pipe of 1 MiB (the size the process pool asks for), 64 KiB writes,
// writer and reader on two threads.
double pipe_gbps(std::size_t total) {
    int p[2];
    if (::pipe(p) != 0) return 0;
    (void)::fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    std::vector<char> out(64 << 10, 'x');
    const auto t0 = clock::now();
    std::thread reader([&] {
        std::vector<char> in(64 << 10);
        for (std::size_t got = 0; got < total;) {
            const ssize_t n = ::read(p[0], in.data(), in.size());
            if (n <= 0) break;
            got += std::size_t(n);
        }
    });
    for (std::size_t sent = 0; sent < total;) {
        const ssize_t n = ::write(p[1], out.data(), out.size());
        if (n <= 0) break;
        sent += std::size_t(n);
    }
    reader.join();
    const double s = seconds(clock::now() - t0);
    ::close(p[0]);
    ::close(p[1]);
    return double(total) / s / 1e9;
}

// GB/s of memcpy between two 64 MiB buffers already touched (no page faults).
double memcpy_gbps() {
    const std::size_t size = 64 << 20;
    std::vector<char> a(size, 1), b(size, 2);
    const int rounds = 8;
    const auto t0 = clock::now();
    for (int i = 0; i < rounds; ++i) {
        std::memcpy(i % 2 ? a.data() : b.data(), i % 2 ? b.data() : a.data(), size);
        asm volatile("" : : "r"(a.data()), "r"(b.data()) : "memory");  // the copies are not dead stores
    }
    const double s = seconds(clock::now() - t0);
    return double(size) * rounds / s / 1e9;
}

namespace {

// ---- wakes -----------------------------------------------------------------------------

long futex(std::atomic<int>* addr, int op, int val) {
    return ::syscall(SYS_futex, reinterpret_cast<int*>(addr), op | FUTEX_PRIVATE_FLAG, val, nullptr, nullptr, 0);
}

// One-way handover time, in microseconds (median of `n` round trips / 2), between
// threads pinned to CPUs 0 and 1. sleeping: each side waits in FUTEX_WAIT, so its
// CPU goes idle and every handover is a wake-up of a sleeping thread on another
// CPU; otherwise each side spins on the flag (the cache line's trip alone).
double handover_us(std::size_t n, bool sleeping) {
    std::atomic<int> turn{0};  // 0: ping's turn, 1: pong's
    auto wait_for = [&](int mine) {
        while (turn.load(std::memory_order_acquire) != mine)
            if (sleeping) futex(&turn, FUTEX_WAIT, 1 - mine);
    };
    auto pass = [&](int next) {
        turn.store(next, std::memory_order_release);
        if (sleeping) futex(&turn, FUTEX_WAKE, 1);
    };
    std::thread pong([&] {
        pin_to(1);
        for (std::size_t i = 0; i < n; ++i) {
            wait_for(1);
            pass(0);
        }
    });
    pin_to(0);
    std::vector<double> us;
    us.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto t0 = clock::now();
        pass(1);
        wait_for(0);
        us.push_back(seconds(clock::now() - t0) * 1e6 / 2);
    }
    pong.join();
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &all);
    pthread_setaffinity_np(pthread_self(), sizeof all, &all);
    return quantile(us, 0.5);
}

// ---- memory and processes ----------------------------------------------------------------

struct fault_run {
    double us_per_fault = 0;
    long faults = 0;
};

// First touch of every page of a fresh 64 MiB anonymous mapping.
fault_run first_touch() {
    const std::size_t size = 64 << 20, page = std::size_t(::sysconf(_SC_PAGESIZE));
    rusage r0{}, r1{};
    char* m = static_cast<char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (m == MAP_FAILED) return {};
    ::getrusage(RUSAGE_THREAD, &r0);
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < size; i += page) m[i] = 1;
    const double s = seconds(clock::now() - t0);
    ::getrusage(RUSAGE_THREAD, &r1);
    ::munmap(m, size);
    fault_run f;
    f.faults = r1.ru_minflt - r0.ru_minflt;
    f.us_per_fault = f.faults > 0 ? s * 1e6 / double(f.faults) : 0;
    return f;
}

// Milliseconds from posix_spawn to the exit of `argv` (stdout and stderr discarded).
double spawn_ms(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const auto t0 = clock::now();
    pid_t pid = -1;
    const int err = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) return 0;
    int st = 0;
    ::waitpid(pid, &st, 0);
    return seconds(clock::now() - t0) * 1e3;
}

std::string self_path() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, std::size_t(n)) : std::string();
}

// ---- the table ----------------------------------------------------------------------------

template <class F>
void row(const config& cfg, const char* what, const char* unit, F&& measure) {
    std::vector<double> xs;
    for (int rep = 0; rep < cfg.repeat; ++rep) xs.push_back(measure());
    const ratios r = ratio_stats(xs);  // min / median / max of the figures themselves
    std::printf("    %-64s | %10.2f | %10.2f | %10.2f | %s\n", what, r.median, r.min, r.max, unit);
    std::fflush(stdout);
}

}  // namespace

void machine_floors(const config& cfg, std::vector<verdict>&) {
    const std::size_t pipe_bytes = cfg.quick ? (256u << 20) : (2048u << 20);
    const std::size_t trips = cfg.quick ? 2'000 : 20'000;
    std::printf("floors: the machine under the figures; %d runs each\n", cfg.repeat);
    std::printf("    %-64s | %10s | %10s | %10s | unit\n", "measure", "median", "min", "max");
    row(cfg, "pipe, 1 MiB buffer, 64 KiB writes, thread to thread", "GB/s", [&] { return pipe_gbps(pipe_bytes); });
    row(cfg, "memcpy, 64 MiB, pages already touched", "GB/s", [] { return memcpy_gbps(); });
    row(cfg, "wake a thread sleeping in FUTEX_WAIT on the other CPU (one way)", "us",
        [&] { return handover_us(trips / 4, true); });
    row(cfg, "hand over to a thread spinning on the other CPU (one way)", "us",
        [&] { return handover_us(trips, false); });
    row(cfg, "first touch of a fresh anonymous page (64 MiB mapping)", "us/fault",
        [] { return first_touch().us_per_fault; });
    const std::string self = self_path();
    row(cfg, "start this executable as a worker with bad args, until it exits", "ms", [&] {
        return spawn_ms({self, futures::detail::process::worker_flag});
    });
    row(cfg, "start /bin/true, until it exits", "ms", [] { return spawn_ms({"/bin/true"}); });
    std::printf("\n");
}

}  // namespace bench

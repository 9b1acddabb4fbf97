#include "tasks.hpp"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <thread>

#include <futures/throw_with_trace.hpp>

#include "../support/gate_file.hpp"

namespace ptest {

void perform(int a) {
    switch (a) {
    case throw_it:
        throw std::runtime_error("trap sprung");
    case exit_3:
        std::exit(3);
    case underscore_exit_4:
        ::_exit(4);
    case abort_it:
        ::signal(SIGABRT, SIG_DFL);  // a sanitizer's handler would turn it into exit(1)
        std::abort();
    case segv:
        ::signal(SIGSEGV, SIG_DFL);
        ::raise(SIGSEGV);
        ::_exit(99);
    case sigkill_self:
        ::kill(::getpid(), SIGKILL);
        ::pause();
    default:
        break;
    }
}

int add(int a, int b) { return a + b; }
int gcd(std::pair<int, int> p) { return std::gcd(p.first, p.second); }
int square(int x) { return x * x; }
pid_t get_pid() { return ::getpid(); }
pid_t nap(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ::getpid();
}
record echo_record(record r) {
    r.values.push_back(static_cast<int>(r.values.size()));
    return r;
}
trap echo_trap(trap t) { return t; }
int crash(int how) {
    perform(how);
    return how;
}
int throw_kind(int kind, std::string msg) {
    switch (kind) {
    case 0:
        throw std::invalid_argument(msg);
    case 1:
        throw std::out_of_range(msg);
    case 2:
        throw std::runtime_error(msg);
    case 3:
        throw std::logic_error(msg);
    case 4:
        futures::throw_with_trace(std::domain_error(msg));
    default:
        throw 42;
    }
}
int print_and_return(std::string text) {
    std::cout << "stdout: " << text << std::endl;
    std::cerr << "stderr: " << text << std::endl;
    std::printf("printf: %s\n", text.c_str());  // buffered: must still not reach the pipe
    return static_cast<int>(text.size());
}
std::size_t big_arg(std::string s) { return s.size(); }
std::string echo_string(std::string s) { return s; }
std::vector<double> echo_doubles(std::vector<double> v) { return v; }
int hold_forever(std::string s) {
    for (;;) ::pause();
    return static_cast<int>(s.size());
}
int block_forever() {
    for (;;) ::pause();
}
namespace {
int global_value = 0;
}
void set_global(int v) { global_value = v; }
int get_global() { return global_value; }
int fail_if_negative(int x) {
    if (x < 0) throw std::out_of_range("negative: " + std::to_string(x));
    return x * 10;
}
int gated(std::string gate, int x) {
    if (!gate.empty() && !futures_test::wait_for_file(gate)) throw std::runtime_error("gate " + gate + " stayed shut");
    return fail_if_negative(x);
}

std::vector<std::string> list_fds() {
    std::vector<std::string> out;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) throw std::runtime_error("cannot list /proc/self/fd");
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.' || std::atoi(e->d_name) == ::dirfd(d)) continue;
        char target[PATH_MAX] = {};
        std::string link = std::string("/proc/self/fd/") + e->d_name;
        ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        out.push_back(std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, std::size_t(n)) : "?"));
    }
    ::closedir(d);
    return out;
}

}  // namespace ptest

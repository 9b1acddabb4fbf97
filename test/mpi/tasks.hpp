#pragma once
// Tasks of the MPI tests, the demo's MPI part and the MPI bench rows' tests alike:
// registered in every rank, since every rank runs the same executable.
#include <stdexcept>
#include <string>
#include <utility>

#include <csignal>
#include <unistd.h>

#include <futures/task.hpp>

#include "support/gate_file.hpp"

namespace mtest {
inline int square(int x) { return x * x; }
inline int add(int a, int b) { return a + b; }
inline int fail_negative(int x) {
    if (x < 0) throw std::invalid_argument("negative: " + std::to_string(x));
    return x;
}
inline std::string whoami(int) { return "pid " + std::to_string(::getpid()); }
// Dies with SIGKILL when asked (the hybrid layout's crash); else returns x.
inline int crash_if(int x, bool crash) {
    if (crash) ::raise(SIGKILL);
    return x;
}
// Blocks until the pool lets go of it is not possible on a rank: waits for `ms`.
inline int nap(int ms) {
    ::usleep(unsigned(ms) * 1000u);
    return ms;
}
inline std::string big(std::size_t n) { return std::string(n, 'x'); }
// Waits until the file `gate` exists (unless gate is empty), then as fail_negative:
// lets a test decide when this call may complete (map(unordered)'s order).
inline int gated(std::string gate, int x) {
    if (!gate.empty() && !futures_test::wait_for_file(gate)) throw std::runtime_error("gate " + gate + " stayed shut");
    return fail_negative(x);
}
}  // namespace mtest

FUTURES_TASK(m_square, mtest::square);
FUTURES_TASK(m_add, mtest::add);
FUTURES_TASK(m_fail_negative, mtest::fail_negative);
FUTURES_TASK(m_whoami, mtest::whoami);
FUTURES_TASK(m_crash_if, mtest::crash_if);
FUTURES_TASK(m_nap, mtest::nap);
FUTURES_TASK(m_big, mtest::big);
FUTURES_TASK(m_gated, mtest::gated);

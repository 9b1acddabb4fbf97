#pragma once
// Adaptive waiting: spin briefly before blocking, and learn how long is worth it.
//
// On an idle 2-vCPU VM a futex wake of a sleeping CPU costs 20-50 us (the
// hypervisor halts idle vCPUs; docs/boost-1.81.md, "Floor figures") while a
// handoff through a cache line costs ~1 us, so a waiter that is about to be
// served should not go to sleep. On a busy machine the opposite holds: wakes are fast (~2 us), and a
// spinner may be sitting on the CPU that the thread it waits for needs. So each
// call site keeps, per thread, a budget that doubles after a spin that succeeded
// and halves after one that failed (never below a short probe), and the caller
// blocks for real on its condition variable once the budget is spent.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace futures::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

inline constexpr std::int64_t spin_max_ns = 50'000;
inline constexpr std::int64_t spin_min_ns = 1'000;

/// True as soon as p() holds; false once this site's budget (at most `cap`) has
/// passed without it.
template <class Pred>
bool spin_until(Pred&& p, std::chrono::nanoseconds cap = std::chrono::nanoseconds(spin_max_ns)) {
    // One budget per thread and per Pred type, i.e. per call site.
    thread_local std::int64_t budget_ns = spin_max_ns;
    if (p()) return true;
    const auto budget = std::chrono::nanoseconds(std::min<std::int64_t>(budget_ns, cap.count()));
    const auto start = std::chrono::steady_clock::now();
    for (unsigned i = 1;; ++i) {
        cpu_relax();
        if (p()) {
            budget_ns = std::min(spin_max_ns, budget_ns * 2);
            return true;
        }
        if ((i & 31) == 0 && std::chrono::steady_clock::now() - start > budget) {
            budget_ns = std::max(spin_min_ns, budget_ns / 2);
            return p();
        }
    }
}

}  // namespace futures::detail

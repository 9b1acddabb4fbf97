// Readying fresh buffers for their first write (fresh_memory.hpp).
#include <futures/detail/process/protocol/fresh_memory.hpp>

#include <sys/mman.h>

#include <cstdint>

#ifndef MADV_POPULATE_WRITE  // Linux 5.14; older headers lack it, older kernels say EINVAL
#define MADV_POPULATE_WRITE 23
#endif

namespace futures::detail::process {

namespace {
constexpr std::uintptr_t page = 4096;
constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
}  // namespace

void prepare_fresh(void* p, std::size_t n) noexcept {
    if (n < fresh_memory_floor) return;
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    // Only whole 2 MiB blocks: the advice then never splits a mapping inside a
    // huge page, and neighbouring advised ranges merge again.
    const std::uintptr_t h0 = (at + huge - 1) & ~(huge - 1), h1 = (at + n) & ~(huge - 1);
    if (h1 > h0) (void)::madvise(reinterpret_cast<void*>(h0), h1 - h0, MADV_HUGEPAGE);
    populate_pages(p, n);
}

void populate_pages(void* p, std::size_t n) noexcept {
    // Pages already present cost a page-table walk only; absent ones are allocated
    // without a fault each.
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t p0 = (at + page - 1) & ~(page - 1), p1 = (at + n) & ~(page - 1);
    if (p1 > p0) (void)::madvise(reinterpret_cast<void*>(p0), p1 - p0, MADV_POPULATE_WRITE);
}

}  // namespace futures::detail::process

#pragma once
// Large value buffers are usually fresh memory, and on the VMs we measure on the
// first touch of each 4 KiB page is a fault costing 10 to 70 µs: filling a fresh
// 16 MiB buffer took 50 to 160 ms, against about 1 ms for the copy itself
// (docs/payloads.md, "Fresh pages"). prepare_fresh() is called on a buffer we
// allocated for a value, before its bytes are written: it asks for transparent huge
// pages on its whole 2 MiB blocks (one fault per 2 MiB) and populates the rest in
// one system call instead of one fault per page. It changes no malloc setting and
// writes nothing; on a kernel without these madvise flags it does nothing.
#include <cstddef>

namespace futures::detail::process {

/// Buffers smaller than this are left alone: they are usually reused warm memory.
inline constexpr std::size_t fresh_memory_floor = std::size_t(256) << 10;

/// Readies [p, p + n) for writing (see above). Never throws, never fails visibly.
void prepare_fresh(void* p, std::size_t n) noexcept;

/// Allocates the absent pages of the whole pages in [p, p + n) in one system call,
/// as writes would, without writing (for shared memory, which gets no huge pages).
void populate_pages(void* p, std::size_t n) noexcept;

}  // namespace futures::detail::process

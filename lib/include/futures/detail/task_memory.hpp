#pragma once
// Memory for the thread pool's tasks (pooled_call): size classes of 16 bytes up to
// 512, carved from 2 MiB slabs that the kernel may back with one huge page each,
// and recycled through per-thread free lists. Why: a burst of a million tasks in a
// fresh process otherwise touches ~140 MB of fresh 4 KiB pages, a fault per page
// (~10 us each on the VMs we target); a huge page is one fault per 2 MiB, and a
// recycled block none at all (docs/thread-pool-memory.md). Blocks are never given
// back to the system: the most tasks ever alive at once stay reserved.
#include <cstddef>

namespace futures::detail {

/// n bytes, aligned for any task (alignof(std::max_align_t)). Throws std::bad_alloc.
void* task_allocate(std::size_t n);

/// Returns p, from task_allocate(n) with the same n, on any thread.
void task_deallocate(void* p, std::size_t n) noexcept;

}  // namespace futures::detail

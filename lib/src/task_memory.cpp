// The thread pool's task memory (task_memory.hpp). A thread allocates from and
// frees into its own lists without a lock; lists travel between threads in
// batches, under one mutex, so a thread that frees what another allocated (the
// usual case: the caller submits, the last reference drops elsewhere) hands the
// blocks back a batch at a time.
#include <futures/detail/task_memory.hpp>

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace futures::detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool recycle = false;  // let ASan see every use after free
#else
constexpr bool recycle = true;
#endif

constexpr std::size_t granule = 16;
constexpr std::size_t largest = 512;
constexpr std::size_t classes = largest / granule;
constexpr std::size_t batch = 256;  // blocks per hand-over between a thread and the shared lists
constexpr std::size_t slab_bytes = std::size_t(2) << 20;
static_assert(granule % alignof(std::max_align_t) == 0);

struct block {
    block* next;
};

struct chain {
    block* head = nullptr;
    std::size_t count = 0;
};

// Never destroyed: threads may free into it during and after static destruction.
struct shared_lists {
    std::mutex m;
    std::vector<chain> chains[classes];
    char* bump = nullptr;
    char* bump_end = nullptr;

    // A fresh slab, 2 MiB-aligned so that the kernel can map it with one huge page.
    void new_slab() {
        void* p = ::mmap(nullptr, 2 * slab_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        const auto raw = reinterpret_cast<std::uintptr_t>(p);
        const auto start = (raw + slab_bytes - 1) & ~(std::uintptr_t(slab_bytes) - 1);
        if (start > raw) ::munmap(p, start - raw);
        if (start + slab_bytes < raw + 2 * slab_bytes)
            ::munmap(reinterpret_cast<void*>(start + slab_bytes), raw + 2 * slab_bytes - start - slab_bytes);
        bump = reinterpret_cast<char*>(start);
        bump_end = bump + slab_bytes;
        (void)::madvise(bump, slab_bytes, MADV_HUGEPAGE);  // a hint: without THP, plain pages
    }

    // Under m: a batch of blocks of class c, reused or carved from the slab.
    chain take(std::size_t c) {
        auto& v = chains[c];
        if (!v.empty()) {
            chain ch = v.back();
            v.pop_back();
            return ch;
        }
        const std::size_t size = (c + 1) * granule;
        if (static_cast<std::size_t>(bump_end - bump) < size * batch) new_slab();
        chain ch;
        for (std::size_t i = 0; i < batch; ++i, bump += size) {
            auto* b = reinterpret_cast<block*>(bump);
            b->next = ch.head;
            ch.head = b;
        }
        ch.count = batch;
        return ch;
    }
};

shared_lists& shared() {
    static auto* s = new shared_lists;
    return *s;
}

// This thread's lists. After its destructor ran (thread exit), frees go to the
// shared lists directly.
struct thread_cache {
    chain lists[classes];
    ~thread_cache() {
        alive = false;
        auto& s = shared();
        std::lock_guard lk(s.m);
        for (std::size_t c = 0; c < classes; ++c)
            if (lists[c].count) s.chains[c].push_back(lists[c]);
    }
    static thread_local bool alive;
};
thread_local bool thread_cache::alive = true;
thread_local thread_cache cache;

}  // namespace

void* task_allocate(std::size_t n) {
    if (!recycle || n == 0 || n > largest) return ::operator new(n);
    const std::size_t c = (n - 1) / granule;
    if (!thread_cache::alive) {  // a task submitted from a thread_local's destructor
        auto& s = shared();
        std::lock_guard lk(s.m);
        chain rest = s.take(c);
        block* b = rest.head;
        if (--rest.count) s.chains[c].push_back({b->next, rest.count});
        return b;
    }
    chain& l = cache.lists[c];
    if (!l.head) {
        auto& s = shared();
        std::lock_guard lk(s.m);
        l = s.take(c);
    }
    block* b = l.head;
    l.head = b->next;
    --l.count;
    return b;
}

void task_deallocate(void* p, std::size_t n) noexcept {
    if (!recycle || n == 0 || n > largest) return ::operator delete(p);
    const std::size_t c = (n - 1) / granule;
    auto* b = static_cast<block*>(p);
    if (!thread_cache::alive) {
        auto& s = shared();
        std::lock_guard lk(s.m);
        s.chains[c].push_back({b, 1});
        b->next = nullptr;
        return;
    }
    chain& l = cache.lists[c];
    b->next = l.head;
    l.head = b;
    if (++l.count < 2 * batch) return;
    // Keep one batch here, hand one to the threads that allocate.
    chain out{l.head, batch};
    block* last = l.head;
    for (std::size_t i = 1; i < batch; ++i) last = last->next;
    l.head = last->next;
    l.count -= batch;
    last->next = nullptr;
    auto& s = shared();
    std::lock_guard lk(s.m);
    s.chains[c].push_back(out);
}

}  // namespace futures::detail

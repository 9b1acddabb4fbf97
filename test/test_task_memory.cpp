// The thread pool's task memory (detail/task_memory.hpp): blocks alive at once never
// overlap, blocks freed on another thread or by a thread that has exited are handed
// out again, and a pool's tasks live in it.
#define BOOST_TEST_MODULE task_memory
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include <futures/detail/task_memory.hpp>
#include <futures/thread_pool_executor.hpp>

#include "support/deadline.hpp"

using futures::detail::task_allocate;
using futures::detail::task_deallocate;

namespace {

struct live_block {
    unsigned char* p;
    std::size_t n;
    unsigned char fill;
};

// Fills each block with its own byte, then checks none was overwritten by another.
bool all_intact(const std::vector<live_block>& bs) {
    for (const auto& b : bs)
        for (std::size_t i = 0; i < b.n; ++i)
            if (b.p[i] != b.fill) return false;
    return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(blocks_alive_at_once_are_distinct_aligned_and_whole) {
    std::vector<live_block> bs;
    for (std::size_t i = 0; i < 20'000; ++i) {
        const std::size_t n = 1 + (i * 37) % 700;  // every class, and sizes beyond the largest
        auto* p = static_cast<unsigned char*>(task_allocate(n));
        BOOST_REQUIRE(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t) == 0);
        bs.push_back({p, n, static_cast<unsigned char>(i)});
        std::memset(p, bs.back().fill, n);
    }
    BOOST_TEST(all_intact(bs));
    for (const auto& b : bs) task_deallocate(b.p, b.n);
}

BOOST_AUTO_TEST_CASE(blocks_freed_on_other_threads_and_after_their_exit_are_used_again) {
    constexpr std::size_t n = 136, count = 5'000;  // more than a thread keeps: batches move
    std::vector<void*> blocks(count);
    std::thread producer([&] {
        for (auto& p : blocks) p = task_allocate(n);
    });
    producer.join();  // the allocating thread is gone, its cached blocks handed back
    std::thread consumer([&] {
        for (void* p : blocks) task_deallocate(p, n);
    });
    consumer.join();  // so is the freeing one
    // Everything is back: allocating as many again gives distinct, usable blocks.
    std::vector<live_block> again;
    for (std::size_t i = 0; i < count; ++i) {
        auto* p = static_cast<unsigned char*>(task_allocate(n));
        again.push_back({p, n, static_cast<unsigned char>(i)});
        std::memset(p, again.back().fill, n);
    }
    BOOST_TEST(all_intact(again));
    std::set<void*> distinct;
    for (const auto& b : again) distinct.insert(b.p);
    BOOST_TEST(distinct.size() == count);
    for (const auto& b : again) task_deallocate(b.p, b.n);
}

BOOST_AUTO_TEST_CASE(a_pools_tasks_complete_across_many_bursts) {
    futures::thread_pool_executor ex(2);
    for (int burst = 0; burst < 20; ++burst) {
        std::vector<futures::future<int>> fs;
        for (int i = 0; i < 10'000; ++i) fs.push_back(ex.submit([i] { return i * 2; }));
        long long sum = 0;
        for (auto& f : fs) sum += f.result(std::chrono::seconds(30));
        BOOST_TEST(sum == 2LL * (10'000LL * 9'999 / 2));
    }
}

#pragma once
// An intrusive FIFO of work_items: Vyukov's MPSC queue, with a mutex on the
// consumer side so that several workers can pop. Pushing is wait-free and
// allocates nothing (the item is the node): boost::lockfree::queue allocates a
// node per push and keeps them all until it is destroyed, which after a burst of a
// million submits pins that memory and costs a malloc per task.
#include <atomic>
#include <mutex>

#include <futures/detail/pooled_call.hpp>

namespace futures::detail {

class intrusive_queue {
public:
    intrusive_queue() : head_(&stub_), tail_(&stub_) {}
    intrusive_queue(const intrusive_queue&) = delete;
    intrusive_queue& operator=(const intrusive_queue&) = delete;

    /// Any thread, wait-free.
    void push(work_item* w) noexcept {
        w->next_.store(nullptr, std::memory_order_relaxed);
        work_item* prev = tail_.exchange(w, std::memory_order_acq_rel);
        prev->next_.store(w, std::memory_order_release);
    }

    /// Any thread. nullptr when empty, or (for a few instructions) while a push is
    /// half done: callers that know an item is coming retry.
    work_item* pop() noexcept {
        std::lock_guard lk(pop_m_);
        work_item* head = head_;
        work_item* next = head->next_.load(std::memory_order_acquire);
        if (head == &stub_) {
            if (!next) return nullptr;
            head_ = head = next;
            next = next->next_.load(std::memory_order_acquire);
        }
        if (next) {
            head_ = next;
            return head;
        }
        if (head != tail_.load(std::memory_order_acquire)) return nullptr;  // push in progress
        push(&stub_);
        next = head->next_.load(std::memory_order_acquire);
        if (next) {
            head_ = next;
            return head;
        }
        return nullptr;
    }

private:
    struct stub_item final : work_item {
        void execute() noexcept override {}
        void publish() noexcept override {}
        state_base& state() noexcept override { __builtin_unreachable(); }
    };

    std::mutex pop_m_;
    work_item* head_;  // guarded by pop_m_
    stub_item stub_;
    alignas(64) std::atomic<work_item*> tail_;
};

}  // namespace futures::detail

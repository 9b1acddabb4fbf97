#pragma once
// A thread-pool call fused with its future's state (pooled_call): one allocation per
// submit. The executor's queue links work_items intrusively, so queueing allocates nothing.
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <futures/detail/shared_state.hpp>
#include <futures/detail/task_memory.hpp>

namespace futures::detail {

class work_item {
public:
    std::atomic<work_item*> next_{nullptr};  // intrusive_queue link

    /// Runs the call unless the future was cancelled, and keeps the outcome. Drops
    /// the callable and its arguments before returning (no stale references).
    virtual void execute() noexcept = 0;
    /// Completes the future with the kept outcome (runs the done-callbacks).
    virtual void publish() noexcept = 0;
    virtual state_base& state() noexcept = 0;

protected:
    ~work_item() = default;
};

/// Drops the reference an executor's queue held on w.
inline void release(work_item* w) noexcept { intrusive_ptr_release(&w->state()); }

template <class R, class Fn, class... Args>
class pooled_call final : public shared_state<R>, public work_item {
public:
    template <class F, class... A>
    explicit pooled_call(F&& f, A&&... a) : call_(std::in_place, std::forward<F>(f), std::forward<A>(a)...) {}

    // Recycled task memory (task_memory.hpp). The last reference deletes through
    // state_base's virtual destructor, which finds these by the dynamic type.
    static void* operator new(std::size_t n) { return task_allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept { task_deallocate(p, n); }

    void execute() noexcept override {
        try {
            if (!this->set_running_or_notify_cancel()) {
                call_.reset();
                return;
            }
        } catch (...) {
            call_.reset();  // finished by hand before it ran: nothing to do
            return;
        }
        ran_ = true;
        try {
            auto invoke = [](Fn& f, Args&... a) -> R { return std::invoke(std::move(f), std::move(a)...); };
            if constexpr (std::is_void_v<R>)
                std::apply(invoke, *call_);
            else
                out_.emplace(std::apply(invoke, *call_));
        } catch (...) {
            err_ = std::current_exception();
        }
        call_.reset();
    }

    void publish() noexcept override {
        if (!ran_) return;
        if (err_) {
            this->try_set_exception(std::move(err_));
        } else if constexpr (std::is_void_v<R>) {
            this->try_set_value();
        } else {
            this->try_set_value(std::move(*out_));
            out_.reset();
        }
    }

    state_base& state() noexcept override { return *this; }

private:
    std::optional<std::tuple<Fn, Args...>> call_;
    std::optional<std::conditional_t<std::is_void_v<R>, std::monostate, R>> out_;
    std::exception_ptr err_;
    bool ran_ = false;
};

}  // namespace futures::detail

#pragma once
// A process call's state when its pool lets running calls be cancelled
// (process_pool_options::cancel_running_calls): cancel() of a RUNNING call cancels
// the future at once (waiters and callbacks see it on the cancelling thread) and
// asks the pool to kill the worker that has the call. Other pools keep Python's
// rule: a running call cannot be cancelled.
#include <functional>
#include <memory>
#include <utility>

#include <futures/detail/shared_state.hpp>

namespace futures::detail::process {

/// The pool's side: kill the worker that has this state's call (any thread; holds
/// the pool weakly, so a future that outlives its pool calls it harmlessly).
using running_cancel_hook = std::function<void(const state_base*)>;

template <class R>
class cancellable_state final : public shared_state<R> {
public:
    explicit cancellable_state(std::shared_ptr<const running_cancel_hook> hook) : hook_(std::move(hook)) {}

private:
    bool cancel_running() override {
        if (!this->cancel_while_running()) return false;  // finished meanwhile
        (*hook_)(this);
        return true;
    }
    std::shared_ptr<const running_cancel_hook> hook_;
};

}  // namespace futures::detail::process

#include <futures/detail/parking.hpp>
#include <futures/detail/shared_state.hpp>
#include <futures/detail/spin.hpp>
#include <futures/detail/waiter.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>

#include <cstdio>
#include <sstream>

#include <futures/callback_errors.hpp>

namespace futures {

std::string_view to_string(future_state s) noexcept {
    switch (s) {
    case future_state::pending:
        return "PENDING";
    case future_state::running:
        return "RUNNING";
    case future_state::cancelled:
        return "CANCELLED";
    case future_state::cancelled_and_notified:
        return "CANCELLED_AND_NOTIFIED";
    case future_state::finished:
        return "FINISHED";
    }
    return "UNKNOWN";
}

}  // namespace futures

namespace futures::detail {

namespace {

std::string exception_type_name(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return boost::core::demangle(typeid(x).name());
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

bool state_base::cancel() {
    std::unique_lock lk(m_);
    auto s = future_state::pending;
    if (!st_.compare_exchange_strong(s, future_state::cancelled, std::memory_order_acq_rel)) {
        if (s == future_state::running) {
            lk.unlock();
            return cancel_running();
        }
        return s == future_state::cancelled || s == future_state::cancelled_and_notified;  // callbacks ran once
    }
    complete(lk, future_state::cancelled, false);
    return true;
}

bool state_base::cancel_while_running() {
    std::unique_lock lk(m_);
    auto s = future_state::running;
    // The executor already knows it runs: no set_running_or_notify_cancel() follows.
    if (!st_.compare_exchange_strong(s, future_state::cancelled_and_notified, std::memory_order_acq_rel))
        return s == future_state::cancelled || s == future_state::cancelled_and_notified;
    complete(lk, future_state::cancelled_and_notified, false);
    return true;
}

bool state_base::set_running_or_notify_cancel() {
    // Lock-free: both transitions are a single CAS, and the other writers of st_
    // (cancel, finish) only move it out of pending under m_ with a CAS too.
    auto s = future_state::pending;
    if (st_.compare_exchange_strong(s, future_state::running, std::memory_order_acq_rel)) return true;
    if (s == future_state::cancelled &&
        st_.compare_exchange_strong(s, future_state::cancelled_and_notified, std::memory_order_acq_rel))
        return false;  // waiters were already told at cancel(): see future_state.hpp
    throw std::runtime_error("Future in unexpected state: " + std::string(to_string(s)));
}

void state_base::set_exception(std::exception_ptr e) {
    if (!e) throw std::invalid_argument("set_exception() needs a non-null exception_ptr");
    finish_with([&] { exc_ = std::move(e); }, true);
}

bool state_base::try_set_exception(std::exception_ptr e) noexcept {
    return try_finish_with([&] { exc_ = std::move(e); }, true);
}

state_base::listeners& state_base::listeners_locked() {
    if (!listeners_) listeners_ = std::make_unique<listeners>();
    return *listeners_;
}

void state_base::complete(std::unique_lock<std::mutex>& lk, future_state to, bool failed) {
    st_.store(to, std::memory_order_seq_cst);  // seq_cst: pairs with the sleepers' count
    auto ls = std::move(listeners_);
    if (ls)
        for (waiter* w : ls->waiters) w->on_done(this, failed);
    lk.unlock();
    if (sleepers_.load(std::memory_order_seq_cst) != 0) {
        auto& b = parking_for(this);
        { std::lock_guard park(b.m); }  // a sleeper between its check and its wait holds b.m
        b.cv.notify_all();
    }
    if (ls) run_callbacks(std::move(ls));
}

// A callback may complete another future, whose callbacks may complete another...
// (a then() chain): run inline, a chain of a million continuations would need a
// million nested frames. So past a small nesting depth a completion's callbacks
// are queued on this thread instead, and the outermost completion runs them once
// its own callbacks have returned: same thread, same order along the chain, and
// constant stack whatever the chain's length.
void state_base::run_callbacks(std::unique_ptr<listeners> ls) {
    struct queued {
        boost::intrusive_ptr<state_base> state;
        std::unique_ptr<listeners> ls;
    };
    constexpr unsigned max_depth = 8;
    thread_local unsigned depth = 0;
    thread_local std::deque<queued> later;
    if (depth >= max_depth) {
        try {
            later.push_back({boost::intrusive_ptr<state_base>(this), std::move(ls)});
            return;
        } catch (...) {  // out of memory: run them here rather than not at all
        }
    }
    ++depth;
    invoke_callbacks(*ls);
    ls.reset();  // may drop the last reference to the next future of a chain
    if (depth == 1) {
        while (!later.empty()) {
            queued q = std::move(later.front());
            later.pop_front();
            q.state->invoke_callbacks(*q.ls);
        }
    }
    --depth;
}

void state_base::invoke_callbacks(listeners& ls) {
    // Registration order, outside the lock, on the completing thread (as Python).
    for (auto& cb : ls.callbacks) {
        try {
            cb(*this);
        } catch (...) {
            report_callback_error(std::current_exception(), repr());
        }
    }
}

void state_base::wait() const {
    if (spin_until([&] { return done(); })) return;
    auto& b = parking_for(this);
    std::unique_lock lk(b.m);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    b.cv.wait(lk, [&] { return st_.load(std::memory_order_seq_cst) >= future_state::cancelled; });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
}

bool state_base::wait_until(clock::time_point deadline) const {
    if (done()) return true;
    if (deadline > clock::now() &&
        spin_until([&] { return done(); },
                   std::min<clock::duration>(deadline - clock::now(), std::chrono::microseconds(50))))
        return true;
    auto& b = parking_for(this);
    std::unique_lock lk(b.m);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    bool ok =
        b.cv.wait_until(lk, deadline, [&] { return st_.load(std::memory_order_seq_cst) >= future_state::cancelled; });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return ok;
}

std::exception_ptr state_base::exception_when_done() const {
    if (cancelled()) throw cancelled_error();
    return exc_;
}

void state_base::rethrow_if_failed() const {
    if (cancelled()) throw cancelled_error();
    if (exc_) std::rethrow_exception(exc_);
}

void state_base::add_callback(state_callback cb) {
    {
        std::lock_guard lk(m_);
        if (!done()) {
            listeners_locked().callbacks.push_back(std::move(cb));
            return;
        }
    }
    // Already done: run now, on the caller's thread, errors reported like any other.
    try {
        cb(*this);
    } catch (...) {
        report_callback_error(std::current_exception(), repr());
    }
}

bool state_base::add_waiter(waiter* w) {
    std::lock_guard lk(m_);
    if (done()) return false;
    listeners_locked().waiters.push_back(w);
    return true;
}

void state_base::remove_waiter(waiter* w) {
    std::lock_guard lk(m_);
    if (listeners_) std::erase(listeners_->waiters, w);
}

std::string state_base::repr() const {
    std::ostringstream os;
    os << "<future at " << static_cast<const void*>(this) << " state=";
    switch (state()) {
    case future_state::pending:
        os << "pending";
        break;
    case future_state::running:
        os << "running";
        break;
    case future_state::cancelled:
    case future_state::cancelled_and_notified:
        os << "cancelled";
        break;
    case future_state::finished:
        if (exc_)
            os << "finished raised " << exception_type_name(exc_);
        else
            os << "finished returned " << result_type_name();
        break;
    }
    os << '>';
    return os.str();
}

void state_base::throw_invalid_state() const {
    throw invalid_state_error(std::string(to_string(state())) + ": " + repr());
}

parking_bucket& parking_for(const void* p) noexcept {
    struct alignas(64) padded : parking_bucket {};
    // Never destroyed: a worker thread that detached itself (shutdown from inside a
    // call) may still complete a future while exit() runs static destructors.
    static padded* const table = new padded[64];
    auto a = reinterpret_cast<std::uintptr_t>(p);
    return table[(a >> 6 ^ a >> 12) % 64];
}

}  // namespace futures::detail

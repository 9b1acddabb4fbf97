#include <futures/detail/watch.hpp>

#include <algorithm>
#include <limits>
#include <string>

namespace futures::detail {
namespace {

bool failed(const state_base* s) {
    // exc_ is published before the finished state, so reading it here is safe.
    return s->state() == future_state::finished && s->exception_when_done() != nullptr;
}

}  // namespace

std::vector<bool> wait_states(const std::vector<state_base*>& states, std::optional<clock::time_point> deadline,
                              return_when when) {
    std::vector<bool> done(states.size());
    std::size_t n_done = 0;
    bool any_failed = false;
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (states[i]->done()) {
            done[i] = true;
            ++n_done;
            any_failed = any_failed || failed(states[i]);
        }
    }
    if (n_done == states.size() || (when == return_when::first_completed && n_done > 0) ||
        (when == return_when::first_exception && any_failed))
        return done;

    auto mode = when == return_when::first_completed   ? waiter::mode::first_completed
                : when == return_when::first_exception ? waiter::mode::first_exception
                                                       : waiter::mode::all_completed;
    waiter w(mode, states.size() - n_done);
    for (std::size_t i = 0; i < states.size(); ++i) {
        // A state that finished since the scan above reports itself by hand.
        if (!done[i] && !states[i]->add_waiter(&w)) w.on_done(states[i], failed(states[i]));
    }
    {
        std::unique_lock lk(w.m_);
        if (deadline)
            w.cv_.wait_until(lk, *deadline, [&] { return w.triggered_; });
        else
            w.cv_.wait(lk, [&] { return w.triggered_; });
    }
    for (std::size_t i = 0; i < states.size(); ++i)
        if (!done[i]) states[i]->remove_waiter(&w);
    // After removal nothing else can arrive: collect everything that did.
    std::unordered_map<state_base*, std::size_t> index;
    for (std::size_t i = 0; i < states.size(); ++i) index.emplace(states[i], i);
    std::lock_guard lk(w.m_);
    for (state_base* s : w.finished_) done[index.at(s)] = true;
    return done;
}

completion_queue::completion_queue(std::vector<state_base*> states)
    : states_(std::move(states)), waiter_(waiter::mode::each, states_.size()) {
    for (std::size_t i = 0; i < states_.size(); ++i) {
        index_.emplace(states_[i], i);
        if (!states_[i]->add_waiter(&waiter_)) pre_done_.push_back(i);
    }
}

completion_queue::~completion_queue() {
    for (state_base* s : states_) s->remove_waiter(&waiter_);
}

std::optional<std::size_t> completion_queue::next(std::optional<clock::time_point> deadline) {
    if (pre_done_pos_ < pre_done_.size()) {
        ++yielded_;
        return pre_done_[pre_done_pos_++];
    }
    if (yielded_ == states_.size()) return std::nullopt;
    std::unique_lock lk(waiter_.m_);
    auto ready = [&] { return consumed_ < waiter_.finished_.size(); };
    if (deadline) {
        if (!waiter_.cv_.wait_until(lk, *deadline, ready)) {
            throw timeout_error(std::to_string(states_.size() - yielded_) + " (of " + std::to_string(states_.size()) +
                                ") futures unfinished");
        }
    } else {
        waiter_.cv_.wait(lk, ready);
    }
    ++yielded_;
    return index_.at(waiter_.finished_[consumed_++]);
}

// mode::each wakes on every completion and never reads the pending count.
completion_stream::completion_stream() : waiter_(waiter::mode::each, std::numeric_limits<std::size_t>::max()) {}

void completion_stream::add(state_base* s) {
    if (!s->add_waiter(&waiter_)) waiter_.on_done(s, false);
}

state_base* completion_stream::next(std::optional<clock::time_point> deadline) {
    std::unique_lock lk(waiter_.m_);
    auto ready = [&] { return consumed_ < waiter_.finished_.size(); };
    if (deadline) {
        if (!waiter_.cv_.wait_until(lk, *deadline, ready)) return nullptr;
    } else {
        waiter_.cv_.wait(lk, ready);
    }
    state_base* s = waiter_.finished_[consumed_++];
    if (consumed_ == waiter_.finished_.size()) {  // all read: start over, so it never grows
        waiter_.finished_.clear();
        consumed_ = 0;
    }
    return s;
}

void completion_stream::forget(state_base* s) noexcept {
    s->remove_waiter(&waiter_);  // after this, s cannot report itself any more
    std::lock_guard lk(waiter_.m_);
    auto& f = waiter_.finished_;
    f.erase(std::remove(f.begin() + static_cast<std::ptrdiff_t>(consumed_), f.end(), s), f.end());
}

}  // namespace futures::detail

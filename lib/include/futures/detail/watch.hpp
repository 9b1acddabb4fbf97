#pragma once
// Non-template cores of wait() and as_completed(), shared by every result type.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <futures/detail/shared_state.hpp>
#include <futures/detail/waiter.hpp>

namespace futures {
enum class return_when { first_completed, first_exception, all_completed };
}

namespace futures::detail {

/// Waits as wait() does over distinct states; returns a done flag per state.
std::vector<bool> wait_states(const std::vector<state_base*>& states, std::optional<clock::time_point> deadline,
                              return_when when);

/// Yields the indexes of distinct states in completion order; those already done at
/// construction come first, in input order. Not thread-safe: one consumer.
class completion_queue {
public:
    explicit completion_queue(std::vector<state_base*> states);
    ~completion_queue();
    completion_queue(const completion_queue&) = delete;
    completion_queue& operator=(const completion_queue&) = delete;

    /// The next index, or nullopt when all were yielded. Throws timeout_error
    /// "N (of M) futures unfinished" when the deadline passes first.
    std::optional<std::size_t> next(std::optional<clock::time_point> deadline);

private:
    std::vector<state_base*> states_;
    std::unordered_map<state_base*, std::size_t> index_;
    std::vector<std::size_t> pre_done_;
    std::size_t pre_done_pos_ = 0;
    std::size_t consumed_ = 0;  // of waiter_.finished_
    std::size_t yielded_ = 0;
    waiter waiter_;
};

/// As completion_queue, for a set that grows while it is read: map(unordered) adds
/// each chunk's state as it submits it. Hands out the states in the order they
/// completed (one added when already done counts as completing then). Memory stays
/// bounded by the states watched, however long the stream. One consumer; a state
/// must stay alive until it is handed out or forgotten.
class completion_stream {
public:
    completion_stream();
    completion_stream(const completion_stream&) = delete;
    completion_stream& operator=(const completion_stream&) = delete;
    /// Must not watch anything any more: forget() what was not handed out.
    ~completion_stream() = default;

    void add(state_base* s);
    /// The next completed state; null if the deadline passes first.
    state_base* next(std::optional<clock::time_point> deadline);
    /// Stops watching s, done or not; it will not be handed out.
    void forget(state_base* s) noexcept;

private:
    waiter waiter_;
    std::size_t consumed_ = 0;  // of waiter_.finished_
};

}  // namespace futures::detail

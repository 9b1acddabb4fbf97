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

}  // namespace futures::detail

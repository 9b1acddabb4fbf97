#pragma once
// futures::as_completed — Python's concurrent.futures.as_completed, as a range.
#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>

#include <futures/wait.hpp>

namespace futures {

/// The range returned by as_completed(). Single pass; movable, not copyable.
/// Iterating blocks until the next future is done; incrementing past the deadline
/// throws timeout_error("N (of M) futures unfinished"). Destroying it detaches
/// from every future it still watches.
template <class F>
class as_completed_range {
public:
    class iterator {
    public:
        using value_type = F;
        using difference_type = std::ptrdiff_t;
        using reference = F&;
        iterator() = default;
        F& operator*() const { return r_->current(); }
        F* operator->() const { return &r_->current(); }
        iterator& operator++() {
            r_->advance();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

    private:
        friend class as_completed_range;
        explicit iterator(as_completed_range* r) : r_(r) {}
        bool at_end() const { return r_->at_end(); }
        as_completed_range* r_ = nullptr;
    };

    as_completed_range(std::vector<F> fs, std::vector<detail::state_base*> states,
                       std::optional<detail::clock::time_point> deadline)
        : fs_(std::move(fs)),
          queue_(std::make_unique<detail::completion_queue>(std::move(states))),
          deadline_(deadline) {}

    /// Waits for the first completed future.
    iterator begin() {
        if (!started_) {
            started_ = true;
            advance();
        }
        return iterator(this);
    }
    std::default_sentinel_t end() const noexcept { return {}; }
    /// How many distinct futures are watched.
    std::size_t size() const noexcept { return fs_.size(); }

private:
    void advance() { current_ = queue_->next(deadline_); }
    bool at_end() const noexcept { return !current_; }
    F& current() { return fs_[*current_]; }

    std::vector<F> fs_;
    std::unique_ptr<detail::completion_queue> queue_;
    std::optional<detail::clock::time_point> deadline_;
    std::optional<std::size_t> current_;
    bool started_ = false;
};

/// Yields the distinct futures of fs as they complete: those already done first (in
/// input order), then in completion order. Without a timeout it waits as long as it
/// takes.
template <future_range R>
auto as_completed(R&& fs) {
    using F = detail::future_handle_t<R>;
    std::vector<detail::state_base*> states;
    auto handles = detail::distinct_futures<F>(std::forward<R>(fs), states);
    return as_completed_range<F>(std::move(handles), std::move(states), std::nullopt);
}

/// As as_completed(fs), with a deadline that starts when as_completed() is called
/// — as Python's documentation says (CPython itself starts it at the first next()).
/// Futures that are already done are yielded even after the deadline.
template <future_range R, class Rep, class Period>
auto as_completed(R&& fs, std::chrono::duration<Rep, Period> timeout) {
    using F = detail::future_handle_t<R>;
    auto deadline = detail::deadline_after(timeout);
    std::vector<detail::state_base*> states;
    auto handles = detail::distinct_futures<F>(std::forward<R>(fs), states);
    return as_completed_range<F>(std::move(handles), std::move(states), deadline);
}

inline as_completed_range<any_future> as_completed(std::initializer_list<any_future> fs) {
    return as_completed<std::initializer_list<any_future>>(std::move(fs));
}

}  // namespace futures

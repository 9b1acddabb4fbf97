#pragma once
// The lazy result of executor.map(): a single-pass range in input order (or, with
// map_options::unordered, chunk by chunk in completion order), shared by every
// executor. Semantics are those of CPython's main branch (gh-108518), not 3.14's:
// an element whose call threw (or whose chunk could not run: a broken pool, a
// cancelled chunk) is a position like any other, whose dereference rethrows that
// exception, and the iteration goes on with the next results. The timeout throws
// from begin()/++, ends the iteration and cancels what has not started; destroying
// the range cancels what has not started.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <futures/detail/watch.hpp>
#include <futures/future.hpp>
#include <futures/map_options.hpp>

namespace futures {

namespace detail {

template <class R>
using stored_t = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
/// One element's outcome: its value, or what its call threw.
template <class R>
using outcome = std::variant<stored_t<R>, std::exception_ptr>;

/// The outcomes of one chunk, in element order. Compact when the value type can be
/// default-constructed: the values side by side (a memcpy away from a worker's
/// raw bytes) and the rare exceptions beside them, a failed element's value slot
/// left default. Otherwise one variant per element.
template <class R>
class chunk_result {
public:
    using value_type = stored_t<R>;
    static constexpr bool compact = std::is_default_constructible_v<value_type>;

    chunk_result() = default;
    /// n default values to fill in place (compact only).
    explicit chunk_result(std::size_t n) requires compact : values_(n) {}

    std::size_t size() const noexcept { return compact ? values_.size() : items_.size(); }
    void reserve(std::size_t n) {
        if constexpr (compact)
            values_.reserve(n);
        else
            items_.reserve(n);
    }
    bool empty() const noexcept { return size() == 0; }

    // Filling in order (any R).
    void push_value(value_type&& v) {
        if constexpr (compact)
            values_.push_back(std::move(v));
        else
            items_.emplace_back(std::in_place_index<0>, std::move(v));
    }
    void push_error(std::exception_ptr e) {
        if constexpr (compact) {
            errors_.emplace_back(values_.size(), std::move(e));
            values_.emplace_back();
        } else {
            items_.emplace_back(std::in_place_index<1>, std::move(e));
        }
    }
    // Filling by position (compact only): the values in place, errors in any order
    // (sorted by seal()).
    value_type* values() noexcept requires compact { return values_.data(); }
    void set_error(std::size_t i, std::exception_ptr e) requires compact { errors_.emplace_back(i, std::move(e)); }
    void seal() requires compact {
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    /// Reading in order: element i's exception, or null. Calls must go up through i.
    std::exception_ptr error_at(std::size_t i) {
        if constexpr (compact) {
            while (next_error_ < errors_.size() && errors_[next_error_].first < i) ++next_error_;
            if (next_error_ < errors_.size() && errors_[next_error_].first == i) return errors_[next_error_].second;
            return nullptr;
        } else {
            auto* e = std::get_if<1>(&items_[i]);
            return e ? *e : nullptr;
        }
    }
    value_type take(std::size_t i) {  // by value: vector<bool> hands out proxies
        if constexpr (compact)
            return std::move(values_[i]);
        else
            return std::move(std::get<0>(items_[i]));
    }

private:
    std::vector<value_type> values_;
    std::vector<std::pair<std::size_t, std::exception_ptr>> errors_;
    std::size_t next_error_ = 0;
    std::vector<outcome<R>> items_;
};

template <class R>
using chunk_future = future<chunk_result<R>>;

/// A submitted chunk and how many elements it holds (each of them fails if the
/// chunk's call as a whole does).
template <class R>
struct pending_chunk {
    chunk_future<R> future;
    std::size_t size = 0;
};

/// The chunks submitted and not yet read, handed out in input order, or (unordered)
/// in the order they complete. Destroying it cancels what has not started.
template <class R>
class pending_chunks {
public:
    explicit pending_chunks(bool unordered) {
        if (unordered) stream_ = std::make_unique<completion_stream>();
    }
    pending_chunks(pending_chunks&&) noexcept = default;
    pending_chunks& operator=(pending_chunks&&) = delete;
    ~pending_chunks() { cancel_all(); }

    bool empty() const noexcept { return stream_ ? by_state_.empty() : fifo_.empty(); }

    void push(pending_chunk<R> c) {
        if (!stream_) {
            fifo_.push_back(std::move(c));
            return;
        }
        state_base* s = c.future.native_state();
        by_state_.emplace(s, std::move(c));
        stream_->add(s);
    }

    /// The next chunk, done; nullopt if the deadline passes first (the chunk stays).
    std::optional<pending_chunk<R>> next(std::optional<clock::time_point> deadline) {
        if (!stream_) {
            if (deadline && !fifo_.front().future.native_state()->wait_until(*deadline)) return std::nullopt;
            auto c = std::move(fifo_.front());
            fifo_.pop_front();
            return c;
        }
        state_base* s = stream_->next(deadline);
        if (!s) return std::nullopt;
        auto node = by_state_.extract(s);
        return std::move(node.mapped());
    }

    void cancel_all() noexcept {
        for (auto& c : fifo_) cancel(c);
        fifo_.clear();
        if (!stream_) return;  // ordered, or moved from
        for (auto& [s, c] : by_state_) {
            cancel(c);
            stream_->forget(s);  // a chunk that was running may complete later
        }
        by_state_.clear();
    }

private:
    static void cancel(pending_chunk<R>& c) noexcept {
        try {
            c.future.cancel();
        } catch (...) {
        }
    }

    std::deque<pending_chunk<R>> fifo_;          // in input order
    std::unique_ptr<completion_stream> stream_;  // unordered only; on the heap, as this moves
    std::unordered_map<state_base*, pending_chunk<R>> by_state_;
};

/// Reads the next chunk of inputs and submits it; nullopt when the input is
/// exhausted or the executor is gone.
template <class R>
class chunk_source {
public:
    virtual ~chunk_source() = default;
    virtual std::optional<pending_chunk<R>> submit_next() = 0;
};

inline void validate(const map_options& o) {
    if (o.chunksize && *o.chunksize < 1) throw std::invalid_argument("chunksize must be >= 1.");
    if (o.buffersize && *o.buffersize < 1) throw std::invalid_argument("buffersize must be None or > 0");
}

}  // namespace detail

template <class R>
class map_result {
public:
    using value_type = detail::stored_t<R>;

    class iterator {
    public:
        using value_type = map_result::value_type;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        /// The element's value; rethrows what its call threw (the iteration goes on
        /// with ++), every time it is dereferenced.
        value_type& operator*() const {
            if (r_->error_) std::rethrow_exception(r_->error_);
            return *r_->current_;
        }
        value_type* operator->() const { return &**this; }
        iterator& operator++() {
            r_->advance();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

    private:
        friend class map_result;
        explicit iterator(map_result* r) : r_(r) {}
        bool at_end() const { return !r_->current_ && !r_->error_; }
        map_result* r_ = nullptr;
    };

    map_result(std::unique_ptr<detail::chunk_source<R>> src, const map_options& o)
        : src_(std::move(src)), buffered_(o.buffersize.has_value()), pending_(o.unordered) {
        if (o.timeout) deadline_ = detail::deadline_after(*o.timeout);
        // Submit now, as Python does: everything, or the first buffersize chunks.
        const std::size_t ahead = o.buffersize.value_or(std::numeric_limits<std::size_t>::max());
        for (std::size_t n = 0; n < ahead; ++n) {
            auto f = src_->submit_next();
            if (!f) break;
            pending_.push(std::move(*f));
        }
    }
    map_result(map_result&&) noexcept = default;
    map_result& operator=(map_result&&) = delete;
    ~map_result() { cancel_rest(); }

    /// Waits for the first result (may throw timeout_error; a failed element throws
    /// when dereferenced).
    iterator begin() {
        if (!started_) {
            started_ = true;
            advance();
        }
        return iterator(this);
    }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    void advance() {
        current_.reset();
        error_ = nullptr;
        for (;;) {
            if (pos_ < chunk_size_) {
                const std::size_t i = pos_++;
                if (chunk_error_)
                    error_ = chunk_error_;
                else if (auto e = chunk_.error_at(i))
                    error_ = std::move(e);
                else
                    current_.emplace(chunk_.take(i));
                return;
            }
            // Python refills first, then waits for the oldest chunk.
            if (buffered_ && src_) {
                if (auto f = src_->submit_next())
                    pending_.push(std::move(*f));
                else
                    src_.reset();
            }
            if (pending_.empty()) return;  // exhausted
            auto next = pending_.next(deadline_);
            if (!next) {
                cancel_rest();
                throw timeout_error("map() results not ready before the timeout");
            }
            auto& [f, size] = *next;
            chunk_error_ = nullptr;
            try {
                // Moved out, not copied: a chunk future never leaves this range.
                auto& st = static_cast<detail::shared_state<detail::chunk_result<R>>&>(*f.native_state());
                st.wait();
                chunk_ = st.take();
                chunk_size_ = chunk_.size();
            } catch (...) {
                // The call itself failed (e.g. a broken pool): each of its elements does.
                chunk_ = {};
                chunk_error_ = std::current_exception();
                chunk_size_ = size;
            }
            pos_ = 0;
        }
    }

    void cancel_rest() noexcept {
        pending_.cancel_all();
        chunk_ = {};
        chunk_error_ = nullptr;
        chunk_size_ = 0;
        pos_ = 0;
        src_.reset();
    }

    std::unique_ptr<detail::chunk_source<R>> src_;
    bool buffered_;
    std::optional<detail::clock::time_point> deadline_;
    detail::pending_chunks<R> pending_;
    detail::chunk_result<R> chunk_;
    std::exception_ptr chunk_error_;  // the current chunk's call failed as a whole
    std::size_t chunk_size_ = 0;
    std::size_t pos_ = 0;
    std::optional<value_type> current_;
    std::exception_ptr error_;  // the current element failed
    bool started_ = false;
};

}  // namespace futures

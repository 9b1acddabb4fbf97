#pragma once
// The cold-path rules both pools admit calls by: option checks (a value that cannot
// work throws std::invalid_argument naming the option at construction, instead of
// failing every call later), the refusals, the
// default worker count, and how a completion executor's work is tracked. Each pool
// keeps its own hot path (the thread pool's lock-free queue, the process pool's
// I/O thread); only what must read and behave the same lives here.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <futures/detail/context_work.hpp>

namespace futures {
struct thread_pool_options;
struct process_pool_options;
}  // namespace futures

namespace futures::detail {

/// Upper bound of max_workers for both pools.
inline constexpr std::size_t max_workers_limit = std::size_t(1) << 16;
/// Bounds of process_pool_options::max_frame_bytes: a frame must hold at least a
/// call's task name and signature, or a failure's text; the frame header holds
/// the length in 32 bits.
inline constexpr std::size_t min_frame_bytes = 4096;
inline constexpr std::size_t max_frame_bytes_limit = UINT32_MAX;

/// Throw std::invalid_argument, naming the option, for any option that cannot work.
void check_options(const thread_pool_options& o);
void check_options(const process_pool_options& o);

/// What submit() throws, and a refused async_submit() delivers, after shutdown().
inline constexpr const char* shutdown_refusal = "cannot schedule new futures after shutdown";

/// The cores this process may run on (its affinity mask), at least 1.
std::size_t usable_cores();

/// The max_workers option: `n`, or `when_unset` if n is unset; 0 throws
/// std::invalid_argument.
std::size_t checked_max_workers(const std::optional<std::size_t>& n, std::size_t when_unset);

/// An optional count that must be >= 1 when set (max_tasks_per_child); 0 throws
/// std::invalid_argument naming the option.
std::optional<std::size_t> checked_at_least_one(std::optional<std::size_t> n, const char* option);

/// Throws the refusal of a new call: Broken(why) when the pool is broken, else
/// std::runtime_error(shutdown_refusal).
template <class Broken>
[[noreturn]] void throw_refusal(bool broken, const std::string& why) {
    if (broken) throw Broken(why);
    throw std::runtime_error(shutdown_refusal);
}

/// ex, counting outstanding work while this copy lives: its context's run() does
/// not return while a call whose completion is meant for it is pending.
boost::asio::any_io_executor tracked_work(const boost::asio::any_io_executor& ex);

/// Posts f to ex, holding ex's io_context's work across post() (context_work.hpp
/// says why).
template <class F>
void post_completion(const boost::asio::any_io_executor& ex, F&& f) {
    auto keep = context_work(ex);
    boost::asio::post(ex, std::forward<F>(f));
}
/// As above, and releases ex (a tracked_work() copy, say) before that hold: an
/// executor copy must go before the count that keeps its context alive.
template <class F>
void post_completion(boost::asio::any_io_executor&& ex, F&& f) {
    auto keep = context_work(ex);
    const auto mine = std::move(ex);
    boost::asio::post(mine, std::forward<F>(f));
}

}  // namespace futures::detail

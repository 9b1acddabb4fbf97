#pragma once
// Construction-time validation of the pools' options: a value that cannot work
// (a frame cap too small to hold any call, more workers than any machine runs)
// throws std::invalid_argument naming the option, instead of failing every call
// later or throwing something unrelated from deep inside the constructor.
#include <cstddef>
#include <cstdint>

namespace futures {

struct thread_pool_options;
struct process_pool_options;

namespace detail {

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

}  // namespace detail
}  // namespace futures

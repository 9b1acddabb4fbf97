#pragma once
// Sizes both ends of the protocol agree on, in one place.
#include <cstddef>

namespace futures::detail::process {

/// Default cap on one frame's payload (process_pool_options::max_frame_bytes).
/// Generous on purpose: a header that claims more than arrives costs no memory (the
/// reader grows with the bytes) and no wedge (frame_timeout); docs/design.md, "The cap".
constexpr std::size_t default_max_frame = std::size_t(1) << 30;

/// A buffer that carries frames keeps its memory for the next frame (fresh pages
/// cost a page fault each, expensive on VMs), unless it grew past this: then it is
/// given back once used, so one huge frame does not pin its size for good.
constexpr std::size_t kept_buffer_limit = std::size_t(64) << 20;

/// Default process_pool_options::shm_threshold_bytes: from this frame size on,
/// shared memory beat the pipe on our VMs (docs/payloads.md, "The threshold").
constexpr std::size_t default_shm_threshold = std::size_t(2) << 20;

}  // namespace futures::detail::process

#pragma once
// A worker's answer to one call frame as whole frames under the cap, whatever
// carries them (the pipe worker, an MPI serving rank). Beside the protocol, not in
// it: it needs the registry (add_failure), which the fuzz build leaves out.
#include <cstddef>
#include <functional>
#include <string>

#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

/// Encodes results as one frame (header + payload) into a reused buffer and calls
/// emit with it. A frame over max_frame goes out one batch per frame instead; a
/// batch that alone is too large has each of its results replaced by a failure
/// (the calls did run, their values are lost). The parent accepts the answer to a
/// call frame in several result frames, in order.
void emit_result_frames(result_frame&& results, std::size_t max_frame, const std::function<void(std::string&)>& emit);

}  // namespace futures::detail::process

#pragma once
#include <chrono>
#include <cstddef>
#include <optional>

namespace futures {

/// Python's map() keywords. Validated when map() is called, before anything is
/// submitted: chunksize 0 or buffersize 0 throw std::invalid_argument.
struct map_options {
    /// Deadline for the whole iteration, counted from the map() call; when it
    /// passes, the waiting ++/begin() throws timeout_error and the rest is cancelled.
    std::optional<std::chrono::duration<double>> timeout{};
    /// Inputs per submitted call. Unset: 1 for threads, chosen automatically for
    /// processes. An exception fails its own element only.
    std::optional<std::size_t> chunksize{};
    /// Unset: every input is read and submitted when map() is called (Python's
    /// default). N: only N chunks are submitted ahead of the consumer, so infinite
    /// ranges work and memory stays bounded (Python 3.14's buffersize).
    std::optional<std::size_t> buffersize{};
};

}  // namespace futures

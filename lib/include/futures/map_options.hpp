#pragma once
#include <chrono>
#include <cstddef>
#include <optional>

namespace futures {

/// Python's map() keywords, and mpi4py's unordered. Validated when map() is called, before anything is
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
    /// mpi4py's unordered=True: results come as their chunks complete instead of in
    /// input order. A chunk's results still come together, in input order within
    /// it, so chunksize 1 gives pure completion order. Everything else is as
    /// ordered: each input yields exactly one position (a value, or the error its
    /// call threw, raised when the iteration reaches it), timeout, buffersize
    /// (chunks submitted ahead of the consumer; the next one is submitted when a
    /// completed chunk starts to be read), cancellation on destruction. Which chunk
    /// completes first is the executor's business: the order can differ from run to run.
    bool unordered = false;
};

}  // namespace futures

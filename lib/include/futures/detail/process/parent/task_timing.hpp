#pragma once
// How long one call of each task takes, as the workers report it (result_batch::
// elapsed_ns). The scheduler gathers several short calls into one frame, and sends
// a busy worker its next frame early, only for tasks it knows to be short: a task
// it has never seen finish is treated as long, so a call that blocks or crashes is
// never batched with others before it has once completed. I/O thread only.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace futures::detail::process {

class task_timing {
public:
    /// Nanoseconds per call, or 0 when the task never completed a batch.
    std::uint64_t per_call_ns(const std::string& task) const {
        auto it = ns_.find(task);
        return it == ns_.end() ? 0 : static_cast<std::uint64_t>(it->second);
    }

    /// One batch of `calls` calls of `task` took elapsed_ns in the worker. A slower
    /// report raises the estimate at once, a faster one lowers it gradually: a task
    /// whose calls vary is judged by its slow ones.
    void learn(const std::string& task, std::uint64_t elapsed_ns, std::uint32_t calls) {
        if (calls == 0) return;
        const double x = static_cast<double>(elapsed_ns) / calls + 1;  // + 1: known, never 0
        auto [it, fresh] = ns_.try_emplace(task, x);
        if (!fresh) it->second = x > it->second ? x : 0.75 * it->second + 0.25 * x;
    }

private:
    std::unordered_map<std::string, double> ns_;
};

}  // namespace futures::detail::process

#include <futures/detail/admission_rules.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

#include <sched.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

namespace futures::detail {

std::size_t usable_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

std::size_t checked_max_workers(const std::optional<std::size_t>& n, std::size_t when_unset) {
    if (!n) return when_unset;
    if (*n == 0) throw std::invalid_argument("max_workers must be greater than 0");
    return *n;
}

std::optional<std::size_t> checked_at_least_one(std::optional<std::size_t> n, const char* option) {
    if (n && *n == 0) throw std::invalid_argument(std::string(option) + " must be >= 1");
    return n;
}

boost::asio::any_io_executor tracked_work(const boost::asio::any_io_executor& ex) {
    return boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked);
}

namespace {

void check_max_workers(const std::optional<std::size_t>& n) {
    if (!n) return;
    checked_max_workers(n, 1);  // 0
    if (*n > max_workers_limit)
        throw std::invalid_argument("max_workers must be at most " + std::to_string(max_workers_limit) + ", not " +
                                    std::to_string(*n));
}

// Both pools count queued calls in a signed integer.
void check_max_pending(std::size_t n) {
    if (n > std::size_t(PTRDIFF_MAX))
        throw std::invalid_argument("max_pending must be at most " + std::to_string(PTRDIFF_MAX) +
                                    " (0 means unbounded), not " + std::to_string(n));
}

void check_completion_executor(const std::optional<boost::asio::any_io_executor>& ex) {
    if (ex && !*ex) throw std::invalid_argument("completion_executor is set but holds no executor");
}

// Below this a worker cannot even map its executable and libraries.
constexpr std::size_t min_worker_address_space = std::size_t(64) << 20;

}  // namespace

void check_options(const thread_pool_options& o) {
    check_max_workers(o.max_workers);
    check_max_pending(o.max_pending);
    check_completion_executor(o.completion_executor);
}

void check_options(const process_pool_options& o) {
    check_max_workers(o.max_workers);
    check_max_pending(o.max_pending);
    check_completion_executor(o.completion_executor);
    checked_at_least_one(o.max_tasks_per_child, "max_tasks_per_child");
    if (o.max_frame_bytes < min_frame_bytes || o.max_frame_bytes > max_frame_bytes_limit)
        throw std::invalid_argument("max_frame_bytes must be between " + std::to_string(min_frame_bytes) + " and " +
                                    std::to_string(max_frame_bytes_limit) + ", not " +
                                    std::to_string(o.max_frame_bytes));
    if (o.frame_timeout < std::chrono::milliseconds(1))
        throw std::invalid_argument("frame_timeout must be at least 1 ms");
    if (o.handshake_timeout < std::chrono::milliseconds(1))
        throw std::invalid_argument("handshake_timeout must be at least 1 ms");
    if (o.initializer && o.initializer->task.empty())
        throw std::invalid_argument("initializer names no task (build it with make_call)");
    if (o.terminate_grace.count() < 0) throw std::invalid_argument("terminate_grace must not be negative");
    if (o.restart_window.count() <= 0) throw std::invalid_argument("restart_window must be positive");
    if (o.max_worker_rss_bytes && *o.max_worker_rss_bytes == 0)
        throw std::invalid_argument("max_worker_rss_bytes must be at least 1 (unset: no limit)");
    if (o.worker_address_space_bytes && *o.worker_address_space_bytes < min_worker_address_space)
        throw std::invalid_argument("worker_address_space_bytes must be at least 64 MiB: no worker starts below that");
}

}  // namespace futures::detail

#include <futures/detail/admission_rules.hpp>

#include <sched.h>

#include <algorithm>
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

}  // namespace futures::detail

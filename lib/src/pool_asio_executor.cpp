#include <futures/detail/pool_asio_executor.hpp>

namespace futures::detail {

void report_escaped(std::exception_ptr e) noexcept {
    try {
        log_line(log_level::error,
                 "futures: exception escaped a function run by thread_pool_executor::get_executor(): " +
                     describe_exception(e));
    } catch (...) {  // no memory for the line: nothing left to report with
    }
}

}  // namespace futures::detail

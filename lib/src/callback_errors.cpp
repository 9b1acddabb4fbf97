#include <futures/callback_errors.hpp>
#include <futures/log.hpp>

#include <mutex>
#include <string>

namespace futures {
namespace {

std::mutex handler_mutex;
callback_error_handler handler;  // empty: default

void default_report(std::exception_ptr e, std::string_view repr) {
    detail::log_line(log_level::error, "futures: exception calling callback for " + std::string(repr) + ": " +
                                           detail::describe_exception(e));
}

}  // namespace

callback_error_handler set_callback_error_handler(callback_error_handler h) {
    std::lock_guard lk(handler_mutex);
    std::swap(handler, h);
    return h;
}

namespace detail {

void report_callback_error(std::exception_ptr e, const std::string& future_repr) noexcept {
    try {
        callback_error_handler h;
        {
            std::lock_guard lk(handler_mutex);
            h = handler;
        }
        if (h)
            h(e, future_repr);
        else
            default_report(e, future_repr);
    } catch (...) {
        // A handler that throws has nowhere left to report to.
    }
}

}  // namespace detail
}  // namespace futures

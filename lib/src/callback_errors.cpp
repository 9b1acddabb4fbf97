#include <futures/callback_errors.hpp>

#include <cstdio>
#include <mutex>

#include <boost/core/demangle.hpp>

namespace futures {
namespace {

std::mutex handler_mutex;
callback_error_handler handler;  // empty: default

void default_report(std::exception_ptr e, std::string_view repr) {
    std::string what;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        what = boost::core::demangle(typeid(x).name()) + ": " + x.what();
    } catch (...) {
        what = "unknown exception";
    }
    // One fprintf keeps the line whole when several threads report at once.
    std::fprintf(stderr, "futures: exception calling callback for %.*s: %s\n", static_cast<int>(repr.size()),
                 repr.data(), what.c_str());
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

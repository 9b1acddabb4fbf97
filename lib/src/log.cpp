#include <futures/log.hpp>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include <boost/core/demangle.hpp>

namespace futures {
namespace {

// A shared_ptr so that a line being written keeps its handler alive while
// another thread replaces it, without holding the mutex during the call.
std::mutex handler_mutex;
std::shared_ptr<const log_handler> handler;  // null: stderr

}  // namespace

log_handler set_log_handler(log_handler h) {
    auto next = h ? std::make_shared<const log_handler>(std::move(h)) : nullptr;
    std::lock_guard lk(handler_mutex);
    std::swap(handler, next);
    return next ? *next : log_handler{};
}

namespace detail {

std::string describe_exception(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return boost::core::demangle(typeid(x).name()) + ": " + x.what();
    } catch (...) {
        return "unknown exception";
    }
}

void log_line(log_level level, std::string_view line) noexcept {
    try {
        std::shared_ptr<const log_handler> h;
        {
            std::lock_guard lk(handler_mutex);
            h = handler;
        }
        if (h) {
            (*h)(level, line);
            return;
        }
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    } catch (...) {
        // A handler that throws has nowhere left to report to.
    }
}

}  // namespace detail
}  // namespace futures

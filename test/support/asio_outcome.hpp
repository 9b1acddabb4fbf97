#pragma once
// Helpers for the Asio tests (test_asio, test_process_asio): what one asynchronous
// operation delivered, recorded by its handler on the io_context thread for the
// main thread to assert on, and checks on delivered exception_ptrs.
#include <exception>
#include <thread>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

namespace futures_test {

/// Whether e holds an E (or a type derived from it).
template <class E>
bool is(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

/// Whether e is Asio's operation_aborted, what a cancelled wait delivers.
inline bool is_aborted(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
        return x.code() == boost::asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

/// Outcome of one void(std::exception_ptr, int) operation: how often its handler
/// ran, with what, and on which thread.
struct outcome {
    int calls = 0;
    std::exception_ptr e;
    int value = -1;
    std::thread::id thread;
    auto handler() {
        return [this](std::exception_ptr x, int v) {
            ++calls;
            e = x;
            value = v;
            thread = std::this_thread::get_id();
        };
    }
};

}  // namespace futures_test

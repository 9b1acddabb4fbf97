#pragma once
#include <cstdint>
#include <string_view>

namespace futures {

/// The five states of Python's Future. `cancelled` means cancel() succeeded but the
/// executor has not yet called set_running_or_notify_cancel(); `cancelled_and_notified`
/// means it has. Unlike CPython (cpython#109934), wait() and as_completed() treat both
/// cancelled states as done, so futures cancelled by shutdown(cancel_futures=true) never
/// hang a waiter.
enum class future_state : std::uint8_t {
    pending,
    running,
    cancelled,
    cancelled_and_notified,
    finished,
};

/// "PENDING", "RUNNING", "CANCELLED", "CANCELLED_AND_NOTIFIED" or "FINISHED".
std::string_view to_string(future_state s) noexcept;

}  // namespace futures

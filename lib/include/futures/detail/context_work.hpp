#pragma once
// Why a thread that posts to a user's io_context holds that context's work until
// post() has returned.
//
// Asio's scheduler wakes a waiting run() by unlocking its mutex and only then
// signalling its condition variable (posix_event::maybe_unlock_and_signal_one).
// So the posted handler may run, run() return and the owner destroy the
// io_context while the posting thread is still inside pthread_cond_signal on it
// (ThreadSanitizer reports it; it is a use after free). A work count held across
// post() keeps run() from returning until then. Executor copies (a strand's impl
// above all) must be released before that count, for the same reason.
#include <cstdint>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace futures::detail {

using context_work_guard = std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>;

/// Outstanding work on ex's io_context, for an io_context executor, a strand of
/// one, or an any_io_executor holding either; nothing for other executors (the
/// system executor or a thread_pool).
context_work_guard context_work(const boost::asio::any_io_executor& ex);  // below; strands of it recurse

template <class Ex>
context_work_guard context_work(const Ex&) {
    return std::nullopt;
}
template <class A, std::uintptr_t B>
context_work_guard context_work(const boost::asio::io_context::basic_executor_type<A, B>& ex) {
    return boost::asio::make_work_guard(ex.context());
}
template <class Inner>
context_work_guard context_work(const boost::asio::strand<Inner>& ex) {
    return context_work(ex.get_inner_executor());
}
inline context_work_guard context_work(const boost::asio::any_io_executor& ex) {
    namespace ex_ = boost::asio::execution;
    using plain = boost::asio::io_context::executor_type;
    using tracked = decltype(boost::asio::prefer(std::declval<plain>(), ex_::outstanding_work.tracked));
    if (auto* p = ex.target<plain>()) return context_work(*p);
    if (auto* p = ex.target<tracked>()) return context_work(*p);
    if (auto* p = ex.target<boost::asio::strand<plain>>()) return context_work(*p);
    if (auto* p = ex.target<boost::asio::strand<tracked>>()) return context_work(*p);
    if (auto* p = ex.target<boost::asio::strand<boost::asio::any_io_executor>>()) return context_work(*p);
    return std::nullopt;
}

}  // namespace futures::detail

// Options that cannot work are refused at construction (issue 10, item 7) with
// std::invalid_argument naming the option: before, max_frame_bytes of 0, 16 or 40
// were accepted (every call then failed, or the pool broke) and max_workers =
// SIZE_MAX threw std::length_error from inside the constructor.
#define BOOST_TEST_MODULE options
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

using futures::process_pool_options;
using futures::thread_pool_options;

namespace {

// The what() of the std::invalid_argument that constructing an E from o throws,
// or a text saying what happened instead.
template <class E, class O>
std::string refusal(const O& o) {
    try {
        E pool(o);
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("WRONG TYPE: ") + typeid(e).name() + ": " + e.what();
    }
    return "ACCEPTED";
}

bool names(const std::string& what, const std::string& option) { return what.find(option) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(process_pool_refuses_frame_caps_that_cannot_hold_a_call) {
    for (std::size_t bytes :
         {std::size_t(0), std::size_t(16), std::size_t(40), std::size_t(4095), std::size_t(UINT32_MAX) + 1, SIZE_MAX}) {
        auto what = refusal<futures::process_pool_executor>(process_pool_options{.max_frame_bytes = bytes});
        BOOST_TEST(names(what, "max_frame_bytes"), bytes << ": " << what);
    }
}

BOOST_AUTO_TEST_CASE(process_pool_accepts_the_frame_cap_bounds) {
    for (std::size_t bytes : {std::size_t(4096), std::size_t(UINT32_MAX)})
        BOOST_TEST(refusal<futures::process_pool_executor>(process_pool_options{.max_frame_bytes = bytes}) ==
                   "ACCEPTED");
}

BOOST_AUTO_TEST_CASE(process_pool_refuses_impossible_worker_counts) {
    for (std::size_t n : {std::size_t(0), std::size_t(65537), SIZE_MAX}) {
        auto what = refusal<futures::process_pool_executor>(process_pool_options{.max_workers = n});
        BOOST_TEST(names(what, "max_workers"), n << ": " << what);
    }
    BOOST_TEST(refusal<futures::process_pool_executor>(process_pool_options{.max_workers = 65536}) == "ACCEPTED");
}

BOOST_AUTO_TEST_CASE(process_pool_refuses_the_other_impossible_options) {
    BOOST_TEST(names(refusal<futures::process_pool_executor>(process_pool_options{.max_tasks_per_child = 0}),
                     "max_tasks_per_child"));
    BOOST_TEST(
        names(refusal<futures::process_pool_executor>(process_pool_options{.max_pending = SIZE_MAX}), "max_pending"));
    process_pool_options empty_ex;
    empty_ex.completion_executor = boost::asio::any_io_executor{};
    BOOST_TEST(names(refusal<futures::process_pool_executor>(empty_ex), "completion_executor"));
    process_pool_options no_task;
    no_task.initializer = futures::task_call{};
    BOOST_TEST(names(refusal<futures::process_pool_executor>(no_task), "initializer"));
    process_pool_options bad_exe;
    bad_exe.worker_executable = "/nonexistent/worker";
    BOOST_TEST(names(refusal<futures::process_pool_executor>(bad_exe), "worker executable"));
}

BOOST_AUTO_TEST_CASE(thread_pool_refuses_impossible_options) {
    for (std::size_t n : {std::size_t(0), std::size_t(65537), SIZE_MAX}) {
        auto what = refusal<futures::thread_pool_executor>(thread_pool_options{.max_workers = n});
        BOOST_TEST(names(what, "max_workers"), n << ": " << what);
    }
    // A count past PTRDIFF_MAX used to turn negative in the queue check: every
    // submit() then blocked forever.
    BOOST_TEST(
        names(refusal<futures::thread_pool_executor>(thread_pool_options{.max_pending = SIZE_MAX}), "max_pending"));
    thread_pool_options empty_ex;
    empty_ex.completion_executor = boost::asio::any_io_executor{};
    BOOST_TEST(names(refusal<futures::thread_pool_executor>(empty_ex), "completion_executor"));
}

BOOST_AUTO_TEST_CASE(thread_pool_at_the_bounds_works) {
    futures::thread_pool_executor ex(
        thread_pool_options{.max_workers = 65536, .max_pending = static_cast<std::size_t>(PTRDIFF_MAX)});
    BOOST_TEST(ex.submit([] { return 7; }).result(std::chrono::seconds(30)) == 7);
}

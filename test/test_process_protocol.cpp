// The process pool's wire layer, without processes: serialization adapters, the
// task registry, messages and frames.
#define BOOST_TEST_MODULE process_protocol
#include <boost/test/unit_test.hpp>

#include <futures/detail/process/frame.hpp>
#include <futures/detail/process/job.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/remote_error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "process/tasks.hpp"

namespace p = futures::detail::process;

template <class T>
T roundtrip(const T& v) {
    T out{};
    p::from_bytes(p::to_bytes(v), out);
    return out;
}

BOOST_AUTO_TEST_CASE(std_adapters_roundtrip) {
    ptest::record r{"n", {1, 2}, {{"a", {1, 2.5}}}, {7, "x", std::nullopt}, std::string("v")};
    BOOST_TEST((roundtrip(r) == r));
    std::tuple<int, std::string, std::optional<std::vector<int>>> t{1, "two", std::vector<int>{3}};
    BOOST_TEST((roundtrip(t) == t));
    std::variant<std::monostate, int, std::string> v;
    BOOST_TEST((roundtrip(v) == v));
    std::optional<std::map<int, std::string>> o{{{1, "a"}}};
    BOOST_TEST((roundtrip(o) == o));
}

BOOST_AUTO_TEST_CASE(corrupt_variant_index_throws) {
    std::string bytes = p::to_bytes(std::variant<int, std::string>(5));
    bytes[0] = 9;  // index out of range
    std::variant<int, std::string> v;
    BOOST_CHECK_THROW(p::from_bytes(bytes, v), boost::archive::archive_exception);
}

BOOST_AUTO_TEST_CASE(registry_runs_a_call) {
    p::call_item c{1, "add_task", add_task.signature(), p::to_bytes(std::tuple<int, int>(2, 3))};
    auto r = p::run_call(c);
    int out = 0;
    p::from_bytes(std::get<std::string>(r), out);
    BOOST_TEST(out == 5);
}

BOOST_AUTO_TEST_CASE(registry_reports_unknown_and_mismatch) {
    p::call_item c{1, "nope", "int (int)", {}};
    auto r = p::run_call(c);
    auto& f = std::get<p::failure>(r);
    BOOST_TEST(f.type == "futures::unknown_task");
    BOOST_TEST(f.what.find("nope") != std::string::npos);
    c.task = "add_task";
    c.signature = "int (long)";
    auto& g = std::get<p::failure>(r = p::run_call(c));
    BOOST_TEST(g.type == "futures::signature_mismatch");
    BOOST_TEST(g.what.find("int (int, int)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(registry_captures_exceptions_with_trace) {
    p::call_item c{1, "throw_task", throw_task.signature(), p::to_bytes(std::tuple<int, std::string>(4, "dom"))};
    auto first = p::run_call(c);
    auto& f = std::get<p::failure>(first);
    BOOST_TEST(f.type == "std::domain_error");
    BOOST_TEST(f.what == "dom");
    BOOST_TEST(f.traceback.find("throw_kind") != std::string::npos, f.traceback);
    c.args = p::to_bytes(std::tuple<int, std::string>(1, "oor"));
    auto r = p::run_call(c);
    auto e = p::rebuild_exception(std::get<p::failure>(r), "throw_task", 42);
    try {
        std::rethrow_exception(e);
    } catch (const std::out_of_range& x) {
        BOOST_TEST(std::string(x.what()) == "oor");
        auto* d = futures::remote_details_of(x);
        BOOST_REQUIRE(d);
        BOOST_TEST(d->remote_pid() == 42);
        BOOST_TEST(!d->remote_traceback().empty());
    }
}

BOOST_AUTO_TEST_CASE(bad_arguments_fail_the_call_only) {
    p::call_item c{1, "add_task", add_task.signature(), "xy"};  // truncated
    auto r = p::run_call(c);
    auto& f = std::get<p::failure>(r);
    BOOST_TEST((f.phase == p::failure_phase::load_args));
    auto e = p::rebuild_exception(f, "add_task", 1);
    BOOST_CHECK_THROW(std::rethrow_exception(e), futures::remote_error);
}

BOOST_AUTO_TEST_CASE(frames_roundtrip_with_several_items) {
    p::call_batch b;
    for (int i = 0; i < 3; ++i) b.calls.push_back({std::uint64_t(i), "square_task", "int (int)", p::to_bytes(std::tuple<int>(i))});
    std::string frame = p::encode_frame(b, 1 << 20);
    std::array<unsigned char, 4> h;
    std::copy_n(frame.begin(), 4, h.begin());
    BOOST_TEST(p::decode_header(h, 1 << 20) == frame.size() - 4);
    auto m = p::decode_payload(std::string_view(frame).substr(4));
    BOOST_TEST(std::get<p::call_batch>(m).calls.size() == 3u);
    BOOST_TEST(std::get<p::call_batch>(m).calls[2].id == 2u);
}

BOOST_AUTO_TEST_CASE(frame_cap_is_enforced_both_ways) {
    p::call_batch b;
    b.calls.push_back({1, "t", "s", std::string(1000, 'x')});
    BOOST_CHECK_THROW(p::encode_frame(b, 100), p::frame_error);
    std::array<unsigned char, 4> h{0xff, 0xff, 0xff, 0x7f};
    BOOST_CHECK_THROW(p::decode_header(h, 1 << 20), p::frame_error);
    BOOST_CHECK_THROW(p::decode_payload("\x07garbage"), p::frame_error);
}

BOOST_AUTO_TEST_CASE(blocking_frame_io_over_a_pipe) {
    int fds[2];
    BOOST_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    p::write_all(fds[1], p::encode_frame(p::make_hello(), 1 << 20));
    ::close(fds[1]);
    std::string buf;
    BOOST_TEST(p::read_frame(fds[0], buf, 1 << 20));
    BOOST_TEST(p::check_hello(std::get<p::hello>(p::decode_payload(buf))).empty());
    BOOST_TEST(!p::read_frame(fds[0], buf, 1 << 20));  // clean EOF
    ::close(fds[0]);
}

// The process pool's wire layer, without processes: serialization adapters, the
// task registry, messages and frames.
#define BOOST_TEST_MODULE process_protocol
#include <boost/test/unit_test.hpp>

#include <futures/detail/process/parent/job.hpp>
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/remote_error.hpp>

#include <cstring>

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
    auto r = p::run_call("add_task", add_task.signature(), p::to_bytes(std::tuple<int, int>(2, 3)));
    int out = 0;
    p::from_bytes(std::get<std::string>(r), out);
    BOOST_TEST(out == 5);
}

BOOST_AUTO_TEST_CASE(registry_reports_unknown_and_mismatch) {
    auto r = p::run_call("nope", "int (int)", {});
    auto& f = std::get<p::failure>(r);
    BOOST_TEST(f.type == "futures::unknown_task");
    BOOST_TEST(f.what.find("nope") != std::string::npos);
    auto& g = std::get<p::failure>(r = p::run_call("add_task", "int (long)", {}));
    BOOST_TEST(g.type == "futures::signature_mismatch");
    BOOST_TEST(g.what.find("int (int, int)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(registry_captures_exceptions_with_trace) {
    auto first = p::run_call("throw_task", throw_task.signature(), p::to_bytes(std::tuple<int, std::string>(4, "dom")));
    auto& f = std::get<p::failure>(first);
    BOOST_TEST(f.type == "std::domain_error");
    BOOST_TEST(f.what == "dom");
    BOOST_TEST(f.traceback.find("throw_kind") != std::string::npos, f.traceback);
    auto r = p::run_call("throw_task", throw_task.signature(), p::to_bytes(std::tuple<int, std::string>(1, "oor")));
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
    auto r = p::run_call("add_task", add_task.signature(), "xy");  // truncated
    auto& f = std::get<p::failure>(r);
    BOOST_TEST((f.phase == p::failure_phase::load_args));
    auto e = p::rebuild_exception(f, "add_task", 1);
    BOOST_CHECK_THROW(std::rethrow_exception(e), futures::remote_error);
}

BOOST_AUTO_TEST_CASE(frames_roundtrip_with_several_items) {
    p::call_frame cf;
    for (int t = 0; t < 2; ++t) {
        p::call_batch b;
        b.task = t == 0 ? "square_task" : "echo_record_task";
        b.signature = t == 0 ? "int (int)" : "record (record)";
        b.first_id = 10 * t;
        for (int i = 0; i < 3; ++i) b.args.append(p::to_bytes(std::tuple<int>(i)));
        cf.batches.push_back(std::move(b));
    }
    std::string frame = p::encode_frame(cf, 1 << 20);
    std::array<unsigned char, 4> h;
    std::copy_n(frame.begin(), 4, h.begin());
    BOOST_TEST(p::decode_header(h, 1 << 20) == frame.size() - 4);
    auto m = p::decode_payload(std::string_view(frame).substr(4));
    auto& got = std::get<p::call_frame>(m);
    BOOST_REQUIRE(got.batches.size() == 2u);
    BOOST_TEST(got.batches[0].args.count() == 3u);
    BOOST_TEST(got.batches[1].first_id == 10u);
    BOOST_TEST(got.batches[0].task == "square_task");
    BOOST_TEST(got.batches[1].signature == "record (record)");
    got.batches[0].args.check();
    auto c = got.batches[0].args.reader();
    c.next();
    c.next();
    int last = -1;
    p::from_bytes(c.next(), last);
    BOOST_TEST(last == 2);
    BOOST_TEST(c.done());
}

BOOST_AUTO_TEST_CASE(a_borrowed_list_encodes_as_its_owner_does_and_copies_nothing) {
    for (const bool uniform : {true, false}) {
        p::packed_values owner;
        for (int i = 0; i < 3; ++i) owner.append(p::to_bytes(i));
        if (!uniform) owner.append("a longer item");
        const std::string big(300 * 1024, 'q');  // above the threshold where copies cost
        if (!uniform) owner.append(big);
        const auto borrowed = p::packed_values::borrow(owner);
        BOOST_TEST(borrowed.bytes().data() == owner.bytes().data());  // where they lie
        BOOST_TEST(p::to_bytes(borrowed) == p::to_bytes(owner));      // the same wire bytes
        p::packed_values back;
        p::from_bytes(p::to_bytes(borrowed), back);
        back.check();
        BOOST_TEST(back.count() == owner.count());
        BOOST_TEST(back.bytes() == owner.bytes());
        BOOST_TEST(owner.count() == (uniform ? 3u : 5u));  // the owner keeps its items
    }
}

BOOST_AUTO_TEST_CASE(packed_lists_stay_compact_until_lengths_differ) {
    p::packed_values v;
    for (int i = 0; i < 4; ++i) v.append(p::to_bytes(i));
    BOOST_TEST(v.uniform());  // equal lengths: no per-item sizes
    BOOST_TEST(v.byte_size() == 4 * sizeof(int));
    v.append("");  // a failed call's empty item
    v.append("xyz");
    BOOST_TEST(!v.uniform());
    p::packed_values w;
    w.append(v);
    w.append(v);
    auto bytes = p::to_bytes(w);
    p::packed_values back;
    p::from_bytes(bytes, back);
    back.check();
    BOOST_TEST(back.count() == 12u);
    std::vector<std::string> items;
    for (auto c = back.reader(); !c.done();) items.emplace_back(c.next());
    BOOST_TEST(items[4].empty());
    BOOST_TEST(items[11] == "xyz");
    int x = 0;
    p::from_bytes(items[9], x);
    BOOST_TEST(x == 3);
    // A throwing writer leaves the list as it was.
    BOOST_CHECK_THROW(back.append_with([](std::string& b) {
        b += "partial";
        throw std::runtime_error("no");
    }),
                      std::runtime_error);
    BOOST_TEST(back.count() == 12u);
    BOOST_TEST(back.byte_size() == w.byte_size());
}

namespace {
// packed_values' wire layout, with every field under the test's control.
struct raw_packed {
    std::uint32_t count = 0;
    std::vector<std::uint32_t> sizes;
    std::string bytes;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& count& sizes& bytes;
    }
};
bool refused(const raw_packed& r) {
    p::packed_values v;
    p::from_bytes(p::to_bytes(r), v);
    try {
        v.check();
        return false;
    } catch (const std::length_error&) {
        return true;
    }
}
}  // namespace
BOOST_CLASS_IMPLEMENTATION(raw_packed, boost::serialization::object_serializable)

BOOST_AUTO_TEST_CASE(malformed_packed_lists_are_refused) {
    BOOST_TEST(!refused({2, {}, "abcd"}));
    BOOST_TEST(refused({2, {}, "abc"}));      // equal items that do not divide the bytes
    BOOST_TEST(refused({0, {}, "a"}));        // bytes without items
    BOOST_TEST(refused({2, {1}, "ab"}));      // fewer sizes than items
    BOOST_TEST(refused({2, {1, 5}, "abc"}));  // sizes beyond the bytes
    BOOST_TEST(!refused({2, {1, 2}, "abc"}));
}

BOOST_AUTO_TEST_CASE(frame_cap_is_enforced_both_ways) {
    p::call_frame cf;
    cf.batches.emplace_back();
    cf.batches.back().task = "t";
    cf.batches.back().signature = "s";
    cf.batches.back().args.append(std::string(1000, 'x'));
    BOOST_CHECK_THROW(p::encode_frame(cf, 100), p::frame_error);
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

// ---- the raw path for bitwise types (archive.hpp) --------------------------------------

namespace {
enum class colour : std::uint8_t { red = 1, blue = 7 };
enum plain { plain_a, plain_b = 42 };
struct not_bitwise {
    int x = 0;
};
}  // namespace

static_assert(p::is_bitwise_v<int> && p::is_bitwise_v<double> && p::is_bitwise_v<colour> && p::is_bitwise_v<bool>);
static_assert(p::is_bitwise_v<std::pair<int, int>>);  // not is_trivially_copyable in libstdc++
static_assert(p::is_bitwise_v<std::tuple<>> && p::is_bitwise_v<std::tuple<int, double>>);
static_assert(p::is_bitwise_v<std::array<std::pair<short, colour>, 3>>);
static_assert(p::is_bitwise_v<std::tuple<std::pair<int, std::array<double, 2>>, char>>);
static_assert(!p::is_bitwise_v<std::string> && !p::is_bitwise_v<int*> && !p::is_bitwise_v<not_bitwise>);
static_assert(!p::is_bitwise_v<std::pair<int, std::string>> && !p::is_bitwise_v<std::tuple<int, std::vector<int>>>);
static_assert(!p::is_bitwise_v<std::array<std::string, 2>>);

BOOST_AUTO_TEST_CASE(bitwise_values_roundtrip_raw) {
    BOOST_TEST(roundtrip(-12345) == -12345);
    BOOST_TEST(roundtrip(2.5e-300) == 2.5e-300);
    BOOST_TEST(roundtrip(true) == true);
    BOOST_TEST((roundtrip(colour::blue) == colour::blue));
    BOOST_TEST((roundtrip(plain_b) == plain_b));
    BOOST_TEST((roundtrip(std::pair<int, int>(3, -4)) == std::pair<int, int>(3, -4)));
    BOOST_TEST((roundtrip(std::tuple<int, double>(7, 0.125)) == std::tuple<int, double>(7, 0.125)));
    BOOST_TEST((roundtrip(std::array<int, 4>{1, 2, 3, 4}) == std::array<int, 4>{1, 2, 3, 4}));
    std::array<std::pair<char, double>, 2> nested{{{'a', 1.5}, {'b', -2.0}}};
    BOOST_TEST((roundtrip(nested) == nested));
    std::tuple<std::pair<bool, colour>, std::array<bool, 3>, long double> mixed{
        {true, colour::red}, {true, false, true}, 1.25L};
    BOOST_TEST((roundtrip(mixed) == mixed));
    // Raw bytes, leaf by leaf: no archive, no padding.
    BOOST_TEST(p::to_bytes(42).size() == sizeof(int));
    BOOST_TEST(p::to_bytes(std::tuple<>()).empty());
    BOOST_TEST(p::to_bytes(std::pair<char, int>('x', 1)).size() == 1 + sizeof(int));
    BOOST_TEST(p::to_bytes(std::tuple<int, double>(1, 2)).size() == sizeof(int) + sizeof(double));
    BOOST_TEST(p::to_bytes(nested).size() == 2 * (1 + sizeof(double)));
    int v = 0x01020304, w = 0;
    std::string raw = p::to_bytes(v);
    BOOST_TEST(std::memcmp(raw.data(), &v, sizeof v) == 0);  // host byte order
    p::from_bytes(raw, w);
    BOOST_TEST(w == v);
    // A non-bitwise type next to them still goes through an archive.
    BOOST_TEST((roundtrip(std::pair<int, std::string>(1, "s")) == std::pair<int, std::string>(1, "s")));
}

BOOST_AUTO_TEST_CASE(bitwise_size_mismatch_throws_like_an_archive) {
    int i = 0;
    BOOST_CHECK_THROW(p::from_bytes("abc", i), boost::archive::archive_exception);    // short
    BOOST_CHECK_THROW(p::from_bytes("abcde", i), boost::archive::archive_exception);  // long
    std::pair<int, int> pr;
    BOOST_CHECK_THROW(p::from_bytes(p::to_bytes(5), pr), boost::archive::archive_exception);
    std::tuple<> none;
    BOOST_CHECK_THROW(p::from_bytes("x", none), boost::archive::archive_exception);
    BOOST_CHECK_NO_THROW(p::from_bytes("", none));
}

BOOST_AUTO_TEST_CASE(bitwise_size_mismatch_fails_that_call_only) {
    // A batch of three gcd calls (args: std::tuple<std::pair<int, int>>, raw), the
    // middle one a byte short, as the worker runs it: one lookup, then each call.
    p::call_batch b;
    b.task = "gcd_task";
    b.signature = gcd_task.signature();
    b.first_id = 7;
    b.args.append(p::to_bytes(std::tuple<std::pair<int, int>>({12, 18})));
    std::string bad = p::to_bytes(std::tuple<std::pair<int, int>>({4, 6}));
    bad.pop_back();
    b.args.append(bad);
    b.args.append(p::to_bytes(std::tuple<std::pair<int, int>>({35, 21})));
    p::call_frame cf;
    cf.batches.push_back(std::move(b));
    std::string frame = p::encode_frame(cf, 1 << 20);
    auto m = p::decode_payload(std::string_view(frame).substr(4));
    auto& got = std::get<p::call_frame>(m).batches.front();
    got.args.check();
    p::result_batch rb = p::run_batch(got);
    BOOST_TEST(rb.first_id == 7u);
    BOOST_REQUIRE(rb.values.count() == 3u);
    BOOST_REQUIRE(rb.failures.size() == 1u);
    BOOST_TEST(rb.failures[0].index == 1u);
    auto& f = rb.failures[0].what;
    BOOST_TEST((f.phase == p::failure_phase::load_args));
    BOOST_TEST(f.type == "boost::archive::archive_exception");
    BOOST_CHECK_THROW(std::rethrow_exception(p::rebuild_exception(f, "gcd_task", 1)), futures::remote_error);
    auto c = rb.values.reader();
    int out = 0;
    p::from_bytes(c.next(), out);
    BOOST_TEST(out == 6);
    BOOST_TEST(c.next().empty());  // the failed call's slot
    p::from_bytes(c.next(), out);
    BOOST_TEST(out == 7);
    // The parent reading a result of the wrong size fails the same way.
    BOOST_CHECK_THROW(p::from_bytes(std::string("\x01\x02", 2), out), boost::archive::archive_exception);
}

BOOST_AUTO_TEST_CASE(unknown_task_fails_every_call_of_its_batch) {
    p::call_batch b;
    b.task = "nope";
    b.signature = "int (int)";
    for (int i = 0; i < 3; ++i) b.args.append(p::to_bytes(std::tuple<int>(i)));
    auto rb = p::run_batch(b);
    BOOST_TEST(rb.values.count() == 3u);
    BOOST_REQUIRE(rb.failures.size() == 3u);
    for (std::uint32_t k = 0; k < 3; ++k) {
        BOOST_TEST(rb.failures[k].index == k);
        BOOST_TEST(rb.failures[k].what.type == "futures::unknown_task");
    }
}

BOOST_AUTO_TEST_CASE(batch_lookup_failure_reports_each_call) {
    auto t = p::find_call_target("gcd_task", "int (long)");
    BOOST_TEST(std::get<p::failure>(t).type == "futures::signature_mismatch");
    BOOST_TEST((std::get<p::failure>(t).phase == p::failure_phase::lookup));
    BOOST_TEST(std::get<p::failure>(p::find_call_target("nope", "int ()")).type == "futures::unknown_task");
}

// Lengths inside a frame are checked against the bytes that remain before anything
// is allocated (issue 10, item 2). Before, a valid 91-byte result frame whose inner
// string length was patched to 256 MiB made the parent allocate 256 MiB, whatever
// max_frame_bytes said. Here: every kind of length (strings, vectors, packed
// lists, both directions, the handshake) is patched to lie, and the largest single
// allocation while it is read is measured (operator new is replaced below).
#define BOOST_TEST_MODULE frame_lengths
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <futures/detail/process/protocol/frame.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/worker.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"

namespace p = futures::detail::process;

extern char** environ;

// ---- the largest allocation ----------------------------------------------------------

namespace {
std::atomic<std::size_t> largest_allocation{0};
}
void* operator new(std::size_t n) {
    std::size_t seen = largest_allocation.load(std::memory_order_relaxed);
    while (n > seen && !largest_allocation.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
    if (void* q = std::malloc(n ? n : 1)) return q;
    throw std::bad_alloc();
}
// g++ sees free() meet what operator new returned: here that is what it is.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* q) noexcept { std::free(q); }
void operator delete(void* q, std::size_t) noexcept { std::free(q); }
#pragma GCC diagnostic pop

namespace {

constexpr std::size_t lie = std::size_t(256) << 20;  // 256 MiB, as in the issue
constexpr std::size_t small = std::size_t(1) << 20;  // what reading a lying frame may allocate at most

std::string le64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[std::size_t(i)] = char(v >> (8 * i));
    return s;
}

// Replaces the 8-byte length `from` that directly precedes `context` in `bytes`.
std::string patch_length_before(std::string bytes, std::uint64_t from, const std::string& context, std::uint64_t to) {
    const auto at = bytes.find(le64(from) + context);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "length field not found");
    bytes.replace(at, 8, le64(to));
    return bytes;
}

// The first byte where two encodings differ: the count that distinguishes them.
std::size_t first_difference(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
}

std::string payload(const p::message& m) {
    return p::encode_frame(m, p::default_max_frame).substr(p::frame_header_size);
}

p::result_frame results(std::size_t batches, std::size_t failures, bool uniform) {
    p::result_frame rf;
    for (std::size_t b = 0; b < batches; ++b) {
        p::result_batch rb;
        rb.first_id = 7;
        rb.values.append("ITEM-ONE");
        rb.values.append(uniform ? "ITEM-TWO" : "ITEM-TWO-LONGER");
        for (std::uint32_t k = 0; k < failures; ++k)
            rb.failures.push_back({k, {p::failure_phase::run, "TYPE", "WHAT", "TRACE"}});
        rf.batches.push_back(std::move(rb));
    }
    return rf;
}

p::call_frame calls(std::size_t batches) {
    p::call_frame cf;
    for (std::size_t b = 0; b < batches; ++b) {
        p::call_batch cb;
        cb.task = "TASKNAME";
        cb.signature = "int (int)";
        cb.args.append("ARGS");
        cf.batches.push_back(std::move(cb));
    }
    return cf;
}

// Decoding `bytes` fails with frame_error, and allocates nothing big on the way.
void refused_without_allocating(const std::string& bytes, const char* what) {
    BOOST_TEST_CONTEXT(what) {
        largest_allocation = 0;
        BOOST_CHECK_THROW(p::decode_payload(bytes), p::frame_error);
        BOOST_TEST(largest_allocation.load() < small, "largest allocation " << largest_allocation.load());
    }
}

// The same with the count at `at` (8 bytes) replaced.
void count_refused(std::string bytes, std::size_t at, std::uint64_t to, const char* what) {
    BOOST_REQUIRE(at + 8 <= bytes.size());
    bytes.replace(at, 8, le64(to));
    refused_without_allocating(bytes, what);
}

}  // namespace

// What one more empty T adds to a vector of them (the first T of a message may
// also carry class information for its members, once).
template <class T>
std::size_t empty_element_bytes() {
    return p::to_bytes(std::vector<T>(3)).size() - p::to_bytes(std::vector<T>(2)).size();
}

BOOST_AUTO_TEST_CASE(wire_floors_are_the_encodings_of_empty_values) {
    BOOST_TEST(empty_element_bytes<p::call_batch>() == p::wire_floor<p::call_batch>::value);
    BOOST_TEST(empty_element_bytes<p::result_batch>() == p::wire_floor<p::result_batch>::value);
    BOOST_TEST(empty_element_bytes<p::indexed_failure>() == p::wire_floor<p::indexed_failure>::value);
}

BOOST_AUTO_TEST_CASE(honest_frames_still_decode) {
    auto m = p::decode_payload(payload(p::message{results(2, 2, false)}));
    BOOST_TEST(std::get<p::result_frame>(m).batches.size() == 2u);
    auto c = p::decode_payload(payload(p::message{calls(3)}));
    BOOST_TEST(std::get<p::call_frame>(c).batches.at(2).task == "TASKNAME");
}

BOOST_AUTO_TEST_CASE(lying_string_lengths_in_a_result_frame) {
    const auto bytes = payload(p::message{results(1, 1, false)});
    refused_without_allocating(patch_length_before(bytes, 4, "TYPE", lie), "failure type");
    refused_without_allocating(patch_length_before(bytes, 5, "TRACE", lie), "traceback");
    refused_without_allocating(patch_length_before(bytes, 23, "ITEM-ONE", lie), "packed bytes");
    refused_without_allocating(patch_length_before(bytes, 4, "WHAT", UINT64_MAX), "wrapping length");
}

BOOST_AUTO_TEST_CASE(lying_counts_in_a_result_frame) {
    const auto one = payload(p::message{results(1, 1, false)});
    const auto two = payload(p::message{results(2, 1, false)});
    count_refused(one, first_difference(one, two), 10'000'000, "batches");
    const auto f1 = payload(p::message{results(1, 1, false)});
    const auto f2 = payload(p::message{results(1, 2, false)});
    count_refused(f1, first_difference(f1, f2), 10'000'000, "failures");
    // The per-item sizes of a packed list whose items differ in length.
    auto packed = payload(p::message{results(1, 0, false)});
    const auto sizes_at = packed.find(le64(2) + std::string("\x08\0\0\0\x0f\0\0\0", 8));
    BOOST_REQUIRE(sizes_at != std::string::npos);
    count_refused(packed, sizes_at, 100'000'000, "packed sizes");
}

BOOST_AUTO_TEST_CASE(lying_lengths_in_a_call_frame) {
    const auto one = payload(p::message{calls(1)});
    const auto two = payload(p::message{calls(2)});
    count_refused(one, first_difference(one, two), 10'000'000, "call batches");
    refused_without_allocating(patch_length_before(one, 8, "TASKNAME", lie), "task name");
    refused_without_allocating(patch_length_before(one, 4, "ARGS", lie), "argument bytes");
}

BOOST_AUTO_TEST_CASE(lying_lengths_inside_a_value) {
    // A task's own result or arguments, read by the parent or the worker.
    const auto s = p::to_bytes(std::string("VALUE"));
    std::string v;
    largest_allocation = 0;
    BOOST_CHECK_THROW(p::from_bytes(patch_length_before(s, 5, "VALUE", lie), v), boost::archive::archive_exception);
    const auto vec = p::to_bytes(std::vector<double>{1.5, 2.5});
    std::vector<double> d;
    BOOST_CHECK_THROW(p::from_bytes(vec.substr(0, vec.size() - 8), d), boost::archive::archive_exception);
    auto counted = vec;
    counted.replace(0, 8, le64(50'000'000));
    BOOST_CHECK_THROW(p::from_bytes(counted, d), boost::archive::archive_exception);
    BOOST_TEST(largest_allocation.load() < small, "largest allocation " << largest_allocation.load());
    BOOST_TEST((p::from_bytes(vec, d), d == std::vector<double>{1.5, 2.5}));
}

BOOST_AUTO_TEST_CASE(lying_packed_list_sizes_are_refused_by_check) {
    // Per-item sizes that do not add up to the bytes: check() refuses the list
    // before any item is read.
    auto packed = payload(p::message{results(1, 0, false)});
    const auto at = packed.find(std::string("\x08\0\0\0\x0f\0\0\0", 8));
    BOOST_REQUIRE(at != std::string::npos);
    packed.replace(at, 4, std::string("\xff\xff\xff\x7f", 4));
    auto m = p::decode_payload(packed);
    BOOST_CHECK_THROW(std::get<p::result_frame>(m).batches.at(0).values.check(), std::length_error);
}

// ---- end to end: a rogue worker, and the real worker fed a lying frame ----------------

namespace {

constexpr const char* rogue_env = "FUTURES_TEST_ROGUE_WORKER";

// Stands in for a worker: a valid handshake (or, with "hello", one announcing a
// 256 MiB frame), then an answer to the first call frame whose packed bytes claim
// 256 MiB. Then waits for EOF.
int rogue_worker(char** argv, const std::string& mode) {
    const int in = std::atoi(argv[2]), out = std::atoi(argv[3]);
    if (mode == "hello") {
        p::write_all(out, std::string("\x00\x00\x00\x10", 4));  // 256 MiB announced
    } else {
        p::write_all(out, p::encode_frame(p::make_hello(), p::default_max_frame));
        std::string buf;
        if (!p::read_frame(in, buf, p::default_max_frame)) return 0;
        if (mode.rfind("shm", 0) == 0) {
            // The answer "lies in the result region": past the frame cap, or past
            // the region's end (the region was never grown: it is empty).
            std::string lying;
            p::encode_shm_frame_to(lying, 64, mode == "shm-huge" ? std::uint64_t(1) << 40 : 1000);
            p::write_all(out, lying);
            char c;
            while (::read(in, &c, 1) > 0) {
            }
            return 0;
        }
        auto m = p::decode_payload(buf);
        const auto& cb = std::get<p::call_frame>(m).batches.at(0);
        p::result_frame rf;
        p::result_batch rb;
        rb.first_id = cb.first_id;
        rb.values.append(p::to_bytes(5));
        rf.batches.push_back(std::move(rb));
        std::string frame = p::encode_frame(p::message{std::move(rf)}, p::default_max_frame);
        const auto at = frame.find(le64(4) + p::to_bytes(5));
        if (at == std::string::npos) return 9;
        frame.replace(at, 8, le64(lie));
        p::write_all(out, frame);
    }
    char c;
    while (::read(in, &c, 1) > 0) {
    }
    return 0;
}

struct rogue_scope {
    explicit rogue_scope(const char* mode) { ::setenv(rogue_env, mode, 1); }
    ~rogue_scope() { ::unsetenv(rogue_env); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_result_frame_with_a_lying_length_loses_the_worker_not_memory) {
    rogue_scope rogue("result");
    futures::process_pool_executor pool(
        futures::process_pool_options{.max_workers = 1, .max_restarts = 0, .max_frame_bytes = 1 << 16});
    largest_allocation = 0;
    auto f = pool.submit(add_task, 2, 3);
    const auto why = ptest::error_of<futures::broken_process_pool>(f);
    BOOST_TEST(why.find("length beyond the end") != std::string::npos, why);
    BOOST_TEST(largest_allocation.load() < small, "largest allocation " << largest_allocation.load());
}

BOOST_AUTO_TEST_CASE(a_handshake_announcing_a_huge_frame_loses_the_worker_at_once) {
    rogue_scope rogue("hello");
    futures::process_pool_executor pool(futures::process_pool_options{.max_workers = 1, .max_restarts = 0});
    largest_allocation = 0;
    auto f = pool.submit(add_task, 2, 3);
    const auto why = ptest::error_of<futures::broken_process_pool>(f);
    BOOST_TEST(why.find("exceeds the limit of 256") != std::string::npos, why);
    BOOST_TEST(largest_allocation.load() < small, "largest allocation " << largest_allocation.load());
}

BOOST_AUTO_TEST_CASE(a_shared_region_frame_that_lies_loses_the_worker_not_memory) {
    for (const char* mode : {"shm-huge", "shm-beyond"}) {
        BOOST_TEST_CONTEXT(mode) {
            rogue_scope rogue(mode);
            futures::process_pool_executor pool(
                futures::process_pool_options{.max_workers = 1, .max_restarts = 0, .max_frame_bytes = 1 << 16});
            largest_allocation = 0;
            const auto why = ptest::error_of<futures::broken_process_pool>(pool.submit(add_task, 2, 3));
            BOOST_TEST(why.find(std::string(mode) == "shm-huge" ? "exceeds the limit of 65536"
                                                                : "beyond the region's end") != std::string::npos,
                       why);
            BOOST_TEST(largest_allocation.load() < small, "largest allocation " << largest_allocation.load());
        }
    }
}

BOOST_AUTO_TEST_CASE(the_worker_refuses_a_call_frame_with_a_lying_length_clearly) {
    int to_worker[2], results[2], err[2];
    BOOST_REQUIRE(::pipe(to_worker) == 0);
    BOOST_REQUIRE(::pipe(results) == 0);
    BOOST_REQUIRE(::pipe(err) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclose(&fa, to_worker[1]);
    posix_spawn_file_actions_addclose(&fa, results[0]);
    std::string in = std::to_string(to_worker[0]), out = std::to_string(results[1]),
                parent = std::to_string(::getpid()), cap = std::to_string(1 << 16);
    std::string exe = FUTURES_TEST_WORKER;
    std::vector<char*> argv{
        exe.data(), const_cast<char*>(p::worker_flag), in.data(), out.data(), parent.data(), cap.data(), nullptr};
    pid_t pid = -1;
    BOOST_REQUIRE(::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(to_worker[0]);
    ::close(results[1]);
    ::close(err[1]);
    std::string hello;
    BOOST_REQUIRE(p::read_frame(results[0], hello, 1 << 16));
    BOOST_TEST(std::holds_alternative<p::hello>(p::decode_payload(hello)));
    std::string frame = p::encode_frame(p::message{calls(1)}, 1 << 16);
    frame.replace(frame.find(le64(8) + "TASKNAME"), 8, le64(lie));
    p::write_all(to_worker[1], frame);
    // The worker exits (the parent reports its status) and says why on stderr.
    std::string said;  // until EOF: the worker exited
    const auto end = std::chrono::steady_clock::now() + ptest::deadline;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd pfd{err[0], POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[512];
        const ssize_t n = ::read(err[0], buf, sizeof buf);
        if (n <= 0) break;
        said.append(buf, std::size_t(n));
    }
    int status = 0;
    if (!ptest::eventually("the worker exits", [&] { return ::waitpid(pid, &status, WNOHANG) == pid; })) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 70), "status " << status);
    BOOST_TEST(said.find("undecodable frame") != std::string::npos, said);
    BOOST_TEST(said.find("length beyond the end") != std::string::npos, said);
    ::close(to_worker[1]);
    ::close(results[0]);
    ::close(err[0]);
}

int main(int argc, char** argv) {
    if (const char* mode = std::getenv(rogue_env); mode && argc >= 6 && std::strcmp(argv[1], p::worker_flag) == 0)
        return rogue_worker(argv, mode);
    futures::run_worker_if_requested(argc, argv);
    // Leak checks at exit are for this process only (see process/test_main.hpp).
    const char* asan = std::getenv("ASAN_OPTIONS");
    ::setenv("ASAN_OPTIONS", (std::string(asan ? asan : "") + (asan ? ":" : "") + "detect_leaks=0").c_str(), 1);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

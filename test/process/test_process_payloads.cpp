// Large payloads through the workers' shared regions (docs/payloads.md): values
// around the threshold and far above it, both ways, std::string and
// std::vector<double>; a worker killed with a payload in its region leaves nothing
// behind; a region that lies about its frame is refused with a clear error.
#define BOOST_TEST_MODULE process_payloads
#define BOOST_TEST_NO_MAIN
#include "process/test_main.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/protocol/shm_region.hpp>
#include <futures/process_pool_executor.hpp>

#include "process/helpers.hpp"
#include "process/tasks.hpp"
#include "support/deadline.hpp"

using futures::process_pool_executor;
using futures::process_pool_options;
using ptest::deadline;
using ptest::error_of;
using ptest::eventually;
namespace p = futures::detail::process;

namespace {

// This process's open fds; with `region_only`, just the payload regions' memfds.
std::vector<std::string> open_fds(bool region_only = false) {
    std::vector<std::string> out;
    DIR* d = ::opendir("/proc/self/fd");
    BOOST_REQUIRE(d);
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.' || std::atoi(e->d_name) == ::dirfd(d)) continue;
        char target[PATH_MAX] = {};
        const std::string link = std::string("/proc/self/fd/") + e->d_name;
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        const std::string to = n > 0 ? std::string(target, std::size_t(n)) : "?";
        if (!region_only || to.find("memfd:futures-payload") != std::string::npos) out.push_back(link);
    }
    ::closedir(d);
    return out;
}

// The largest size of this process's payload regions (0 if none).
std::size_t largest_region() {
    std::size_t most = 0;
    for (const auto& link : open_fds(true)) {
        struct stat st {};
        if (::stat(link.c_str(), &st) == 0) most = std::max(most, std::size_t(st.st_size));
    }
    return most;
}

std::vector<double> doubles(std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = double(i) * 0.5 - 7.25;
    return v;
}

std::string text(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = char('a' + i % 23);
    return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(values_around_the_threshold_and_far_above_come_back_whole) {
    const std::size_t t = 64 * 1024;
    process_pool_executor pool(process_pool_options{.max_workers = 2, .shm_threshold_bytes = t});
    for (std::size_t n : {t - 1024, t - 1, t, t + 1, t + 1024, std::size_t(16) << 20}) {
        BOOST_TEST_CONTEXT("string of " << n << " bytes") {
            const auto s = text(n);
            BOOST_TEST((pool.submit(echo_string_task, s).result(deadline) == s));
        }
        BOOST_TEST_CONTEXT(n / 8 << " doubles") {
            const auto v = doubles(n / 8);
            BOOST_TEST((pool.submit(echo_doubles_task, v).result(deadline) == v));
        }
    }
    // The 16 MiB frames went through the regions: they grew to hold them.
    BOOST_TEST(largest_region() >= std::size_t(16) << 20);
}

BOOST_AUTO_TEST_CASE(a_64_mib_value) {
    process_pool_executor pool(1);  // the default threshold
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    // The sanitizers check every byte a memcpy moves: 64 MiB echoed takes longer
    // than the deadline on a loaded 2-vCPU machine. The path is the same as 16 MiB's.
    const auto big = text(std::size_t(24) << 20);
#else
    const auto big = text(std::size_t(64) << 20);
#endif
    BOOST_TEST((pool.submit(echo_string_task, big).result(deadline) == big));
}

BOOST_AUTO_TEST_CASE(many_large_values_in_flight) {
    // Several frames per worker at once: regions are shared by frames in flight
    // (values of 256 KiB to 3 MiB, all through the regions).
    process_pool_executor pool(process_pool_options{.max_workers = 2, .shm_threshold_bytes = 128 << 10});
    std::vector<futures::future<std::vector<double>>> fs;
    for (int i = 0; i < 12; ++i) fs.push_back(pool.submit(echo_doubles_task, doubles(std::size_t(1 + i) << 15)));
    for (int i = 0; i < 12; ++i) BOOST_TEST((fs[std::size_t(i)].result(deadline) == doubles(std::size_t(1 + i) << 15)));
}

BOOST_AUTO_TEST_CASE(threshold_zero_keeps_everything_on_the_pipe) {
    process_pool_executor pool(process_pool_options{.max_workers = 1, .shm_threshold_bytes = 0});
    const auto s = text(std::size_t(4) << 20);
    BOOST_TEST((pool.submit(echo_string_task, s).result(deadline) == s));
    BOOST_TEST(largest_region() == 0u);  // created, never grown
}

BOOST_AUTO_TEST_CASE(a_worker_killed_with_a_payload_in_its_region_leaks_nothing) {
    const auto before = open_fds();
    {
        process_pool_executor pool(1);
        const pid_t pid = pool.submit(get_pid_task).result(deadline);
        auto f = pool.submit(hold_task, text(std::size_t(16) << 20));
        BOOST_REQUIRE(eventually("the call runs", [&] { return f.running(); }));
        ::kill(pid, SIGKILL);
        BOOST_TEST(error_of<futures::terminated_worker_error>(f).find("SIGKILL") != std::string::npos);
        // The replacement has its own two regions; the dead worker's are closed.
        BOOST_TEST(pool.submit(big_arg_task, text(std::size_t(1) << 20)).result(deadline) == std::size_t(1) << 20);
        BOOST_TEST(open_fds(true).size() == 2u);
    }
    BOOST_TEST(open_fds() == before, "the parent's fds are back to those before the pool");
    // memfds have no name in the file system: nothing was ever put in /dev/shm.
    if (DIR* d = ::opendir("/dev/shm")) {
        while (const dirent* e = ::readdir(d)) BOOST_TEST(std::string(e->d_name).find("futures") == std::string::npos);
        ::closedir(d);
    }
}

// ---- the region itself, as a hostile writer could fill it

namespace {
// A writer and a reader on one memfd, as the two processes have it.
struct region_pair {
    explicit region_pair(std::size_t max_frame)
        : writer(p::shm_region::create(), max_frame), reader(::dup(writer.fd()), max_frame) {}
    p::shm_region writer, reader;
};

p::message call_of(std::string arg) {
    p::call_frame f;
    f.batches.emplace_back();
    f.batches[0].task = "echo";
    f.batches[0].args.append(arg);
    return p::message{std::move(f)};
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_frame_written_to_a_region_decodes_in_place_and_its_pages_are_reused) {
    region_pair r(1 << 20);
    const auto a = r.writer.write(call_of(text(5000)));
    BOOST_REQUIRE(a.has_value());
    const auto b = r.writer.write(call_of("second"));  // a not released yet: b goes after it
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->offset >= a->offset + a->length);
    {
        auto va = r.reader.view({a->offset, a->length});
        auto ma = p::decode_payload(va.bytes, std::move(va.keep));
        const auto& args = std::get<p::call_frame>(ma).batches[0].args;
        BOOST_TEST(args.reader().next() == text(5000));
        // In place: the item lies inside the region's bytes, not in a copy.
        BOOST_TEST((args.bytes().data() >= va.bytes.data() && args.bytes().data() < va.bytes.data() + va.bytes.size()));
        auto vb = r.reader.view({b->offset, b->length});
        auto mb = p::decode_payload(vb.bytes, std::move(vb.keep));
        BOOST_TEST(std::get<p::call_frame>(mb).batches[0].args.reader().next() == "second");
        // Held: the next frame cannot start over the ones being read.
        const auto held = r.writer.write(call_of("third"));
        BOOST_REQUIRE(held.has_value());
        BOOST_TEST(held->offset > b->offset);
        auto vh = r.reader.view({held->offset, held->length});  // every frame is viewed once
    }
    const auto c = r.writer.write(call_of("fourth"));  // every view gone: from the start again
    BOOST_REQUIRE(c.has_value());
    BOOST_TEST(c->offset == a->offset);
}

BOOST_AUTO_TEST_CASE(a_descriptor_that_lies_is_refused_before_anything_is_mapped) {
    region_pair r(1 << 20);
    const auto what = [&](std::uint64_t offset, std::uint64_t length) -> std::string {
        try {
            (void)r.reader.view({offset, length});
        } catch (const p::frame_error& e) {
            return e.what();
        }
        return "NO ERROR";
    };
    BOOST_TEST(what(64, (1 << 20) + 1).find("exceeds the limit") != std::string::npos);
    BOOST_TEST(what(0, 10).find("outside its region") != std::string::npos);
    BOOST_TEST(what(UINT64_MAX - 5, 10).find("outside its region") != std::string::npos);
    BOOST_TEST(what(64, 1000).find("beyond the region's end") != std::string::npos);  // the file is empty
    p::shm_region none;
    BOOST_CHECK_THROW(none.view({64, 1}), p::frame_error);
}

BOOST_AUTO_TEST_CASE(a_hostile_length_inside_the_region_is_a_clear_error) {
    region_pair r(1 << 20);
    const auto d = r.writer.write(call_of(text(1000)));
    BOOST_REQUIRE(d.has_value());
    // The writer rewrites the frame after the fact: every 8-byte length field now
    // claims 2^62 bytes. The reader must refuse it without allocating that much,
    // copying or in place.
    auto v = r.reader.view({d->offset, d->length});
    auto* bytes = const_cast<char*>(v.bytes.data());
    for (std::size_t at = 0; at + 8 <= v.bytes.size(); at += 8) {
        const std::uint64_t huge = std::uint64_t(1) << 62;
        std::memcpy(bytes + at, &huge, 8);
    }
    BOOST_CHECK_THROW(p::decode_payload(v.bytes), p::frame_error);
    BOOST_CHECK_THROW(p::decode_payload(v.bytes, v.keep), p::frame_error);
    // Only the string's own length lies: the in-place view is refused as well.
    const auto e = r.writer.write(call_of(text(1000)));
    BOOST_REQUIRE(e.has_value());
    auto w = r.reader.view({e->offset, e->length});
    const auto at = w.bytes.find(text(1000));
    BOOST_REQUIRE(at != std::string_view::npos);
    const std::uint64_t more = 1000 + 1;
    std::memcpy(const_cast<char*>(w.bytes.data()) + at - 8, &more, 8);
    BOOST_CHECK_THROW(p::decode_payload(w.bytes, w.keep), p::frame_error);
}

BOOST_AUTO_TEST_CASE(an_oversized_region_gives_its_pages_back) {
    region_pair r(std::size_t(256) << 20);
    const auto big = r.writer.write(call_of(text(std::size_t(80) << 20)));
    BOOST_REQUIRE(big.has_value());
    r.reader.view({big->offset, big->length});  // viewed and dropped: released
    BOOST_REQUIRE(r.writer.write(call_of("small")).has_value());
    struct stat st {};
    BOOST_REQUIRE(::fstat(r.writer.fd(), &st) == 0);
    BOOST_TEST(std::size_t(st.st_blocks) * 512 < std::size_t(8) << 20);  // resident pages, not the file's size
}

// The "N passed, N failed" line of notes §4.4, in the shape §10.1 verified:
// the observer lives outside the BOOST_TEST_GLOBAL_CONFIGURATION object and is
// never deregistered (deregistering from the configuration's destructor
// crashes, because the framework is iterating its observer set at that point).
#include "support/summary.hpp"

#include <boost/test/results_collector.hpp>
#include <boost/test/tree/observer.hpp>
#include <boost/test/tree/test_case_counter.hpp>
#include <boost/test/tree/traverse.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>  // program_invocation_short_name (glibc)
#include <cstdio>
#include <cstdlib>
#include <string>

namespace utf = boost::unit_test;

namespace futures_test::detail {
namespace {

// Atomics because the watchdog thread reads them while a test case hangs.
std::atomic<unsigned> g_passed{0}, g_failed{0}, g_skipped{0};

struct summary_observer final : utf::test_observer {
    void test_unit_finish(utf::test_unit const& tu, unsigned long) override {
        if (tu.p_type != utf::TUT_CASE) return;
        (utf::results_collector.results(tu.p_id).passed() ? g_passed : g_failed)++;
    }
    // A skipped suite is reported once, for the suite; count the cases in it
    // that were selected to run (a --run_test filter deselects, it does not skip).
    void test_unit_skipped(utf::test_unit const& tu, utf::const_string) override {
        if (!tu.is_enabled()) return;
        if (tu.p_type == utf::TUT_CASE) {
            ++g_skipped;
            return;
        }
        utf::test_case_counter enabled_cases;
        utf::traverse_test_tree(tu.p_id, enabled_cases);
        g_skipped += enabled_cases.p_count;
    }
    void test_finish() override { report(current_counts()); }
    // test_unit_finish runs in reverse priority order, so priority 0 comes after
    // the results collector (priority 3) has the case's final result.
    int priority() override { return 0; }
};

// Immortal: the framework compares observers by calling priority() on them,
// so a destroyed one must never be left in its set.
summary_observer& g_observer = *new summary_observer;

struct summary_config {
    summary_config() { utf::framework::register_observer(g_observer); }
};
BOOST_TEST_GLOBAL_CONFIGURATION(summary_config);

}  // namespace

counts current_counts() noexcept { return {g_passed.load(), g_failed.load(), g_skipped.load()}; }

void report(counts c) noexcept {
    char line[96];
    int n = std::snprintf(line, sizeof line, "%u passed, %u failed", c.passed, c.failed);
    if (c.skipped > 0) std::snprintf(line + n, sizeof line - n, ", %u skipped", c.skipped);
    std::printf("%s\n", line);
    std::fflush(stdout);

    static const std::string path = [] {
        const char* p = std::getenv("FUTURES_TEST_SUMMARY");
        return std::string(p ? p : "");
    }();
    if (path.empty()) return;
    char rec[320];
    int len =
        std::snprintf(rec, sizeof rec, "%s %u %u %u\n", program_invocation_short_name, c.passed, c.failed, c.skipped);
    // One O_APPEND write per record: parallel ctest jobs never interleave lines.
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, rec, static_cast<size_t>(len)) != len)
        std::fprintf(stderr, "cannot append to FUTURES_TEST_SUMMARY=%s\n", path.c_str());
    if (fd >= 0) ::close(fd);
}

}  // namespace futures_test::detail

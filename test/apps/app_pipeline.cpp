// apps/pipeline end to end: the real binary run as a child, its exit status and
// its summary checked against what its generated input must give. The failures it
// plants follow from the generator's documented rule (every 97th line malformed,
// every 250th other one with seed 0), so a task that fails every record fails here;
// the checksum comes from running the same records serially in this process, so a
// record lost, doubled or mixed up by the pools fails here too.
#define BOOST_TEST_MODULE app_pipeline
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "records.hpp"
#include "support/child_with_stdout.hpp"
#include "tasks.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct child_run {
    std::string out;
    int status = -1;  // as waitpid reports it; -1: killed at the deadline
};

// Runs PIPELINE with args, collecting its stdout until it exits or `within`
// passes (then it is killed: a hang fails the checks instead of the test hanging).
child_run run_pipeline(const std::vector<std::string>& args, std::chrono::milliseconds within = 40s) {
    std::vector<std::string> argv_s{PIPELINE};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    const auto [pid, out] = test_support::start_child(std::move(argv_s));
    child_run r;
    const auto end = clock_type::now() + within;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now());
        pollfd p{out, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
            ::kill(pid, SIGKILL);
            break;
        }
        char buf[4096];
        const ssize_t n = ::read(out, buf, sizeof buf);
        if (n <= 0) break;  // EOF: it exited (its workers hold no copy of stdout past it)
        r.out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) r.status = st;
    return r;
}

// The summary fields of the pipeline's report (tally.cpp), or -1 / 0 if missing.
struct report {
    long long ok = -1, failed = -1, parse = -1, process = -1, accounted = -1;
    unsigned long long checksum = 0;
    bool has_checksum = false;
};

report parse_report(const std::string& out) {
    report r;
    std::size_t pos = 0;
    while (pos < out.size()) {
        const std::size_t nl = out.find('\n', pos);
        const std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? out.size() : nl + 1;
        std::sscanf(line.c_str(), "  ok %lld", &r.ok);
        std::sscanf(line.c_str(), "  failed %lld (parse %lld, process %lld)", &r.failed, &r.parse, &r.process);
        if (std::sscanf(line.c_str(), "  checksum %llx", &r.checksum) == 1) r.has_checksum = true;
        std::sscanf(line.c_str(), "accounted for all %lld records read", &r.accounted);
    }
    return r;
}

// What a generated run must report: failure counts from the generator's rule,
// the checksum from the records run serially here, through the same task.
struct expectation {
    long long read = 0, ok = 0, parse = 0, process = 0;
    unsigned long long checksum = 0;
};

expectation expect_for(const pipeline::generator_options& g) {
    expectation e;
    e.read = static_cast<long long>(g.items);
    for (std::size_t i = 1; i <= g.items; ++i) {
        if (g.bad_every && i % g.bad_every == 0)
            ++e.parse;
        else if (g.fail_every && i % g.fail_every == 0)
            ++e.process;
    }
    e.ok = e.read - e.parse - e.process;
    pipeline::record_source src(g);
    while (auto rec = src.next()) {
        try {
            e.checksum ^= pipeline::crunch(pipeline::parse_record(rec->line)).digest;
        } catch (const std::exception&) {  // the planted failures, counted above
        }
    }
    return e;
}

void check_run(const std::vector<std::string>& args, const pipeline::generator_options& g) {
    const child_run run = run_pipeline(args);
    BOOST_TEST_INFO("pipeline output:\n" << run.out);
    BOOST_TEST_REQUIRE(run.status != -1, "the pipeline did not finish within the deadline");
    BOOST_TEST((WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0), "wait status " << run.status);
    const expectation e = expect_for(g);
    const report r = parse_report(run.out);
    BOOST_TEST(r.accounted == e.read);
    BOOST_TEST(r.ok == e.ok);
    BOOST_TEST(r.parse == e.parse);
    BOOST_TEST(r.process == e.process);
    BOOST_TEST(r.failed == e.parse + e.process);
    BOOST_TEST(r.has_checksum);
    BOOST_TEST(r.checksum == e.checksum);
}

}  // namespace

BOOST_AUTO_TEST_CASE(generated_records_come_out_as_computed_serially) {
    pipeline::generator_options g;
    g.items = 300;
    BOOST_TEST_REQUIRE(expect_for(g).process > 0);  // the run plants both kinds of failure
    check_run({"--items", "300", "--quiet"}, g);
}

BOOST_AUTO_TEST_CASE(checksum_does_not_depend_on_pool_sizes) {
    pipeline::generator_options g;
    g.items = 200;
    check_run({"--items", "200", "--quiet", "--threads", "1", "--workers", "1", "--max-in-flight", "3"}, g);
}

// apps/offload_server end to end: the real binary on an ephemeral port, spoken
// to over real HTTP by a Beast client (offload/http_client.hpp). Each case starts
// its own server, so no case depends on another's counters. Every wait has a
// deadline; where the server has no event to wait for ("these requests are in
// flight now"), a case polls /stats, each poll a full round trip.
#define BOOST_TEST_MODULE offload_server
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "../apps/demo/gcd_workload.hpp"
#include "offload/http_client.hpp"
#include "offload/server_process.hpp"

using namespace offload_test;
using namespace std::chrono_literals;

namespace {

// fib(40) takes ~0.3 s at -O2 (more under the sanitizers): long enough for a
// case to act while it runs, short enough for a case to wait for several.
constexpr const char* slow_fib = "/fib?n=40";
constexpr const char* slow_fib_value = "102334155\n";

// A number in the flat /stats object; -1 if the key is missing.
long long num(const std::string& json, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(json, m, std::regex("\"" + key + "\":([0-9]+)"))) return -1;
    return std::stoll(m[1].str());
}

std::vector<pid_t> worker_pids(const std::string& json) {
    std::smatch m;
    std::vector<pid_t> pids;
    if (!std::regex_search(json, m, std::regex("\"worker_pids\":\\[([0-9,]*)\\]"))) return pids;
    const std::string list = m[1].str();
    const std::regex number("[0-9]+");
    for (std::sregex_iterator it(list.begin(), list.end(), number), end; it != end; ++it)
        pids.push_back(static_cast<pid_t>(std::stol(it->str())));
    return pids;
}

std::string stats(http_client& c) { return c.get("/stats").body(); }

// Polls /stats on c until pred(body) holds; false (and an error naming `what`) at the deadline.
template <class P>
bool stats_until(http_client& c, const char* what, P pred) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::string last;
    while (std::chrono::steady_clock::now() < end) {
        auto r = c.get("/stats");
        if (r.result_int() != 200) break;
        last = r.body();
        if (pred(last)) return true;
    }
    BOOST_ERROR("timed out waiting until " << what << "; last /stats: " << last);
    return false;
}

// How the server ended, once it has ("exit status 0" after a graceful stop).
std::string exit_of(server_process& s) {
    auto st = s.wait_exit(deadline);
    return st ? describe(*st) : "still running after the deadline";
}

}  // namespace

BOOST_AUTO_TEST_CASE(health_answers_ok) {
    server_process s({});
    http_client c(s.port());
    auto r = c.get("/health");
    BOOST_TEST(r.result_int() == 200);
    BOOST_TEST(r.body() == "ok\n");
    BOOST_TEST(r.keep_alive());
    BOOST_TEST(r[http::field::content_type] == "text/plain; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(fib_and_gcd_compute_correct_values) {
    server_process s({});
    http_client c(s.port());
    const std::pair<int, const char*> fibs[] = {{0, "0"}, {1, "1"}, {2, "1"}, {10, "55"}, {30, "832040"}};
    for (auto [n, v] : fibs) {
        auto r = c.get("/fib?n=" + std::to_string(n));
        BOOST_TEST_CONTEXT("fib(" << n << ")") {
            BOOST_TEST(r.result_int() == 200);
            BOOST_TEST(r.body() == std::string(v) + "\n");
        }
    }
    for (std::size_t i = 0; i < gcd_workload::seed_000_pairs.size(); ++i) {
        const auto [a, b] = gcd_workload::seed_000_pairs[i];
        auto r = c.get("/gcd?a=" + std::to_string(a) + "&b=" + std::to_string(b));
        BOOST_TEST(r.result_int() == 200);
        BOOST_TEST(r.body() == std::to_string(gcd_workload::seed_000_expected[i]) + "\n");
    }
    BOOST_TEST(c.get("/gcd?a=12&b=18").body() == "6\n");
    BOOST_TEST(c.get("/fib?n=%33%30").body() == "832040\n");  // percent-decoded
}

BOOST_AUTO_TEST_CASE(malformed_queries_get_400_with_a_message) {
    server_process s({});
    http_client c(s.port());
    const std::pair<const char*, const char*> cases[] = {
        {"/fib", "missing parameter \"n\""},
        {"/fib?n=", "got \"\""},
        {"/fib?n", "got \"\""},
        {"/fib?n=abc", "got \"abc\""},
        {"/fib?n=3x", "got \"3x\""},
        {"/fib?n=1.5", "got \"1.5\""},
        {"/fib?n=1e3", "got \"1e3\""},
        {"/fib?n=+3", "got \"+3\""},
        {"/fib?n=%203", "got \" 3\""},
        {"/fib?n=-1", "from 0 to 45, got -1"},
        {"/fib?n=46", "from 0 to 45, got 46"},
        {"/fib?n=99999999999999999999999", "beyond 64 bits"},
        {"/fib?n=-99999999999999999999999", "beyond 64 bits"},
        {"/fib?n=3&n=4", "given more than once"},
        {"/fib?n=3&x=1", "unknown parameter \"x\""},
        {"/fib?n=%zz", "bad percent-encoding"},
        {"/fib?n=%4", "bad percent-encoding"},
        {"/fib?n=%00", "got \"\\x00\""},
        {"/gcd?a=12", "missing parameter \"b\""},
        {"/gcd?a=0&b=5", "from 1 to 100000000, got 0"},
        {"/gcd?a=12&b=-5", "got -5"},
        {"/gcd?a=100000001&b=5", "got 100000001"},
        {"/health?verbose=1", "unknown parameter \"verbose\""},
        {"/stats?x", "unknown parameter \"x\""},
        {"/fib?n=3#frag", "fragment"},
        {"http://127.0.0.1/fib?n=3", "origin form"},
        {"*", "origin form"},
    };
    for (auto [target, message] : cases) {
        BOOST_TEST_CONTEXT("GET " << target) {
            auto r = c.get(target);
            BOOST_TEST(r.result_int() == 400);
            BOOST_TEST(r.body().find(message) != std::string::npos, "body: " << r.body());
            BOOST_TEST(r.keep_alive());  // a well-framed request: the connection goes on
        }
    }
    auto st = stats(c);
    BOOST_TEST(num(st, "responses_4xx") == (long long)std::size(cases));
    BOOST_TEST(num(st, "connections_total") == 1);
    BOOST_TEST(c.get("/fib?n=20").body() == "6765\n");
}

BOOST_AUTO_TEST_CASE(malformed_http_gets_an_error_and_the_connection_is_closed) {
    server_process s({});
    const std::string big(100'000, 'a');
    const std::pair<std::string, unsigned> cases[] = {
        {"GARBAGE\r\n\r\n", 400},
        {"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", 400},
        {"GET /health HTTP/1.1\r\nHost x\r\n\r\n", 400},
        {"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
        {"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        {"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431},
        {"GET /h" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", 431},
        {"POST /fib HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + big, 413},
    };
    for (const auto& [bytes, status] : cases) {
        BOOST_TEST_CONTEXT("request " << bytes.substr(0, 60)) {
            http_client c(s.port());
            c.send_raw(bytes);
            auto r = c.receive();
            BOOST_TEST(r.result_int() == status);
            BOOST_TEST(r.body().find("bad request") != std::string::npos);
            BOOST_TEST(!r.keep_alive());
            BOOST_TEST(c.closed_by_server());
        }
    }
    http_client c(s.port());
    // Well framed but without the Host that HTTP/1.1 requires: a 400, and the
    // connection stays usable.
    c.send_raw("GET /health HTTP/1.1\r\n\r\n");
    auto r = c.receive();
    BOOST_TEST(r.result_int() == 400);
    BOOST_TEST(r.body().find("Host") != std::string::npos);
    BOOST_TEST(c.get("/health").result_int() == 200);
    auto st = stats(c);
    BOOST_TEST(num(st, "malformed") == (long long)std::size(cases));
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
    server_process s({});
    http_client c(s.port());
    for (const char* t : {"/", "/nope", "/fibx?n=1", "/fib/", "/FIB?n=1", "/health/x"}) {
        auto r = c.get(t);
        BOOST_TEST(r.result_int() == 404, t);
        BOOST_TEST(r.body().find("not found") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(methods_other_than_get_are_405) {
    server_process s({});
    http_client c(s.port());
    for (auto verb : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
        auto r = c.get("/fib?n=3", verb);
        BOOST_TEST_CONTEXT(http::to_string(verb)) {
            BOOST_TEST(r.result_int() == 405);
            BOOST_TEST(r[http::field::allow] == "GET");
            BOOST_TEST(r.keep_alive());
        }
    }
    // A HEAD answer carries no body, or the next response would be misread.
    c.send("/health", http::verb::head);
    auto h = c.receive(true);
    BOOST_TEST(h.result_int() == 405);
    BOOST_TEST(h.body().empty());
    BOOST_TEST(c.get("/health").body() == "ok\n");
}

BOOST_AUTO_TEST_CASE(stats_reports_the_pool_and_the_server_counters) {
    server_process s({"--workers", "2"});
    http_client c(s.port());
    auto first = stats(c);
    for (const char* key : {"max_workers", "workers", "queued", "running", "completed", "worker_deaths", "connections",
                            "connections_total", "requests", "in_flight", "offloaded", "responses_2xx", "responses_4xx",
                            "responses_5xx", "malformed", "rejected", "worker_failures"})
        BOOST_TEST(num(first, key) >= 0, "missing " << key << " in " << first);
    BOOST_TEST(first.find("\"mode\":\"offload\"") != std::string::npos);
    BOOST_TEST(first.find("\"pool_broken\":false") != std::string::npos);
    BOOST_TEST(first.find("\"stopping\":false") != std::string::npos);
    BOOST_TEST(num(first, "max_workers") == 2);
    BOOST_TEST(num(first, "requests") == 1);
    BOOST_TEST(num(first, "in_flight") == 1);  // this very request
    BOOST_TEST(num(first, "completed") == 2);  // the warm-up calls, one per worker, before "listening"
    const long long completed = num(first, "completed");

    BOOST_TEST(c.get("/fib?n=20").result_int() == 200);
    BOOST_TEST(c.get("/fib?n=-1").result_int() == 400);
    auto after = stats(c);
    BOOST_TEST(num(after, "requests") == 4);
    BOOST_TEST(num(after, "completed") == completed + 1);
    BOOST_TEST(num(after, "responses_2xx") == 2);  // the first /stats and the /fib
    BOOST_TEST(num(after, "responses_4xx") == 1);
    BOOST_TEST(num(after, "offloaded") == 0);
    BOOST_TEST(num(after, "workers") == 2);  // started before "listening"
    BOOST_TEST(worker_pids(after).size() == 2);
}

BOOST_AUTO_TEST_CASE(workers_run_nicer_than_the_server) {
    server_process s({"--workers", "2", "--worker-nice", "7"});
    http_client a(s.port()), b(s.port()), c(s.port());
    // Both workers computing: each has run the initializer, which comes first.
    a.send(slow_fib);
    b.send(slow_fib);
    std::string st;
    BOOST_REQUIRE(stats_until(c, "both workers compute", [&](const std::string& j) {
        st = j;
        return num(j, "running") == 2;
    }));
    errno = 0;
    const int server_nice = ::getpriority(PRIO_PROCESS, s.pid());
    BOOST_REQUIRE(errno == 0);
    const auto pids = worker_pids(st);
    BOOST_TEST(pids.size() == 2u);
    for (pid_t w : pids) BOOST_TEST(::getpriority(PRIO_PROCESS, w) == std::min(19, server_nice + 7));
    BOOST_TEST(a.receive().body() == slow_fib_value);
    BOOST_TEST(b.receive().body() == slow_fib_value);
}

BOOST_AUTO_TEST_CASE(crash_kills_a_worker_and_the_pool_replaces_it) {
    server_process s({"--workers", "2"});
    http_client c(s.port());
    BOOST_TEST(c.get("/fib?n=20").body() == "6765\n");
    auto r = c.get("/crash");
    BOOST_TEST(r.result_int() == 502);
    BOOST_TEST(r.body().find("worker died") != std::string::npos);
    BOOST_TEST(r.body().find("SIGKILL") != std::string::npos, r.body());
    BOOST_TEST(c.get("/fib?n=20").body() == "6765\n");
    auto st = stats(c);
    BOOST_TEST(num(st, "worker_deaths") == 1);
    BOOST_TEST(num(st, "worker_failures") == 1);
    // More crashes in a row than the library's default max_restarts (3): the
    // server's own budget (--max-restarts 50) keeps the pool going.
    for (int i = 0; i < 6; ++i) BOOST_TEST(c.get("/crash").result_int() == 502);
    BOOST_TEST(c.get("/fib?n=25").body() == "75025\n");
    BOOST_TEST(c.get("/health").body() == "ok\n");
    st = stats(c);
    BOOST_TEST(num(st, "worker_deaths") == 7);
    BOOST_TEST(num(st, "responses_5xx") == 7);
    BOOST_TEST(st.find("\"pool_broken\":false") != std::string::npos);
    s.signal(SIGTERM);
    BOOST_TEST(exit_of(s) == "exit status 0");
}

BOOST_AUTO_TEST_CASE(a_pool_that_gives_up_turns_health_503_and_the_server_still_answers) {
    server_process s({"--workers", "1", "--max-restarts", "1"});
    http_client c(s.port());
    BOOST_TEST(c.get("/fib?n=5").body() == "5\n");
    // The restart cap counts deaths of workers that completed no call.
    BOOST_TEST(c.get("/crash").result_int() == 502);  // it had answered /fib: no crash loop
    BOOST_TEST(c.get("/crash").result_int() == 502);  // a fresh worker's first call: one crash
    BOOST_TEST(c.get("/crash").result_int() == 502);  // a second within the window: broken
    auto r = c.get("/fib?n=5");
    BOOST_TEST(r.result_int() == 503);
    BOOST_TEST(r.body().find("broken") != std::string::npos);
    auto h = c.get("/health");
    BOOST_TEST(h.result_int() == 503);
    BOOST_TEST(h.body().find("unhealthy") != std::string::npos);
    BOOST_TEST(stats(c).find("\"pool_broken\":true") != std::string::npos);
    s.signal(SIGTERM);
    BOOST_TEST(exit_of(s) == "exit status 0");
}

BOOST_AUTO_TEST_CASE(more_concurrent_requests_than_workers_all_complete) {
    server_process s({"--workers", "2"});
    constexpr int n = 8;
    std::vector<std::unique_ptr<http_client>> cs;
    for (int i = 0; i < n; ++i) {
        cs.push_back(std::make_unique<http_client>(s.port()));
        cs.back()->send("/fib?n=" + std::to_string(25 + i % 4));
        BOOST_TEST(!cs.back()->ec());
    }
    const char* expected[] = {"75025\n", "121393\n", "196418\n", "317811\n"};
    for (int i = 0; i < n; ++i) {
        auto r = cs[i]->receive();
        BOOST_TEST(r.result_int() == 200);
        BOOST_TEST(r.body() == expected[i % 4]);
    }
    http_client c(s.port());
    auto st = stats(c);
    BOOST_TEST(num(st, "responses_2xx") == n);
    BOOST_TEST(num(st, "connections_total") == n + 1);
}

BOOST_AUTO_TEST_CASE(health_answers_while_every_worker_is_busy) {
    server_process s({"--workers", "2"});
    std::vector<std::unique_ptr<http_client>> busy;
    for (int i = 0; i < 3; ++i) {
        busy.push_back(std::make_unique<http_client>(s.port()));
        busy.back()->send(slow_fib);
    }
    http_client c(s.port());
    BOOST_REQUIRE(stats_until(c, "three calls are offloaded", [](const std::string& st) {
        return num(st, "offloaded") == 3u && num(st, "running") == 2u;
    }));
    BOOST_TEST(c.get("/health").body() == "ok\n");
    // Still all three: /health came back while both workers computed.
    auto st = stats(c);
    BOOST_TEST(num(st, "offloaded") == 3u, st);
    for (auto& b : busy) BOOST_TEST(b->receive().body() == slow_fib_value);
}

BOOST_AUTO_TEST_CASE(beyond_max_pending_calls_get_503) {
    server_process s({"--workers", "1", "--max-pending", "2"});
    http_client a(s.port()), b(s.port()), c(s.port());
    a.send(slow_fib);
    b.send(slow_fib);
    BOOST_REQUIRE(
        stats_until(c, "two calls are offloaded", [](const std::string& st) { return num(st, "offloaded") == 2u; }));
    auto r = c.get("/fib?n=1");
    BOOST_TEST(r.result_int() == 503);
    BOOST_TEST(r[http::field::retry_after] == "1");
    BOOST_TEST(c.get("/health").result_int() == 200);  // never limited
    BOOST_TEST(a.receive().body() == slow_fib_value);
    BOOST_TEST(b.receive().body() == slow_fib_value);
    BOOST_TEST(c.get("/fib?n=1").result_int() == 200);
    BOOST_TEST(num(stats(c), "rejected") == 1);
}

BOOST_AUTO_TEST_CASE(beyond_max_connections_a_connection_gets_503_and_is_closed) {
    server_process s({"--max-connections", "2"});
    http_client a(s.port()), b(s.port());
    BOOST_TEST(a.get("/health").result_int() == 200);
    BOOST_TEST(b.get("/health").result_int() == 200);  // both are open now
    http_client c(s.port());
    auto r = c.receive();  // answered before it asks
    BOOST_TEST(r.result_int() == 503);
    BOOST_TEST(c.closed_by_server());
    BOOST_TEST(num(stats(a), "rejected") == 1);
}

BOOST_AUTO_TEST_CASE(keep_alive_and_pipelining_on_one_connection) {
    server_process s({});
    http_client c(s.port());
    const char* targets[] = {"/health", "/fib?n=10", "/gcd?a=12&b=18", "/nope", "/fib?n=x", "/health"};
    const unsigned statuses[] = {200, 200, 200, 404, 400, 200};
    for (std::size_t i = 0; i < std::size(targets); ++i) {
        auto r = c.get(targets[i]);
        BOOST_TEST(r.result_int() == statuses[i], targets[i]);
        BOOST_TEST(r.keep_alive());
    }
    // Three requests in one write: three answers, in order.
    c.send_raw(
        "GET /fib?n=10 HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /fib?n=11 HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(c.receive().body() == "55\n");
    BOOST_TEST(c.receive().body() == "89\n");
    BOOST_TEST(c.receive().body() == "ok\n");
    auto st = stats(c);
    BOOST_TEST(num(st, "connections_total") == 1);
    BOOST_TEST(num(st, "requests") == (long long)std::size(targets) + 4);
}

BOOST_AUTO_TEST_CASE(http_1_0_without_keep_alive_is_closed_after_the_response) {
    server_process s({});
    http_client c(s.port());
    c.send_raw("GET /fib?n=12 HTTP/1.0\r\n\r\n");
    auto r = c.receive();
    BOOST_TEST(r.result_int() == 200);
    BOOST_TEST(r.body() == "144\n");
    BOOST_TEST(r.version() == 10);
    BOOST_TEST(!r.keep_alive());
    BOOST_TEST(c.closed_by_server());
    http_client k(s.port());
    k.send_raw("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    BOOST_TEST(k.receive().keep_alive());
    BOOST_TEST(k.get("/health").result_int() == 200);
}

BOOST_AUTO_TEST_CASE(idle_and_slow_connections_time_out) {
    server_process s({"--timeout", "0.3"});
    http_client idle(s.port()), slow(s.port()), used(s.port());
    slow.send_raw("GET /health HTTP/1.1\r\nHost:");  // and never the rest
    BOOST_TEST(used.get("/health").result_int() == 200);
    BOOST_TEST(idle.closed_by_server());
    BOOST_TEST(slow.closed_by_server());
    BOOST_TEST(used.closed_by_server());  // idle between requests counts too
    http_client c(s.port());
    BOOST_TEST(num(stats(c), "connections") == 1);
}

BOOST_AUTO_TEST_CASE(sigterm_to_the_group_finishes_requests_in_flight_then_exits_0) {
    server_process s({"--workers", "2"});
    http_client idle(s.port());
    BOOST_TEST(idle.get("/health").result_int() == 200);
    std::vector<std::unique_ptr<http_client>> busy;
    for (int i = 0; i < 3; ++i) {
        busy.push_back(std::make_unique<http_client>(s.port()));
        busy.back()->send(slow_fib);
    }
    http_client c(s.port());
    std::string st;
    BOOST_REQUIRE(stats_until(c, "three calls are offloaded", [&](const std::string& j) {
        st = j;
        return num(j, "offloaded") == 3u;
    }));
    std::vector<int> worker_fds;
    for (pid_t w : worker_pids(st)) worker_fds.push_back(pidfd_open(w));
    BOOST_TEST(worker_fds.size() == 2);
    // As Ctrl-C or systemd would: the workers get it too, and must not die of it.
    s.signal_group(SIGTERM);
    for (auto& b : busy) {
        auto r = b->receive();
        BOOST_TEST(r.result_int() == 200);
        BOOST_TEST(r.body() == slow_fib_value);
        BOOST_TEST(!r.keep_alive());  // the server is closing
        BOOST_TEST(b->closed_by_server());
    }
    BOOST_TEST(idle.closed_by_server());
    BOOST_TEST(c.closed_by_server());
    BOOST_TEST(exit_of(s) == "exit status 0");
    for (int fd : worker_fds) {
        BOOST_TEST(fd >= 0);
        BOOST_TEST(exits_within(fd, deadline), "a worker outlived the server");
        ::close(fd);
    }
    BOOST_TEST(http_client(s.port()).ec());  // nobody listens any more
}

BOOST_AUTO_TEST_CASE(sigint_with_nothing_in_flight_exits_0) {
    server_process s({});
    http_client idle(s.port());
    BOOST_TEST(idle.get("/fib?n=3").result_int() == 200);
    s.signal(SIGINT);
    BOOST_TEST(idle.closed_by_server());
    BOOST_TEST(exit_of(s) == "exit status 0");
}

BOOST_AUTO_TEST_CASE(a_second_signal_exits_at_once) {
    server_process s({"--workers", "1"});
    http_client idle(s.port()), busy(s.port());
    BOOST_TEST(idle.get("/health").result_int() == 200);
    busy.send("/fib?n=45");  // seconds of work
    BOOST_REQUIRE(
        stats_until(idle, "the call is offloaded", [](const std::string& st) { return num(st, "offloaded") == 1u; }));
    s.signal(SIGTERM);
    BOOST_TEST(idle.closed_by_server());  // the first signal was handled: stopping
    s.signal(SIGTERM);
    auto st = s.wait_exit(deadline);
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(WIFEXITED(*st));
    BOOST_TEST(WEXITSTATUS(*st) == 128 + SIGTERM, describe(*st));
    BOOST_TEST(busy.receive().result_int() == 0);  // never answered
}

BOOST_AUTO_TEST_CASE(inline_mode_computes_on_the_server_thread) {
    server_process s({"--mode", "inline"});
    http_client c(s.port());
    BOOST_TEST(c.get("/fib?n=30").body() == "832040\n");
    BOOST_TEST(c.get("/gcd?a=12&b=18").body() == "6\n");
    BOOST_TEST(c.get("/crash").result_int() == 501);
    auto st = stats(c);
    BOOST_TEST(st.find("\"mode\":\"inline\"") != std::string::npos);
    BOOST_TEST(num(st, "workers") == 0);
    s.signal(SIGTERM);
    BOOST_TEST(exit_of(s) == "exit status 0");
}

BOOST_AUTO_TEST_CASE(a_bad_command_line_exits_2_without_listening) {
    for (auto args : {std::vector<std::string>{"--workers", "0"},
                      {"--mode", "sideways"},
                      {"--worker-nice", "20"},
                      {"--timeout", "0"},
                      {"--no-such-flag"}}) {
        std::string what = "started";
        try {
            server_process s(args);
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        BOOST_TEST(what.find("exit status 2") != std::string::npos, what);
    }
}

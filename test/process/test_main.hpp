#pragma once
// main() for the process-pool tests: the test executable is relaunched as its own
// worker (the one-line self-relaunch), so main must let workers out before Boost.Test
// parses anything. Include once, in the test's .cpp, after BOOST_TEST_MODULE.
#include <cstdlib>
#include <string>

#include <futures/worker.hpp>

#include <boost/test/unit_test.hpp>

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);
    // Workers inherit the environment: deliberately crashing workers must not add
    // leak reports or change their exit codes under ASan.
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    ::setenv("ASAN_OPTIONS", (asan + (asan.empty() ? "" : ":") + "detect_leaks=0").c_str(), 1);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

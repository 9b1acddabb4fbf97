#pragma once
// Internal to test/support: lets the watchdog report the counts so far when it
// kills a hung test, so a hang still leaves a summary record behind.

namespace futures_test::detail {

struct counts {
    unsigned passed = 0, failed = 0, skipped = 0;
};

// Test cases finished so far; safe to call from any thread.
counts current_counts() noexcept;

// Prints "N passed, N failed[, N skipped]" on stdout and, if FUTURES_TEST_SUMMARY
// names a file, appends "<exe> <passed> <failed> <skipped>" to it.
void report(counts c) noexcept;

}  // namespace futures_test::detail

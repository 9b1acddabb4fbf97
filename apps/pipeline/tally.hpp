#pragma once
// The aggregate stage: running totals, failures grouped by message, and the final
// summary. Only the io_context's thread touches a tally (both pools publish their
// completions there), so it has no lock and no atomics.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tasks.hpp"

namespace pipeline {

/// Count, min, max and mean of a series, in O(1) memory.
struct running_stats {
    std::size_t count = 0;
    double min = 0, max = 0, sum = 0;

    void add(double v) {
        if (count == 0 || v < min) min = v;
        if (count == 0 || v > max) max = v;
        sum += v;
        ++count;
    }
    double mean() const noexcept { return count ? sum / double(count) : 0.0; }
};

/// Where a record failed.
enum class stage { parse, process };
inline const char* stage_name(stage s) noexcept { return s == stage::parse ? "parse" : "process"; }

class tally {
public:
    /// A record made it through both stages; latency_ms is from being read to here.
    void add_ok(const crunch_result& r, double latency_ms);
    /// A record failed at stage `where`; origin names the record.
    void add_failure(stage where, const std::string& origin, const std::string& message);

    std::size_t ok() const noexcept { return ok_; }
    std::size_t failed() const noexcept { return parse_failed_ + process_failed_; }
    /// Records accounted for, either way: what the progress display counts.
    std::size_t done() const noexcept { return ok_ + failed(); }

    /// Prints the summary to stdout. Returns false (and says so) if some of the
    /// `read` records were never accounted for: the pipeline must lose none.
    bool print_summary(std::size_t read, double elapsed_s) const;

private:
    struct failure_group {
        stage where;
        std::string message, first_origin;
        std::size_t count = 0;
    };
    // Distinct messages are capped so a file of garbage cannot grow this without
    // bound; the rest only count.
    static constexpr std::size_t max_groups = 10;

    std::size_t ok_ = 0, parse_failed_ = 0, process_failed_ = 0, ungrouped_ = 0;
    running_stats score_, latency_ms_;
    std::uint64_t checksum_ = 0;
    std::vector<failure_group> groups_;
};

}  // namespace pipeline

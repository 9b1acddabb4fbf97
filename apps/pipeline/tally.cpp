// Running totals and the summary printed when the pipeline has drained.
#include "tally.hpp"

#include <cstdio>

namespace pipeline {

void tally::add_ok(const crunch_result& r, double latency_ms) {
    ++ok_;
    score_.add(r.score);
    latency_ms_.add(latency_ms);
    checksum_ ^= r.digest;  // xor: independent of completion order, so runs compare
}

void tally::add_failure(stage where, const std::string& origin, const std::string& message) {
    ++(where == stage::parse ? parse_failed_ : process_failed_);
    for (auto& g : groups_)
        if (g.where == where && g.message == message) {
            ++g.count;
            return;
        }
    if (groups_.size() == max_groups) {
        ++ungrouped_;
        return;
    }
    groups_.push_back({where, message, origin, 1});
}

bool tally::print_summary(std::size_t read, double elapsed_s) const {
    std::printf("pipeline: %zu records in %.2f s, %.1f items/s\n", done(), elapsed_s,
                elapsed_s > 0 ? double(done()) / elapsed_s : 0.0);
    std::printf("  ok         %zu\n", ok_);
    std::printf("  failed     %zu (parse %zu, process %zu)\n", failed(), parse_failed_, process_failed_);
    if (score_.count) {
        std::printf("  score      min %.0f  max %.0f  mean %.2f  (leading zero bits of a record's best hash)\n",
                    score_.min, score_.max, score_.mean());
        std::printf("  latency    min %.1f  max %.1f  mean %.1f ms  (read to aggregated)\n", latency_ms_.min,
                    latency_ms_.max, latency_ms_.mean());
        std::printf("  checksum   %016llx  (xor of the digests: the same whatever --threads/--workers)\n",
                    static_cast<unsigned long long>(checksum_));
    }
    if (!groups_.empty()) {
        std::printf("failures by message:\n");
        for (const auto& g : groups_)
            std::printf("  %5zux %-7s %s  (first: %s)\n", g.count, stage_name(g.where), g.message.c_str(),
                        g.first_origin.c_str());
        if (ungrouped_) std::printf("  %5zux other messages\n", ungrouped_);
    }
    const bool all = done() == read;
    if (all)
        std::printf("accounted for all %zu records read\n", read);
    else
        std::printf("LOST RECORDS: %zu read, %zu accounted for\n", read, done());
    std::fflush(stdout);
    return all;
}

}  // namespace pipeline

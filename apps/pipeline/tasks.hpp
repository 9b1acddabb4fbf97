#pragma once
// The CPU-heavy stage, run in worker processes. A worker is this executable
// relaunched (main() calls run_worker_if_requested() first), so the task is a
// function both sides compile, registered by name with FUTURES_TASK.
#include <bit>
#include <cstdint>
#include <stdexcept>

#include <futures/serialization.hpp>
#include <futures/task.hpp>

#include "records.hpp"

namespace pipeline {

/// What the process stage returns for one record.
struct crunch_result {
    std::uint64_t digest = 0;  // the chain's last state: the summary xors these into a checksum
    int score = 0;             // most leading zero bits of any output of the chain
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& digest& score;
    }
};

/// Runs an xorshift64* chain of w.rounds steps from w.seed (about 2 ns a step, so the
/// default million rounds take ~2 ms) and keeps its "best" output, proof-of-work
/// style. Seed 0 is a fixed point of xorshift (the chain would stay at 0), so the task
/// rejects it: the generator plants such records to show a process-stage failure.
inline crunch_result crunch(work_item w) {
    if (w.seed == 0) throw std::domain_error("seed 0 is a fixed point of xorshift: the chain would never leave 0");
    std::uint64_t x = w.seed;
    int best = 0;
    for (std::uint64_t i = 0; i < w.rounds; ++i) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        const int zeros = std::countl_zero(x * 0x2545f4914f6cdd1dull);
        if (zeros > best) best = zeros;
    }
    return {x, best};
}

}  // namespace pipeline

FUTURES_TASK(crunch_task, pipeline::crunch);

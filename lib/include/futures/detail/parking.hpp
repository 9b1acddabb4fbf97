#pragma once
// Where threads blocked on a future sleep: a fixed table of condition variables
// shared by all states, picked by address. Blocking is the slow path (waiters spin
// first), so an occasional wake-up meant for a neighbour costs less than 48 bytes
// of condition variable in every one of a million queued states.
//
// Protocol (an event count): a sleeper takes its bucket's mutex, counts itself in
// the state's sleepers, then checks the state; the completer publishes the state,
// then reads the sleepers (both seq_cst, so one sees the other) and, if any, takes
// and drops the bucket's mutex before notifying, so a sleeper between its check
// and its wait cannot miss the wake.
#include <condition_variable>
#include <mutex>

namespace futures::detail {

struct parking_bucket {
    std::mutex m;
    std::condition_variable cv;
};

parking_bucket& parking_for(const void* p) noexcept;

}  // namespace futures::detail

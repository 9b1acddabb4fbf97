#pragma once
// What wait() and as_completed() install on the futures they watch. A completing
// future calls on_done() under its own lock; the waiter wakes its consumer only when
// the consumer's condition holds, so wait(all_completed) over 10,000 futures wakes
// once, not 10,000 times.
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace futures::detail {

class state_base;

class waiter {
public:
    enum class mode { first_completed, first_exception, all_completed, each };

    waiter(mode m, std::size_t pending) : mode_(m), pending_(pending) {}
    waiter(const waiter&) = delete;
    waiter& operator=(const waiter&) = delete;

    /// Called by a state as it becomes done (under that state's lock).
    void on_done(state_base* s, bool failed) {
        std::lock_guard lk(m_);
        finished_.push_back(s);
        --pending_;
        bool wake = mode_ == mode::each || mode_ == mode::first_completed || pending_ == 0 ||
                    (mode_ == mode::first_exception && failed);
        if (wake) {
            triggered_ = true;
            cv_.notify_one();
        }
    }

    std::mutex m_;
    std::condition_variable cv_;
    mode mode_;
    std::size_t pending_;
    bool triggered_ = false;
    std::vector<state_base*> finished_;
};

}  // namespace futures::detail

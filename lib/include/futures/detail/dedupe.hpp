#pragma once
#include <ranges>
#include <unordered_set>
#include <vector>

#include <futures/detail/shared_state.hpp>

namespace futures::detail {

/// Copies the handles of a range, dropping later duplicates (Python works on a
/// set(fs)); keeps input order, which C++ callers can rely on.
template <class F, class R>
std::vector<F> distinct_futures(R&& fs, std::vector<state_base*>& states) {
    std::vector<F> out;
    std::unordered_set<state_base*> seen;
    for (auto&& f : fs) {
        F handle(f);
        if (seen.insert(handle.native_state()).second) {
            states.push_back(handle.native_state());
            out.push_back(std::move(handle));
        }
    }
    return out;
}

}  // namespace futures::detail

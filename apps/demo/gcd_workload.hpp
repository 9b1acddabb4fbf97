#pragma once
// The CPU-bound workload of seeds 000 and 003: a deliberately slow gcd that counts
// down from min(a, b). Shared by the demo's thread-pool half, the process-pool half
// to come, and apps/bench (workload c), so that all of them time the same loop.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gcd_workload {

using pair = std::pair<std::int64_t, std::int64_t>;

/// Brute force, as the seeds write it in Python. 64-bit ints, because Python's ints
/// are not 32-bit either; the point is a fixed amount of CPU work per pair.
inline std::int64_t gcd(const pair& p) {
    const auto [a, b] = p;
    for (std::int64_t i = a < b ? a : b; i > 0; --i)
        if (a % i == 0 && b % i == 0) return i;
    throw std::runtime_error("Not reachable");  // seed 003 raises RuntimeError here
}

/// Seed 000 (six pairs, ~11.6 M iterations in all).
inline const std::vector<pair> seed_000_pairs = {
    {1963309, 2265973}, {1879675, 2493670}, {2030677, 3814172},
    {1551645, 2229620}, {1988912, 4736670}, {2198964, 7876293},
};
/// What seed 000 prints: [1, 5, 1, 5, 2, 3].
inline const std::vector<std::int64_t> seed_000_expected = {1, 5, 1, 5, 2, 3};

/// Seed 003 (Effective Python, item 79: ten pairs, ~206 M iterations in all).
inline const std::vector<pair> seed_003_pairs = {
    {19633090, 22659730}, {20306770, 38141720}, {15516450, 22296200}, {20390450, 20208020}, {18237120, 19249280},
    {22931290, 10204910}, {12812380, 22737820}, {38238120, 42372810}, {38127410, 47291390}, {12923910, 21238110},
};

/// The serial baseline: list(map(gcd, pairs)).
inline std::vector<std::int64_t> serial(const std::vector<pair>& pairs) {
    std::vector<std::int64_t> out;
    out.reserve(pairs.size());
    for (const auto& p : pairs) out.push_back(gcd(p));
    return out;
}

}  // namespace gcd_workload

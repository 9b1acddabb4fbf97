#include "gcd_tasks.hpp"

#include <numeric>

int gcd_of(std::pair<int, int> p) { return std::gcd(p.first, p.second); }
long sum_to(long n) { return n * (n + 1) / 2; }

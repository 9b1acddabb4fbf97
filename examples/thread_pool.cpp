#include <futures/futures.hpp>

#include <chrono>
#include <iostream>
#include <numeric>
#include <utility>
#include <vector>

int gcd(std::pair<int, int> p) { return std::gcd(p.first, p.second); }

int main() {
    futures::thread_pool_executor pool({.max_workers = 4, .thread_name_prefix = "gcd"});

    auto f = pool.submit(gcd, std::pair{1963309, 2265973});  // future<int>
    f.add_done_callback([](futures::future<int> g) { std::cout << "callback saw " << g.result() << '\n'; });
    int r = f.result(std::chrono::seconds(5));  // or throws timeout_error

    std::vector<std::pair<int, int>> pairs{{12, 18}, {35, 49}, {1071, 462}};
    for (int g : pool.map(gcd, pairs, futures::map_options{.buffersize = 8}))  // lazy, in order
        std::cout << "map: " << g << '\n';

    std::vector<futures::future<int>> fs;
    for (const auto& p : pairs) fs.push_back(pool.submit(gcd, p));
    for (auto& done : futures::as_completed(fs, std::chrono::seconds(10)))
        std::cout << "as_completed: " << done.result() << '\n';
    auto [done, not_done] = futures::wait(fs, futures::return_when::first_exception);

    auto doubled = f.then([](int x) { return 2 * x; });  // future<int>
    auto both = futures::when_all(f, doubled);           // future<tuple<future<int>, future<int>>>
    auto [a, b] = both.result();
    std::cout << "gcd " << r << ", doubled " << b.result() << ", " << done.size() << " done\n";
    return a.result() == r && not_done.empty() ? 0 : 1;
}

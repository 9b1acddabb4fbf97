#include <futures/process_pool_executor.hpp>
#include <futures/task.hpp>
#include <futures/worker.hpp>

#include <iostream>
#include <numeric>
#include <utility>
#include <vector>

int gcd(std::pair<int, int> p) { return std::gcd(p.first, p.second); }
FUTURES_TASK(gcd_task, gcd);  // at namespace scope

int main(int argc, char** argv) {
    futures::run_worker_if_requested(argc, argv);  // like Python's spawn: this exe is also the worker
    futures::process_pool_executor pool(2);
    futures::future<int> f = pool.submit(gcd_task, std::pair{12, 18});
    std::cout << "submit: " << f.result() << '\n';
    std::vector<std::pair<int, int>> pairs{{35, 49}, {1071, 462}, {1963309, 2265973}};
    for (int g : pool.map(gcd_task, pairs))  // chunked automatically
        std::cout << "map: " << g << '\n';
}

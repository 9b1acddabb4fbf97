// A parent whose workers are a separate binary, example_worker, built by
// futures_add_worker() from the static library example_tasks. The worker is
// named like a command: looked up in PATH as execvp does (argv[1] overrides).
#include <futures/process_pool_executor.hpp>

#include <iostream>
#include <string>

#include "tasks/gcd_tasks.hpp"

int main(int argc, char** argv) {
    const std::string worker = argc > 1 ? argv[1] : "example_worker";
    futures::process_pool_executor pool({.max_workers = 2, .worker_executable = worker});
    auto g = pool.submit(gcd_of_task, std::pair{1071, 462});
    auto s = pool.submit(sum_to_task, 100);
    std::cout << "gcd " << g.result() << ", sum " << s.result() << '\n';
    return g.result() == 21 && s.result() == 5050 ? 0 : 1;
}

// futures demo: the examples of the seed articles, re-run in C++ on the thread pool
// and the process pool. `demo` runs them all (about 25 s on an idle machine);
// `demo --only <name>` runs one. The process pool relaunches this executable as its
// workers, hence run_worker_if_requested() first thing in main().
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include <futures/worker.hpp>

#include "demo.hpp"

namespace po = boost::program_options;

namespace {

struct part {
    const char* name;
    const char* what;
    int (*run)();
};

const std::vector<part> parts = {
    {"io", "seed 004: 10 sleep-1s tasks on 2 and 10 threads (~6 s)", demo::io},
    {"gcd", "seeds 000/003: brute-force gcd, serial vs map on 2 and 4 threads (~4 s)", demo::gcd},
    // The process-pool half.
    {"gcd-process", "seeds 000/003: gcd, serial vs 2 threads vs 2 and 4 processes (~6 s)", demo::gcd_process},
    {"fib", "seed 002: fib(15..31) on 3 processes, submit + as_completed with a remote error, then map (~1 s)",
     demo::fib},
    {"chunksize", "seed 002: map(f, 1..99999) on 3 processes, chunksize 1 vs N/(4W) vs automatic (~5 s)",
     demo::chunksize},
    {"pi", "seed 004: 4 pi series on 1, 2 and 4 processes (~3 s)", demo::pi},
};

std::string part_list() {
    std::string s;
    for (const auto& p : parts) s += std::string("  ") + p.name + "\t" + p.what + "\n";
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    // A worker of one of the process pools below: runs its loop and exits here.
    futures::run_worker_if_requested(argc, argv);
    po::options_description opts("Options");
    opts.add_options()("help,h", "show this help")("only", po::value<std::string>(), "run only the named part");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "demo: " << e.what() << "\n" << opts << "Parts:\n" << part_list();
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "Usage: demo [--only <name>]\n"
                     "Re-runs the examples of the seed articles with futures::thread_pool_executor and\n"
                     "futures::process_pool_executor.\n\n"
                  << opts << "\nParts:\n"
                  << part_list();
        return 0;
    }

    const std::string only = vm.count("only") ? vm["only"].as<std::string>() : "";
    int status = 0;
    bool ran = false;
    for (const auto& p : parts) {
        if (!only.empty() && only != p.name) continue;
        ran = true;
        if (p.run() != 0) status = 1;
    }
    if (!ran) {
        std::cerr << "demo: no part named '" << only << "'. Parts:\n" << part_list();
        return 2;
    }
    std::printf("demo: %s\n", status == 0 ? "all checks OK" : "some checks FAILED");
    return status;
}

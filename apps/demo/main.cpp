// futures demo: the thread-pool examples of the seed articles, re-run in C++.
// `demo` runs them all (about 10 s on an idle machine); `demo --only <name>` runs one.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "demo.hpp"

namespace po = boost::program_options;

namespace {

struct part {
    const char* name;
    const char* what;
    int (*run)();
};

// The process-pool half will add its parts here (e.g. "gcd-process").
const std::vector<part> parts = {
    {"io", "seed 004: 10 sleep-1s tasks on 2 and 10 threads (~6 s)", demo::seed_004_io},
    {"gcd", "seeds 000/003: brute-force gcd, serial vs map on 2 and 4 threads (~4 s)", demo::seed_gcd},
};

std::string part_list() {
    std::string s;
    for (const auto& p : parts) s += std::string("  ") + p.name + "\t" + p.what + "\n";
    return s;
}

}  // namespace

int main(int argc, char** argv) {
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
                     "Re-runs the thread-pool examples of the seed articles with futures::thread_pool_executor.\n\n"
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

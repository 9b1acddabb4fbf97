// futures bench: futures::thread_pool_executor against boost::asio::thread_pool
// (+ use_future), and futures::process_pool_executor against Python's process pools
// (python_anchors.py and snippets, run as child processes), on the same machine in
// the same run, in pairs (one run of each side, back to back), with the targets
// checked on the median pair ratio in a summary at the end. `--only floors` measures
// the machine instead (pipes, memcpy, wakes, page faults, exec). Output is meant to be pasted
// into README as is. The process pool relaunches this executable as its workers,
// hence run_worker_if_requested() first thing in main().
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <boost/version.hpp>

#include <futures/worker.hpp>

#include "harness.hpp"
#include "python.hpp"

namespace po = boost::program_options;

namespace {

// The registry. a-c: thread pools; pa-pe: the process pool vs Python, 2 workers.
const std::vector<bench::workload> workloads = {
    {"a", "throughput: submit + result of 1,000,000 no-op tasks", bench::throughput},
    {"ac", "throughput in fresh processes, cold and warm, vs asio::thread_pool and oneTBB task_arena",
     bench::cold_throughput},
    {"b", "latency: 100,000 sequential submit -> result round trips", bench::round_trip},
    {"c", "speedup: gcd of seed 003's ten pairs, serial vs 2 workers", bench::gcd_speedup},
    {"pa", "process pool: submit + result of 100,000 no-op tasks, vs ProcessPoolExecutor", bench::process_throughput},
    {"pb", "process pool: 10,000 round trips, median and p99, vs ProcessPoolExecutor", bench::process_round_trip},
    {"pc", "process pool: map over 100,000 ints, automatic chunks, cold and warm, vs multiprocessing.Pool.map",
     bench::process_map},
    {"pd", "process pool: gcd of seed 003, serial vs 2 worker processes", bench::process_gcd},
    {"pe", "process pool: construction to two results, vs ProcessPoolExecutor", bench::process_start},
    {"pl", "process pool: echo of 1 KiB, 1 MiB, 16 MiB payloads, MB/s, vs ProcessPoolExecutor",
     bench::process_payloads},
    {"m", "MPI: mpi_pool_executor vs mpi4py.futures (static mode), 3 ranks, shared memory and loopback TCP",
     bench::mpi_rows},
    // Not part of a default run: what the figures above stand on.
    {"pl-scan", "process pool: pipe vs shared regions by payload size (how the threshold was chosen)",
     bench::payload_threshold_scan},
    {"floors", "the machine: pipe bandwidth, memcpy, wakes, futex, page faults, exec of this binary",
     bench::machine_floors},
};

// Debian's interpreter: python_anchors.py needs python3-joblib, a Debian package,
// which a pyenv `python3` earlier on PATH would not see.
std::string default_python() { return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

// What a reader needs to judge the figures: when, where, how busy, how built.
void print_machine(const bench::config& cfg) {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    utsname u{};
    uname(&u);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf("futures bench   %s\n", date);
    std::printf("machine         %s %s %s, %s\n", u.sysname, u.release, u.machine, cpu_model().c_str());
    std::printf("nproc           %ld (load average %.2f %.2f %.2f at start)\n", sysconf(_SC_NPROCESSORS_ONLN), load[0],
                load[1], load[2]);
    std::printf("build           g++ %s, Boost %s, %s\n", __VERSION__, BOOST_LIB_VERSION,
#ifdef __OPTIMIZE__
                "optimized"
#else
                "NOT optimized (figures meaningless)"
#endif
    );
    std::printf("settings        repeat=%d%s; a pair = one run of each side, back to back, alternately first\n",
                cfg.repeat, cfg.quick ? ", --quick (small N: a smoke run, not figures to quote)" : "");
    std::printf("python          %s %s\n\n", cfg.python.empty() ? "(none)" : cfg.python.c_str(),
                cfg.python.empty() ? "" : cfg.anchors.c_str());
}

void print_summary(const std::vector<bench::verdict>& vs) {
    std::printf("summary (verdict on the median of the per-pair ratios; min and max beside it)\n");
    std::printf("%-48s |   target | pairs | median ratio |     min |     max | verdict\n", "measure");
    for (const auto& v : vs) {
        const char* verdict = v.wrong_results          ? "WRONG RESULTS"
                              : v.no_reference         ? "n/a (no reference figure)"
                              : v.target <= 0          ? "reference"
                              : v.r.median >= v.target ? "PASS"
                                                       : "MISS";
        char target[16] = "-";
        if (v.target > 0) std::snprintf(target, sizeof target, ">= %.1fx", v.target);
        std::printf("%-48s | %8s | %5zu | %11.2fx | %6.2fx | %6.2fx | %s%s%s\n", v.what.c_str(), target, v.r.pairs,
                    v.r.median, v.r.min, v.r.max, verdict, v.note.empty() ? "" : "  ", v.note.c_str());
    }
    // Load at the end too: a MISS taken while other work ran is not the code's verdict.
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf("load average at end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
}

}  // namespace

int main(int argc, char** argv) {
    // A worker of one of the process pools: runs its loop and exits here.
    futures::run_worker_if_requested(argc, argv);
    // A fresh process for one cold run of (ac): nothing else in it, no fork server.
    if (argc >= 2 && std::string(argv[1]) == bench::throughput_child_flag) return bench::throughput_child(argc, argv);
    // Every pool below forks its workers from this server (docs/pool-start.md); (pe)
    // also measures the relaunch, with use_fork_server = false.
    futures::start_fork_server();
    bench::config cfg;
    bool no_python = false;
    std::string only;
    po::options_description opts("Options");
    opts.add_options()("help,h", "show this help")("quick", po::bool_switch(&cfg.quick), "small N, for a CI smoke run")(
        "repeat", po::value<int>(&cfg.repeat)->default_value(3), "repeats of each measurement (>= 1)")(
        "only", po::value<std::string>(&only),
        "run one workload: a, ac, b, c, pa, pb, pc, pd, pe, pl, pl-scan, m, or floors")(
        "python", po::value<std::string>(&cfg.python)->default_value(default_python()),
        "the interpreter that runs the Python side of the process-pool comparisons")(
        "no-python", po::bool_switch(&no_python), "skip Python: the process-pool rows get no verdict")(
        "anchors", po::value<std::string>(&cfg.anchors)->default_value(bench::default_anchors()),
        "path of python_anchors.py (default: ../shared/bench/ next to the repository)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
        if (cfg.repeat < 1) throw po::error("--repeat must be >= 1");
        if (no_python) cfg.python.clear();
    } catch (const po::error& e) {
        std::cerr << "bench: " << e.what() << "\n" << opts;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "Usage: bench [--quick] [--repeat N] [--only NAME] [--python PATH | --no-python]\n"
                     "futures::thread_pool_executor vs boost::asio::thread_pool + use_future, and\n"
                     "futures::process_pool_executor vs Python's process pools; 2 workers.\n\n"
                  << opts << "\nWorkloads:\n";
        for (const auto& w : workloads) std::cout << "  " << w.name << "  " << w.title << "\n";
        return 0;
    }

    std::vector<const bench::workload*> chosen;
    for (const auto& w : workloads)
        if (only == w.name || (only.empty() && std::string(w.name) != "floors" && std::string(w.name) != "pl-scan"))
            chosen.push_back(&w);
    if (chosen.empty()) {
        std::cerr << "bench: no workload named '" << only << "' (try --help)\n";
        return 2;
    }

    print_machine(cfg);
    std::vector<bench::verdict> verdicts;
    for (const auto* w : chosen) w->run(cfg, verdicts);
    if (!verdicts.empty()) print_summary(verdicts);

    for (const auto& v : verdicts)
        if (v.wrong_results) return 1;
    return 0;
}

// pipeline: records -> parse on a thread pool -> hash chains in worker processes ->
// running totals, wired by completion handlers on one io_context (issue #4, item 5).
// main() is the only code that blocks, in io.run(). The process pool relaunches this
// executable as its workers, hence run_worker_if_requested() first thing in main().
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>

#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>
#include <futures/worker.hpp>

#include "progress.hpp"
#include "records.hpp"
#include "stages.hpp"
#include "tally.hpp"

namespace po = boost::program_options;

namespace {

struct config {
    pipeline::generator_options gen;
    std::vector<std::string> files;
    std::size_t threads = 2, workers = 0, max_in_flight = 64;
    bool quiet = false;
};

// nullopt: exit with *status (help printed, or a bad command line).
std::optional<config> parse_command_line(int argc, char** argv, int& status) {
    config c;
    po::options_description opts("Options");
    auto add = opts.add_options();
    add("help,h", "show this help");
    add("items,n", po::value(&c.gen.items)->default_value(c.gen.items), "records to generate");
    add("bad-every", po::value(&c.gen.bad_every)->default_value(c.gen.bad_every),
        "make every Nth generated record malformed (fails to parse; 0: none)");
    add("fail-every", po::value(&c.gen.fail_every)->default_value(c.gen.fail_every),
        "give every Nth generated record seed 0, which the worker's task rejects (0: none)");
    add("rounds", po::value(&c.gen.mean_rounds)->default_value(c.gen.mean_rounds),
        "mean hash steps per generated record (~2 ns each)");
    add("threads", po::value(&c.threads)->default_value(c.threads), "parse threads");
    add("workers", po::value(&c.workers)->default_value(c.workers), "worker processes (0: the usable cores)");
    add("max-in-flight", po::value(&c.max_in_flight)->default_value(c.max_in_flight),
        "most records between read and aggregated");
    add("quiet,q", po::bool_switch(&c.quiet), "no progress display");
    add("file", po::value(&c.files), "input files, one record per line (instead of generating)");
    po::positional_options_description pos;
    pos.add("file", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
        if (c.threads == 0) throw po::error("--threads must be at least 1");
        if (c.max_in_flight == 0) throw po::error("--max-in-flight must be at least 1");
    } catch (const po::error& e) {
        std::cerr << "pipeline: " << e.what() << "\n" << opts;
        status = 2;
        return std::nullopt;
    }
    if (vm.count("help")) {
        std::cout << "Usage: pipeline [options] [file...]\n"
                     "Parses records (\"<rounds> <hex seed>\" lines, from the files or generated) on a\n"
                     "thread pool, runs a hash chain per record in worker processes, and sums up.\n\n"
                  << opts;
        status = 0;
        return std::nullopt;
    }
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    // A worker of the process pool below: runs its loop and exits here.
    futures::run_worker_if_requested(argc, argv);
    int status = 0;
    const auto cfg = parse_command_line(argc, argv, status);
    if (!cfg) return status;

    std::optional<pipeline::record_source> source;
    try {
        if (cfg->files.empty())
            source.emplace(cfg->gen);
        else
            source.emplace(cfg->files);
    } catch (const std::exception& e) {
        std::cerr << "pipeline: " << e.what() << "\n";
        return 2;
    }

    // Declared first so it is destroyed last: both pools post to it until their
    // destructors have finished.
    boost::asio::io_context io;
    // Both pools complete their futures on io, so every stage handler, the tally and
    // the progress display share one thread: the aggregate needs no lock, and no
    // handler ever waits for another. It also makes run() return exactly when the
    // work is done: each pool counts outstanding work on io from submit to
    // completion, the parse handler's wait counts too, and so does the progress
    // timer until finish() cancels it.
    futures::thread_pool_executor parsers(
        {.max_workers = cfg->threads, .thread_name_prefix = "parse", .completion_executor = io.get_executor()});
    futures::process_pool_options popts{.completion_executor = io.get_executor()};
    if (cfg->workers) popts.max_workers = cfg->workers;
    futures::process_pool_executor crunchers(popts);

    pipeline::tally tally;
    pipeline::progress_display progress(
        io, cfg->quiet ? pipeline::progress_mode::off : pipeline::detect_progress_mode(), source->total(), tally);
    pipeline::stages stages(io, parsers, crunchers, *source, tally, cfg->max_in_flight, [&] { progress.finish(); });

    std::printf("pipeline: %zu records (%s), %zu parse threads, %zu worker processes, at most %zu in flight\n",
                source->total(), cfg->files.empty() ? "generated" : "from files", parsers.max_workers(),
                crunchers.max_workers(), cfg->max_in_flight);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    stages.start();
    progress.start();
    io.run();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool all_accounted = tally.print_summary(stages.read(), elapsed);
    if (!stages.input_error().empty()) {
        std::cerr << "pipeline: input stopped early: " << stages.input_error() << "\n";
        return 1;
    }
    return all_accounted ? 0 : 1;
}

#include "options.hpp"

#include <algorithm>
#include <iostream>

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace offload {

const char* to_string(compute_mode m) { return m == compute_mode::offload ? "offload" : "inline"; }

std::optional<options> parse_command_line(int argc, char** argv, int& status) {
    options o;
    std::string mode = to_string(o.mode);
    double timeout_s = std::chrono::duration<double>(o.timeout).count();
    po::options_description desc("Options");
    auto add = desc.add_options();
    add("help,h", "show this help");
    add("address", po::value(&o.address)->default_value(o.address), "address to listen on");
    add("port,p", po::value(&o.port)->default_value(o.port), "TCP port (0: any free port)");
    add("mode", po::value(&mode)->default_value(mode),
        "offload: CPU endpoints run in worker processes; inline: on the server's own thread (baseline)");
    add("workers,w", po::value(&o.workers)->default_value(o.workers), "worker processes (offload mode)");
    add("max-pending", po::value(&o.max_pending)->default_value(o.max_pending),
        "most offloaded calls at once; more are answered 503 (0: no limit)");
    add("max-restarts", po::value(&o.max_restarts)->default_value(o.max_restarts),
        "crashes (deaths of workers that completed no call) within a minute before the pool gives up");
    add("max-connections", po::value(&o.max_connections)->default_value(o.max_connections),
        "open connections at most; more are answered 503 and closed");
    add("worker-nice", po::value(&o.worker_nice)->default_value(o.worker_nice),
        "how much nicer (lower priority) than the server the workers run, 0 to 19");
    add("timeout", po::value(&timeout_s)->default_value(timeout_s),
        "seconds to receive one request (idle keep-alive included) or send one response");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
        if (mode == "offload")
            o.mode = compute_mode::offload;
        else if (mode == "inline")
            o.mode = compute_mode::inline_;
        else
            throw po::error("--mode must be offload or inline, not \"" + mode + "\"");
        if (o.workers == 0) throw po::error("--workers must be at least 1");
        if (o.worker_nice < 0 || o.worker_nice > 19) throw po::error("--worker-nice must be from 0 to 19");
        if (o.max_connections == 0) throw po::error("--max-connections must be at least 1");
        if (!(timeout_s > 0 && timeout_s <= 86400)) throw po::error("--timeout must be in (0, 86400] seconds");
        o.timeout = std::chrono::milliseconds(std::max(1LL, static_cast<long long>(timeout_s * 1000 + 0.5)));
    } catch (const po::error& e) {
        std::cerr << "offload_server: " << e.what() << " (see --help)\n";
        status = 2;
        return std::nullopt;
    }
    if (vm.count("help")) {
        std::cout << "Usage: offload_server [options]\n"
                     "An HTTP/1.1 server whose CPU-bound endpoints (/fib?n=, /gcd?a=&b=) run in a process\n"
                     "pool, beside /health, /stats and /crash. Prints \"listening on ADDRESS:PORT\" once\n"
                     "ready; SIGINT or SIGTERM finishes the requests in flight and exits 0.\n\n"
                  << desc;
        status = 0;
        return std::nullopt;
    }
    return o;
}

}  // namespace offload

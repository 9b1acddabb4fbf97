#pragma once
// The server's command line (Boost.Program_options).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace offload {

/// Where /fib, /gcd and /crash compute.
enum class compute_mode {
    offload,  ///< in the process pool's workers; the io_context thread only awaits
    inline_,  ///< on the io_context thread itself: the baseline the benchmark compares with
};
const char* to_string(compute_mode m);

struct options {
    std::string address = "127.0.0.1";
    unsigned short port = 8080;  ///< 0: the kernel picks one (printed on stdout)
    compute_mode mode = compute_mode::offload;
    std::size_t workers = 2;        ///< process pool size (offload mode)
    std::size_t max_pending = 64;   ///< offloaded calls at once; beyond, 503 (0: no limit)
    std::size_t max_restarts = 50;  ///< process_pool_options::max_restarts, see README
    std::size_t max_connections = 512;
    int worker_nice = 10;                       ///< workers run this much nicer than the server (0..19)
    std::chrono::milliseconds timeout{30'000};  ///< to read one request, or write one response
};

/// nullopt: exit with *status (help printed, or a bad command line).
std::optional<options> parse_command_line(int argc, char** argv, int& status);

}  // namespace offload

#pragma once
// The server's own counters, and the /stats document that shows them beside the
// process pool's. Every counter is touched only on the io_context thread (the
// server has no other), so none needs to be atomic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

#include <futures/process_pool_executor.hpp>

namespace offload {

struct server_counters {
    std::size_t connections = 0;          ///< open now
    std::uint64_t connections_total = 0;  ///< accepted since start
    std::uint64_t requests = 0;           ///< complete requests read
    std::size_t in_flight = 0;            ///< read and not answered yet (a /stats request counts itself)
    std::size_t offloaded = 0;            ///< of those, waiting for the process pool
    std::uint64_t responses_2xx = 0, responses_4xx = 0, responses_5xx = 0;
    std::uint64_t malformed = 0;        ///< requests Beast could not parse (answered 400/413/431, then closed)
    std::uint64_t rejected = 0;         ///< 503s for --max-pending or --max-connections
    std::uint64_t worker_failures = 0;  ///< 502s: the worker running the call died
    bool stopping = false;              ///< a stop signal arrived
    std::string pool_broken;            ///< why, once a call found the pool broken

    void count_response(unsigned status) {
        if (status < 400)
            ++responses_2xx;
        else if (status < 500)
            ++responses_4xx;
        else
            ++responses_5xx;
    }
};

/// Counts one more of something for as long as it lives (a request in flight, a
/// call in the pool), however the coroutine that holds it leaves the scope.
class scoped_count {
public:
    explicit scoped_count(std::size_t& n) : n_(n) { ++n_; }
    ~scoped_count() { --n_; }
    scoped_count(const scoped_count&) = delete;
    scoped_count& operator=(const scoped_count&) = delete;

private:
    std::size_t& n_;
};

/// The /stats body: one flat JSON object (the keys are listed in the README).
/// pool is null in inline mode.
std::string stats_json(const char* mode, const server_counters& c, const futures::process_pool_executor* pool);

}  // namespace offload

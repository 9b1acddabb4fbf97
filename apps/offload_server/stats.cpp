#include "stats.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace offload {

std::string stats_json(const char* mode, const server_counters& c, const futures::process_pool_executor* pool) {
    futures::process_pool_stats ps;  // all zero in inline mode
    std::vector<pid_t> pids;
    if (pool) {
        ps = pool->stats();
        pids = pool->worker_pids();
    }
    // An object keeps this order: the pool first, then the server.
    const boost::json::object j{
        {"mode", mode},
        {"max_workers", ps.max_workers},
        {"workers", ps.workers},
        {"queued", ps.queued},
        {"running", ps.running},
        {"completed", ps.completed},
        {"worker_deaths", ps.worker_deaths},
        {"worker_pids", boost::json::array(pids.begin(), pids.end())},
        {"pool_broken", !c.pool_broken.empty()},
        {"connections", c.connections},
        {"connections_total", c.connections_total},
        {"requests", c.requests},
        {"in_flight", c.in_flight},
        {"offloaded", c.offloaded},
        {"responses_2xx", c.responses_2xx},
        {"responses_4xx", c.responses_4xx},
        {"responses_5xx", c.responses_5xx},
        {"malformed", c.malformed},
        {"rejected", c.rejected},
        {"worker_failures", c.worker_failures},
        {"stopping", c.stopping},
    };
    return boost::json::serialize(j) + "\n";
}

}  // namespace offload

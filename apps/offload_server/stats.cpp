#include "stats.hpp"

#include <cstdio>

namespace offload {
namespace {

// Appends "key":value pairs; keys are ours, so only the string values need escaping.
class json_object {
public:
    json_object& num(const char* key, std::uint64_t v) { return raw(key, std::to_string(v)); }
    json_object& boolean(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
    json_object& str(const char* key, const std::string& v) {
        std::string q = "\"";
        for (unsigned char c : v) {
            if (c == '"' || c == '\\') {
                q += '\\';
                q += static_cast<char>(c);
            } else if (c < 0x20) {
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\u%04x", c);
                q += esc;
            } else {
                q += static_cast<char>(c);
            }
        }
        return raw(key, q + "\"");
    }
    json_object& raw(const char* key, const std::string& json) {
        out_ += out_.empty() ? "{" : ",";
        out_ += "\"";
        out_ += key;
        out_ += "\":";
        out_ += json;
        return *this;
    }
    std::string done() { return (out_.empty() ? "{" : out_) + "}\n"; }

private:
    std::string out_;
};

std::string pid_list(const std::vector<pid_t>& pids) {
    std::string s = "[";
    for (std::size_t i = 0; i < pids.size(); ++i) s += (i ? "," : "") + std::to_string(pids[i]);
    return s + "]";
}

}  // namespace

std::string stats_json(const char* mode, const server_counters& c, const futures::process_pool_executor* pool) {
    json_object j;
    j.str("mode", mode);
    futures::process_pool_stats ps;  // all zero in inline mode
    std::vector<pid_t> pids;
    if (pool) {
        ps = pool->stats();
        pids = pool->worker_pids();
    }
    j.num("max_workers", ps.max_workers)
        .num("workers", ps.workers)
        .num("queued", ps.queued)
        .num("running", ps.running)
        .num("completed", ps.completed)
        .num("worker_deaths", ps.worker_deaths)
        .raw("worker_pids", pid_list(pids))
        .boolean("pool_broken", !c.pool_broken.empty());
    j.num("connections", c.connections)
        .num("connections_total", c.connections_total)
        .num("requests", c.requests)
        .num("in_flight", c.in_flight)
        .num("offloaded", c.offloaded)
        .num("responses_2xx", c.responses_2xx)
        .num("responses_4xx", c.responses_4xx)
        .num("responses_5xx", c.responses_5xx)
        .num("malformed", c.malformed)
        .num("rejected", c.rejected)
        .num("worker_failures", c.worker_failures)
        .boolean("stopping", c.stopping);
    return j.done();
}

}  // namespace offload

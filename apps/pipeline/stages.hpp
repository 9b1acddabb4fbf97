#pragma once
// The wiring of the pipeline: read -> parse (thread pool) -> crunch (process pool)
// -> aggregate (tally), joined by completion handlers, never by blocking.
//
// Which thread runs what:
//  - feed(), every completion handler and the tally: the io_context's thread. The
//    parse stage's handler is bound to the io_context's executor; the process
//    pool's futures complete there because main() gives it
//    completion_executor = io.get_executor(). One thread, so no locks.
//  - parse_record(): a thread-pool worker thread.
//  - crunch(): a worker process.
// Nothing here may block: a blocked io_context thread could not run the
// completions that unblock it.
//
// Bounded: at most max_in_flight records are between "read" and "aggregated"; the
// completion that retires one reads the next, so memory stays flat for any input.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>

#include <futures/future.hpp>
#include <futures/process_pool_executor.hpp>
#include <futures/thread_pool_executor.hpp>

#include "records.hpp"
#include "tally.hpp"
#include "tasks.hpp"

namespace pipeline {

class stages {
public:
    /// Everything passed in must outlive the run. on_drained runs (on the io_context
    /// thread) once the source is exhausted and every record read is accounted for.
    stages(boost::asio::io_context& io, futures::thread_pool_executor& parsers,
           futures::process_pool_executor& crunchers, record_source& source, tally& t, std::size_t max_in_flight,
           std::function<void()> on_drained);

    /// Posts the first feed() to the io_context; the work starts when it runs.
    void start();
    /// Records taken from the source so far.
    std::size_t read() const noexcept { return read_; }
    /// Why reading stopped early (the source threw), or empty.
    const std::string& input_error() const noexcept { return input_error_; }

private:
    using clock = std::chrono::steady_clock;
    // What follows a record through the stages, for its failure message and latency.
    struct ticket {
        std::string origin;
        clock::time_point read_at;
    };

    void feed();
    void on_parsed(ticket t, std::exception_ptr e, work_item w);
    void on_crunched(const ticket& t, const futures::future<crunch_result>& f);
    void fail(const ticket& t, stage where, std::exception_ptr e);
    void retire();

    boost::asio::io_context& io_;
    futures::thread_pool_executor& parsers_;
    futures::process_pool_executor& crunchers_;
    record_source& source_;
    tally& tally_;
    std::size_t max_in_flight_;
    std::function<void()> on_drained_;
    std::size_t in_flight_ = 0, read_ = 0;
    bool exhausted_ = false, drained_ = false;
    std::string input_error_;
};

}  // namespace pipeline

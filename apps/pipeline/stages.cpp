// The stages joined by completion handlers; see stages.hpp for the threads.
#include "stages.hpp"

#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <futures/remote_error.hpp>

namespace pipeline {
namespace {

// "std::domain_error: seed 0 ..." for a task's exception (the worker's type name),
// the bare what() for the parent's own.
std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& x) {
        if (const auto* d = futures::remote_details_of(x)) return d->remote_type() + ": " + d->remote_what();
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

stages::stages(boost::asio::io_context& io, futures::thread_pool_executor& parsers,
               futures::process_pool_executor& crunchers, record_source& source, tally& t, std::size_t max_in_flight,
               std::function<void()> on_drained)
    : io_(io),
      parsers_(parsers),
      crunchers_(crunchers),
      source_(source),
      tally_(t),
      max_in_flight_(max_in_flight),
      on_drained_(std::move(on_drained)) {}

// Posted rather than called: feed() must run on the io_context thread, and
// posting is also what keeps run() from returning before the first record.
void stages::start() {
    boost::asio::post(io_, [this] { feed(); });
}

void stages::feed() {
    while (!exhausted_ && in_flight_ < max_in_flight_) {
        std::optional<raw_record> rec;
        try {
            rec = source_.next();
        } catch (const std::exception& e) {
            // A file gone since it was counted. Stop reading but drain what is in
            // flight: thrown from here it could land in a done-callback, where the
            // library only logs it, and the records in flight would be lost.
            input_error_ = e.what();
        }
        if (!rec) {
            exhausted_ = true;
            break;
        }
        ++read_;
        ++in_flight_;
        ticket t{std::move(rec->origin), clock::now()};
        // async_submit, not submit: it never blocks this thread, whatever the
        // pool's queue. The handler is bound to the io_context's executor (an
        // unbound one would run on Asio's system executor, off this thread), and the
        // pending wait counts as work there, so run() waits for it.
        parsers_.async_submit(
            parse_record, std::move(rec->line),
            boost::asio::bind_executor(io_, [this, t = std::move(t)](std::exception_ptr e, work_item w) mutable {
                on_parsed(std::move(t), std::move(e), w);
            }));
    }
    if (exhausted_ && in_flight_ == 0 && !drained_) {
        drained_ = true;
        on_drained_();
    }
}

void stages::on_parsed(ticket t, std::exception_ptr e, work_item w) {
    if (e) {
        fail(t, stage::parse, std::move(e));
        return;
    }
    std::optional<futures::future<crunch_result>> f;
    try {
        // Never blocks: the pool has no max_pending (our in-flight bound is the
        // limit). It throws only once the pool is shut down or broken.
        f.emplace(crunchers_.submit(crunch_task, w));
    } catch (...) {
        fail(t, stage::process, std::current_exception());
        return;
    }
    // Runs on this thread (the pool's completion executor), or at once here if the
    // future already failed (arguments that could not be serialized).
    f->add_done_callback(
        [this, t = std::move(t)](const futures::future<crunch_result>& done) { on_crunched(t, done); });
}

void stages::on_crunched(const ticket& t, const futures::future<crunch_result>& f) {
    crunch_result r;
    try {
        r = f.result();  // done already: does not block
    } catch (...) {      // what the task threw, a dead worker, a cancellation
        fail(t, stage::process, std::current_exception());
        return;
    }
    tally_.add_ok(r, std::chrono::duration<double, std::milli>(clock::now() - t.read_at).count());
    retire();
}

void stages::fail(const ticket& t, stage where, std::exception_ptr e) {
    tally_.add_failure(where, t.origin, describe(std::move(e)));
    retire();
}

void stages::retire() {
    --in_flight_;
    feed();  // its slot is free: read the next record
}

}  // namespace pipeline

// The workers' messages, decoded and matched to what the pool sent them.
#include <futures/detail/process/parent/worker_events.hpp>
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/log.hpp>

#include <cstdio>
#include <variant>

namespace futures::detail::process {

namespace {
// Why a result batch cannot be the answer to the call batch we expect, or "".
std::string mismatch(const result_batch& rb, std::uint64_t id, std::uint32_t calls) {
    if (rb.first_id != id || rb.values.count() != calls) return "results that match no call";
    rb.values.check();
    std::int64_t last = -1;
    for (const auto& f : rb.failures) {
        if (std::int64_t(f.index) <= last || f.index >= calls) return "failures that match no call";
        last = f.index;
    }
    return {};
}
}  // namespace

void worker_events::on_frame(channel& from, std::string_view payload, std::shared_ptr<const void> keep) {
    worker_record* w = d_.find(from);
    if (!w) return;  // left the pool already
    std::string bad;
    try {
        message m = decode_payload(payload, std::move(keep));
        if (auto* h = std::get_if<hello>(&m))
            bad = on_hello(*w, *h);
        else if (auto* rf = std::get_if<result_frame>(&m))
            bad = w->state == worker_record::phase::initializing ? on_initialized(*w, *rf) : on_results(*w, *rf);
        else
            bad = "unexpected message";
    } catch (const std::exception& e) {
        bad = e.what();
    }
    if (!bad.empty()) from.fail(bad);  // w may be gone after this
}

void worker_events::on_lost(channel& from, const worker_loss& loss) {
    if (worker_record* w = d_.find(from)) d_.on_lost(*w, loss);
}

std::string worker_events::on_hello(worker_record& w, const hello& h) {
    if (w.state != worker_record::phase::starting) return "unexpected handshake";
    if (auto why = check_hello(h); !why.empty()) {
        d_.break_pool("incompatible worker " + d_.carrier().describe() + ": " + why);
        return why;
    }
    d_.on_ready(w);
    return {};
}

std::string worker_events::on_initialized(worker_record& w, const result_frame& rf) {
    if (rf.batches.size() != 1) return "results that match no call";
    if (auto& fs = rf.batches.front().failures; !fs.empty()) {
        const auto& f = fs.front().what;
        log_line(log_level::error, "futures: exception in initializer: " + f.type + ": " + f.what);
        d_.break_pool("A process in the process pool failed its initializer (" + f.type + ": " + f.what +
                      "); the process pool is not usable anymore");
        return {};
    }
    w.state = worker_record::phase::ready;
    d_.pump();
    return {};
}

std::string worker_events::on_results(worker_record& w, result_frame& rf) {
    auto& counters = d_.counters();
    for (auto& rb : rf.batches) {
        if (w.in_flight.empty()) return "results that match no call";
        auto& f = w.in_flight.front();
        const auto& batch = f.batches[f.answered];
        const std::size_t first = f.next_job, last = first + batch.jobs;
        std::uint32_t calls = 0;
        for (std::size_t k = first; k < last; ++k) calls += f.jobs[k]->calls();
        if (auto why = mismatch(rb, batch.first_id, calls); !why.empty()) return why;
        d_.builder().timing().learn(f.jobs[first]->task, rb.elapsed_ns, calls);
        // Counted first: whoever wakes up on these futures sees them in stats().
        counters.running.fetch_sub(calls, std::memory_order_relaxed);
        counters.completed.fetch_add(calls, std::memory_order_relaxed);
        // The jobs of one batch read their slices off one shared copy of it.
        auto shared = std::make_shared<result_batch>(std::move(rb));
        auto c = shared->values.reader();
        std::size_t fi = 0;
        const pid_t pid = w.link->pid();
        for (std::size_t k = first; k < last; ++k) {
            auto j = std::move(f.jobs[k]);
            result_slice slice(shared, c, fi);
            for (std::uint32_t i = 0; i < j->calls(); ++i) c.next();
            while (fi < shared->failures.size() && shared->failures[fi].index < c.index()) ++fi;
            done_.finish(std::move(j), {std::move(slice), nullptr, pid});
        }
        d_.on_progress(w);
        f.next_job = last;
        if (++f.answered == f.batches.size()) {
            w.in_flight.pop_front();
            // The next frame is now the one the worker runs: it is never sent again.
            if (!w.in_flight.empty())
                for (auto& j : w.in_flight.front().jobs) j->args = {};
            d_.front_started(w);
        }
    }
    d_.pump();
    return {};
}

}  // namespace futures::detail::process

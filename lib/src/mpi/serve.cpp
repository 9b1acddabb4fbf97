// The serving rank's loop: start -> hello, call frames -> result frames, close ->
// bye, exit -> return. A plain loop, like the pipe worker's: it polls MPI with a
// back-off instead of blocking in MPI_Recv, which would burn a CPU (docs/mpi.md).
#include <futures/detail/mpi/serve.hpp>
#include <futures/detail/process/protocol/frame.hpp>
#include <futures/detail/process/result_frames.hpp>
#include <futures/detail/process/registry.hpp>
#include <futures/log.hpp>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace futures::detail::mpi {
namespace {

namespace p = detail::process;
using std::chrono::microseconds;

// Control messages are a few bytes: outside a session, nothing bigger is accepted.
constexpr std::size_t control_cap = 64;

// Starts a send to the root; the link keeps the buffer until MPI is done with it,
// and the loop below completes it (progress()) while it goes on. Not waiting here
// lets a rank run its next frame while the root has not yet taken a large answer
// (above the eager limit a send completes only once the root receives it).
void send(link& l, int tag, std::string buf, std::size_t offset) {
    std::lock_guard lk(l.mutex());
    l.isend(l.root(), tag, std::move(buf), offset);
}

// The answer as whole frames under the cap (split if need be), each one message.
void send_results(link& l, p::result_frame&& rf, std::size_t max_frame) {
    p::emit_result_frames(std::move(rf), max_frame, [&](std::string& frame) {
        send(l, t_result, std::move(frame), p::frame_header_size);
    });
}

// While a session is open, tells the root every `every` that this rank lives, from
// a thread of its own: a task that runs for minutes must not look like a dead rank.
// Its MPI calls take the link's mutex like the loop's.
class heartbeat {
public:
    heartbeat(link& l, std::chrono::milliseconds every) : t_([this, &l, every] { run(l, every); }) {}
    ~heartbeat() {
        {
            std::lock_guard lk(m_);
            stop_ = true;
        }
        cv_.notify_all();
        t_.join();
    }

private:
    void run(link& l, std::chrono::milliseconds every) {
        std::unique_lock lk(m_);
        while (!cv_.wait_for(lk, every, [&] { return stop_; })) {
            std::lock_guard mpi(l.mutex());
            l.progress();
            l.isend(l.root(), t_beat, {}, 0);
        }
    }
    std::mutex m_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread t_;  // last: started once the rest is ready
};

struct session {
    std::uint64_t id = 0;
    std::size_t max_frame = 0;
    std::unique_ptr<local_runner> local;
    std::unique_ptr<heartbeat> beat;  // last: stops first
};

p::result_frame run_frame(session& s, p::call_frame& frame) {
    if (s.local) return s.local->run(frame);
    p::result_frame rf;
    rf.batches.reserve(frame.batches.size());
    for (auto& b : frame.batches) {
        b.args.check();
        rf.batches.push_back(p::run_batch(b));
        b.args = {};
    }
    return rf;
}

}  // namespace

bool serve(link& l) {
    std::unique_ptr<session> s;  // the open session, if any
    std::string in;
    backoff b;
    for (;;) {
        std::optional<incoming> m;
        {
            std::lock_guard lk(l.mutex());
            l.progress();
            m = l.receive(l.root(), s ? s->max_frame : control_cap, in);
        }
        if (!m) {
            b.idle(microseconds(s ? 1000 : 5000));
            continue;
        }
        b.reset();
        if (m->tag == t_exit) {
            // Bounded: a root that exits has received everything it waited for.
            if (!l.drain(std::chrono::seconds(10)))
                log_line(log_level::error, "futures: MPI rank " + std::to_string(l.rank()) + " exits with unsent answers");
            return in.empty();
        }
        std::string why;  // set: the session ends with this reason
        try {
            if (m->too_large) {
                why = "a message of " + std::to_string(m->size) + " bytes above the frame cap";
            } else if (m->tag == t_start) {
                s.reset();  // a previous session's local pool ends first
                s = std::make_unique<session>();
                s->id = get_u64(in, 0);
                s->max_frame = get_u64(in, 8);
                if (const auto local = get_u64(in, 16)) s->local = std::make_unique<local_runner>(local, s->max_frame);
                if (const auto ms = get_u64(in, 24))
                    s->beat = std::make_unique<heartbeat>(l, std::chrono::milliseconds(ms));
                std::string hello;
                put_u64(hello, s->id);
                hello += p::encode_frame(p::message{p::make_hello()}, s->max_frame).substr(p::frame_header_size);
                send(l, t_hello, std::move(hello), 0);
            } else if (m->tag == t_close) {
                if (s) send(l, t_bye, {}, 0);
                s.reset();
            } else if (m->tag == t_call && s) {
                p::message msg = p::decode_payload(in);
                auto* frame = std::get_if<p::call_frame>(&msg);
                if (!frame) throw p::frame_error("unexpected message from the parent");
                auto rf = run_frame(*s, *frame);
                std::cout.flush();
                std::fflush(nullptr);
                send_results(l, std::move(rf), s->max_frame);
            }
            // Anything else belongs to a session that has ended: dropped.
        } catch (const std::exception& e) {
            why = e.what();
        }
        if (!why.empty() && s) {
            log_line(log_level::error, "futures: MPI rank " + std::to_string(l.rank()) + " ends its session: " + why);
            s.reset();
            send(l, t_bye, why, 0);
        }
    }
}

}  // namespace futures::detail::mpi

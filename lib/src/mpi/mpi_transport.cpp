// The parent's side of MPI: sessions with serving ranks as channels of the pool.
#include <futures/detail/mpi/mpi_transport.hpp>
#include <futures/detail/process/protocol/frame.hpp>

#include <signal.h>

#include <algorithm>
#include <stdexcept>

namespace futures::detail::mpi {

namespace p = detail::process;

// One session: frames to the rank in order, its frames back, and its end reported
// once (bye after close, a bye with a reason, or abandoned by kill()/fail()).
class mpi_channel final : public p::channel, public std::enable_shared_from_this<mpi_channel> {
public:
    mpi_channel(mpi_transport& t, p::channel_events& events, int rank, std::uint64_t session)
        : t_(t), events_(events), rank_(rank), session_(session) {}

    void send(const p::message& m) override {
        std::string buf;
        p::encode_frame_to(buf, m, t_.max_frame());  // throws above the cap, sending nothing
        t_.send(rank_, t_call, std::move(buf), p::frame_header_size);
    }
    void close() override {
        if (closing_ || reported_) return;
        closing_ = true;
        t_.send(rank_, t_close, {}, 0);
    }
    // A rank cannot be killed: the session is closed (the rank answers what it has,
    // unheard) and reported lost now, on a later turn of the loop.
    void kill(int sig) override {
        if (reported_ || abandoned_) return;
        abandoned_ = true;
        close();
        t_.io().post([self = shared_from_this(), sig] {
            p::worker_loss loss;
            loss.sig = sig;
            loss.how = "abandoned on signal " + std::to_string(sig) + " (an MPI rank cannot be killed)";
            self->report(loss);
        });
    }
    void fail(std::string why) override {
        if (protocol_error_.empty()) protocol_error_ = std::move(why);
        kill(SIGKILL);
    }
    // Nothing came from the rank for `quiet`: it is dead or hung (under
    // --enable-recovery MPI never says which). Lost now; the rank is never used again.
    void silent(std::chrono::milliseconds quiet) {
        if (reported_) return;
        abandoned_ = true;
        p::worker_loss loss;
        loss.how = "MPI rank " + std::to_string(rank_) + " silent for " + std::to_string(quiet.count()) +
                   " ms (no heartbeat): dead or hung";
        report(loss);
    }
    bool failed() const noexcept override { return !protocol_error_.empty(); }
    bool running() const noexcept override { return !reported_; }
    pid_t pid() const noexcept override { return rank_; }

    void on_message(const incoming& m, const std::string& bytes) {
        if (reported_ || abandoned_) return;
        if (m.tag == t_hello) {
            if (greeted_ || m.too_large || get_u64(bytes, 0) != session_) return;  // an older session's
            greeted_ = true;
            events_.on_frame(*this, std::string_view(bytes).substr(8));
        } else if (!greeted_) {
            return;  // what an earlier session of this rank left behind
        } else if (m.tag == t_result) {
            if (m.too_large)
                fail("a result frame of " + std::to_string(m.size) + " bytes, above max_frame_bytes");
            else
                events_.on_frame(*this, bytes);
        } else if (m.tag == t_bye) {
            p::worker_loss loss;
            loss.code = bytes.empty() && closing_ ? 0 : 1;
            loss.how = "MPI rank " + std::to_string(rank_) + " ended its session";
            if (!bytes.empty()) loss.protocol_error = bytes;
            bye_ = true;
            report(loss);
        }
    }

private:
    void report(p::worker_loss loss) {
        if (reported_) return;
        reported_ = true;
        if (loss.protocol_error.empty()) loss.protocol_error = protocol_error_;
        if (!bye_) t_.forget(rank_);  // drains until its bye
        else t_.forget(-rank_ - 1);   // free at once
        events_.on_lost(*this, loss);
    }

    mpi_transport& t_;
    p::channel_events& events_;
    const int rank_;
    const std::uint64_t session_;
    bool greeted_ = false, closing_ = false, abandoned_ = false, reported_ = false, bye_ = false;
    std::string protocol_error_;
};

mpi_transport::mpi_transport(p::io_thread& io, link& l, std::vector<int> ranks, std::size_t max_frame,
                             std::size_t local_workers, std::chrono::milliseconds heartbeat)
    : io_(io),
      link_(l),
      ranks_(std::move(ranks)),
      max_frame_(max_frame),
      local_workers_(local_workers),
      heartbeat_(heartbeat),
      heard_(std::size_t(l.size())),
      timer_(io.context()),
      live_(std::size_t(l.size())),
      draining_(std::size_t(l.size()), false) {}

mpi_transport::~mpi_transport() = default;

std::shared_ptr<p::channel> mpi_transport::start(p::channel_events& events) {
    for (int r : ranks_) {
        if (live_[r] || draining_[r] || link_.dead(r)) continue;
        std::string start;
        const std::uint64_t session = link_.next_session();
        put_u64(start, session);
        put_u64(start, max_frame_);
        put_u64(start, local_workers_);
        // Four beats per timeout: one late beat is no death.
        put_u64(start, heartbeat_.count() > 0 ? std::max<std::int64_t>(heartbeat_.count() / 4, 1) : 0);
        heard_[r] = backoff::clock::now();  // the clock starts with the session
        send(r, t_start, std::move(start), 0);
        live_[r] = std::make_shared<mpi_channel>(*this, events, r, session);
        return live_[r];
    }
    throw std::runtime_error("every serving MPI rank has a session already (a lost rank is not replaced)");
}

void mpi_transport::send(int rank, int tag, std::string buf, std::size_t offset) {
    {
        std::lock_guard lk(link_.mutex());
        link_.isend(rank, tag, std::move(buf), offset);
    }
    kick();
}

void mpi_transport::forget(int rank) noexcept {
    const bool drain = rank >= 0;
    const int r = drain ? rank : -rank - 1;
    live_[r].reset();  // the channel itself lives on in the pool's record until then
    draining_[r] = drain;
}

void mpi_transport::kick() {
    last_ = backoff::clock::now();
    delay_ = backoff::first;
    if (!ticking_) {
        ticking_ = true;
        io_.post([this] { tick(); });
    } else if (sleeping_) {
        timer_.cancel();  // its handler ticks now
    }
}

void mpi_transport::tick() {
    bool active = false;
    for (;;) {
        std::optional<incoming> m;
        {
            std::lock_guard lk(link_.mutex());
            if (link_.progress() > 0) active = true;
            m = link_.receive(MPI_ANY_SOURCE, max_frame_ + 8, in_);
        }
        if (!m) break;
        active = true;
        dispatch(*m);
    }
    const auto now = backoff::clock::now();
    if (heartbeat_.count() > 0) check_heartbeats(now);
    if (active) {
        last_ = now;
        delay_ = backoff::first;
    }
    bool open = false;
    for (auto& c : live_) open = open || c;
    if (!open) {  // nothing to hear: let the I/O thread end; the next start() kicks
        ticking_ = false;
        return;
    }
    if (now - last_ < backoff::spin) {  // spin (the probe yields when oversubscribed)
        io_.post([this] { tick(); });
        return;
    }
    sleeping_ = true;
    timer_.expires_after(delay_);
    delay_ = std::min(delay_ * 2, std::chrono::microseconds(1000));
    timer_.async_wait([this](boost::system::error_code) {
        sleeping_ = false;
        tick();
    });
}

void mpi_transport::check_heartbeats(backoff::clock::time_point now) {
    for (std::size_t r = 0; r < live_.size(); ++r) {
        if (!live_[r] || now - heard_[r] <= heartbeat_) continue;
        auto c = live_[r];
        link_.mark_dead(int(r));
        c->silent(heartbeat_);  // forgets it: draining, for good
    }
}

void mpi_transport::dispatch(const incoming& m) {
    const auto r = std::size_t(m.source);
    if (r >= live_.size()) return;
    heard_[r] = backoff::clock::now();
    if (m.tag == t_beat) return;
    if (draining_[r]) {
        if (m.tag == t_bye) draining_[r] = false;
        return;
    }
    if (auto c = live_[r]) c->on_message(m, in_);
}

}  // namespace futures::detail::mpi

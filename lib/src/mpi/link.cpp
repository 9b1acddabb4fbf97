// The shared communicator, the sends in flight and the size-checked receive.
#include <futures/detail/mpi/link.hpp>

#include <climits>
#include <stdexcept>
#include <thread>

namespace futures::detail::mpi {

void check(int rc, const char* what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw std::runtime_error(std::string("futures: ") + what + " failed: " + std::string(text, len));
}

link::link(MPI_Comm comm, int root) : root_(root) {
    check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    if (root < 0 || root >= size_) {
        MPI_Comm_free(&comm_);
        throw std::invalid_argument("futures: MPI root rank " + std::to_string(root) + " is not in the communicator");
    }
}

link::~link() {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

std::vector<int> link::servers() const {
    std::vector<int> r;
    for (int k = 0; k < size_; ++k)
        if (k != root_) r.push_back(k);
    return r;
}

void link::isend(int to, int tag, std::string buf, std::size_t offset) {
    auto& p = sends_.emplace_back();
    p.buf = std::move(buf);
    const std::size_t n = p.buf.size() - offset;
    if (n > std::size_t(INT_MAX)) {
        sends_.pop_back();
        throw std::length_error("futures: an MPI message above INT_MAX bytes");
    }
    const int rc = MPI_Isend(p.buf.data() + offset, int(n), MPI_BYTE, to, tag, comm_, &p.req);
    if (rc != MPI_SUCCESS) sends_.pop_back();
    check(rc, "MPI_Isend");
}

std::size_t link::progress() {
    std::size_t done = 0;
    for (auto it = sends_.begin(); it != sends_.end();) {
        int flag = 0;
        MPI_Test(&it->req, &flag, MPI_STATUS_IGNORE);
        if (flag) {
            it = sends_.erase(it);
            ++done;
        } else {
            ++it;
        }
    }
    return done;
}

std::optional<incoming> link::receive(int source, std::size_t cap, std::string& into) {
    int flag = 0;
    MPI_Message msg;
    MPI_Status st;
    check(MPI_Improbe(source, MPI_ANY_TAG, comm_, &flag, &msg, &st), "MPI_Improbe");
    if (!flag) return std::nullopt;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    incoming in{st.MPI_SOURCE, st.MPI_TAG, std::size_t(count), false};
    if (in.size > cap) {
        // The truncation error is the point: the message is consumed, nothing allocated.
        char none = 0;
        MPI_Mrecv(&none, 0, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
        in.too_large = true;
        into.clear();
        return in;
    }
    into.resize(in.size);
    check(MPI_Mrecv(into.data(), count, MPI_BYTE, &msg, MPI_STATUS_IGNORE), "MPI_Mrecv");
    return in;
}

bool link::drain(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    backoff b;
    for (;;) {
        {
            std::lock_guard lk(m_);
            progress();
            if (sends_.empty()) return true;
        }
        if (std::chrono::steady_clock::now() > until) return false;
        b.idle(std::chrono::microseconds(1000));
    }
}

bool link::leave_all(std::chrono::milliseconds limit) {
    if (!drain(limit)) return false;
    {
        std::lock_guard lk(m_);
        // With a dead rank, MPI_Finalize may wait for it forever: the payload tells
        // the others to skip it (see finish() in environment.cpp).
        const std::string skip_finalize = any_dead() ? "1" : "";
        for (int r : servers())
            if (!dead(r)) isend(r, t_exit, skip_finalize, 0);
    }
    return drain(limit);
}

void link::mark_dead(int rank) {
    std::lock_guard lk(claim_m_);
    if (dead_.empty()) dead_.assign(std::size_t(size_), false);
    dead_[std::size_t(rank)] = true;
}

bool link::dead(int rank) const {
    std::lock_guard lk(claim_m_);
    return !dead_.empty() && dead_[std::size_t(rank)];
}

bool link::any_dead() const {
    std::lock_guard lk(claim_m_);
    for (bool d : dead_)
        if (d) return true;
    return false;
}

bool link::claim() {
    std::lock_guard lk(claim_m_);
    if (claimed_) return false;
    claimed_ = true;
    return true;
}

void link::release() {
    std::lock_guard lk(claim_m_);
    claimed_ = false;
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int k = 0; k < 8; ++k) out.push_back(char((v >> (8 * k)) & 0xff));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
    if (in.size() < at + 8) throw std::runtime_error("futures: a short MPI control message");
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= std::uint64_t(static_cast<unsigned char>(in[at + k])) << (8 * k);
    return v;
}

void backoff::idle(std::chrono::microseconds cap) {
    // Spinning needs no sched_yield() of ours: when ranks outnumber cores, Open MPI's
    // progress engine yields inside each probe already (docs/mpi.md).
    if (clock::now() - last_ < spin) return;
    std::this_thread::sleep_for(delay_);
    delay_ = std::min(delay_ * 2, cap);
}

}  // namespace futures::detail::mpi

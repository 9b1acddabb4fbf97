// Admission: the bound, the refusals, the deferred FIFO and the hand-over of each
// burst of submits to the I/O thread.
#include <futures/detail/admission_rules.hpp>
#include <futures/detail/process/parent/admission.hpp>
#include <futures/errors.hpp>

namespace futures::detail::process {

admission::admission(std::size_t max_pending, const completion& done, io_thread& io, std::function<void()> on_arrival)
    : max_pending_(max_pending), done_(done), io_(io), on_arrival_(std::move(on_arrival)) {}

void admission::submit(std::shared_ptr<job> j) {
    std::unique_lock lk(m_);
    if (max_pending_ != 0 && !io_.on_thread())
        space_cv_.wait(lk, [&] { return queued_ < max_pending_ || shutdown_ || broken_; });
    if (broken_ || shutdown_) throw_refusal<broken_process_pool>(broken_, broken_why_);
    enqueue_locked(std::move(j));
}

void admission::submit_nowait(std::shared_ptr<job> j) {
    std::lock_guard lk(m_);
    if (broken_ || shutdown_) throw_refusal<broken_process_pool>(broken_, broken_why_);
    if (max_pending_ != 0 && queued_ >= max_pending_) {
        done_.track(*j);  // like a queued job, so the completion executor's run() keeps going
        deferred_.push_back(std::move(j));
        return;
    }
    enqueue_locked(std::move(j));
}

void admission::enqueue_locked(std::shared_ptr<job> j) {
    done_.track(*j);
    // Like Python's pool, one that is never used costs no thread and no process.
    if (!started_) {
        io_.start();
        started_ = true;
    }
    ++queued_;
    arrivals_.push_back(std::move(j));
    // One post per burst: a loop of submits costs one wake-up of the I/O thread, and
    // it takes them all at once. Posted under m_: once shutdown_ is set nothing more
    // is posted, so the I/O thread may stop once it has drained what it has.
    if (!wake_posted_) {
        wake_posted_ = true;
        io_.post([this] {
            take_arrivals();
            on_arrival_();
        });
    }
}

void admission::take_arrivals() {
    std::vector<std::shared_ptr<job>> in;
    {
        std::lock_guard lk(m_);
        in.swap(arrivals_);
        wake_posted_ = false;
    }
    for (auto& j : in) queue_.push_back(std::move(j));
}

void admission::admit_deferred_locked() {
    if (deferred_.empty() || (max_pending_ != 0 && queued_ >= max_pending_)) return;
    ++queued_;  // straight into queue_: we are on the I/O thread
    queue_.push_back(std::move(deferred_.front()));
    deferred_.pop_front();
}

void admission::taken(std::size_t n) {
    std::lock_guard lk(m_);
    queued_ -= n;
    space_cv_.notify_all();
    for (std::size_t k = 0; k < n; ++k) admit_deferred_locked();
}

void admission::requeue_front(std::vector<std::shared_ptr<job>> again) {
    if (again.empty()) return;
    queue_.insert(queue_.begin(), std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()));
    std::lock_guard lk(m_);
    queued_ += again.size();
}

void admission::drop(job_queue js, const std::exception_ptr& e) {
    for (auto& j : js) {
        if (e)
            done_.fail(std::move(j), e);
        else
            done_.cancel(std::move(j));
    }
}

bool admission::close(bool cancel_futures) {
    bool started = false;
    job_queue refused;
    {
        std::lock_guard lk(m_);
        shutdown_ = true;
        space_cv_.notify_all();
        refused.swap(deferred_);
        started = started_;  // fixed from here on: nothing starts after shutdown_
    }
    // async_submit's calls that never got into the queue: not accepted, as a submit()
    // blocked on max_pending is refused by shutdown.
    drop(std::move(refused), cancel_futures ? nullptr : std::make_exception_ptr(std::runtime_error(shutdown_refusal)));
    return started;
}

bool admission::post_if_started(std::function<void()> f) {
    std::lock_guard lk(m_);
    if (!started_ || released_) return false;
    io_.post(std::move(f));
    return true;
}

std::size_t admission::queued() const {
    std::lock_guard lk(m_);
    return queued_ + deferred_.size();
}

void admission::cancel_queued() {
    take_arrivals();  // whatever was submitted before shutdown is cancelled too
    std::size_t n = 0;
    for (auto& j : queue_) {
        if (j->started) continue;  // sent back by a lost worker: it runs already
        ++n;
        done_.cancel(std::move(j));
    }
    std::erase(queue_, nullptr);
    std::lock_guard lk(m_);
    queued_ -= n;
}

void admission::fail_queue(const std::exception_ptr& e) {
    const std::size_t n = queue_.size();
    for (auto& j : queue_) done_.fail(std::move(j), e);
    queue_.clear();
    std::lock_guard lk(m_);
    queued_ -= n;
    space_cv_.notify_all();
}

void admission::break_with(const std::string& why) {
    broken_seen_ = true;
    job_queue refused;
    {
        std::lock_guard lk(m_);
        broken_ = true;
        broken_why_ = why;
        space_cv_.notify_all();
        refused.swap(deferred_);
    }
    const auto e = std::make_exception_ptr(broken_process_pool(why));
    fail_queue(e);
    drop(std::move(refused), e);
}

void admission::fail_late_arrivals() {
    if (!broken_seen_ || queue_.empty()) return;
    std::string why;
    {
        std::lock_guard lk(m_);
        why = broken_why_;
    }
    fail_queue(std::make_exception_ptr(broken_process_pool(why)));
}

void admission::release_io_if_closed() {
    std::lock_guard lk(m_);
    if (!shutdown_) return;
    released_ = true;
    io_.release();
}

}  // namespace futures::detail::process

#pragma once
// A job: the calls behind one future (one submit, or one map chunk) on their way to
// a worker, and how to complete that future from the worker's answers. Type-erased
// here so that the pool core is not a template. Consecutive jobs of one task may
// travel in one call_batch; each job then reads its own slice of the answer.
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>

#include <futures/detail/process/protocol/messages.hpp>
#include <futures/detail/shared_state.hpp>
#include <futures/remote_error.hpp>

namespace futures::detail::process {

/// The results of one job's calls inside a result_batch that may answer several
/// jobs. Holds the batch, so it can be carried to a completion executor.
class result_slice {
public:
    result_slice(std::shared_ptr<const result_batch> b, packed_values::cursor from, std::size_t failure_at)
        : batch_(std::move(b)), from_(from), failure_at_(failure_at) {}

    /// Calls f(const failure* f, std::string_view bytes) for each of the next n
    /// results, in call order: f is null for a value (then bytes holds it).
    template <class F>
    void for_each(std::uint32_t n, F&& f) const {
        auto c = from_;
        std::size_t fi = failure_at_;
        const auto& fs = batch_->failures;
        for (std::uint32_t i = 0; i < n && !c.done(); ++i) {
            const std::uint32_t k = c.index();
            const std::string_view bytes = c.next();
            if (fi < fs.size() && fs[fi].index == k)
                f(&fs[fi++].what, bytes);
            else
                f(static_cast<const failure*>(nullptr), bytes);
        }
    }

    /// The bytes of the next n results as one array, if they are all values of one
    /// length; nullopt if any failed or their lengths differ.
    std::optional<std::string_view> contiguous(std::uint32_t n) const {
        const auto& fs = batch_->failures;
        if (failure_at_ < fs.size() && fs[failure_at_].index < std::uint64_t(from_.index()) + n) return std::nullopt;
        return batch_->values.span(from_, n);
    }

private:
    std::shared_ptr<const result_batch> batch_;
    packed_values::cursor from_;
    std::size_t failure_at_;
};

struct job {
    job() = default;
    job(const job&) = delete;
    job& operator=(const job&) = delete;
    virtual ~job() = default;

    boost::intrusive_ptr<state_base> state;
    std::string task;
    std::string_view signature;  // task<Sig>::signature(): static storage
    /// One item per call (set_args). Dropped once the worker runs the job's frame:
    /// only a job that may be sent again needs it.
    packed_values args;
    /// set_running_or_notify_cancel() said yes: a job sent again (its worker died
    /// before starting it) is not asked twice.
    bool started = false;
    /// The pool's completion executor with outstanding work tracked, when it has one:
    /// keeps that executor's context from running out of work while this job is
    /// pending. Released when the completion is posted there (or the job dropped).
    std::optional<boost::asio::any_io_executor> work;
    /// call_options::timeout: the longest the worker may run this job. A timed job
    /// travels alone in its frame (frame_builder).
    std::optional<std::chrono::nanoseconds> timeout;

    std::uint32_t calls() const noexcept { return calls_; }
    void set_args(packed_values a) noexcept {
        calls_ = a.count();
        args = std::move(a);
    }
    /// Completes the future from one result per call (calls() of them). May
    /// throw; the pool then fails the future with what it threw.
    virtual void complete(const result_slice& results, pid_t pid) = 0;
    /// Fails the future unless it is already done. Never throws.
    void fail(std::exception_ptr e) noexcept { state->try_set_exception(std::move(e)); }

private:
    std::uint32_t calls_ = 0;
};

/// The pool's queue of jobs not yet sent (I/O thread only).
using job_queue = std::deque<std::shared_ptr<job>>;

/// The serialization_error of a call whose arguments could not be serialized (what:
/// the serializer's message), in the parent or the worker alike.
std::exception_ptr unserializable_args(std::string_view task, const char* what);

/// The exception a worker's failure report turns into in the parent: remote_error,
/// or remote_exception<E> for common standard exceptions.
std::exception_ptr rebuild_exception(const failure& f, const std::string& task, pid_t pid);

/// One result of task `name`, read into `into` (unless R is void); returns the
/// exception it stands for instead, if the call failed or its bytes do not load.
template <class R, class V>
std::exception_ptr read_result(const failure* f, std::string_view bytes, const std::string& name, pid_t pid, V& into) {
    if (f) return rebuild_exception(*f, name, pid);
    if constexpr (!std::is_void_v<R>) {
        try {
            from_bytes(bytes, into);
        } catch (const std::exception& e) {
            return std::make_exception_ptr(
                serialization_error("cannot deserialize the result of task \"" + name + "\": " + e.what()));
        }
    }
    return nullptr;
}

}  // namespace futures::detail::process

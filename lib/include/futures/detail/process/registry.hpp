#pragma once
// The task registry: name -> (signature, invoker), filled by FUTURES_TASK at static
// initialization in every process that links the task, and read by whoever runs
// calls (the pipe worker loop today, an MPI rank later). No transport in here.
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <futures/detail/process/protocol/archive.hpp>
#include <futures/detail/process/protocol/messages.hpp>

namespace futures::detail::process {

/// Runs every call of a batch, appending one result per call to `out` (a value,
/// or an empty item and a failure). Never throws for a call's sake.
using batch_invoker = void (*)(const call_batch& in, result_batch& out);

struct task_entry {
    std::string signature;
    batch_invoker run = nullptr;
};

/// Registers a task; a duplicate name aborts (two functions behind one name would
/// make the parent and the worker disagree silently).
void register_task(const char* name, const std::string& signature, batch_invoker fn);
/// nullptr if unknown.
const task_entry* find_task(std::string_view name);

/// Describes the exception being handled (call inside a catch block): type, what()
/// and a backtrace. The trace is the throw site's when thrown with throw_with_trace.
failure capture_failure(failure_phase phase);

/// The entry of `task` if it is registered with this signature, else the lookup
/// failure (unknown task, or signature mismatch). A batch looks its task up once.
std::variant<const task_entry*, failure> find_call_target(std::string_view task, std::string_view signature);
/// Looks up the batch's task and runs every call: what any worker (pipe or MPI)
/// does with a call_batch. The answer has the batch's first_id and one result per
/// call (each a lookup failure if the task is unknown or its signature differs),
/// and the time it took.
result_batch run_batch(const call_batch& in);
/// One call, as a worker runs it: the serialized result, or the failure.
std::variant<std::string, failure> run_call(std::string_view task, std::string_view signature, std::string_view args);

/// Records that call `index` failed (its item stays empty).
void add_failure(result_batch& out, std::uint32_t index, failure f);

template <class F>
struct invoke_traits;
template <class R, class... A>
struct invoke_traits<R (*)(A...)> {
    using result = R;
    using args = std::tuple<std::decay_t<A>...>;
};
template <class R, class... A>
struct invoke_traits<R (*)(A...) noexcept> : invoke_traits<R (*)(A...)> {};

/// The calls of a batch whose arguments and result are all raw values of fixed
/// sizes (archive.hpp): read in place, results written in place, no per-call
/// allocation. A failed call's slot keeps zeros. False if the arguments are not
/// such a list (then the general path reports each malformed one).
template <auto Fn>
bool invoke_fixed(const call_batch& in, result_batch& out) {
    using traits = invoke_traits<decltype(Fn)>;
    using R = typename traits::result;
    using Args = typename traits::args;
    constexpr std::size_t in_size = packed_size<Args>::value;
    const std::uint32_t n = in.args.count();
    auto bytes = in.args.span(in.args.reader(), n);
    if (!bytes || bytes->size() != std::size_t(n) * in_size) return false;
    constexpr std::size_t out_size = [] {
        if constexpr (std::is_void_v<R>)
            return std::size_t(0);
        else
            return packed_size<R>::value;
    }();
    out.values.append_fixed(n, out_size, [&](char* at, std::size_t i) {
        Args args;
        const char* p = bytes->data() + i * in_size;
        raw_get(p, args);
        try {
            if constexpr (std::is_void_v<R>) {
                std::apply(Fn, std::move(args));
            } else {
                const R r = std::apply(Fn, std::move(args));
                raw_put(at, r);
            }
        } catch (...) {
            out.failures.push_back({static_cast<std::uint32_t>(i), capture_failure(failure_phase::run)});
        }
    });
    return true;
}

template <auto Fn>
void invoke_registered(const call_batch& in, result_batch& out) {
    using traits = invoke_traits<decltype(Fn)>;
    using R = typename traits::result;
    if constexpr (is_bitwise_v<typename traits::args> && (std::is_void_v<R> || is_bitwise_v<R>)) {
        if (invoke_fixed<Fn>(in, out)) return;
    }
    if constexpr (is_bitwise_v<R>) out.values.reserve_bytes(in.args.count() * packed_size<R>::value);
    for (auto c = in.args.reader(); !c.done();) {
        const std::uint32_t k = c.index();
        const std::string_view bytes = c.next();
        typename traits::args args;
        try {
            from_bytes(bytes, args);
        } catch (...) {
            add_failure(out, k, capture_failure(failure_phase::load_args));
            continue;
        }
        // The result is kept until it is written, so that a result type whose save()
        // fails is reported as a save failure, not as a failed call.
        std::conditional_t<std::is_void_v<R>, std::monostate, std::optional<R>> r;
        try {
            if constexpr (std::is_void_v<R>)
                std::apply(Fn, std::move(args));
            else
                r.emplace(std::apply(Fn, std::move(args)));
        } catch (...) {
            add_failure(out, k, capture_failure(failure_phase::run));
            continue;
        }
        try {
            out.values.append_with([&](std::string& b) {
                if constexpr (!std::is_void_v<R>) save_to(b, *r);
            });
        } catch (...) {
            add_failure(out, k, capture_failure(failure_phase::save_result));
        }
    }
}

}  // namespace futures::detail::process

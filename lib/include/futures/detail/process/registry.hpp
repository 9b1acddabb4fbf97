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

#include <futures/detail/process/archive.hpp>
#include <futures/detail/process/messages.hpp>

namespace futures::detail::process {

/// Runs one call from its serialized arguments: the serialized result, or the failure.
using invoker = std::variant<std::string, failure> (*)(std::string_view args);

struct task_entry {
    std::string signature;
    invoker invoke = nullptr;
};

/// Registers a task; a duplicate name aborts (two functions behind one name would
/// make the parent and the worker disagree silently).
void register_task(const char* name, const std::string& signature, invoker fn);
/// nullptr if unknown.
const task_entry* find_task(std::string_view name);

/// Describes the exception being handled (call inside a catch block): type, what()
/// and a backtrace. The trace is the throw site's when thrown with throw_with_trace.
failure capture_failure(failure_phase phase);

/// The entry of `task` if it is registered with this signature, else the lookup
/// failure (unknown task, or signature mismatch). A batch looks its task up once.
std::variant<const task_entry*, failure> find_call_target(std::string_view task, std::string_view signature);
/// Looks up and runs one call, as any worker does.
std::variant<std::string, failure> run_call(std::string_view task, std::string_view signature,
                                            std::string_view args);

template <class F>
struct invoke_traits;
template <class R, class... A>
struct invoke_traits<R (*)(A...)> {
    using result = R;
    using args = std::tuple<std::decay_t<A>...>;
};
template <class R, class... A>
struct invoke_traits<R (*)(A...) noexcept> : invoke_traits<R (*)(A...)> {};

template <auto Fn>
std::variant<std::string, failure> invoke_registered(std::string_view bytes) {
    using traits = invoke_traits<decltype(Fn)>;
    using R = typename traits::result;
    typename traits::args args;
    try {
        from_bytes(bytes, args);
    } catch (...) {
        return capture_failure(failure_phase::load_args);
    }
    // The result is kept in the worker until it is written, so that a result type
    // whose save() fails is reported as a save failure, not as a failed call.
    std::conditional_t<std::is_void_v<R>, std::monostate, std::optional<R>> out;
    try {
        if constexpr (std::is_void_v<R>)
            std::apply(Fn, std::move(args));
        else
            out.emplace(std::apply(Fn, std::move(args)));
    } catch (...) {
        return capture_failure(failure_phase::run);
    }
    try {
        if constexpr (std::is_void_v<R>)
            return std::string();
        else
            return to_bytes(*out);
    } catch (...) {
        return capture_failure(failure_phase::save_result);
    }
}

}  // namespace futures::detail::process

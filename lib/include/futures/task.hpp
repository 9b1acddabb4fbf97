#pragma once
// Tasks for the process pool. C++ cannot ship a function to another process, so a
// task is a named function compiled into both the parent and the worker:
//
//     int gcd(std::pair<int, int> p);
//     FUTURES_TASK(gcd_task, gcd);          // at namespace scope, in a .cpp or header
//     ...
//     futures::future<int> f = pool.submit(gcd_task, std::pair{12, 18});
//
// FUTURES_TASK(handle, function) defines `handle` (a futures::task<R(A...)>) and
// registers `function` under the name "handle" when the program starts. Submitting
// is type-checked at compile time against R(A...). The worker checks the name and
// the signature again, so a worker built from different sources fails the future
// with a remote_error that says which, instead of misreading the bytes.
//
// Arguments and results must be serializable (serialization.hpp); they are passed
// decayed, by value. Names must be unique in a program: a duplicate aborts at start.
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/core/demangle.hpp>

#include <futures/detail/process/registry.hpp>

namespace futures {

template <class Sig>
class task;

/// Whether T is a task handle (what FUTURES_TASK defines).
template <class T>
inline constexpr bool is_task_v = false;
template <class R, class... A>
inline constexpr bool is_task_v<task<R(A...)>> = true;

template <class R, class... A>
class task<R(A...)> {
public:
    /// What the task returns; a future<R> holds it.
    using result_type = R;
    /// The arguments as they are serialized (decayed, by value).
    using args_tuple = std::tuple<std::decay_t<A>...>;

    /// A handle for the task registered as `name` (FUTURES_TASK makes these). name
    /// must outlive the handle. A handle for an unregistered name is allowed: calls
    /// through it fail with remote_error in the worker.
    constexpr explicit task(const char* name) noexcept : name_(name) {}
    /// The registered name.
    const char* name() const noexcept { return name_; }
    /// The signature string both processes compare, e.g. "int (std::pair<int, int>)".
    static const std::string& signature() {
        static const std::string s = boost::core::demangle(typeid(R(std::decay_t<A>...)).name());
        return s;
    }

private:
    const char* name_;
};

/// A call of a task with its arguments, serialized now: what
/// process_pool_options::initializer takes. Throws what serializing the arguments
/// throws.
struct task_call {
    std::string task, signature, args;
};
template <class R, class... A, class... X>
requires std::is_constructible_v<typename task<R(A...)>::args_tuple, X &&...> task_call
make_call(const task<R(A...)>& t, X&&... args) {
    typename task<R(A...)>::args_tuple tuple(std::forward<X>(args)...);
    return {t.name(), t.signature(), detail::process::to_bytes(tuple)};
}

namespace detail::process {
template <class>
inline constexpr bool dependent_false = false;

// Anything but a pointer to a function: a lambda, a functor, a member function.
template <class F>
struct fn_traits {
    static_assert(dependent_false<F>,
                  "FUTURES_TASK(handle, function): function must be a free function or a static member "
                  "function, not a lambda or function object: C++ cannot send code to another process, only a "
                  "name both processes link");
    using sig = void();
};
template <class R, class... A>
struct fn_traits<R (*)(A...)> {
    using sig = R(A...);
};
template <class R, class... A>
struct fn_traits<R (*)(A...) noexcept> {
    using sig = R(A...);
};

template <auto Fn>
task<typename fn_traits<decltype(Fn)>::sig> register_function(const char* name) {
    using handle = task<typename fn_traits<decltype(Fn)>::sig>;
    register_task(name, handle::signature(), &invoke_registered<Fn>);
    return handle(name);
}
}  // namespace detail::process

}  // namespace futures

/// Defines the task handle `handle` for `function` (a non-overloaded free function
/// or static member function) and registers it under the name "handle".
#define FUTURES_TASK(handle, function) \
    inline const auto handle = ::futures::detail::process::register_function<&function>(#handle)

// The task registry and the one function every worker kind uses to run a call.
#include <futures/detail/process/registry.hpp>
#include <futures/throw_with_trace.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <boost/core/demangle.hpp>
#include <boost/exception/get_error_info.hpp>

namespace futures::detail::process {
namespace {

// A function-local static: FUTURES_TASK runs during static initialization, in an
// order we do not control.
struct registry {
    std::mutex m;
    std::map<std::string, task_entry, std::less<>> tasks;
};
registry& the_registry() {
    static registry r;
    return r;
}

}  // namespace

void register_task(const char* name, const std::string& signature, invoker fn) {
    auto& r = the_registry();
    std::lock_guard lk(r.m);
    auto [it, inserted] = r.tasks.try_emplace(name, task_entry{signature, fn});
    if (!inserted && it->second.invoke != fn) {
        std::fprintf(stderr, "futures: two tasks are registered as \"%s\"\n", name);
        std::abort();
    }
}

const task_entry* find_task(std::string_view name) {
    auto& r = the_registry();
    std::lock_guard lk(r.m);
    auto it = r.tasks.find(name);
    return it == r.tasks.end() ? nullptr : &it->second;
}

failure capture_failure(failure_phase phase) {
    failure f;
    f.phase = phase;
    const boost::stacktrace::stacktrace* thrown_at = nullptr;
    try {
        throw;
    } catch (const std::exception& e) {
        f.type = boost::core::demangle(typeid(e).name());
        f.what = e.what();
        thrown_at = boost::get_error_info<traced>(e);
        if (thrown_at) f.traceback = boost::stacktrace::to_string(*thrown_at);
    } catch (...) {
        f.type = "unknown exception";
        f.what = "a non-std::exception was thrown";
    }
    // throw_with_trace wraps the type in boost::wrapexcept-like machinery; the
    // caller cares about the type it threw.
    if (auto p = f.type.find("boost::exception_detail::error_info_injector<"); p == 0)
        f.type = f.type.substr(45, f.type.size() - 46);
    if (!thrown_at) f.traceback = boost::stacktrace::to_string(boost::stacktrace::stacktrace());
    return f;
}

std::variant<const task_entry*, failure> find_call_target(std::string_view task, std::string_view signature) {
    const task_entry* t = find_task(task);
    if (t && t->signature == signature) return t;
    failure f;
    f.phase = failure_phase::lookup;
    if (!t) {
        f.type = "futures::unknown_task";
        f.what = "no task named \"" + std::string(task) + "\" is registered in the worker";
    } else {
        f.type = "futures::signature_mismatch";
        f.what = "task \"" + std::string(task) + "\" is " + t->signature + " in the worker but " +
                 std::string(signature) + " in the parent";
    }
    return f;
}

std::variant<std::string, failure> run_call(std::string_view task, std::string_view signature,
                                            std::string_view args) {
    auto target = find_call_target(task, signature);
    if (auto* f = std::get_if<failure>(&target)) return std::move(*f);
    return std::get<const task_entry*>(target)->invoke(args);
}

}  // namespace futures::detail::process

// The task registry and the one function every worker kind uses to run a call.
#include <futures/detail/process/registry.hpp>
#include <futures/log.hpp>
#include <futures/throw_with_trace.hpp>

#include <chrono>
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

// "it has 3 tasks: a, b, c", at most 10 names: enough to see what is missing.
std::string registered_names() {
    auto& r = the_registry();
    std::lock_guard lk(r.m);
    if (r.tasks.empty()) return "it has no tasks";
    std::string s = "it has " + std::to_string(r.tasks.size()) + (r.tasks.size() == 1 ? " task: " : " tasks: ");
    std::size_t n = 0;
    for (const auto& [name, entry] : r.tasks) {
        if (n++ == 10) {
            s += ", ...";
            break;
        }
        s += (n > 1 ? ", " : "") + name;
    }
    return s;
}

}  // namespace

void register_task(const char* name, const std::string& signature, batch_invoker fn) {
    auto& r = the_registry();
    std::lock_guard lk(r.m);
    auto [it, inserted] = r.tasks.try_emplace(name, task_entry{signature, fn});
    if (!inserted && it->second.run != fn) {
        log_line(log_level::error, "futures: two tasks are registered as \"" + std::string(name) + "\"");
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
        f.what = "no task named \"" + std::string(task) + "\" is registered in the worker (" + registered_names() +
                 "); if the worker's tasks live in a static library, link it whole: futures_link_tasks() or "
                 "futures_add_worker(... TASKS lib) in CMake, or $<LINK_LIBRARY:WHOLE_ARCHIVE,lib>";
    } else {
        f.type = "futures::signature_mismatch";
        f.what = "task \"" + std::string(task) + "\" is " + t->signature + " in the worker but " +
                 std::string(signature) + " in the parent";
    }
    return f;
}

void add_failure(result_batch& out, std::uint32_t index, failure f) {
    out.values.append(std::string_view());
    out.failures.push_back({index, std::move(f)});
}

result_batch run_batch(const call_batch& in) {
    const auto t0 = std::chrono::steady_clock::now();
    result_batch out;
    out.first_id = in.first_id;
    auto target = find_call_target(in.task, in.signature);
    if (auto* entry = std::get_if<const task_entry*>(&target)) {
        (*entry)->run(in, out);
    } else {
        for (std::uint32_t k = 0; k < in.args.count(); ++k) add_failure(out, k, std::get<failure>(target));
    }
    out.elapsed_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    return out;
}

std::variant<std::string, failure> run_call(std::string_view task, std::string_view signature, std::string_view args) {
    call_batch b;
    b.task = task;
    b.signature = signature;
    b.args.append(args);
    result_batch r = run_batch(b);
    if (!r.failures.empty()) return std::move(r.failures.front().what);
    return std::string(r.values.reader().next());
}

}  // namespace futures::detail::process

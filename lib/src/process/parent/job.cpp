// The errors a job's future may hold: a worker's failure report turned into an
// exception, and the arguments that could not be sent.
#include <futures/detail/process/parent/job.hpp>
#include <futures/remote_error.hpp>

#include <new>
#include <stdexcept>
#include <string_view>

namespace futures::detail::process {
namespace {

std::string phase_prefix(failure_phase p, const std::string& task) {
    switch (p) {
    case failure_phase::lookup:
        return "";
    case failure_phase::load_args:
        return "the worker could not deserialize the arguments of task \"" + task + "\": ";
    case failure_phase::save_result:
        return "the worker could not serialize the result of task \"" + task + "\": ";
    case failure_phase::run:
        break;
    }
    return "";
}

template <class E>
bool rebuild_as(std::string_view name, const failure& f, remote_details& d, std::exception_ptr& out) {
    if (f.type != name) return false;
    out = std::make_exception_ptr(remote_exception<E>(f.what, std::move(d)));
    return true;
}

}  // namespace

std::exception_ptr unserializable_args(std::string_view task, const char* what) {
    return std::make_exception_ptr(
        serialization_error("cannot serialize the arguments of task \"" + std::string(task) + "\": " + what));
}

std::exception_ptr rebuild_exception(const failure& f, const std::string& task, pid_t pid) {
    remote_details d(f.type, f.what, f.traceback, pid);
    std::exception_ptr e;
    // Only a task's own exceptions keep their type: a failure to load or save is
    // a different event than the task throwing, even with the same type.
    if (f.phase == failure_phase::run && (rebuild_as<std::invalid_argument>("std::invalid_argument", f, d, e) ||
                                          rebuild_as<std::out_of_range>("std::out_of_range", f, d, e) ||
                                          rebuild_as<std::length_error>("std::length_error", f, d, e) ||
                                          rebuild_as<std::domain_error>("std::domain_error", f, d, e) ||
                                          rebuild_as<std::logic_error>("std::logic_error", f, d, e) ||
                                          rebuild_as<std::range_error>("std::range_error", f, d, e) ||
                                          rebuild_as<std::overflow_error>("std::overflow_error", f, d, e) ||
                                          rebuild_as<std::underflow_error>("std::underflow_error", f, d, e) ||
                                          rebuild_as<std::runtime_error>("std::runtime_error", f, d, e)))
        return e;
    // The worker's allocation failed (worker_address_space_bytes, or the machine):
    // say so in words, not only as a type name.
    const std::string oom = f.type == "std::bad_alloc" ? "the worker ran out of memory: " : "";
    return std::make_exception_ptr(
        remote_error(phase_prefix(f.phase, task) + oom + f.type + ": " + f.what, std::move(d)));
}

}  // namespace futures::detail::process

#include <futures/detail/process/lost_worker.hpp>
#include <futures/detail/process/parent/spawn.hpp>
#include <futures/detail/process/parent/worker_executable.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace futures::detail::process {
namespace {

bool executable_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string search_path(const std::string& name) {
    std::string path;
    if (const char* p = std::getenv("PATH")) {
        path = p;
    } else {
        path.resize(::confstr(_CS_PATH, nullptr, 0));
        ::confstr(_CS_PATH, path.data(), path.size());
        path.resize(path.find('\0') == std::string::npos ? path.size() : path.find('\0'));
    }
    std::string_view rest = path;
    for (;;) {
        const auto colon = rest.find(':');
        std::string_view dir = rest.substr(0, colon);
        std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
        if (executable_file(candidate)) return std::filesystem::absolute(candidate).lexically_normal().string();
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    throw std::invalid_argument("worker executable \"" + name + "\" was not found in PATH (" + path + ")");
}

}  // namespace

std::string resolve_worker_executable(const std::string& given) {
    exit_if_lost_worker();  // before anything is started
    if (given.empty()) return self_executable();
    if (given.find('/') == std::string::npos) return search_path(given);
    if (!executable_file(given)) throw std::invalid_argument("worker executable is not executable: " + given);
    return std::filesystem::absolute(given).lexically_normal().string();
}

}  // namespace futures::detail::process

// Runs the Python side of the comparison as a child process and parses its lines.
// popen, not Boost.Process: one read-only pipe is all we need, and it keeps the
// bench on the libraries apps/CMakeLists.txt already links. The shell only sees
// single-quoted words, so paths with spaces or quotes are passed through intact.
#include "python.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>

namespace bench {
namespace {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs the command, calling on_line for each stdout line as it arrives; returns
// why it failed ("" if it exited 0). Python's stderr passes through to ours.
template <class OnLine>
std::string run_lines(const std::string& command, OnLine&& on_line) {
    std::fflush(stdout);  // our pending output first, theirs goes through us anyway
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return "popen failed";
    char buf[4096];
    std::string line;
    while (std::fgets(buf, sizeof buf, p)) {
        line += buf;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            on_line(line);
            line.clear();
        }
    }
    if (!line.empty()) on_line(line);
    const int st = ::pclose(p);
    if (st == -1) return "pclose failed";
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return "";
    if (WIFEXITED(st)) return "exited with status " + std::to_string(WEXITSTATUS(st));
    return "killed by signal " + std::to_string(WTERMSIG(st));
}

// The two row shapes python_anchors.py prints (see its row() and latency loop).
const std::regex timing_row(R"(^(.*\S)\s+([0-9.]+) s(?:\s+([0-9.]+) items/s)?.*$)");
const std::regex latency_row(R"(^(.*\S)\s+median\s+([0-9.]+) us\s+p99\s+([0-9.]+) us\s*$)");

// Adds line to fig if it is a timing or a latency row.
void parse_row(const std::string& line, python_figures& fig) {
    std::smatch m;
    if (std::regex_match(line, m, latency_row)) {
        fig.rows[m[1]].median_us = std::stod(m[2]);
        fig.rows[m[1]].p99_us = std::stod(m[3]);
    } else if (std::regex_match(line, m, timing_row)) {
        fig.rows[m[1]].secs = std::stod(m[2]);
        if (m[3].matched) fig.rows[m[1]].rate = std::stod(m[3]);
    }
}

}  // namespace

python_figures run_rows(const std::string& shell_command) {
    python_figures fig;
    fig.why_not = run_lines(shell_command, [&](const std::string& line) { parse_row(line, fig); });
    return fig;
}

python_figures run_anchor_script(const config& cfg, bool echo) {
    python_figures fig;
    if (cfg.python.empty()) {
        fig.why_not = "--no-python";
        return fig;
    }
    // A bare name is left to the shell's PATH search; a path must exist.
    if (cfg.python.find('/') != std::string::npos && ::access(cfg.python.c_str(), X_OK) != 0) {
        fig.why_not = cfg.python + " is not executable";
        return fig;
    }
    if (::access(cfg.anchors.c_str(), R_OK) != 0) {
        fig.why_not = cfg.anchors + " is not readable";
        return fig;
    }
    std::string cmd = shell_quote(cfg.python) + " " + shell_quote(cfg.anchors);
    if (cfg.quick) cmd += " --quick";
    if (echo) std::printf("python: %s (its lines follow)\n", cmd.c_str());
    fig.why_not = run_lines(cmd, [&](const std::string& line) {
        if (echo) {
            std::printf("    python| %s\n", line.c_str());
            std::fflush(stdout);
        }
        parse_row(line, fig);
    });
    if (!fig.why_not.empty()) {
        fig.why_not = cfg.python + " " + fig.why_not;
        std::printf("python: %s (the rows it printed are still used)\n", fig.why_not.c_str());
    }
    return fig;
}

std::string default_anchors() {
    namespace fs = std::filesystem;
    const fs::path rel = fs::path("..") / "shared" / "bench" / "python_anchors.py";
    std::error_code ec;
    for (const fs::path& start : {fs::read_symlink("/proc/self/exe", ec), fs::current_path(ec)}) {
        for (fs::path d = start; !d.empty() && d != d.parent_path(); d = d.parent_path())
            if (fs::exists(d / "apps" / "bench" / "harness.hpp", ec) && fs::exists(d / rel, ec))
                return fs::weakly_canonical(d / rel, ec).string();
    }
    return rel.string();
}

std::vector<std::string> run_python_snippet(const config& cfg, const std::string& code) {
    std::vector<std::string> out;
    if (cfg.python.empty()) return out;
    const std::string err = run_lines(shell_quote(cfg.python) + " -c " + shell_quote(code),
                                      [&](const std::string& l) { out.push_back(l); });
    if (!err.empty()) std::printf("    (python snippet %s)\n", err.c_str());
    return out;
}

std::vector<std::string> run_python_file(const config& cfg, const std::string& path) {
    std::vector<std::string> out;
    if (cfg.python.empty()) return out;
    const std::string err =
        run_lines(shell_quote(cfg.python) + " " + shell_quote(path), [&](const std::string& l) { out.push_back(l); });
    if (!err.empty()) std::printf("    (python %s %s)\n", path.c_str(), err.c_str());
    return out;
}

}  // namespace bench

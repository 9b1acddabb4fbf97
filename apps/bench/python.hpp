#pragma once
// Python's figures for the process-pool workloads, measured in the same run by
// python_anchors.py (ProcessPoolExecutor, multiprocessing.Pool, loky on this
// machine, 2 workers) or by snippets run with the same interpreter, once per pair,
// so that every ratio compares two runs made back to back.
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace bench {

/// One output line of python_anchors.py: a timing row, or a latency row.
struct python_row {
    double secs = 0, rate = 0;         // "<name>  <secs> s  <rate> items/s ..."
    double median_us = 0, p99_us = 0;  // "<name>  median <us> us  p99 <us> us"
};

struct python_figures {
    std::string why_not;  // non-empty: Python did not run (or failed); rows may be partial
    std::map<std::string, python_row> rows;
    /// nullptr when the script printed no such row (it died early, or --no-python).
    const python_row* find(const std::string& name) const {
        auto it = rows.find(name);
        return it == rows.end() ? nullptr : &it->second;
    }
};

/// Runs python_anchors.py (with --quick under --quick) and parses its lines; with
/// echo, prints them as they come. The script measures each of its rows once.
python_figures run_anchor_script(const config& cfg, bool echo);

/// Where python_anchors.py is by default: ../shared/bench/ next to the repository
/// holding this executable's sources (found from the executable's or the working
/// directory's ancestors), else that path relative to the working directory.
std::string default_anchors();

/// Runs a shell command whose lines have the shapes python_anchors.py prints, and
/// parses them; why_not says why it failed (exit status), if it did. The MPI rows
/// (mpi.cpp) run both of their sides so.
python_figures run_rows(const std::string& shell_command);

/// Runs `python -c code` and returns its stdout lines; empty if it could not run.
std::vector<std::string> run_python_snippet(const config& cfg, const std::string& code);
/// Runs `python path` and returns its stdout lines; empty if it could not run.
std::vector<std::string> run_python_file(const config& cfg, const std::string& path);

}  // namespace bench

#pragma once
// Gates across processes: a call in a pool worker or on an MPI rank waits until
// the test creates its file, so the test decides when that call may complete
// (e.g. to make map(unordered)'s completion order observable). The file system is
// the one signal every carrier shares here (the ranks of the tests run on one
// machine); the wait polls it, bounded by a deadline.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace futures_test {

/// Task side: waits until `path` exists; false after `within`.
inline bool wait_for_file(const std::string& path, std::chrono::milliseconds within = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (::access(path.c_str(), F_OK) != 0) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Test side: a fresh directory of gates, removed with it.
class gate_dir {
public:
    gate_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "futures-gates-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
    }
    ~gate_dir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    gate_dir(const gate_dir&) = delete;
    gate_dir& operator=(const gate_dir&) = delete;

    std::string path(int k) const { return (dir_ / std::to_string(k)).string(); }
    void open(int k) const { std::ofstream(path(k)).put('\n'); }

private:
    std::filesystem::path dir_;
};

}  // namespace futures_test

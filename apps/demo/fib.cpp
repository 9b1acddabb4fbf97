// Seed 002 (section 8.3x, "concurrent.futures进程池"): fib over 15..31 on a process
// pool of 3 (the seed's max_proc=3). First submit + as_completed with a fib that
// raises at n == 31: the error comes back as that one future's exception, with the
// worker's type, message and backtrace (Python's _RemoteTraceback). Then map, as the
// seed's pool_factory: with the plain fib all 17 results; with the raising fib the
// error escapes the iteration when it reaches fib(31), as the seed shows.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include <futures/as_completed.hpp>
#include <futures/process_pool_executor.hpp>

#include "demo.hpp"
#include "tasks.hpp"

namespace demo {
namespace {

constexpr std::size_t max_proc = 3;
constexpr int first = 15, last = 31;  // NUMBERS = range(15, 32)

// fib(n) for n in 15..31, computed here: what every printed value is checked against.
std::int64_t expected(int n) { return demo_tasks::fib(n); }

// Prints what the parent knows of a remote failure: the C++ type it was rebuilt as
// (a std::runtime_error stays catchable as one), and what the worker reported.
void print_remote(const std::exception& e) {
    std::printf("Raise error: %s\n", e.what());
    if (const auto* d = futures::remote_details_of(e)) {
        std::printf("  remote type:  %s (worker pid %d)\n", d->remote_type().c_str(), int(d->remote_pid()));
        std::printf("  remote what(): %s\n", d->remote_what().c_str());
        std::printf("  remote backtrace (the throw site, via futures::throw_with_trace):\n");
        // Indented like Python's _RemoteTraceback block.
        std::string tb = d->remote_traceback();
        for (std::size_t pos = 0; pos < tb.size();) {
            const std::size_t nl = tb.find('\n', pos);
            const std::size_t end = nl == std::string::npos ? tb.size() : nl;
            std::printf("    %s\n", tb.substr(pos, end - pos).c_str());
            pos = end + 1;
        }
    } else {
        std::printf("  (no remote details: not from a worker)\n");
    }
}

// pool_factory with submit + as_completed: {executor.submit(func, num): num}.
int submit_as_completed() {
    std::printf("-- submit + as_completed, fib raises at n == 31 --\n");
    std::fflush(stdout);
    int status = 0, ok_count = 0, errors = 0;
    const auto start = std::chrono::steady_clock::now();
    {
        futures::process_pool_executor executor(max_proc);
        std::vector<futures::future<std::int64_t>> fs;
        std::unordered_map<const void*, int> num_of;  // the seed's excutor_dict
        for (int n = first; n <= last; ++n) {
            fs.push_back(executor.submit(fib_raising_task, n));
            num_of[fs.back().native_state()] = n;
        }
        for (auto& f : futures::as_completed(fs)) {
            const int num = num_of.at(f.native_state());
            try {
                const std::int64_t r = f.result();
                const bool ok = r == expected(num);
                ok_count += ok;
                if (!ok) status = 1;
                std::printf("fib(%d) = %lld%s\n", num, static_cast<long long>(r), ok ? "" : "  <-- MISMATCH");
            } catch (const std::runtime_error& e) {  // the rebuilt std::runtime_error
                ++errors;
                if (num != 31) status = 1;
                print_remote(e);
            }
        }
    }
    std::printf("COST: %.3f s  (%d results, %d error; expected 16 and 1)\n\n", seconds_since(start), ok_count, errors);
    if (ok_count != last - first || errors != 1) status = 1;
    return status;
}

// pool_factory with map: {num: result for num, result in zip(data, executor.map(func, data))}.
int map_variant(const futures::task<std::int64_t(int)>& task, const char* title, bool expect_error) {
    std::printf("-- map: %s --\n", title);
    std::fflush(stdout);
    std::vector<int> numbers;
    for (int n = first; n <= last; ++n) numbers.push_back(n);
    int status = 0, got = 0;
    bool raised = false;
    const auto start = std::chrono::steady_clock::now();
    try {
        futures::process_pool_executor executor(max_proc);
        auto it = numbers.begin();
        for (std::int64_t r : executor.map(task, numbers)) {
            const int num = *it++;
            const bool ok = r == expected(num);
            if (!ok) status = 1;
            ++got;
            std::printf("fib(%d) = %lld%s\n", num, static_cast<long long>(r), ok ? "" : "  <-- MISMATCH");
        }
    } catch (const std::exception& e) {
        // As in the seed: map has no per-item handler, the first error ends the loop.
        raised = true;
        std::printf("the error escaped executor.map's iteration after %d results:\n", got);
        print_remote(e);
    }
    const bool ok = expect_error ? raised && got == last - first : !raised && got == last - first + 1;
    if (!ok) status = 1;
    std::printf("COST: %.3f s  %s\n\n", seconds_since(start), ok ? "(as the seed)" : "<-- NOT as the seed");
    return status;
}

}  // namespace

int fib() {
    std::printf("== seed 002: fib(15..31) on process_pool_executor(%zu) ==\n", max_proc);
    int status = submit_as_completed();
    status |= map_variant(fib_task, "plain fib, all of 15..31 (the seed's first listing)", false);
    status |= map_variant(fib_raising_task, "fib raising at 31 (the seed's last call)", true);
    return status;
}

}  // namespace demo

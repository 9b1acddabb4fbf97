// (m) mpi_pool_executor against mpi4py.futures in static mode, in the same run:
// both on 3 ranks (rank 0 submits, 2 serve), once over shared memory and once over
// TCP pinned to the loopback, in pairs (one run of each side back to back,
// alternately first). The C++ side is apps/bench_mpi (built beside this bench); the
// Python side is the script below, run as `python3 -m mpi4py.futures script`. Rows:
// no-op submit+result rate (target >= 10x), round-trip median (mpi4py's / ours >= 4,
// i.e. ours <= 1/4 of theirs), map of 1,000,000 ints with chunksize 1,024 (>= 10x),
// and the same map with unordered=True (for reference: no target).
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "python.hpp"

namespace bench {
namespace {

// The twin of apps/bench_mpi/main.cpp: same N, same lines.
const char* const mpi4py_script = R"PY(import sys, time
from mpi4py.futures import MPIPoolExecutor
def noop(x):
    return x
if __name__ == "__main__":
    quick = "--quick" in sys.argv
    NS, NT, NM = (2000, 200, 100000) if quick else (20000, 2000, 1000000)
    with MPIPoolExecutor() as ex:
        ex.bootup(); ex.submit(noop, 0).result()
        t = time.perf_counter(); [f.result() for f in [ex.submit(noop, i) for i in range(NS)]]; s = time.perf_counter() - t
        print(f"submit+result no-op  {s:.4f} s  {NS/s:.0f} items/s", flush=True)
        lat = []
        for i in range(NT):
            t = time.perf_counter(); ex.submit(noop, i).result(); lat.append((time.perf_counter() - t) * 1e6)
        lat.sort(); print(f"round trip  median {lat[len(lat)//2]:.1f} us  p99 {lat[len(lat)*99//100]:.1f} us", flush=True)
        t = time.perf_counter(); r = list(ex.map(noop, range(NM), chunksize=1024)); s = time.perf_counter() - t
        if r != list(range(NM)): print("WRONG RESULTS"); sys.exit(1)
        print(f"map chunksize 1024  {s:.4f} s  {NM/s:.0f} items/s", flush=True)
        t = time.perf_counter(); r = list(ex.map(noop, range(NM), chunksize=1024, unordered=True)); s = time.perf_counter() - t
        if sorted(r) != list(range(NM)): print("WRONG RESULTS"); sys.exit(1)
        print(f"map unordered chunksize 1024  {s:.4f} s  {NM/s:.0f} items/s", flush=True)
)PY";

struct side {
    std::vector<double> rate, median_us, map_rate, unordered_rate;
    bool failed = false;
    void add(const python_figures& f) {
        const python_row* s = f.find("submit+result no-op");
        const python_row* l = f.find("round trip");
        const python_row* m = f.find("map chunksize 1024");
        const python_row* u = f.find("map unordered chunksize 1024");
        rate.push_back(s ? s->rate : 0);
        median_us.push_back(l ? l->median_us : 0);
        map_rate.push_back(m ? m->rate : 0);
        unordered_rate.push_back(u ? u->rate : 0);
        failed = failed || !f.why_not.empty() || !s || !l || !m || !u;
    }
};

std::string note(const char* unit, double ours, double theirs) {
    char b[96];
    std::snprintf(b, sizeof b, "futures %.3g vs mpi4py %.3g %s", ours, theirs, unit);
    return b;
}

}  // namespace

void mpi_rows(const config& cfg, std::vector<verdict>& vs) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "bench_mpi" / "bench_mpi";
    std::printf("(m) MPI: mpi_pool_executor vs mpi4py.futures static mode, mpiexec -n 3 (2 serving ranks)\n");
    if (!fs::exists(exe, ec)) {
        std::printf("    skipped: %s is not built (configured without MPI: FUTURES_MPI=OFF)\n\n", exe.c_str());
        return;
    }
    // In $TMPDIR (or /tmp): the machine's temporary directory, not a fixed path.
    std::string script_path = (fs::temp_directory_path() / "futures-bench-mpi4py-XXXXXX.py").string();
    char* script = script_path.data();
    const int fd = ::mkstemps(script, 3);
    if (fd >= 0) ::close(fd);
    std::ofstream(script) << mpi4py_script;
    const std::string quick = cfg.quick ? " --quick" : "";
    const std::string mpirun =
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 mpiexec -n 3 ";
    const struct {
        const char* name;
        const char* flags;
    } vias[] = {{"shared memory", "--mca btl self,vader"},
                {"TCP on lo", "--mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"}};
    for (const auto& via : vias) {
        side ours, theirs;
        for (int rep = 0; rep < cfg.repeat; ++rep)
            interleaved(
                rep, [&] { ours.add(run_rows(mpirun + via.flags + " " + exe.string() + quick)); },
                [&] {
                    if (cfg.python.empty()) return theirs.add(python_figures{"--no-python", {}});
                    theirs.add(run_rows(mpirun + via.flags + " " + cfg.python + " -m mpi4py.futures " + script + quick));
                });
        std::printf("    %-14s | submit+result/s futures  mpi4py | round trip us futures  mpi4py | map items/s "
                    "futures  mpi4py | unordered futures  mpi4py\n",
                    via.name);
        for (std::size_t k = 0; k < ours.rate.size(); ++k)
            std::printf("    pair %-9zu | %16.0f %7.0f | %21.1f %7.1f | %19.0f %7.0f | %17.0f %7.0f\n", k + 1,
                        ours.rate[k], theirs.rate[k], ours.median_us[k], theirs.median_us[k], ours.map_rate[k],
                        theirs.map_rate[k], ours.unordered_rate[k], theirs.unordered_rate[k]);
        const std::string tag = std::string("(m ") + (via.name[0] == 's' ? "shm" : "tcp") + ") ";
        auto row = [&](const std::string& what, double target, const std::vector<double>& num,
                       const std::vector<double>& den, std::string n) {
            verdict v{tag + what, target, ratio_stats(pair_ratios(num, den))};
            v.wrong_results = ours.failed;
            v.no_reference = theirs.failed;
            v.note = std::move(n);
            print_ratios(what.c_str(), v.r);
            vs.push_back(std::move(v));
        };
        row("submit+result rate futures/mpi4py", 10, ours.rate, theirs.rate,
            note("calls/s", median(ours.rate), median(theirs.rate)));
        row("round-trip median mpi4py/futures", 4, theirs.median_us, ours.median_us,
            note("us", median(ours.median_us), median(theirs.median_us)));
        row("map 1M ints, chunks of 1024, futures/mpi4py", 10, ours.map_rate, theirs.map_rate,
            note("items/s", median(ours.map_rate), median(theirs.map_rate)));
        // No target in the issue for unordered=True: for reference.
        row("map unordered 1M ints, chunks of 1024, futures/mpi4py", 0, ours.unordered_rate, theirs.unordered_rate,
            note("items/s", median(ours.unordered_rate), median(theirs.unordered_rate)));
        std::printf("\n");
    }
    ::unlink(script);
}

}  // namespace bench

// mpi_pool_executor::bootup(): a no-op call per serving rank. Its task lives in
// the same file as the function, so every program that can call bootup() links it.
#include <futures/mpi_pool_executor.hpp>

#include <vector>

namespace futures::detail::mpi {
namespace {
int noop(int x) { return x; }
}  // namespace
FUTURES_TASK(bootup_noop, noop);
}  // namespace futures::detail::mpi

namespace futures {

void mpi_pool_executor::bootup(bool wait) {
    // Queued together, these make the pool start a session per rank (one per queued
    // call no starting session will take); the first ready rank may answer all.
    std::vector<future<int>> fs;
    for (std::size_t k = 0; k < max_workers(); ++k) fs.push_back(submit(detail::mpi::bootup_noop, int(k)));
    if (wait)
        for (auto& f : fs) f.result();
}

}  // namespace futures

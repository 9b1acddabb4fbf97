// The MPI pool as a project uses it: find_package(futures CONFIG REQUIRED
// COMPONENTS mpi) and futures::mpi. Every rank runs this program:
//     mpirun -n 2 ./mpi_pool       (rank 0 submits, rank 1 serves)
#include <cstdio>
#include <vector>

#include <futures/mpi.hpp>
#include <futures/mpi_pool_executor.hpp>

int square(int x) { return x * x; }
FUTURES_TASK(square_task, square);

int main(int argc, char** argv) {
    futures::mpi::serve_if_worker(argc, argv);  // the serving ranks stay in there
    futures::mpi_pool_executor ex;
    int sum = 0;
    for (int v : ex.map(square_task, std::vector{1, 2, 3, 4}, futures::map_options{.unordered = true})) sum += v;
    sum += ex.submit(square_task, 5).result();
    std::printf("mpi: %zu serving rank(s), sum of squares %d\n", ex.num_workers(), sum);
}

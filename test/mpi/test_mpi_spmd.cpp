// mpi_comm_executor, mpi4py's MPICommExecutor: every rank runs these cases (SPMD),
// constructing the executor collectively; the root submits, the others serve inside
// the constructor. Under mpiexec -n 3 (test/mpi/CMakeLists.txt). Every rank checks
// its own side; only rank 0 leaves the summary record (a failure on another rank
// fails its exit status, hence the mpiexec run).
#define BOOST_TEST_MODULE mpi_spmd
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <vector>

#include <boost/mpi/environment.hpp>

#include <futures/errors.hpp>
#include <futures/mpi_comm_executor.hpp>

#include "mpi/tasks.hpp"

using namespace std::chrono_literals;

namespace {
int world_rank() {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}
int world_size() {
    int n = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}
}  // namespace

BOOST_AUTO_TEST_CASE(root_gets_the_executor_the_others_serve) {
    futures::mpi_comm_executor ex;  // MPI_COMM_WORLD, root 0
    BOOST_TEST(bool(ex) == (world_rank() == 0));
    if (!ex) return;
    BOOST_TEST(ex->num_workers() == std::size_t(world_size() - 1));
    ex->bootup();
    std::vector<futures::future<int>> fs;
    for (int i = 0; i < 100; ++i) fs.push_back(ex->submit(m_square, i));
    for (int i = 0; i < 100; ++i) BOOST_TEST(fs[i].result(30s) == i * i);
    BOOST_CHECK_THROW(ex->submit(m_fail_negative, -1).result(30s), futures::remote_exception<std::invalid_argument>);
}

BOOST_AUTO_TEST_CASE(every_rank_can_be_the_root) {
    for (int root = 0; root < world_size(); ++root) {
        futures::mpi_comm_executor ex(MPI_COMM_WORLD, root);
        BOOST_TEST(bool(ex) == (world_rank() == root));
        if (!ex) continue;
        std::vector<int> xs{1, 2, 3, 4, 5, 6, 7};
        std::vector<int> got;
        for (int v : ex->map(m_square, xs, futures::map_options{.chunksize = 2})) got.push_back(v);
        BOOST_TEST(got == (std::vector<int>{1, 4, 9, 16, 25, 36, 49}), boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(bad_root_and_lone_communicators_are_refused_on_every_rank) {
    BOOST_CHECK_THROW(futures::mpi_comm_executor(MPI_COMM_WORLD, -1), std::invalid_argument);
    BOOST_CHECK_THROW(futures::mpi_comm_executor(MPI_COMM_WORLD, world_size()), std::invalid_argument);
    BOOST_CHECK_THROW(futures::mpi_comm_executor(MPI_COMM_SELF), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_failing_initializer_breaks_the_root_executor_only) {
    futures::mpi_pool_options o;
    o.initializer = futures::make_call(m_fail_negative, -1);
    futures::mpi_comm_executor ex(MPI_COMM_WORLD, 0, o);
    if (!ex) return;
    BOOST_CHECK_THROW(ex->submit(m_square, 2).result(30s), futures::broken_process_pool);
}

BOOST_AUTO_TEST_CASE(the_program_keeps_its_own_mpi_traffic) {
    // Our messages travel on a duplicate of the communicator: a message of the
    // program's own, sent before and received after, is not taken by the executor.
    const int me = world_rank(), next = (me + 1) % world_size(), prev = (me + world_size() - 1) % world_size();
    int out = 1000 + me, in = -1;
    MPI_Request req;
    MPI_Isend(&out, 1, MPI_INT, next, 7, MPI_COMM_WORLD, &req);
    {
        futures::mpi_comm_executor ex;
        if (ex) BOOST_TEST(ex->submit(m_add, 2, 3).result(30s) == 5);
    }
    MPI_Recv(&in, 1, MPI_INT, prev, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    BOOST_TEST(in == 1000 + prev);
}

int main(int argc, char** argv) {
    boost::mpi::environment env(argc, argv, boost::mpi::threading::serialized);
    if (world_rank() != 0) ::unsetenv("FUTURES_TEST_SUMMARY");  // one record per run: rank 0's
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

# The MPI backend (docs/mpi.md): a library of its own, futures::mpi, so the core
# keeps its small dependency set. FUTURES_MPI defaults to ON when Open MPI (or
# another MPI) and Boost.MPI are found; ON without them is an error.
set(MPI_CXX_SKIP_MPICXX ON)  # the C API is all we call; no deprecated C++ bindings
find_package(MPI QUIET COMPONENTS CXX)
find_package(Boost 1.81 QUIET CONFIG COMPONENTS mpi)
set(_futures_mpi_found OFF)
if(MPI_CXX_FOUND AND TARGET Boost::mpi)
  set(_futures_mpi_found ON)
endif()
option(FUTURES_MPI "Build futures::mpi (mpi_pool_executor) on MPI + Boost.MPI" ${_futures_mpi_found})
if(FUTURES_MPI AND NOT _futures_mpi_found)
  message(FATAL_ERROR "FUTURES_MPI is ON but MPI (C++) or Boost.MPI was not found: install openmpi-bin "
                      "libopenmpi-dev libboost-mpi1.81-dev, or configure with -DFUTURES_MPI=OFF")
endif()
message(STATUS "futures: MPI backend (FUTURES_MPI) ${FUTURES_MPI}")

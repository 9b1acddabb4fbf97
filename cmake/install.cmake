# Install rules and the CMake package (find_package(futures CONFIG), with the
# optional component mpi), plus a pkg-config file for the core library. Headers go to <prefix>/include/futures, the library to
# <prefix>/lib, the package to <prefix>/lib/cmake/futures.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/futures)

install(TARGETS futures EXPORT futures-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The MPI headers (mpi*.hpp, detail/mpi/) only with the library that implements them.
set(_futures_header_filter)
if(NOT FUTURES_MPI)
  set(_futures_header_filter PATTERN "mpi*" EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/futures ${FUTURES_GENERATED_INCLUDE}/futures
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${_futures_header_filter})
install(EXPORT futures-targets NAMESPACE futures:: DESTINATION ${_cmake_dir})

# futures::mpi in an export set of its own: its file exists only in a package
# built with the MPI backend, which is how futures-config.cmake tells whether the
# mpi component can be had, and loading the core never needs MPI.
if(FUTURES_MPI)
  install(TARGETS futures_mpi EXPORT futures-mpi-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT futures-mpi-targets NAMESPACE futures:: DESTINATION ${_cmake_dir})
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/futures-config.cmake.in
                              ${PROJECT_BINARY_DIR}/futures-config.cmake INSTALL_DESTINATION ${_cmake_dir})
# 0.x: SameMajorVersion treats every 0.y as compatible with 0.z; until 1.0 the
# CHANGELOG says what changed.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/futures-config-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/futures-config.cmake ${PROJECT_BINARY_DIR}/futures-config-version.cmake
              ${PROJECT_SOURCE_DIR}/cmake/futures-worker.cmake
        DESTINATION ${_cmake_dir})

configure_file(${PROJECT_SOURCE_DIR}/cmake/futures.pc.in ${PROJECT_BINARY_DIR}/futures.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/futures.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/futures)

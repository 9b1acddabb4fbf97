#!/usr/bin/env bash
# The library as others use it (run by `bash cmake/run.sh test`, or alone):
#   1. configure, build and install futures into a temporary prefix;
#   2. build examples/ against it with find_package(futures CONFIG REQUIRED), and
#      run every example (thread pool, process pool relaunching itself, a separate
#      worker binary whose tasks are a static library, found through PATH);
#   3. build examples/ with add_subdirectory(futures), checking that a parent with
#      default options gets the library only and keeps its own build type;
#   4. build examples/ with FetchContent from a local tarball (no network);
#   5. check that every C++ block of README.md is one of the examples, verbatim.
# When the library builds its MPI backend (the test command installs MPI), each
# way also builds examples/mpi_pool.cpp (find_package(... COMPONENTS mpi) for the
# package) and runs it under mpiexec -n 2 over shared memory, and a copy of the
# install without futures-mpi-targets.cmake (as one built with FUTURES_MPI=OFF)
# must refuse COMPONENTS mpi with a reason that says so.
# Prints one line per check and "consumer: N passed, N failed"; exits non-zero if
# any failed. Environment: CONSUMER_DIR (default: <build root>/consumer, wiped
# first), FUTURES_TEST_SUMMARY (if set, a record is appended in the test
# executables' format: "consumer_test <passed> <failed> 0").
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
WORK=${CONSUMER_DIR:-${BUILD_DIR_ROOT:-build}/consumer}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
rm -rf "${WORK:?}"/*
JOBS=${JOBS:-2}
PASSED=0 FAILED=0

check() {  # check NAME COMMAND...: runs the command, output in $WORK/NAME.log
    local name=$1
    shift
    if "$@" >"$WORK/$name.log" 2>&1; then
        echo "consumer: ok   $name"
        PASSED=$((PASSED + 1))
    else
        echo "consumer: FAIL $name (log: $WORK/$name.log)"
        tail -n 20 "$WORK/$name.log" | sed 's/^/    /'
        FAILED=$((FAILED + 1))
    fi
}

cmake_build() {  # cmake_build SRC BUILD [cmake args...]
    local src=$1 dir=$2
    shift 2
    cmake -S "$src" -B "$dir" -G Ninja "$@" && cmake --build "$dir" -j"$JOBS"
}

# expect PATTERN COMMAND...: the command succeeds and prints a line matching
# PATTERN (whole output read first: grep -q stopping early would SIGPIPE it).
expect() {
    local pattern=$1 out
    shift
    out=$("$@") || { echo "$* failed:"; echo "$out"; return 1; }
    echo "$out"
    grep -qx -- "$pattern" <<<"$out" || { echo "no line matching: $pattern"; return 1; }
}

# The MPI example (when the library was built with its MPI backend): 2 ranks, as
# root if need be, over shared memory, the launcher's own traffic on the loopback.
EXAMPLES_MPI=OFF
mpi_run() {
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
        mpiexec -n 2 --mca btl self,vader --mca oob_tcp_if_include lo "$@"
}

run_examples() {  # run_examples BUILD: every example must exit 0 with its output
    local b=$1
    expect "gcd 1, doubled 2, 3 done" "$b/thread_pool" &&
        expect "map: 21" "$b/process_pool" &&
        expect "gcd 6, fib(30) 832040, fib(31) 1346269, gcd 1" "$b/asio" &&
        (cd / && PATH="$b:$PATH" expect "gcd 21, sum 5050" "$b/worker_binary") &&
        if [[ $EXAMPLES_MPI == ON ]]; then
            expect "mpi: 1 serving rank(s), sum of squares 55" mpi_run "$b/mpi_pool"
        fi
}

# Install only the library: no apps, no tests, as a packager would.
PREFIX=$WORK/prefix
install_library() {
    cmake -S "$SRC" -B "$WORK/lib" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFUTURES_BUILD_APPS=OFF \
        -DFUTURES_BUILD_TESTS=OFF -DFUTURES_INSTALL=ON -DCMAKE_INSTALL_PREFIX="$PREFIX" &&
        if grep -q '^FUTURES_MPI:BOOL=ON' "$WORK/lib/CMakeCache.txt"; then EXAMPLES_MPI=ON; fi &&
        cmake --build "$WORK/lib" -j"$JOBS" && cmake --install "$WORK/lib" &&
        for f in lib/cmake/futures/futures-config.cmake lib/cmake/futures/futures-config-version.cmake \
            include/futures/version.hpp include/futures/futures.hpp lib/libfutures.a lib/pkgconfig/futures.pc; do
            test -f "$PREFIX/$f" || { echo "not installed: $f"; return 1; }
        done &&
        if [[ $EXAMPLES_MPI == ON ]]; then
            for f in lib/cmake/futures/futures-mpi-targets.cmake lib/libfutures_mpi.a \
                include/futures/mpi_pool_executor.hpp include/futures/detail/mpi/link.hpp; do
                test -f "$PREFIX/$f" || { echo "not installed: $f"; return 1; }
            done
        fi
}
check install install_library
[[ $EXAMPLES_MPI == ON ]] || echo "consumer: the library was built without MPI (FUTURES_MPI=OFF): no MPI checks"

check find_package cmake_build "$SRC/examples" "$WORK/package" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DFUTURES_EXAMPLES_MPI=$EXAMPLES_MPI
check find_package_run run_examples "$WORK/package"

# A package without the MPI backend refuses COMPONENTS mpi, saying why; an unknown
# component is refused too; OPTIONAL_COMPONENTS mpi leaves the core usable.
mpi_component_refused() {
    local copy=$WORK/no-mpi-prefix probe=$WORK/no-mpi-probe out
    rm -rf "$copy" "$probe" && cp -a "$PREFIX" "$copy" && rm -f "$copy"/lib/cmake/futures/futures-mpi-targets*.cmake &&
        mkdir -p "$probe" || return 1
    cat >"$probe/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(mpi_probe LANGUAGES CXX)
find_package(futures CONFIG REQUIRED COMPONENTS ${PROBE_COMPONENTS})
if(NOT TARGET futures::futures OR TARGET futures::mpi)
  message(FATAL_ERROR "wrong targets")
endif()
CMAKE
    out=$(cmake -S "$probe" -B "$probe/build-mpi" -DCMAKE_PREFIX_PATH="$copy" -DPROBE_COMPONENTS=mpi 2>&1) &&
        { echo "COMPONENTS mpi was accepted without the MPI backend"; return 1; }
    echo "$out"
    out=$(tr -s ' \n' ' ' <<<"$out")  # CMake wraps the reason's lines
    grep -q "was built without its MPI backend" <<<"$out" || { echo "no reason given"; return 1; }
    out=$(cmake -S "$probe" -B "$probe/build-bogus" -DCMAKE_PREFIX_PATH="$copy" -DPROBE_COMPONENTS=bogus 2>&1) &&
        { echo "COMPONENTS bogus was accepted"; return 1; }
    out=$(tr -s ' \n' ' ' <<<"$out")
    grep -q 'unknown component "bogus"' <<<"$out" || { echo "$out"; echo "no reason given for bogus"; return 1; }
    sed -i 's/REQUIRED COMPONENTS/REQUIRED OPTIONAL_COMPONENTS/' "$probe/CMakeLists.txt"
    cmake -S "$probe" -B "$probe/build-optional" -DCMAKE_PREFIX_PATH="$copy" -DPROBE_COMPONENTS=mpi
}
if [[ $EXAMPLES_MPI == ON ]]; then check mpi_component_refused mpi_component_refused; fi

# SameMajorVersion: 0.x is found for "0.1", refused for "1".
version_file() {
    mkdir -p "$WORK/version/src"
    cat >"$WORK/version/src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(version_probe LANGUAGES CXX)
find_package(futures 1 CONFIG QUIET)
if(futures_FOUND)
  message(FATAL_ERROR "futures ${futures_VERSION} was accepted for a request of version 1")
endif()
find_package(futures 0.1 CONFIG REQUIRED)
message(STATUS "found futures ${futures_VERSION}")
CMAKE
    expect "-- found futures $(cat "$SRC/VERSION")" \
        cmake -S "$WORK/version/src" -B "$WORK/version/build" -DCMAKE_PREFIX_PATH="$PREFIX"
}
check version_file version_file

# pkg-config, for non-CMake builds: a program compiled and linked with its flags.
pkg_config() {
    local pc="PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig"
    expect "$(cat "$SRC/VERSION")" env "$pc" pkg-config --modversion futures &&
        g++ -std=c++20 -o "$WORK/pkg_thread_pool" "$SRC/examples/thread_pool.cpp" \
            $(env "$pc" pkg-config --cflags --libs futures) &&
        "$WORK/pkg_thread_pool" >/dev/null
}
check pkg_config pkg_config

check add_subdirectory cmake_build "$SRC/examples" "$WORK/subdirectory" -DFUTURES_EXAMPLES_USE=subdirectory \
    -DFUTURES_SOURCE_DIR="$SRC" -DFUTURES_EXAMPLES_MPI=$EXAMPLES_MPI
check add_subdirectory_run run_examples "$WORK/subdirectory"
# Default options as a subproject: the library and nothing else; the parent's
# (empty) build type is left alone.
library_only() {
    local targets
    targets=$(cmake --build "$WORK/subdirectory" --target help) || return 1
    if grep -E '(^| )(test_[a-z_]+|demo|bench|pipeline|offload_server)(:| )' <<<"$targets"; then
        echo "the parent project got futures' apps or tests (above)"
        return 1
    fi
    grep -qx 'CMAKE_BUILD_TYPE:STRING=' "$WORK/subdirectory/CMakeCache.txt" ||
        { echo "the parent's build type was changed"; return 1; }
}
check add_subdirectory_library_only library_only

tar -C "$SRC" --exclude=./build --exclude=./.git -czf "$WORK/futures.tar.gz" .
check fetchcontent cmake_build "$SRC/examples" "$WORK/fetchcontent" -DFUTURES_EXAMPLES_USE=fetchcontent \
    -DFUTURES_URL="file://$WORK/futures.tar.gz" -DFUTURES_EXAMPLES_MPI=$EXAMPLES_MPI
check fetchcontent_run run_examples "$WORK/fetchcontent"

check readme_snippets bash "$SRC/cmake/check_readme_snippets.sh" "$SRC"

echo "consumer: $PASSED passed, $FAILED failed"
if [[ -n ${FUTURES_TEST_SUMMARY:-} ]]; then echo "consumer_test $PASSED $FAILED 0" >>"$FUTURES_TEST_SUMMARY"; fi
((FAILED == 0))

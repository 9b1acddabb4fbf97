#!/usr/bin/env bash
# Entry points used by the README and CI:
#   bash cmake/run.sh demo  [args...]  release build, then run apps/demo with args; without
#                                      args (or with --mpi alone) also apps/demo_mpi on 3 MPI ranks
#   bash cmake/run.sh bench [args...]  release build, then run apps/bench with args
#   bash cmake/run.sh serve-bench [args...]
#                                      release build of apps/offload_server, then its
#                                      load benchmark (apps/offload_server/bench.sh) with args
#   bash cmake/run.sh test             release tests, the install + examples/ consumer
#                                      check (cmake/consumer_test.sh), TSan and ASan+UBSan test
#                                      runs, and ~30 s of fuzzing; the last line is the grand
#                                      total "N passed, N failed"
#   bash cmake/run.sh fuzz             every decoder's libFuzzer target (test/fuzz),
#                                      FUZZ_RUNS executions each (default 2,500,000:
#                                      10 million in all)
#   bash cmake/run.sh soak [N]         release build, then N process-pool calls (default
#                                      1,000,000) while workers are SIGKILLed at random;
#                                      prints the counts (test/process/test_process_soak.cpp)
# Environment: BUILD_DIR_ROOT (default: build, relative to the repo root);
#   FUTURES_SANITIZER_TESTS, a ctest -R regex limiting the two sanitizer runs
#   (default: every test). Extra TSAN_/ASAN_/UBSAN_OPTIONS are appended to ours;
#   test/tsan.supp, if present, is used as the TSan suppressions file.
set -euo pipefail

# Everything a fresh Debian 12 needs; add packages here.
PACKAGES="g++ cmake make ccache ninja-build libboost1.81-dev libboost-test1.81-dev
  libboost-serialization1.81-dev libboost-stacktrace1.81-dev libboost-filesystem1.81-dev
  libboost-program-options1.81-dev pkg-config
  openmpi-bin libopenmpi-dev libboost-mpi1.81-dev"
# Only for `bench`: Debian's python3 runs ../shared/bench/python_anchors.py (which
# imports joblib) for the process-pool comparisons, and mpi4py.futures for the MPI rows;
# oneTBB is the (ac) row's second thread-pool peer (the library never links it).
# The MPI packages above build futures::mpi and run its tests under mpiexec.
BENCH_PACKAGES="python3 python3-joblib python3-mpi4py libtbb-dev"
# Only for `serve-bench`: the HTTP load generator (wrk2, with its rate option, is
# not in Debian; plain wrk's --latency gives the percentiles).
SERVE_BENCH_PACKAGES="wrk"
# Only for `fuzz` and `test`: libFuzzer comes with clang's runtime, not with g++.
FUZZ_PACKAGES="clang-14 libclang-rt-14-dev"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR_ROOT=${BUILD_DIR_ROOT:-build}
JOBS=2

die() { echo "run.sh: $*" >&2; exit 2; }

# apt-get only when something is missing: it is slow and needs the network.
install_packages() {
  command -v dpkg-query >/dev/null || return 0
  local p status missing=()
  for p in $PACKAGES "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == *"ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    echo "run.sh: installing ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# The three configurations are CMakePresets.json's release, tsan and asan-ubsan
# (flags and cache variables live there); only their directories are set here.
RELEASE_DIR=$BUILD_DIR_ROOT/release
TSAN_DIR=$BUILD_DIR_ROOT/tsan
ASAN_DIR=$BUILD_DIR_ROOT/asan

# build PRESET DIR [build args...]
build() {
  local preset=$1 dir=$2
  shift 2
  cmake --preset "$preset" -B "$dir"
  cmake --build "$dir" -j"$JOBS" "$@"
}

TOTAL_P=0 TOTAL_F=0 TOTAL_S=0 STATUS=0
BREAKDOWN=()

# run_ctest NAME DIR [VAR=VALUE...]: run ctest with those variables, tally the
# FUTURES_TEST_SUMMARY records the test executables append (test/support/summary.cpp).
run_ctest() {
  local name=$1 dir=$2
  shift 2
  local abs filter=() rc=0
  abs=$(cd "$dir" && pwd)
  if [[ $name != release && -n ${FUTURES_SANITIZER_TESTS:-} ]]; then
    filter=(-R "$FUTURES_SANITIZER_TESTS")
  fi
  # The tests this run is meant to run, from ctest itself: every one of them must
  # leave a record, so an executable that exits 0 without one cannot vanish from
  # the totals. Test name == executable name (test/CMakeLists.txt keeps it so).
  ctest --test-dir "$dir" -N "${filter[@]}" | awk '/^ *Test +#[0-9]+: / {print $3}' >"$abs/test-list.txt"
  local registered listed
  registered=$(ctest --test-dir "$dir" -N | awk '/^ *Test +#[0-9]+: /' | wc -l)
  listed=$(wc -l <"$abs/test-list.txt")
  : >"$abs/test-summary.txt"
  rm -f "$abs/Testing/Temporary/LastTestsFailed.log"
  echo "=== $name: ctest ==="
  env "$@" FUTURES_TEST_SUMMARY="$abs/test-summary.txt" \
    ctest --test-dir "$dir" -j"$JOBS" --output-on-failure --no-tests=error "${filter[@]}" || rc=$?

  # Per test: its record's counts; no record, several records or a record of no
  # case at all counts as one failed case; so does a test ctest failed (crash,
  # sanitizer abort, leak report at exit, timeout) whose record shows no failure,
  # so the totals can never look clean while ctest is red. A record of a test
  # that was not meant to run also counts as a failure: the names are wrong.
  local p f s bad failed_log=$abs/Testing/Temporary/LastTestsFailed.log
  [[ -f $failed_log ]] || failed_log=/dev/null
  read -r p f s bad < <(awk -v list="$abs/test-list.txt" -v failed_log="$failed_log" '
    FILENAME == list { want[$1] = 1; next }
    FILENAME == failed_log { sub(/^[0-9]+:/, ""); red[$0] = 1; next }
    {
      if (!($1 in want)) { print "run.sh: record of a test that was not run: " $0 > "/dev/stderr"; bad++; next }
      n[$1]++; p += $2; f += $3; s += $4; cases[$1] += $2 + $3 + $4; fails[$1] += $3
    }
    END {
      for (t in want) {
        why = ""
        if (!(t in n)) why = "wrote no summary record"
        else if (n[t] > 1) why = "wrote " n[t] " summary records"
        else if (cases[t] == 0) why = "ran no test case"
        else if ((t in red) && fails[t] == 0) why = "failed outside any test case"
        if (why != "") { print "run.sh: " t " " why ": counted as 1 failed" > "/dev/stderr"; bad++ }
      }
      print p + 0, f + 0, s + 0, bad + 0
    }' "$abs/test-list.txt" "$failed_log" "$abs/test-summary.txt")
  f=$((f + bad))
  local line="$name: $p passed, $f failed"
  if ((s > 0)); then line+=", $s skipped"; fi
  if ((bad > 0)); then line+=" ($bad of them test executables without an honest record: see above)"; fi
  if ((listed < registered)); then
    line+=" [narrowed by FUTURES_SANITIZER_TESTS='$FUTURES_SANITIZER_TESTS': $listed of $registered tests]"
  fi
  if ((rc != 0)); then line+="  [ctest exit $rc]"; fi
  BREAKDOWN+=("$line")
  TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f)) TOTAL_S=$((TOTAL_S + s))
  if ((rc != 0 || f > 0 || listed == 0)); then STATUS=1; fi
}

# The library as others use it: install, then build and run examples/ three ways.
# Its checks count in the totals like test cases.
run_consumer() {
  local rc=0 p f
  echo "=== consumer: install + examples/ ==="
  CONSUMER_DIR="$BUILD_DIR_ROOT/consumer" JOBS=$JOBS bash cmake/consumer_test.sh | tee "$BUILD_DIR_ROOT/consumer.txt" || rc=$?
  read -r p f < <(awk '/^consumer: [0-9]+ passed/ {print $2, $4}' "$BUILD_DIR_ROOT/consumer.txt") || true
  BREAKDOWN+=("consumer: ${p:-0} passed, ${f:-1} failed")
  TOTAL_P=$((TOTAL_P + ${p:-0})) TOTAL_F=$((TOTAL_F + ${f:-1}))
  if ((rc != 0)); then STATUS=1; fi
}

# The decoders' fuzz targets (test/fuzz), built with clang into $BUILD_DIR_ROOT/fuzz.
FUZZ_DIR=$BUILD_DIR_ROOT/fuzz
FUZZ_TARGETS="call_frame result_frame handshake packed shm_frame"
build_fuzz() {
  cmake -S test/fuzz -B "$FUZZ_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  cmake --build "$FUZZ_DIR" -j"$JOBS"
}

# fuzz_one TARGET [libFuzzer args...]: new inputs go to a scratch corpus; the seeds
# in test/fuzz/corpus are only read. An input over max_len is cut; any single
# allocation above malloc_limit_mb is reported as a failure: a 64 KiB frame has no
# business allocating more than a small multiple of itself. Prints the executions.
fuzz_one() {
  local t=$1 log
  shift
  mkdir -p "$FUZZ_DIR/corpus/$t"
  log="$FUZZ_DIR/fuzz_$t.log"
  if ! "$FUZZ_DIR/fuzz_$t" "$FUZZ_DIR/corpus/$t" "test/fuzz/corpus/$t" -max_len=65536 -malloc_limit_mb=4 \
    -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/crash-$t-" "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz_$t: FAILED (log: $log)" >&2
    return 1
  fi
  awk '/stat::number_of_executed_units/ {n = $2} END {print n + 0}' "$log"
}

run_fuzz() {
  build_fuzz
  local t n total=0
  for t in $FUZZ_TARGETS; do
    n=$(fuzz_one "$t" -runs="${FUZZ_RUNS:-2500000}") || exit 1
    echo "fuzz_$t: $n executions, no crash"
    total=$((total + n))
  done
  echo "fuzz: $total executions in all, no crash, no allocation above 4 MiB"
}

# About 30 s of fuzzing for the test command: one case per target in the totals.
run_fuzz_smoke() {
  echo "=== fuzz: ~30 s ==="
  local t n p=0 f=0 total=0
  if build_fuzz; then
    for t in $FUZZ_TARGETS; do
      if n=$(fuzz_one "$t" -max_total_time=6); then
        p=$((p + 1)) total=$((total + n))
      else
        f=$((f + 1))
      fi
    done
  else
    f=1
  fi
  BREAKDOWN+=("fuzz: $p passed, $f failed ($total executions)")
  TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f))
  if ((f > 0)); then STATUS=1; fi
}

run_tests() {
  build release "$RELEASE_DIR"
  run_ctest release "$RELEASE_DIR"
  run_consumer

  local tsan="halt_on_error=1:second_deadlock_stack=1:exitcode=66"
  # Reviewed false positives (e.g. from uninstrumented libstdc++) go in test/tsan.supp.
  if [[ -f test/tsan.supp ]]; then tsan+=":suppressions=$PWD/test/tsan.supp"; fi
  # Open MPI's libraries are not instrumented (TSan cannot see the synchronization
  # inside them) and mpiexec would have to carry the sanitizer runtime to every
  # rank: the MPI tests run in the release build only (test/mpi/CMakeLists.txt).
  echo "run.sh: the MPI tests (test_mpi_pool_*) run in the release build only, not under TSan/ASan"
  build tsan "$TSAN_DIR"
  run_ctest tsan "$TSAN_DIR" TSAN_OPTIONS="$tsan${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

  build asan-ubsan "$ASAN_DIR"
  run_ctest asan "$ASAN_DIR" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

  run_fuzz_smoke

  echo "=== summary ==="
  printf '%s\n' "${BREAKDOWN[@]}"
  local total="$TOTAL_P passed, $TOTAL_F failed"
  if ((TOTAL_S > 0)); then total+=", $TOTAL_S skipped"; fi
  echo "$total"
  exit "$STATUS"
}

# Whether the release build has the MPI backend (cmake/mpi.cmake found MPI).
has_mpi() { grep -q '^FUTURES_MPI:BOOL=ON' "$RELEASE_DIR/CMakeCache.txt" 2>/dev/null; }
# mpi3 EXE [args...]: 3 ranks on this machine, as root if need be, more ranks than
# cores allowed, over shared memory (docs/mpi.md).
mpi3() {
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    mpiexec -n 3 --mca btl self,vader "$@"
}

cmd=${1:-}
(($#)) && shift
case $cmd in
  demo)
    # `demo`: every part, then the MPI part on 3 ranks; `demo --mpi`: the MPI part
    # only; other arguments go to apps/demo alone.
    install_packages
    build release "$RELEASE_DIR" --target demo
    rc=0
    if [[ ${1:-} != --mpi ]]; then "$RELEASE_DIR/apps/demo/demo" "$@" || rc=$?; fi
    if [[ $# -eq 0 || ${1:-} == --mpi ]]; then
      if has_mpi; then
        cmake --build "$RELEASE_DIR" -j"$JOBS" --target demo_mpi
        mpi3 "$RELEASE_DIR/apps/demo_mpi/demo_mpi" || rc=$?
      else
        echo "run.sh: no MPI part (configured without MPI: FUTURES_MPI=OFF)"
      fi
    fi
    exit "$rc"
    ;;
  bench)
    install_packages $BENCH_PACKAGES
    build release "$RELEASE_DIR" --target bench
    # The C++ side of the MPI rows (apps/bench/mpi.cpp runs it under mpiexec).
    if has_mpi; then cmake --build "$RELEASE_DIR" -j"$JOBS" --target bench_mpi; fi
    exec "$RELEASE_DIR/apps/bench/bench" "$@"
    ;;
  serve-bench)
    install_packages $SERVE_BENCH_PACKAGES
    build release "$RELEASE_DIR" --target offload_server
    exec bash apps/offload_server/bench.sh "$RELEASE_DIR/apps/offload_server/offload_server" "$@"
    ;;
  test)
    install_packages $FUZZ_PACKAGES
    run_tests
    ;;
  fuzz)
    install_packages $FUZZ_PACKAGES
    run_fuzz
    ;;
  soak)
    [[ ${1:-1} =~ ^[1-9][0-9]*$ ]] || die "soak: N must be a positive number of calls, not '$1'"
    install_packages
    build release "$RELEASE_DIR" --target test_process_soak
    FUTURES_SOAK_CALLS=${1:-1000000} exec "$RELEASE_DIR/test/test_process_soak" --report_level=short --color_output=no
    ;;
  *) die "usage: bash cmake/run.sh {demo|bench|serve-bench|test|fuzz|soak} [args...]" ;;
esac

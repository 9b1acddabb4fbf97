#!/usr/bin/env bash
# Entry points used by the README and CI:
#   bash cmake/run.sh demo  [args...]  release build, then run apps/demo with args
#   bash cmake/run.sh bench [args...]  release build, then run apps/bench with args
#   bash cmake/run.sh serve-bench [args...]
#                                      release build of apps/offload_server, then its
#                                      load benchmark (apps/offload_server/bench.sh) with args
#   bash cmake/run.sh test             release, TSan and ASan+UBSan test runs;
#                                      the last line is the grand total "N passed, N failed"
# Environment: BUILD_DIR_ROOT (default: build, relative to the repo root);
#   FUTURES_SANITIZER_TESTS, a ctest -R regex limiting the two sanitizer runs
#   (default: every test). Extra TSAN_/ASAN_/UBSAN_OPTIONS are appended to ours;
#   test/tsan.supp, if present, is used as the TSan suppressions file.
set -euo pipefail

# Everything a fresh Debian 12 needs; add packages here.
PACKAGES="g++ cmake make ccache ninja-build libboost1.81-dev libboost-test1.81-dev
  libboost-serialization1.81-dev libboost-stacktrace1.81-dev libboost-filesystem1.81-dev
  libboost-program-options1.81-dev"
# Only for `bench`: Debian's python3 runs ../shared/bench/python_anchors.py (which
# imports joblib) for the process-pool comparisons.
BENCH_PACKAGES="python3 python3-joblib"
# Only for `serve-bench`: the HTTP load generator (wrk2, with its rate option, is
# not in Debian; plain wrk's --latency gives the percentiles).
SERVE_BENCH_PACKAGES="wrk"

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
# FUTURES_TEST_SUMMARY records the test executables append.
run_ctest() {
  local name=$1 dir=$2
  shift 2
  local abs filter=() rc=0
  abs=$(cd "$dir" && pwd)
  if [[ $name != release && -n ${FUTURES_SANITIZER_TESTS:-} ]]; then
    filter=(-R "$FUTURES_SANITIZER_TESTS")
  fi
  : >"$abs/test-summary.txt"
  rm -f "$abs/Testing/Temporary/LastTestsFailed.log"
  echo "=== $name: ctest ==="
  env "$@" FUTURES_TEST_SUMMARY="$abs/test-summary.txt" \
    ctest --test-dir "$dir" -j"$JOBS" --output-on-failure --no-tests=error "${filter[@]}" || rc=$?

  local p f s extra=0 t
  read -r p f s < <(awk '{p += $2; f += $3; s += $4} END {print p + 0, f + 0, s + 0}' "$abs/test-summary.txt")
  # An executable that failed without a failed case on record (crash, sanitizer
  # abort, leak report at exit, ctest timeout) counts as one failed case, so the
  # totals can never look clean while ctest is red. Test name == executable name.
  if [[ -f $abs/Testing/Temporary/LastTestsFailed.log ]]; then
    while IFS=: read -r _ t; do
      awk -v t="$t" '$1 == t && $3 > 0 {hit = 1} END {exit !hit}' "$abs/test-summary.txt" || extra=$((extra + 1))
    done <"$abs/Testing/Temporary/LastTestsFailed.log"
  fi
  f=$((f + extra))
  local line="$name: $p passed, $f failed"
  if ((s > 0)); then line+=", $s skipped"; fi
  if ((extra > 0)); then line+=" ($extra executable(s) failed outside any test case)"; fi
  if ((rc != 0)); then line+="  [ctest exit $rc]"; fi
  BREAKDOWN+=("$line")
  TOTAL_P=$((TOTAL_P + p)) TOTAL_F=$((TOTAL_F + f)) TOTAL_S=$((TOTAL_S + s))
  if ((rc != 0 || f > 0)); then STATUS=1; fi
}

run_tests() {
  build release "$RELEASE_DIR"
  run_ctest release "$RELEASE_DIR"

  local tsan="halt_on_error=1:second_deadlock_stack=1:exitcode=66"
  # Reviewed false positives (e.g. from uninstrumented libstdc++) go in test/tsan.supp.
  if [[ -f test/tsan.supp ]]; then tsan+=":suppressions=$PWD/test/tsan.supp"; fi
  build tsan "$TSAN_DIR"
  run_ctest tsan "$TSAN_DIR" TSAN_OPTIONS="$tsan${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

  build asan-ubsan "$ASAN_DIR"
  run_ctest asan "$ASAN_DIR" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

  echo "=== summary ==="
  printf '%s\n' "${BREAKDOWN[@]}"
  local total="$TOTAL_P passed, $TOTAL_F failed"
  if ((TOTAL_S > 0)); then total+=", $TOTAL_S skipped"; fi
  echo "$total"
  exit "$STATUS"
}

cmd=${1:-}
(($#)) && shift
case $cmd in
  demo | bench)
    [[ -d apps/$cmd ]] || die "apps/$cmd does not exist"
    if [[ $cmd == bench ]]; then install_packages $BENCH_PACKAGES; else install_packages; fi
    build release "$RELEASE_DIR" --target "$cmd"
    exec "$RELEASE_DIR/apps/$cmd/$cmd" "$@"
    ;;
  serve-bench)
    install_packages $SERVE_BENCH_PACKAGES
    build release "$RELEASE_DIR" --target offload_server
    exec bash apps/offload_server/bench.sh "$RELEASE_DIR/apps/offload_server/offload_server" "$@"
    ;;
  test)
    install_packages
    run_tests
    ;;
  *) die "usage: bash cmake/run.sh {demo|bench|serve-bench|test} [args...]" ;;
esac

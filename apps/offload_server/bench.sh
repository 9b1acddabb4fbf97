#!/usr/bin/env bash
# The offload_server benchmark (issue #4, item 4): /health latency while CPU work
# saturates the server, offloaded to worker processes versus computed inline on
# the io_context thread. Run it through `bash cmake/run.sh serve-bench`, which
# builds the release server and installs wrk; or directly:
#
#   bench.sh SERVER [--rounds N] [--duration S] [--fib N] [--fib-connections C]
#            [--health-connections H] [--health-delay-ms D] [--workers W] [--worker-nice K]
#
# Three servers per round, interleaved so that a noisy neighbour hurts them
# alike: "offload" (workers at --worker-nice K, the server's default 10),
# "offload-n0" (workers at the server's own priority: what offloading alone
# gives) and "inline". For each: start the server on port 0, warm it up, then for --duration seconds one wrk
# keeps C connections busy on /fib?n=N (C > W keeps every worker busy with a
# call queued behind it), while a second wrk, started a second later, probes
# /health on H connections, each waiting D ms between requests (wrk's Lua
# delay(): plain wrk has no rate option), with --latency for its percentiles.
# The table shows each run and the medians; the verdict compares the medians of
# /health p99: inline / offload >= 20.
set -euo pipefail

SERVER=${1:?usage: bench.sh SERVER [options]}
shift
ROUNDS=3 DURATION=10 FIB_N=35 FIB_CONN=4 HEALTH_CONN=2 HEALTH_DELAY=10 WORKERS=2 NICE=10
while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2 ;;
    --duration) DURATION=$2 ;;
    --fib) FIB_N=$2 ;;
    --fib-connections) FIB_CONN=$2 ;;
    --health-connections) HEALTH_CONN=$2 ;;
    --health-delay-ms) HEALTH_DELAY=$2 ;;
    --workers) WORKERS=$2 ;;
    --worker-nice) NICE=$2 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
((DURATION >= 4)) || { echo "bench.sh: --duration must be at least 4 s" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

TMP=$(mktemp -d)
SRV_PID=
cleanup() {
  if [[ -n $SRV_PID ]]; then kill -KILL "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/probe.lua" <<EOF
-- One request per connection every ${HEALTH_DELAY} ms: a light probe, not a load.
function delay() return ${HEALTH_DELAY} end
EOF

# start_server MODE NICE: sets SRV_PID and PORT, from the server's "listening" line.
start_server() {
  coproc SRV { exec "$SERVER" --port 0 --mode "$1" --workers "$WORKERS" --worker-nice "$2" --max-pending 0 2>>"$TMP/server.err"; }
  SRV_PID=$SRV_PID
  local line
  read -r -t 30 -u "${SRV[0]}" line || { echo "bench.sh: the $1 server did not start" >&2; cat "$TMP/server.err" >&2; exit 1; }
  PORT=${line##*:}
}

stop_server() {
  kill -TERM "$SRV_PID"
  local rc=0
  wait "$SRV_PID" || rc=$?
  SRV_PID=
  ((rc == 0)) || { echo "bench.sh: the server exited with status $rc" >&2; exit 1; }
}

# wrk prints latencies as 812.00us, 1.23ms, 2.01s or 1.50m; in ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}
field() { awk -v k="$1" '$1 == k {print $2; exit}' "$2"; }  # e.g. field 99% file
errors() {  # non-2xx responses plus socket errors, from a wrk report
  awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$1"
}

# run_mode LABEL ROUND: one measurement; appends a row to $TMP/rows.
run_mode() {
  local mode=$1 round=$2 base="$TMP/$1.$2"
  case $mode in
    offload) start_server offload "$NICE" ;;
    offload-n0) start_server offload 0 ;;
    inline) start_server inline 0 ;;
  esac
  wrk -t1 -c"$FIB_CONN" -d1s "http://127.0.0.1:$PORT/fib?n=$FIB_N" >/dev/null  # warm-up: caches, branch predictors
  wrk -t2 -c"$FIB_CONN" -d"${DURATION}s" --timeout 30s "http://127.0.0.1:$PORT/fib?n=$FIB_N" >"$base.fib" &
  local load=$!
  sleep 1  # let the load saturate the server first
  wrk -t1 -c"$HEALTH_CONN" -d"$((DURATION - 2))s" --timeout 30s --latency -s "$TMP/probe.lua" \
    "http://127.0.0.1:$PORT/health" >"$base.health"
  wait "$load"
  stop_server
  local fib_rps health_rps p50 p99 fib_avg errs
  fib_rps=$(awk '/^Requests\/sec/ {print $2}' "$base.fib")
  fib_avg=$(to_ms "$(awk '$1 == "Latency" {print $2; exit}' "$base.fib")")
  health_rps=$(awk '/^Requests\/sec/ {print $2}' "$base.health")
  p50=$(to_ms "$(field 50% "$base.health")")
  p99=$(to_ms "$(field 99% "$base.health")")
  errs=$(($(errors "$base.fib") + $(errors "$base.health")))
  echo "$mode $round $fib_rps $fib_avg $health_rps $p50 $p99 $errs" >>"$TMP/rows"
  printf '%-10s %5s %12s %12s %12s %10s %10s %7s\n' "$mode" "$round" "$fib_rps" "$fib_avg" "$health_rps" "$p50" "$p99" "$errs"
}

echo "offload_server benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) vCPUs,"
echo "  $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  /fib?n=$FIB_N on $FIB_CONN connections, /health on $HEALTH_CONN connections every ${HEALTH_DELAY} ms,"
echo "  $WORKERS workers at --worker-nice $NICE, ${DURATION} s per run, $ROUNDS rounds, modes interleaved"
echo
printf '%-10s %5s %12s %12s %12s %10s %10s %7s\n' mode round "fib req/s" "fib avg ms" "health req/s" "p50 ms" "p99 ms" errors
for ((r = 1; r <= ROUNDS; r++)); do
  # Rotate which mode goes first: none always gets the fresher machine.
  case $((r % 3)) in
    1) order="offload offload-n0 inline" ;;
    2) order="inline offload offload-n0" ;;
    0) order="offload-n0 inline offload" ;;
  esac
  for m in $order; do run_mode "$m" "$r"; done
done

median() {  # median of column $2 for mode $1
  awk -v m="$1" -v c="$2" '$1 == m {print $c}' "$TMP/rows" | sort -g | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
printf '%-10s %12s %12s %12s %10s %10s\n' median "fib req/s" "fib avg ms" "health req/s" "p50 ms" "p99 ms"
for m in offload offload-n0 inline; do
  printf '%-10s %12s %12s %12s %10s %10s\n' "$m" "$(median "$m" 3)" "$(median "$m" 4)" "$(median "$m" 5)" \
    "$(median "$m" 6)" "$(median "$m" 7)"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
inl=$(median inline 7)
r=$(ratio "$inl" "$(median offload 7)")
r0=$(ratio "$inl" "$(median offload-n0 7)")
total_errors=$(awk '{n += $8} END {print n + 0}' "$TMP/rows")
echo
echo "/health p99 under CPU load, inline / offload: ${r}x $(awk -v r="$r" 'BEGIN { print (r >= 20 ? "PASS" : "MISS") }') (target >= 20x)"
echo "  with the workers at the server's own priority (offload-n0): ${r0}x"
echo "/fib throughput, offload / inline: $(ratio "$(median offload 3)" "$(median inline 3)")x," \
  "offload-n0 / inline: $(ratio "$(median offload-n0 3)" "$(median inline 3)")x"
if ((total_errors > 0)); then echo "bench.sh: $total_errors error(s) (non-2xx or socket errors) in the runs above" >&2; exit 1; fi

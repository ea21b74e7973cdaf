#!/usr/bin/env bash
# npm run bench: installs and builds when needed, starts a MongoDB stand-in (in-memory backend) and
# a Redis of its own on free ports unless MONGODB_URI / REDIS_URL are given, runs the benchmarks
# (statements, documents, attachments, engine, scoring; analytics with BENCH_ANALYTICS=1), stops
# what it started.
# Results go to stdout and to bench/results/latest.json. See bench/README.md for the knobs
# (BENCH_SCALE, BENCH_CONCURRENCY, BENCH_MILLION=1, BENCH_STAND_IN_HEAP).
set -uo pipefail
source "$(dirname "$0")/lib/services.sh"
cd "$ROOT"
ensure_node_modules || exit 1
build_if_stale || exit 1
# build_if_stale watches src/, workers/ and schemas/ only: rebuild when a bench source changed too.
if [ ! -f dist/bench/statements.bench.js ] || [ -n "$(find bench -name '*.ts' -newer dist/bench/statements.bench.js -print -quit)" ]; then
  log "building TypeScript (tsc, bench sources changed)"
  npx tsc -p tsconfig.build.json >&2 || exit 1
fi

RESULTS_DIR="$ROOT/bench/results"
mkdir -p "$RESULTS_DIR"

started_pids=()
started_redis=""
cleanup() {
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "$started_redis" ] && redis-cli -p "$started_redis" shutdown nosave >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Like start_stand_in (scripts/lib/services.sh), with a heap sized for the run: the in-memory
# backend keeps every statement in the Java heap, and a million-statement ingest needs several GB.
start_bench_stand_in() { # port heap logfile; echoes the pid
  local port="$1" heap="$2" logfile="$3"
  build_stand_in || return 1
  local cp
  cp="$STAND_IN_DIR/target/classes:$(cat "$STAND_IN_DIR/target/classpath.txt")"
  # shellcheck disable=SC2086 # BENCH_STAND_IN_JAVA_OPTS is a list of JVM options
  nohup java "-Xmx$heap" ${BENCH_STAND_IN_JAVA_OPTS:-} -cp "$cp" lrs.StandIn 127.0.0.1 "$port" memory >"$logfile" 2>&1 &
  local pid=$!
  wait_for_port 127.0.0.1 "$port" 60 || { log "the MongoDB stand-in did not start (see $logfile)"; kill "$pid" 2>/dev/null; return 1; }
  log "started the MongoDB stand-in (memory, -Xmx$heap) on 127.0.0.1:$port"
  echo "$pid"
}

if [ -z "${MONGODB_URI:-}" ]; then
  heap="${BENCH_STAND_IN_HEAP:-}"
  if [ -z "$heap" ]; then
    if [ "${BENCH_MILLION:-}" = 1 ]; then heap=12g; else heap=3g; fi
  fi
  port=27217
  while port_answers 127.0.0.1 $port; do port=$((port + 1)); done
  pid=$(start_bench_stand_in $port "$heap" "$RESULTS_DIR/mongo-stand-in.log") || exit 1
  started_pids+=("$pid")
  export MONGODB_URI="mongodb://127.0.0.1:$port"
  export BENCH_STAND_IN_PID="$pid"
fi
if [ -z "${REDIS_URL:-}" ]; then
  port=6490
  while port_answers 127.0.0.1 $port; do port=$((port + 1)); done
  start_redis $port "$RESULTS_DIR/redis" no || exit 1
  started_redis=$port
  export REDIS_URL="redis://127.0.0.1:$port"
  BENCH_REDIS_PID=$(cat "$RESULTS_DIR/redis/redis-$port.pid" 2>/dev/null) && export BENCH_REDIS_PID
fi

status=0
# BENCH_ONLY=scoring,engine runs only the named benchmarks (default: all but analytics).
wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
run_bench() { # name description
  wanted "$1" || return 0
  [ -f "dist/bench/$1.bench.js" ] || return 0
  log "running the $1 benchmark ($2)"
  node "dist/bench/$1.bench.js" || status=$?
}
run_bench statements "writes, queries and memory vs the raw driver"
run_bench documents "State PUT+GET round trips"
run_bench attachments "50 MB uploads: API RSS and throughput vs raw GridFS"
run_bench engine "pure engine evidence updates per second"
run_bench scoring "lag from acknowledgement to score at 500 statements/s, worker throughput; about 3 minutes"
# Analytics (issue 5): generates a store of 10,000 learners, 200 competencies and the evidence of a
# million statements (about 2 minutes) and loads it in the API; the stand-in needs about 10 GB of heap
# for it, so it runs only with BENCH_ANALYTICS=1, on a stand-in of its own (BENCH_ANALYTICS_HEAP,
# default 10g) unless MONGODB_URI was given.
if { [ "${BENCH_ANALYTICS:-}" = 1 ] || [[ ",${BENCH_ONLY:-}," == *",analytics,"* ]]; } && [ -f dist/bench/analytics.bench.js ]; then
  log "running the analytics benchmark (p50/p95 per aggregate at 10,000 learners; a few minutes)"
  analytics_uri="$MONGODB_URI"
  if [ -n "${BENCH_STAND_IN_PID:-}" ]; then
    aport=27300
    while port_answers 127.0.0.1 $aport; do aport=$((aport + 1)); done
    apid=$(start_bench_stand_in $aport "${BENCH_ANALYTICS_HEAP:-10g}" "$RESULTS_DIR/mongo-stand-in-analytics.log") || exit 1
    started_pids+=("$apid")
    analytics_uri="mongodb://127.0.0.1:$aport"
  fi
  MONGODB_URI="$analytics_uri" node dist/bench/analytics.bench.js || status=$?
  [ -n "${apid:-}" ] && kill "$apid" 2>/dev/null
fi
exit "$status"

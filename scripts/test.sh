#!/usr/bin/env bash
# npm test: installs, starts what is missing (MongoDB stand-in in memory, Redis), runs the whole
# Jest suite, writes Jest's JSON results to test/artifacts/jest-results.json, stops what it started.
set -uo pipefail
source "$(dirname "$0")/lib/services.sh"
cd "$ROOT"
ensure_node_modules || exit 1
ensure_chromium || exit 1

started_pids=()
started_redis=""
cleanup() {
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "$started_redis" ] && redis-cli -p "$started_redis" shutdown nosave >/dev/null 2>&1
}
trap cleanup EXIT

if [ -z "${MONGODB_URI:-}" ]; then
  if port_answers 127.0.0.1 27017; then
    export MONGODB_URI="mongodb://127.0.0.1:27017"
    log "using the MongoDB answering on 127.0.0.1:27017"
  else
    port=27117
    while port_answers 127.0.0.1 $port; do port=$((port + 1)); done
    pid=$(start_stand_in $port memory "" "$ROOT/test/artifacts/mongo-stand-in.log") || exit 1
    started_pids+=("$pid")
    export MONGODB_URI="mongodb://127.0.0.1:$port"
  fi
fi
if [ -z "${REDIS_URL:-}" ]; then
  if redis-cli -p 6379 ping >/dev/null 2>&1; then
    export REDIS_URL="redis://127.0.0.1:6379"
    log "using the Redis answering on 127.0.0.1:6379"
  else
    port=6390
    while port_answers 127.0.0.1 $port; do port=$((port + 1)); done
    start_redis $port "$ROOT/test/artifacts/redis" no || exit 1
    started_redis=$port
    export REDIS_URL="redis://127.0.0.1:$port"
  fi
fi

mkdir -p test/artifacts
npx jest --json --outputFile=test/artifacts/jest-results.json "$@"

#!/usr/bin/env bash
# npm start: installs and builds when needed, starts what is missing (a persistent development
# MongoDB stand-in and Redis), then runs the LRS API and its workers until interrupted.
set -uo pipefail
source "$(dirname "$0")/lib/services.sh"
cd "$ROOT"
ensure_node_modules || exit 1
build_if_stale || exit 1

if [ -z "${MONGODB_URI:-}" ]; then
  if port_answers 127.0.0.1 27017; then
    export MONGODB_URI="mongodb://127.0.0.1:27017"
  else
    mkdir -p data
    start_stand_in 27017 h2 "$ROOT/data/mongo-dev.mv.db" "$ROOT/data/mongo-stand-in.log" >/dev/null || exit 1
    export MONGODB_URI="mongodb://127.0.0.1:27017"
    cat >&2 <<'MSG'
============================================================================================
 DEVELOPMENT STORE: no MongoDB answered on 127.0.0.1:27017, so the LRS is using the
 MongoDB-compatible stand-in (mongo-java-server, H2 backend) with its data in data/mongo-dev.mv.db.
 It survives restarts but is not MongoDB: no replication, no transactions, slower scans.
 For production set MONGODB_URI to a real MongoDB (e.g. mongodb://host:27017/lrs) or run
 'docker compose up', which starts MongoDB, Redis and the LRS together.
============================================================================================
MSG
  fi
fi
if [ -z "${REDIS_URL:-}" ]; then
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    start_redis 6379 "$ROOT/data/redis" yes || exit 1
  fi
  export REDIS_URL="redis://127.0.0.1:6379"
fi

exec node dist/scripts/run-all.js

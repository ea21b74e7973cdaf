#!/usr/bin/env bash
# Shared helpers for scripts/start.sh and scripts/test.sh: make sure MongoDB (or the
# MongoDB-wire-compatible stand-in, see ../shared/TEST-SERVICES.md) and Redis answer.
# Sourced, not executed. Every function prints what it does to stderr.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STAND_IN_DIR="$ROOT/scripts/mongo-stand-in"

log() { printf '[services] %s\n' "$*" >&2; }

port_answers() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    port_answers "$1" "$2" && return 0
    sleep 0.1
  done
  return 1
}

# npm ci refuses a lock file that lacks optional platform packages (other OSes' native
# binaries), and the registry mirror these machines use answers 404 for some of them, so the lock
# can never list them. Fall back to npm install, which still follows the lock for the rest.
npm_install_locked() {
  (cd "$ROOT" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error; }) >&2
}

ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm dependencies"
    npm_install_locked
  fi
}

build_if_stale() {
  local stamp="$ROOT/dist/.build-stamp"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/src" "$ROOT/workers" "$ROOT/schemas" "$ROOT/package.json" "$ROOT/tsconfig.json" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    log "building TypeScript (tsc)"
    (cd "$ROOT" && rm -rf dist && npx tsc -p tsconfig.build.json) >&2 || return 1
    touch "$stamp"
  fi
}

ensure_redis_binary() {
  command -v redis-server >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "redis-server missing: installing Debian's redis-server package"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 || return 1
  else
    log "redis-server is not installed and cannot be installed here: install Redis or set REDIS_URL"
    return 1
  fi
}

# start_redis PORT DIR PERSIST(yes|no): a Redis of our own on 127.0.0.1:PORT.
start_redis() {
  local port="$1" dir="$2" persist="$3"
  ensure_redis_binary || return 1
  mkdir -p "$dir"
  local save_args=(--save "")
  [ "$persist" = yes ] && save_args=(--save "60 1" --appendonly yes)
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" "${save_args[@]}" >&2 || return 1
  wait_for_port 127.0.0.1 "$port" 10 || { log "Redis did not start on port $port (see $dir/redis-$port.log)"; return 1; }
  log "started Redis on 127.0.0.1:$port"
}

build_stand_in() {
  if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    log "Java 17 and Maven are needed to run the MongoDB stand-in and are not installed."
    log "Either install them (apt-get install openjdk-17-jre-headless maven), set MONGODB_URI to a"
    log "real MongoDB, or run everything with 'docker compose up'."
    return 1
  fi
  if [ ! -f "$STAND_IN_DIR/target/classpath.txt" ] || [ "$STAND_IN_DIR/pom.xml" -nt "$STAND_IN_DIR/target/classpath.txt" ] \
     || [ "$STAND_IN_DIR/src/main/java/lrs/StandIn.java" -nt "$STAND_IN_DIR/target/classpath.txt" ]; then
    log "building the MongoDB stand-in launcher (Maven, mongo-java-server)"
    (cd "$STAND_IN_DIR" && mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >&2 || return 1
  fi
}

# start_stand_in PORT memory|h2 [FILE] LOGFILE: run the stand-in in the background; echoes its pid.
start_stand_in() {
  local port="$1" backend="$2" file="$3" logfile="$4"
  build_stand_in || return 1
  local cp
  cp="$STAND_IN_DIR/target/classes:$(cat "$STAND_IN_DIR/target/classpath.txt")"
  mkdir -p "$(dirname "$logfile")"
  if [ "$backend" = h2 ]; then
    nohup java -Xmx1g -cp "$cp" lrs.StandIn 127.0.0.1 "$port" h2 "$file" >"$logfile" 2>&1 &
  else
    nohup java -Xmx2g -cp "$cp" lrs.StandIn 127.0.0.1 "$port" memory >"$logfile" 2>&1 &
  fi
  local pid=$!
  wait_for_port 127.0.0.1 "$port" 60 || { log "the MongoDB stand-in did not start (see $logfile)"; kill "$pid" 2>/dev/null; return 1; }
  log "started the MongoDB stand-in ($backend) on 127.0.0.1:$port"
  echo "$pid"
}

# The browser tests drive Debian's Chromium through playwright-core (a test tool's own browser
# download cannot work on these machines).
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "chromium missing: installing Debian's chromium package for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 || return 1
  else
    log "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH); the browser tests will fail"
  fi
}

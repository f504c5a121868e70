# Shared by scripts/load/run and scripts/load/scale-out (sourced, not run).
# Expects to be sourced from the repository's root.

log() { printf '== %s\n' "$*" >&2; }

# The godwit binary: GODWIT_BIN, else the release build, else the debug build.
godwit_bin() {
  local bin=${GODWIT_BIN:-}
  if [ -z "$bin" ]; then
    for candidate in target/release/godwit target/debug/godwit; do
      [ -x "$candidate" ] && { bin=$candidate; break; }
    done
  fi
  [ -n "$bin" ] && [ -x "$bin" ] || { echo "no godwit binary: cargo build --release -p godwit-cli, or set GODWIT_BIN" >&2; exit 1; }
  realpath "$bin"
}

# Locust from scripts/load/requirements.txt, in its own venv.
ensure_locust() {
  local venv=target/load-venv stamp=target/load-venv/.requirements
  if ! { [ -x "$venv/bin/locust" ] && cmp -s scripts/load/requirements.txt "$stamp"; }; then
    log "installing locust into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/load/requirements.txt
    cp scripts/load/requirements.txt "$stamp"
  fi
  LOCUST=$(realpath "$venv/bin/locust")
  PYTHON=$(realpath "$venv/bin/python")
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until http://ADDR/healthz answers, or the process PID has died.
wait_healthy() {
  local addr=$1 pid=$2 seconds=${3:-900}
  for _ in $(seq 1 "$seconds"); do
    curl -sf "http://$addr/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "the process serving $addr has stopped" >&2; return 1; }
    sleep 1
  done
  echo "$addr did not answer /healthz within $seconds s" >&2
  return 1
}

# Stops a process we started and waits for it (SIGINT: requests in flight finish).
stop() {
  local pid=$1
  kill -INT "$pid" 2>/dev/null || return 0
  wait "$pid" 2>/dev/null || true
}

# Seeds the demo region into DATA_DIR (and DB_ARGS, for PostgreSQL): runs
# `godwit demo` until it serves, then stops it. Writes DATA_DIR/credentials.json.
seed_demo() {
  local port pid
  port=$(free_port)
  log "seeding the demo region ($DATA_DIR ${DB_ARGS[*]})"
  "$GODWIT" demo --data-dir "$DATA_DIR" "${DB_ARGS[@]}" --listen "127.0.0.1:$port" \
    --credentials-file "$DATA_DIR/credentials.json" >"$DATA_DIR/demo.log" 2>&1 &
  pid=$!
  wait_healthy "127.0.0.1:$port" "$pid"
  stop "$pid"
}

# A config file for the load: the demo's screening lists, and a sign-in budget
# for every session signing in from this one address within the first seconds
# (the per-address throttle stays on; account lockout is unchanged).
write_config() {
  local sessions=$1
  cat >"$DATA_DIR/load.toml" <<TOML
[server]
login_attempts_per_minute = $((sessions + 50))

[server.screening]
persons = ["$DATA_DIR/screening/watchlist-persons.csv"]
documents = ["$DATA_DIR/screening/watchlist-documents.csv"]
TOML
}

# Runs the workload against BASE_URL: sessions sign in SPAWN_RATE a second, then
# all USERS work for RUN_TIME seconds; the statistics cover both (sign-ins
# included). Results in OUT/load_*.csv. Returns locust's status.
run_locust() {
  local base=$1 ramp=$(((USERS + SPAWN_RATE - 1) / SPAWN_RATE))
  log "load: $USERS sessions signing in over ${ramp} s, then working for ${RUN_TIME} s against $base (think time $WAIT s); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local status=0
  GODWIT_CREDENTIALS="$DATA_DIR/credentials.json" GODWIT_MANIFEST="$DATA_DIR/screening/manifest-FJ391.csv" \
    GODWIT_LOAD_WAIT="$WAIT" "$LOCUST" -f scripts/load/locustfile.py --headless --only-summary \
    --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$((ramp + RUN_TIME))s" --stop-timeout 10 \
    --host "$base" --csv "$OUT/load" >"$OUT/locust.log" 2>&1 || status=$?
  log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PYTHON" scripts/load/summarise.py "$OUT/load_stats.csv"
  if [ -s "$OUT/load_failures.csv" ] && [ "$(wc -l <"$OUT/load_failures.csv")" -gt 1 ]; then
    echo "failures:" >&2
    cat "$OUT/load_failures.csv" >&2
  fi
  return "$status"
}

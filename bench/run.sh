#!/usr/bin/env bash
# Production-scale benchmark of the GraphQL API against the database's own floor (issue 6).
#
# Builds the release binary, loads (or reuses) the `large` bench data set in a dedicated
# PostgreSQL database, starts `relationhub serve` on it, signs in all 100 bench users and
# measures four requests (each as a random user on a random one of their sampled emails or
# contacts) at concurrency 1 and 32 with wrk; then runs the same SQL the server
# runs per request (token lookup + query) with `pgbench -M prepared` as the floor. Prints one
# table and writes it, with the machine, dataset, commands and query plans, into
# docs/BENCHMARKS.md (between the bench:begin/end markers).
#
# Knobs (environment): BENCH_DB (relationhub_bench), BENCH_PGHOST (127.0.0.1), BENCH_PGPORT
# (5432), BENCH_PGUSER (postgres), BENCH_SCALE (large), BENCH_SEED (42), BENCH_DURATION (10 s per
# run), BENCH_ROUNDS (3 runs per point, medians reported), BENCH_WARMUP (3 s), BENCH_CONCURRENCY ("1 32"), BENCH_PORT (4100), BENCH_POOL (4, the
# server's RELATIONHUB_DB_MAX_CONNECTIONS), BENCH_SEARCH (son), BENCH_QUERIES ("emails email
# history contacts"), BENCH_SSLMODE (disable: the server's and pgbench's connections to the
# database on loopback, the same for both; "prefer" measures TLS as negotiated by default), BENCH_OUT (docs/BENCHMARKS.md; empty = do not write), BENCH_SKIP_BUILD=1,
# BENCH_BIN (a prebuilt binary; implies no build), BENCH_SQL_DIR (bench/sql: the statements the
# floor runs; they must be the ones the measured binary runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/relationhub-target}"
DB=${BENCH_DB:-relationhub_bench}
PGHOST_=${BENCH_PGHOST:-127.0.0.1}
PGPORT_=${BENCH_PGPORT:-5432}
PGUSER_=${BENCH_PGUSER:-postgres}
SCALE=${BENCH_SCALE:-large}
SEED=${BENCH_SEED:-42}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-3}
CONCURRENCY=${BENCH_CONCURRENCY:-"1 32"}
PORT=${BENCH_PORT:-4100}
POOL=${BENCH_POOL:-4}
SEARCH=${BENCH_SEARCH:-son}
QUERIES=${BENCH_QUERIES:-"emails email history contacts"}
OUT=${BENCH_OUT-docs/BENCHMARKS.md}
SQL_DIR=${BENCH_SQL_DIR:-bench/sql}
SSLMODE=${BENCH_SSLMODE:-disable}
URL="postgres://$PGUSER_@$PGHOST_:$PGPORT_/$DB?sslmode=$SSLMODE"
export PGSSLMODE=$SSLMODE
BIN=${BENCH_BIN:-$CARGO_TARGET_DIR/release/relationhub}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relationhub-bench.XXXXXX")
SERVER_PID=
SAMPLER_PID=

# shellcheck source=bench/common.sh
. bench/common.sh
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
psql_() { psql -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d "$DB" -X -At -v ON_ERROR_STOP=1 "$@"; }

# --- 1. tools ---------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
{ command -v pgbench >/dev/null && command -v psql >/dev/null; } || missing+=(postgresql-client)
install_missing "${missing[@]}"
command -v python3 >/dev/null || die "python3 is required (parsing and the report)"

# --- 2. build ---------------------------------------------------------------------------------
if [ -z "${BENCH_SKIP_BUILD:-}" ] && [ -z "${BENCH_BIN:-}" ]; then
  log "building the release binary"
  cargo build --release --locked -p relationhub
fi
[ -x "$BIN" ] || die "no binary at $BIN"

# --- 3. database --------------------------------------------------------------------------------
log "database $DB on $PGHOST_:$PGPORT_"
(cd "$WORK" && "$BIN" migrate deploy --database-url "$URL" >/dev/null)
want_emails=$(scale_emails "$SCALE")
have_emails=$(psql_ -c "SELECT COUNT(*) FROM \"emails\" WHERE \"userId\" IN
  (SELECT \"id\" FROM \"users\" WHERE \"email\" LIKE 'bench-%@example.com')")
LOADED_NOW=
if [ "$have_emails" != "$want_emails" ]; then
  log "loading the $SCALE data set ($have_emails bench emails present, $want_emails wanted)"
  (cd "$WORK" && "$BIN" db seed --scale "$SCALE" --seed "$SEED" --replace --database-url "$URL") | tee "$WORK/load.txt"
  LOADED_NOW=1
else
  log "reusing the loaded $SCALE data set ($have_emails bench emails)"
fi

# --- 4. server ----------------------------------------------------------------------------------
start_server "$URL"
rss_idle=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')

# --- 5. token and ids ---------------------------------------------------------------------------
USER_EMAIL=bench-001@example.com
TOKEN=$(sign_in "$USER_EMAIL")
TOKEN_HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
USER_ID=$(psql_ -c "SELECT \"id\" FROM \"users\" WHERE \"email\" = '$USER_EMAIL'")
EMAIL_ID=$(psql_ -c "SELECT \"id\" FROM \"emails\" WHERE \"userId\" = '$USER_ID'
  ORDER BY \"createdAt\" DESC, \"id\" OFFSET (SELECT COUNT(*) / 2 FROM \"emails\" WHERE \"userId\" = '$USER_ID') LIMIT 1")
CONTACT_ID=$(psql_ -c "SELECT \"contactId\" FROM \"conversation_history\" WHERE \"userId\" = '$USER_ID'
  GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1")
NOW=$(date -u '+%Y-%m-%d %H:%M:%S.000')

# --- 6. requests and their SQL ------------------------------------------------------------------
define_requests "$EMAIL_ID" "$CONTACT_ID" "$SEARCH"
PGVARS=(-D "token_hash=$TOKEN_HASH" -D "now=$NOW" -D "user_id=$USER_ID" -D "email_id=$EMAIL_ID"
  -D "contact_id=$CONTACT_ID" -D "pattern=%$SEARCH%" -D limit21=21 -D limit11=11)
jq -n --arg token_hash "$TOKEN_HASH" --arg now "$NOW" --arg user_id "$USER_ID" --arg email_id "$EMAIL_ID" \
  --arg contact_id "$CONTACT_ID" --arg pattern "%$SEARCH%" \
  '{token_hash: $token_hash, now: $now, user_id: $user_id, email_id: $email_id, contact_id: $contact_id,
    pattern: $pattern, limit21: "21", limit11: "11"}' >"$WORK/values.json"

# Requests spread over every bench user and their sampled emails and contacts (wrk_run), and the
# floor the same way: one pgbench script per user with that user's token, a random email and a
# random contact of theirs (pgbench picks a script at random per transaction).
sample_targets "postgres://$PGUSER_@$PGHOST_:$PGPORT_/$DB?sslmode=$SSLMODE"
for q in $QUERIES; do
  write_request "$q" "$TOKEN"
  mkdir -p "$WORK/floor/$q"
  python3 - "$WORK/targets.json" "$SQL_DIR/auth.sql" "$SQL_DIR/$q.sql" "$WORK/floor/$q" <<'PY'
import json, sys
targets, auth, body, out = sys.argv[1:5]
script = open(auth).read() + open(body).read()
for i, t in enumerate(json.load(open(targets))):
    s = script
    for var, value in (("token_hash", t["token_hash"]), ("user_id", t["uid"]), ("email_id", t["email"]),
                       ("contact_id", t["contact"])):
        s = s.replace(":" + var, "'" + value + "'")
    open(f"{out}/{i:03d}.pgb", "w").write(s)
PY
done

# --- 7. measure ---------------------------------------------------------------------------------
sample_rss() { # writes the running maximum RSS (KiB) of the server to $1
  local max=0 r
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    r=$(ps -o rss= -p "$SERVER_PID" 2>/dev/null | tr -d ' ')
    if [ -n "$r" ] && [ "$r" -gt "$max" ]; then max=$r; echo "$max" >"$1"; fi
    sleep 0.2
  done
}
pgbench_run() { # query concurrency seconds prefix
  local scripts=() f
  for f in "$WORK/floor/$1"/*.pgb; do scripts+=(-f "$f"); done
  pgbench -n -M prepared -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -j 1 -c "$2" -T "$3" \
    "${PGVARS[@]}" "${scripts[@]}" ${4:+-l --log-prefix="$4"} "$DB" >"$WORK/pgbench.out" 2>&1 ||
    { cat "$WORK/pgbench.out" >&2; die "pgbench failed for $1"; }
}

echo 0 >"$WORK/rss.max"
: >"$WORK/points.jsonl"
for q in $QUERIES; do
  log "$q: warm-up"
  wrk_run "$q" "$TOKEN" 32 "$WARMUP" /dev/null
  pgbench_run "$q" 32 "$WARMUP" ""
  for c in $CONCURRENCY; do
    # Rounds alternate GraphQL and floor so that drift on a shared machine hits both alike;
    # the report takes the median of each figure over the rounds.
    for round in $(seq "$ROUNDS"); do
      log "$q: GraphQL c=$c (${DURATION}s, round $round/$ROUNDS)"
      if [ "$c" -gt 1 ]; then
        sample_rss "$WORK/rss.$q.$c" &
        SAMPLER_PID=$!
      fi
      wrk_run "$q" "$TOKEN" "$c" "$DURATION" "$WORK/wrk.$q.$c"
      if [ -n "$SAMPLER_PID" ]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=
        r=$(cat "$WORK/rss.$q.$c" 2>/dev/null || echo 0)
        [ "$r" -gt "$(cat "$WORK/rss.max")" ] && echo "$r" >"$WORK/rss.max"
      fi
      g=$(python3 bench/report.py wrk "$WORK/wrk.$q.$c")
      log "$q: floor (pgbench -M prepared) c=$c (${DURATION}s, round $round/$ROUNDS)"
      rm -f "$WORK/pgb.$q.$c".*
      pgbench_run "$q" "$c" "$DURATION" "$WORK/pgb.$q.$c"
      f=$(python3 bench/report.py pgbench "$WORK/pgbench.out" "$WORK/pgb.$q.$c")
      [ "$(jq .errors <<<"$g")" = 0 ] || die "$q c=$c: wrk saw errors: $(cat "$WORK/wrk.$q.$c")"
      [ "$(jq .errors <<<"$f")" = 0 ] || die "$q c=$c: pgbench saw failed transactions"
      jq -nc --arg q "$q" --argjson c "$c" --argjson r "$round" --argjson g "$g" --argjson f "$f" \
        '{query: $q, c: $c, round: $r, graphql: $g, floor: $f}' | tee -a "$WORK/points.jsonl" >&2
    done
  done
done
curl -sf -X POST "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $TOKEN" --data-binary "@$WORK/${QUERIES%% *}.json" >/dev/null ||
  die "the server stopped answering"

# --- 8. plans, machine, dataset, report --------------------------------------------------------
log "EXPLAIN (ANALYZE, BUFFERS) of each statement"
echo '{}' >"$WORK/explain.json"
for name in auth $QUERIES; do
  python3 bench/report.py explain "$SQL_DIR/$name.sql" "$WORK/values.json" >"$WORK/explain.$name.sql"
  psql_ -q -f "$WORK/explain.$name.sql" >"$WORK/explain.$name.txt"
  jq --arg k "$name" --rawfile v "$WORK/explain.$name.txt" '. + {($k): $v}' "$WORK/explain.json" >"$WORK/e.tmp"
  mv "$WORK/e.tmp" "$WORK/explain.json"
done

psql_ -F $'\t' -c "SELECT t, (xpath('/row/n/text()', query_to_xml('SELECT COUNT(*) AS n FROM ' || quote_ident(t), false, true, '')))[1]::text::bigint,
  pg_size_pretty(pg_total_relation_size(quote_ident(t))), pg_size_pretty(pg_relation_size(quote_ident(t)))
  FROM unnest(ARRAY['emails', 'conversation_history', 'contacts', 'email_templates', 'users']) AS t" |
  jq -R 'split("\t") | {table: .[0], rows: (.[1] | tonumber), total: .[2], heap: .[3]}' | jq -s . >"$WORK/dataset.json"
queries_json=$(for q in $QUERIES; do
  jq -nc --arg k "$q" --arg v "${GQL[$q]}" --rawfile sql "$SQL_DIR/$q.sql" '{($k): {query: $v, sql: $sql}}'
done | jq -s 'add')

commands=(
  "bench/run.sh   # BENCH_DURATION=$DURATION BENCH_ROUNDS=$ROUNDS BENCH_CONCURRENCY=\"$CONCURRENCY\" BENCH_POOL=$POOL BENCH_SSLMODE=$SSLMODE BENCH_SCALE=$SCALE"
  "# which runs, among others:"
  "relationhub db seed --scale $SCALE --seed $SEED --replace --database-url $URL   # only when not loaded"
  "RELATIONHUB_DB_MAX_CONNECTIONS=$POOL relationhub serve --database-url $URL --bind 127.0.0.1:$PORT"
  "python3 bench/targets.py http://127.0.0.1:$PORT/graphql <work> <db>   # signs in all 100 bench users, samples 20 emails and 10 contacts each"
  "wrk -t1 -c<1|32> -d${DURATION}s --latency -s bench/sample.lua http://127.0.0.1:$PORT/graphql   # a random user and target per request"
  "pgbench -n -M prepared -h $PGHOST_ -p $PGPORT_ -U $PGUSER_ -j 1 -c <1|32> -T $DURATION -l -D now=… -f <user 1: bench/sql/auth.sql + bench/sql/<query>.sql with its ids> … -f <user 100> $DB"
)
mem_total=$(free -h | awk '/^Mem:/ {print $2}')
jq -n \
  --slurpfile points "$WORK/points.jsonl" \
  --slurpfile dataset "$WORK/dataset.json" \
  --slurpfile explain "$WORK/explain.json" \
  --argjson queries "$queries_json" \
  --argjson rss "$(cat "$WORK/rss.max")" --argjson rss_idle "${rss_idle:-0}" \
  --arg load "$([ -n "$LOADED_NOW" ] && cat "$WORK/load.txt" || true)" \
  --arg date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" --arg cores "$(nproc)" --arg ram "$mem_total" \
  --arg kernel "$(uname -r)" --arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" \
  --arg postgres "$(psql_ -c 'SHOW server_version')" --arg pg_endpoint "$PGHOST_:$PGPORT_ (TCP, sslmode=$SSLMODE)" \
  --arg shared_buffers "$(psql_ -c 'SHOW shared_buffers')" \
  --arg pg_max_connections "$(psql_ -c 'SHOW max_connections')" \
  --arg rustc "$(rustc -V)" --arg pool "$POOL" \
  --arg wrk "$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')" --arg pgbench "$(pgbench --version)" \
  --arg duration "$DURATION" --arg warmup "$WARMUP" --arg rounds "$ROUNDS" --arg scale "$SCALE" --arg seed "$SEED" \
  --arg user_email "$USER_EMAIL" --arg user_id "$USER_ID" --arg email_id "$EMAIL_ID" \
  --arg contact_id "$CONTACT_ID" --arg search "$SEARCH" \
  --args '{
    points: $points, dataset: $dataset[0], explain: $explain[0], queries: $queries,
    rss_kib_max: $rss, rss_kib_idle: $rss_idle, load: $load,
    meta: {date: $date, cpu: $cpu, cores: $cores, ram: $ram, kernel: $kernel, os: $os,
           postgres: $postgres, pg_endpoint: $pg_endpoint, shared_buffers: $shared_buffers,
           pg_max_connections: $pg_max_connections, rustc: $rustc, pool: $pool, wrk: $wrk,
           pgbench: $pgbench, duration: $duration, warmup: $warmup, rounds: $rounds, scale: $scale, seed: $seed,
           user_email: $user_email, user_id: $user_id, email_id: $email_id,
           contact_id: $contact_id, search: $search, commands: $ARGS.positional}}' \
  "${commands[@]}" >"$WORK/results.json"

echo
python3 bench/report.py render "$WORK/results.json" "${OUT:-/dev/null}"
[ -z "$OUT" ] || printf '\nwritten to %s\n' "$OUT"


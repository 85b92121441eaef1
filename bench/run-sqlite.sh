#!/usr/bin/env bash
# The SQLite variant of bench/run.sh at the medium scale (100 users, 10,000 contacts, 100,000
# emails, 20,000 history entries, 500 templates): loads (or reuses) a SQLite file, starts
# `relationhub serve` on it and measures the same four GraphQL requests at concurrency 1 and 32
# with wrk, then prints each statement's `EXPLAIN QUERY PLAN`. There is no pgbench for SQLite,
# so no floor column. Prints a table; does not write docs/BENCHMARKS.md.
#
# Knobs: BENCH_SQLITE_PATH (/tmp/relationhub-bench.db), BENCH_SCALE (medium), BENCH_DURATION (10),
# BENCH_WARMUP (3), BENCH_CONCURRENCY ("1 32"), BENCH_PORT (4101), BENCH_POOL (4), BENCH_SEARCH
# (son), BENCH_BIN (prebuilt binary; else `cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/relationhub-target}"
DB_PATH=${BENCH_SQLITE_PATH:-/tmp/relationhub-bench.db}
SCALE=${BENCH_SCALE:-medium}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
CONCURRENCY=${BENCH_CONCURRENCY:-"1 32"}
PORT=${BENCH_PORT:-4101}
POOL=${BENCH_POOL:-4}
SEARCH=${BENCH_SEARCH:-son}
URL="sqlite://$DB_PATH"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relationhub-bench-sqlite.XXXXXX")
SERVER_PID=

# shellcheck source=bench/common.sh
. bench/common.sh
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
sql() { python3 -c 'import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()
print("\n".join("|".join(str(v) for v in r) for r in rows))' "$DB_PATH" "$1"; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
install_missing "${missing[@]}"
if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$BENCH_BIN
else
  log "building the release binary"
  cargo build --release --locked -p relationhub
  BIN="$CARGO_TARGET_DIR/release/relationhub"
fi

want=$(scale_emails "$SCALE")
(cd "$WORK" && "$BIN" migrate deploy --database-url "$URL" >/dev/null)
have=$(sql "SELECT COUNT(*) FROM emails WHERE userId IN (SELECT id FROM users WHERE email LIKE 'bench-%@example.com')")
if [ "$have" != "$want" ]; then
  log "loading the $SCALE data set into $DB_PATH"
  (cd "$WORK" && "$BIN" db seed --scale "$SCALE" --replace --database-url "$URL")
else
  log "reusing the loaded $SCALE data set in $DB_PATH ($have bench emails)"
fi

start_server "$URL"
TOKEN=$(sign_in bench-001@example.com)
USER_ID=$(sql "SELECT id FROM users WHERE email = 'bench-001@example.com'")
EMAIL_ID=$(sql "SELECT id FROM emails WHERE userId = '$USER_ID' ORDER BY createdAt DESC, id
  LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM emails WHERE userId = '$USER_ID')")
CONTACT_ID=$(sql "SELECT contactId FROM conversation_history WHERE userId = '$USER_ID'
  GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1")

define_requests "$EMAIL_ID" "$CONTACT_ID" "$SEARCH"
sample_targets "$DB_PATH"

printf '\n| query | c | GraphQL rps | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|\n' >"$WORK/table.md"
for q in emails email history contacts; do
  write_request "$q" "$TOKEN"
  wrk_run "$q" "$TOKEN" 32 "$WARMUP" /dev/null
  for c in $CONCURRENCY; do
    log "$q: GraphQL c=$c (${DURATION}s)"
    wrk_run "$q" "$TOKEN" "$c" "$DURATION" "$WORK/wrk.$q.$c"
    python3 bench/report.py wrk "$WORK/wrk.$q.$c" |
      jq -r --arg q "$q" --arg c "$c" '"| \($q) | \($c) | \(.rps | floor) | \(.p50 * 100 | round / 100) | \(.p99 * 100 | round / 100) |"' >>"$WORK/table.md"
  done
done
cat "$WORK/table.md"

echo
echo "EXPLAIN QUERY PLAN (python3's sqlite3 module on the same file):"
python3 - "$DB_PATH" "$USER_ID" "$EMAIL_ID" "$CONTACT_ID" "%$SEARCH%" <<'PY'
import sqlite3, sys
db, uid, eid, cid, pattern = sys.argv[1:]
con = sqlite3.connect(db)
queries = {
    "emails": ('SELECT * FROM "emails" WHERE "userId" = ? ORDER BY "createdAt" DESC, "id" ASC LIMIT 21', (uid,)),
    "email": ('SELECT * FROM "emails" WHERE "id" = ? AND "userId" = ?', (eid, uid)),
    "history": ('SELECT * FROM "conversation_history" WHERE "userId" = ? AND "contactId" = ? '
                'ORDER BY "timestamp" DESC, "id" ASC LIMIT 11', (uid, cid)),
    "contacts": ('SELECT * FROM "contacts" WHERE "userId" = ? AND (LOWER("name") LIKE ? ESCAPE \'\\\' '
                 'OR LOWER(COALESCE("email", \'\')) LIKE ? ESCAPE \'\\\' OR LOWER(COALESCE("company", \'\')) LIKE ? ESCAPE \'\\\') '
                 'ORDER BY "name" ASC, "id" ASC LIMIT 21', (uid, pattern, pattern, pattern)),
}
for name, (q, args) in queries.items():
    plan = con.execute("EXPLAIN QUERY PLAN " + q, args).fetchall()
    print(f"{name}: " + "; ".join(row[-1] for row in plan))
PY

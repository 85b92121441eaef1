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

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
sql() { python3 -c 'import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()
print("\n".join("|".join(str(v) for v in r) for r in rows))' "$DB_PATH" "$1"; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt-get)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$BENCH_BIN
else
  log "building the release binary"
  cargo build --release --locked -p relationhub
  BIN="$CARGO_TARGET_DIR/release/relationhub"
fi

case "$SCALE" in
  large) want=1000000 ;; medium) want=100000 ;; small) want=60 ;; *) die "unknown scale $SCALE" ;;
esac
(cd "$WORK" && "$BIN" migrate deploy --database-url "$URL" >/dev/null)
have=$(sql "SELECT COUNT(*) FROM emails WHERE userId IN (SELECT id FROM users WHERE email LIKE 'bench-%@example.com')")
if [ "$have" != "$want" ]; then
  log "loading the $SCALE data set into $DB_PATH"
  (cd "$WORK" && "$BIN" db seed --scale "$SCALE" --replace --database-url "$URL")
else
  log "reusing the loaded $SCALE data set in $DB_PATH ($have bench emails)"
fi

log "starting relationhub serve on 127.0.0.1:$PORT (pool $POOL)"
mkdir -p "$WORK/data"
(cd "$WORK" && RELATIONHUB_DATA_DIR="$WORK/data" RELATIONHUB_DB_MAX_CONNECTIONS="$POOL" \
  exec "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 150); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
  sleep 0.2
done

signin='{"query":"mutation { signIn(input: {email: \"bench-001@example.com\", password: \"bench-password\"}) { token } }"}'
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -d "$signin" |
  jq -r '.data.signIn.token // empty')
[ -n "$TOKEN" ] || die "could not sign in as bench-001@example.com"
USER_ID=$(sql "SELECT id FROM users WHERE email = 'bench-001@example.com'")
EMAIL_ID=$(sql "SELECT id FROM emails WHERE userId = '$USER_ID' ORDER BY createdAt DESC, id
  LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM emails WHERE userId = '$USER_ID')")
CONTACT_ID=$(sql "SELECT contactId FROM conversation_history WHERE userId = '$USER_ID'
  GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1")

declare -A GQL VARS
GQL[emails]='query Emails { emails(first: 20) { edges { cursor node { id subject status createdAt } } pageInfo { hasNextPage endCursor } } }'
VARS[emails]='{}'
GQL[email]='query Email($id: ID!) { email(id: $id) { id subject body status templateType providerId createdAt sentAt } }'
VARS[email]=$(jq -nc --arg id "$EMAIL_ID" '{id: $id}')
GQL[history]='query History($contactId: ID!) { conversationHistory(contactId: $contactId, first: 10) { edges { cursor node { id direction timestamp content metadata } } pageInfo { hasNextPage endCursor } } }'
VARS[history]=$(jq -nc --arg c "$CONTACT_ID" '{contactId: $c}')
GQL[contacts]='query Contacts($search: String!) { contacts(first: 20, filter: {search: $search}) { edges { cursor node { id name email company priority lastContactedAt } } pageInfo { hasNextPage endCursor } } }'
VARS[contacts]=$(jq -nc --arg s "$SEARCH" '{search: $s}')

printf '\n| query | c | GraphQL rps | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|\n' >"$WORK/table.md"
for q in emails email history contacts; do
  jq -nc --arg query "${GQL[$q]}" --argjson v "${VARS[$q]}" '{query: $query, variables: $v}' >"$WORK/$q.json"
  answer=$(curl -sf -X POST "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" --data-binary "@$WORK/$q.json")
  jq -e '(.errors | not) and (.data != null)' >/dev/null <<<"$answer" || die "$q answered with errors: $answer"
  BODY_FILE="$WORK/$q.json" TOKEN="$TOKEN" wrk -t1 -c32 -d"${WARMUP}s" -s bench/post.lua \
    "http://127.0.0.1:$PORT/graphql" >/dev/null
  for c in $CONCURRENCY; do
    log "$q: GraphQL c=$c (${DURATION}s)"
    BODY_FILE="$WORK/$q.json" TOKEN="$TOKEN" wrk -t1 -c"$c" -d"${DURATION}s" --latency -s bench/post.lua \
      "http://127.0.0.1:$PORT/graphql" >"$WORK/wrk.$q.$c"
    python3 bench/report.py wrk "$WORK/wrk.$q.$c" |
      jq -r --arg q "$q" --arg c "$c" '"| \($q) | \($c) | \(.rps | floor) | \(.p50) | \(.p99) |"' >>"$WORK/table.md"
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

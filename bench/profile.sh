#!/usr/bin/env bash
# CPU profile of `relationhub serve` under one request (issue 15): `perf record -g` on the server
# while wrk sends the request at concurrency C as random bench users on random targets (the same
# documents as ../shared/bench-peers/gql.lua); prints the top symbols by self time and keeps
# perf.data and the full report in OUT_DIR.
#
# Usage: bench/profile.sh BIN DATABASE_URL [QUERY] [C] [SECONDS] [OUT_DIR]
#   BIN           a build with symbols (`cargo build --profile profiling -p relationhub`)
#   DATABASE_URL  PostgreSQL loaded with `relationhub db seed --scale large` (add ?sslmode=disable
#                 for a loopback database, as recommended in docs/DEPLOYMENT.md)
#   QUERY         emails_page (default) | email_by_id | history
#   C             wrk connections (1)      SECONDS  recording time (15)
# Env: PORT (4190), TOP (10 rows printed), PERF_CALLGRAPH ("-g"; "--call-graph dwarf" for
# call chains through code built without frame pointers).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(readlink -f "$1"); URL=$2; QUERY=${3:-emails_page}; C=${4:-1}; SECS=${5:-15}
OUT=${6:-$(mktemp -d "${TMPDIR:-/tmp}/relationhub-profile.XXXXXX")}; mkdir -p "$OUT"
PORT=${PORT:-4190}; TOP=${TOP:-10}
for t in perf wrk jq python3; do command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }; done
case $QUERY in
  emails_page) DOC='query EmailsPage { emails(first: 20) { edges { node { id subject status } } } }'; TARGET=none ;;
  email_by_id) DOC='query Email($id: ID!) { email(id: $id) { id contactId subject body status templateType providerId tokensUsed generatedAt sentAt openedAt repliedAt createdAt updatedAt } }'; TARGET=email ;;
  history) DOC='query History($contactId: ID!) { conversationHistory(contactId: $contactId, first: 10) { nodes { id direction content timestamp metadata } } }'; TARGET=contact ;;
  *) echo "unknown QUERY $QUERY (emails_page | email_by_id | history)" >&2; exit 2 ;;
esac
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true' EXIT
RELATIONHUB_ENV=production "$BIN" serve --database-url "$URL" --bind "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
python3 bench/targets.py "http://127.0.0.1:$PORT/graphql" "$OUT" "$URL"
jq -c --arg q "$DOC" -n '{query: $q}' | sed 's/}$/,"variables":/' | tr -d '\n' >"$OUT/prefix"
run_wrk() {
  TARGETS="$OUT/targets.lua" PREFIX_FILE="$OUT/prefix" TARGET=$TARGET \
    wrk -t1 -c"$C" -d"$1s" --latency -s bench/sample.lua "http://127.0.0.1:$PORT/graphql"
}
run_wrk 3 >/dev/null # warm-up: caches, prepared statements, pool
perf record -F 999 ${PERF_CALLGRAPH:--g} -p "$SERVER_PID" -o "$OUT/perf.data" -- sleep "$SECS" 2>"$OUT/perf.err" &
PERF_PID=$!
run_wrk "$SECS" | tee "$OUT/wrk.txt" | grep -E 'Requests/sec|50%|99%'
wait "$PERF_PID"
perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.3 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//' >"$OUT/report.txt"
echo "top $TOP by self time ($QUERY, c=$C; full report: $OUT/report.txt)"
head -n "$TOP" "$OUT/report.txt"

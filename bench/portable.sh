#!/usr/bin/env bash
# Import/export measurements (issue 14): time and peak RSS (`/usr/bin/time -v`) of
#   - importing 100,000 contacts from vCard and from CSV into an empty account,
#   - exporting (json) an account with 10,000 emails (restored from a generated archive),
# on SQLite and on PostgreSQL, with the release binary.
#
#   bench/portable.sh [POSTGRES_ADMIN_URL]     (default postgres://postgres@127.0.0.1:5432/postgres)
#
# Prints one line per measurement: backend, step, seconds, peak RSS in MB.
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN_URL=${1:-postgres://postgres@127.0.0.1:5432/postgres}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/relationhub}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -x "$BIN" ] || cargo build --release -p relationhub >&2

python3 bench/portable_inputs.py "$WORK" "${CONTACTS:-100000}" "${EMAILS:-10000}"
ls -l "$WORK" >&2

# measure BACKEND STEP URL ARGS… — runs the binary under /usr/bin/time -v and prints the numbers.
measure() {
  local backend=$1 step=$2 url=$3; shift 3
  /usr/bin/time -v "$BIN" --database-url "$url" "$@" >"$WORK/out" 2>"$WORK/time" || { cat "$WORK/time" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time")
  printf '%-10s %-28s %10s  %6s MB\n' "$backend" "$step" "$wall" "$rss"
}

run_backend() {
  local backend=$1 url=$2
  "$BIN" --database-url "$url" migrate deploy >/dev/null
  for who in vcard csv archive; do
    "$BIN" --database-url "$url" user create --email "$who@example.com" --name "$who" --password "bench password" >/dev/null
  done
  measure "$backend" "import 100k vCard" "$url" import --email vcard@example.com "$WORK/contacts.vcf"
  measure "$backend" "import 100k CSV" "$url" import --email csv@example.com "$WORK/contacts.csv"
  measure "$backend" "restore 10k-email archive" "$url" import --email archive@example.com "$WORK/archive.json"
  measure "$backend" "export json (10k emails)" "$url" export --email archive@example.com --output "$WORK/export.json"
  measure "$backend" "export vcard (100k)" "$url" export --email vcard@example.com --format vcard --output "$WORK/export.vcf"
  measure "$backend" "export csv (100k)" "$url" export --email csv@example.com --format csv --output "$WORK/export.csv"
}

run_backend sqlite "sqlite://$WORK/bench.db"
DB="relationhub_portable_bench_$$"
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null
trap 'psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null; rm -rf "$WORK"' EXIT
run_backend postgres "${ADMIN_URL%/*}/$DB"

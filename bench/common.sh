# Shared by bench/run.sh and bench/run-sqlite.sh (sourced, not run). The caller sets WORK (a
# scratch directory), PORT, POOL and BIN, and defines SERVER_PID= before installing its EXIT trap.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# install_missing PACKAGE… — installs the Debian packages given (callers list only the missing).
install_missing() {
  [ $# -gt 0 ] || return 0
  log "installing $* (apt-get)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "$@" >/dev/null
}

# scale_emails SCALE — how many bench emails a fully loaded SCALE holds.
scale_emails() {
  case "$1" in
    large) echo 1000000 ;; medium) echo 100000 ;; small) echo 60 ;;
    *) die "BENCH_SCALE must be large, medium or small" ;;
  esac
}

# start_server URL — runs `relationhub serve` on URL in the background (SERVER_PID) and waits
# until /health answers.
start_server() {
  log "starting relationhub serve on 127.0.0.1:$PORT (pool $POOL)"
  mkdir -p "$WORK/data"
  (cd "$WORK" && RELATIONHUB_DATA_DIR="$WORK/data" RELATIONHUB_DB_MAX_CONNECTIONS="$POOL" \
    exec "$BIN" serve --database-url "$1" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
    sleep 0.2
  done
  die "the server did not become healthy"
}

# stop_server — SIGTERM and wait (graceful shutdown); safe to call when it is not running.
stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}

# sign_in EMAIL — prints a bearer token for the bench account EMAIL.
sign_in() {
  local body token
  body=$(jq -nc --arg e "$1" \
    '{query: "mutation($e: String!) { signIn(input: {email: $e, password: \"bench-password\"}) { token } }", variables: {e: $e}}')
  token=$(curl -sf -X POST "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -d "$body" |
    jq -r '.data.signIn.token // empty')
  [ -n "$token" ] || die "could not sign in as $1"
  printf '%s' "$token"
}

# define_requests EMAIL_ID CONTACT_ID SEARCH — the four measured documents (GQL) and their
# variables (VARS), by short name.
define_requests() {
  declare -gA GQL VARS TARGET_OF
  TARGET_OF=([emails]=none [email]=email [history]=contact [contacts]=search)
  GQL[emails]='query Emails { emails(first: 20) { edges { cursor node { id subject status createdAt } } pageInfo { hasNextPage endCursor } } }'
  VARS[emails]='{}'
  GQL[email]='query Email($id: ID!) { email(id: $id) { id subject body status templateType providerId createdAt sentAt } }'
  VARS[email]=$(jq -nc --arg id "$1" '{id: $id}')
  GQL[history]='query History($contactId: ID!) { conversationHistory(contactId: $contactId, first: 10) { edges { cursor node { id direction timestamp content metadata } } pageInfo { hasNextPage endCursor } } }'
  VARS[history]=$(jq -nc --arg c "$2" '{contactId: $c}')
  GQL[contacts]='query Contacts($search: String!) { contacts(first: 20, filter: {search: $search}) { edges { cursor node { id name email company priority lastContactedAt } } pageInfo { hasNextPage endCursor } } }'
  VARS[contacts]=$(jq -nc --arg s "$3" '{search: $s}')
}

# write_request NAME TOKEN — writes $WORK/NAME.json (the request body wrk sends) and checks that
# the server answers it without errors.
write_request() {
  local answer
  [ -n "${GQL[$1]:-}" ] || die "unknown query $1 (emails, email, history, contacts)"
  jq -nc --arg query "${GQL[$1]}" --argjson v "${VARS[$1]}" '{query: $query, variables: $v}' >"$WORK/$1.json"
  answer=$(curl -sf -X POST "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $2" --data-binary "@$WORK/$1.json")
  jq -e '(.errors | not) and (.data != null)' >/dev/null <<<"$answer" || die "$1 answered with errors: $answer"
}

# sample_targets DB — signs in every bench user and samples their emails and contacts
# (bench/targets.py) into $WORK/targets.lua and $WORK/targets.json; DB is the PostgreSQL URL or the
# SQLite file. From then on wrk_run spreads requests over all of them.
sample_targets() {
  log "signing in the bench users and sampling their emails and contacts"
  python3 bench/targets.py "http://127.0.0.1:$PORT/graphql" "$WORK" "$1" "${BENCH_USERS:-100}" "${BENCH_PER_USER:-20}"
}

# wrk_run NAME TOKEN CONCURRENCY SECONDS OUTPUT — wrk with the request of NAME: as a random bench
# user on a random target when sample_targets ran, else as TOKEN with the fixed body.
wrk_run() {
  if [ -f "$WORK/targets.lua" ]; then
    jq -c --arg q "${GQL[$1]}" -n '{query: $q}' | sed 's/}$/,"variables":/' | tr -d '\n' >"$WORK/$1.prefix"
    TARGETS="$WORK/targets.lua" PREFIX_FILE="$WORK/$1.prefix" TARGET="${TARGET_OF[$1]}" SEARCH="$SEARCH" \
      wrk -t1 -c"$3" -d"$4s" --latency -s bench/sample.lua "http://127.0.0.1:$PORT/graphql" >"$5"
  else
    BODY_FILE="$WORK/$1.json" TOKEN="$2" wrk -t1 -c"$3" -d"$4s" --latency -s bench/post.lua \
      "http://127.0.0.1:$PORT/graphql" >"$5"
  fi
}

#!/usr/bin/env python3
"""Random targets over every bench user, for bench/run.sh and bench/run-sqlite.sh.

Usage: targets.py GRAPHQL_URL OUT_DIR [PSQL_URL] [USERS] [EMAILS_PER_USER]
Signs in bench-001..USERS@example.com (password bench-password) and picks, per user,
EMAILS_PER_USER random email ids and up to 10 random contacts with conversation history (read
with psql from PSQL_URL, or with sqlite3 when PSQL_URL is a path to a SQLite file). Writes
  OUT_DIR/targets.lua   {token=, emails={…}, contacts={…}} per user, for bench/sample.lua
  OUT_DIR/targets.json  the same plus user ids and token hashes (the floor's scripts are built
                        from it, one per user with a random email and contact of that user)
A single fixed user, email and contact measures one cached row over and over; sampling over
all users, thousands of emails and hundreds of contacts measures what a real mix costs.
"""
import hashlib, json, random, subprocess, sys, urllib.request

url, out = sys.argv[1], sys.argv[2]
db = sys.argv[3] if len(sys.argv) > 3 else ""
users = int(sys.argv[4]) if len(sys.argv) > 4 else 100
per_user = int(sys.argv[5]) if len(sys.argv) > 5 else 20
random.seed(7)


def gql(query, variables):
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))


def sql(statement):
    if db.startswith("postgres"):
        cmd = ["psql", db, "-XAtq", "-c", statement]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    import sqlite3
    return [str(r[0]) for r in sqlite3.connect(db).execute(statement).fetchall()]


rows = []
for n in range(1, users + 1):
    email = f"bench-{n:03d}@example.com"
    r = gql("mutation($e: String!) { signIn(input: {email: $e, password: \"bench-password\"}) { token user { id } } }",
            {"e": email})
    if not r.get("data"):
        sys.exit(f"could not sign in as {email}: {r}")
    token, uid = r["data"]["signIn"]["token"], r["data"]["signIn"]["user"]["id"]
    emails = sql(f"SELECT \"id\" FROM \"emails\" WHERE \"userId\" = '{uid}' ORDER BY random() LIMIT {per_user}")
    contacts = sql(f"SELECT \"contactId\" FROM \"conversation_history\" WHERE \"userId\" = '{uid}' "
                   "GROUP BY 1 ORDER BY random() LIMIT 10")
    if not emails or not contacts:
        sys.exit(f"{email} has no emails or no conversation history: is the bench data loaded?")
    rows.append({"uid": uid, "token": token, "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                 "emails": emails, "contacts": contacts,
                 "email": random.choice(emails), "contact": random.choice(contacts)})

lua = lambda xs: "{" + ",".join(json.dumps(x) for x in xs) + "}"
with open(f"{out}/targets.lua", "w") as f:
    f.write("return {\n" + ",\n".join(
        f'{{token={json.dumps(r["token"])}, emails={lua(r["emails"])}, contacts={lua(r["contacts"])}}}'
        for r in rows) + "\n}\n")
json.dump(rows, open(f"{out}/targets.json", "w"))
print(f"{len(rows)} users, {sum(len(r['emails']) for r in rows)} emails, "
      f"{sum(len(r['contacts']) for r in rows)} contacts", file=sys.stderr)

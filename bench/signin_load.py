#!/usr/bin/env python3
"""Sign-in hardening numbers against a running server (stdlib only).

  python3 bench/signin_load.py http://127.0.0.1:4000 PID

1. RSS of PID before and after 200 anonymous signIn calls, each with a random 0.5 MB email.
2. 32 parallel clients signing in for 10 s (the right password on 32 distinct accounts, and
   wrong passwords on one account): answers per second by outcome and latency percentiles.
"""
import http.client, json, random, string, sys, threading, time, urllib.parse

BASE, PID = sys.argv[1], int(sys.argv[2])
URL = urllib.parse.urlparse(BASE)


def rss_mib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def gql(conn, query, variables, headers=None):
    body = json.dumps({"query": query, "variables": variables})
    h = {"content-type": "application/json"}
    h.update(headers or {})
    conn.request("POST", "/graphql", body, h)
    resp = conn.getresponse()
    return json.loads(resp.read() or b"{}")


def outcome(v):
    errs = v.get("errors") or []
    return errs[0].get("extensions", {}).get("code", "?") if errs else "ok"


SIGN_IN = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }"
SIGN_UP = "mutation($e: String!) { signUp(input: {email: $e, password: \"correct horse battery\", name: \"Load\"}) { token } }"

conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
before = rss_mib()
codes = {}
for i in range(200):
    email = "".join(random.choices(string.ascii_lowercase, k=512 * 1024)) + "@example.com"
    c = outcome(gql(conn, SIGN_IN, {"e": email, "p": "whatever password"}, {"x-forwarded-for": f"10.9.{i // 250}.{i % 250}"}))
    codes[c] = codes.get(c, 0) + 1
time.sleep(1)
print(f"200 sign-ins with 0.5 MB emails: RSS {before:.1f} MiB -> {rss_mib():.1f} MiB; answers {codes}")

# Ten accounts per client, so the per-account limit (30 checks per 15 minutes) is not what binds.
accounts = [f"load-{i}-{random.randrange(1 << 30)}@example.com" for i in range(320)]
for n, a in enumerate(accounts):
    gql(conn, SIGN_UP, {"e": a}, {"x-forwarded-for": f"10.7.{n // 250}.{n % 250}"})
counter = [0] * 32


def run(label, pick, seconds=10.0):
    results, lock = [], threading.Lock()
    stop = time.time() + seconds

    def worker(i):
        c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
        while time.time() < stop:
            email, pw = pick(i)
            t = time.perf_counter()
            o = outcome(gql(c, SIGN_IN, {"e": email, "p": pw}, {"x-forwarded-for": f"10.8.0.{i}"}))
            with lock:
                results.append((o, time.perf_counter() - t))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by = {}
    for o, d in results:
        by.setdefault(o, []).append(d)
    parts = []
    for o, ds in sorted(by.items()):
        ds.sort()
        parts.append(f"{o}: {len(ds) / seconds:.1f}/s p50 {ds[len(ds) // 2] * 1000:.0f} ms p99 {ds[int(len(ds) * 0.99)] * 1000:.0f} ms")
    print(f"{label} (32 clients, {seconds:.0f} s): " + "; ".join(parts) + f"; RSS {rss_mib():.1f} MiB")


def right(i):
    counter[i] += 1
    return accounts[i * 10 + counter[i] % 10], "correct horse battery"


run("right passwords, 320 accounts", right)
run("wrong passwords, one account", lambda i: (accounts[0], "wrong password"))

#!/usr/bin/env python3
"""Helpers for bench/run.sh: parse wrk and pgbench output, turn pgbench scripts into EXPLAIN
statements, and render the results table into docs/BENCHMARKS.md (between the markers
`<!-- bench:begin -->` and `<!-- bench:end -->`, so the hand-written analysis around it stays)."""

import glob
import json
import re
import sys

# The guide's measured figures ("Performance Considerations"), the c=1 p50 targets, in ms.
GUIDE_P50_MS = {"emails": 1.0, "email": 0.3, "history": 0.4}
LABELS = {
    "emails": "`emails(first: 20)`",
    "email": "`email(id)`",
    "history": "`conversationHistory(contactId, first: 10)`",
    "contacts": "`contacts(first: 20, filter: {search})`",
}
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def wrk(path):
    """rps, p50 ms, p99 ms and error counts from `wrk --latency` output."""
    text = open(path).read()

    def ms(value):
        m = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
        if not m:
            raise SystemExit(f"cannot parse wrk latency {value!r} in {path}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if not (p50 and p99 and rps):
        raise SystemExit(f"unexpected wrk output in {path}:\n{text}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return {"rps": float(rps.group(1)), "p50": ms(p50.group(1)), "p99": ms(p99.group(1)), "errors": errors}


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def pgbench(output_path, log_prefix):
    """tps from pgbench's summary, p50/p99 ms from its per-transaction logs (`-l`)."""
    text = open(output_path).read()
    tps = re.search(r"^tps = ([\d.]+)", text, re.M)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if not tps:
        raise SystemExit(f"unexpected pgbench output in {output_path}:\n{text}")
    latencies = []
    for log in glob.glob(log_prefix + ".*"):
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000.0)
    latencies.sort()
    return {
        "rps": float(tps.group(1)),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "errors": int(failed.group(1)) if failed else 0,
    }


def explain_sql(script_path, values):
    """A psql script that prepares each statement of a pgbench script with `$n` parameters,
    executes it a few times (so the plan cache settles as it does for the server's prepared
    statements) and prints `EXPLAIN (ANALYZE, BUFFERS) EXECUTE …`."""
    text = open(script_path).read()
    statements = [s.strip() for s in re.sub(r"--[^\n]*", "", text).split(";") if s.strip()]
    out = []
    for i, stmt in enumerate(statements):
        names = []

        def number(m):
            names.append(m.group(1))
            return f"${len(names)}"

        sql = re.sub(r"(?<!:):([a-z_0-9]+)", number, stmt)
        args = ", ".join("'" + values[n].replace("'", "''") + "'" for n in names)
        out.append(f"PREPARE q{i} AS {sql};")
        out.append("\\o /dev/null")
        out.extend([f"EXECUTE q{i}({args});"] * 6)
        out.append("\\o")
        out.append(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE q{i}({args});")
    return "\n".join(out) + "\n"


def fmt(v, digits=2):
    return "—" if v is None else f"{v:.{digits}f}"


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def aggregate(points):
    """One entry per (query, c): the median of each figure over the rounds, and the range of
    the per-round GraphQL/floor throughput ratios."""
    groups = {}
    for p in points:
        groups.setdefault((p["query"], p["c"]), []).append(p)
    out = []
    for (q, c), rounds in groups.items():
        agg = {"query": q, "c": c, "rounds": len(rounds)}
        for side in ("graphql", "floor"):
            agg[side] = {k: median([r[side][k] for r in rounds]) for k in ("rps", "p50", "p99")}
        ratios = [r["graphql"]["rps"] / r["floor"]["rps"] for r in rounds if r["floor"]["rps"]]
        agg["ratio"] = agg["graphql"]["rps"] / agg["floor"]["rps"] if agg["floor"]["rps"] else float("nan")
        agg["ratio_min"], agg["ratio_max"] = (min(ratios), max(ratios)) if ratios else (agg["ratio"],) * 2
        out.append(agg)
    return out


def table(results):
    rows = [
        "| query | c | GraphQL rps | p50 ms | p99 ms | floor rps | p50 ms | p99 ms | GraphQL / floor (rounds' range) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in aggregate(results["points"]):
        g, f = r["graphql"], r["floor"]
        spread = f" ({r['ratio_min']:.2f}–{r['ratio_max']:.2f})" if r["rounds"] > 1 else ""
        rows.append(
            f"| {LABELS[r['query']]} | {r['c']} | {g['rps']:.0f} | {fmt(g['p50'])} | {fmt(g['p99'])} "
            f"| {f['rps']:.0f} | {fmt(f['p50'])} | {fmt(f['p99'])} | {r['ratio']:.2f}{spread} |"
        )
    return "\n".join(rows)


def targets(results):
    lines = ["| target | query | measured | met |", "|---|---|---:|:---:|"]
    by = {(r["query"], r["c"]): r for r in aggregate(results["points"])}
    for q, guide in GUIDE_P50_MS.items():
        r = by.get((q, 1))
        if r:
            p50 = r["graphql"]["p50"]
            lines.append(
                f"| c=1 p50 ≤ guide's {guide} ms | {LABELS[q]} | {p50:.2f} ms | {'yes' if p50 <= guide else 'no'} |"
            )
    for q in LABELS:
        top = max((c for (qq, c) in by if qq == q), default=1)
        if top > 1:
            r = by[(q, top)]
            ratio = r["ratio"]
            lines.append(
                f"| c={top} throughput ≥ ½ floor | {LABELS[q]} | {ratio:.2f} × floor | {'yes' if ratio >= 0.5 else 'no'} |"
            )
    rss = results.get("rss_kib_max")
    if rss:
        mib = rss / 1024
        lines.append(f"| server RSS under load < 256 MiB | all (max over c=32 runs) | {mib:.0f} MiB | {'yes' if mib < 256 else 'no'} |")
    return "\n".join(lines)


def render(results):
    m = results["meta"]
    q = results["queries"]
    out = [
        BEGIN,
        f"_Generated by `bench/run.sh` on {m['date']}; rerun it to refresh this section._",
        "",
        "### Results",
        "",
        f"Each point is the median of {m['rounds']} runs of {m['duration']} s (GraphQL and floor alternating), after a "
        f"{m['warmup']} s warm-up per query; the floor is `pgbench -M prepared` "
        "running the same statements the server runs per request (token lookup + the query), with the same "
        "ids, over the same TCP loopback. Latencies are per request (GraphQL) and per transaction "
        "(floor: both statements).",
        "",
        table(results),
        "",
        f"Server RSS under load: max **{results['rss_kib_max'] / 1024:.0f} MiB** "
        f"(sampled every 0.2 s with `ps -o rss` during the c=32 runs; idle after start-up: "
        f"{results['rss_kib_idle'] / 1024:.0f} MiB).",
        "",
        "### Targets",
        "",
        targets(results),
        "",
        "### Machine",
        "",
        f"- CPU: {m['cpu']} ({m['cores']} cores visible), RAM {m['ram']}",
        f"- Kernel: {m['kernel']} ({m['os']})",
        f"- PostgreSQL {m['postgres']} on {m['pg_endpoint']} (shared_buffers {m['shared_buffers']}, "
        f"max_connections {m['pg_max_connections']}); server, database and load generators share the machine",
        f"- Build: `cargo build --release` (profile `release`: opt-level 3, no LTO), {m['rustc']}",
        f"- Server: `relationhub serve`, pool `RELATIONHUB_DB_MAX_CONNECTIONS={m['pool']}`, `RUST_LOG` unset (info)",
        f"- Load: {m['wrk']} (`wrk -t1 -c<c> -d{m['duration']}s --latency`), {m['pgbench']} "
        f"(`pgbench -n -M prepared -j1 -c<c> -T{m['duration']} -l`)",
        "",
        "### Dataset",
        "",
        f"`relationhub db seed --scale {m['scale']}` (seed {m['seed']}); measured as `{m['user_email']}` "
        f"(user id `{m['user_id']}`).",
        "",
        "| table | rows | total size | heap |",
        "|---|---:|---:|---:|",
    ]
    for t in results["dataset"]:
        out.append(f"| {t['table']} | {t['rows']:,} | {t['total']} | {t['heap']} |")
    if results.get("load"):
        out += ["", "Load output (when this run loaded the data):", "", "```", results["load"].rstrip(), "```"]
    out += [
        "",
        "### Requests",
        "",
        f"Ids: email `{m['email_id']}`, contact `{m['contact_id']}` (one with conversation history), "
        f"search `{m['search']}`.",
        "",
    ]
    for name, body in q.items():
        out += [f"- {LABELS[name]}:", "", "  ```graphql", "  " + body["query"], "  ```", ""]
        if body.get("sql"):
            sql = [line for line in body["sql"].strip().splitlines()]
            out += ["  Floor: the token lookup (below), then", "", "  ```sql", *["  " + l for l in sql], "  ```", ""]
    out += [
        "### Commands",
        "",
        "```sh",
        *m["commands"],
        "```",
        "",
        "The token lookup every request runs first (`store::users::authenticate_token`), the floor's first "
        "statement: `bench/sql/auth.sql`.",
        "",
        "### Query plans on the loaded data",
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of each statement as a prepared statement (executed 6 times first, as "
        "the server's cached statements are), with the benchmark's parameters.",
        "",
    ]
    for name, text in results["explain"].items():
        title = "token lookup (every request)" if name == "auth" else LABELS[name]
        out += [f"#### {title}", "", "```", text.rstrip(), "```", ""]
    out.append(END)
    return "\n".join(out)


def write_doc(path, section, header):
    try:
        doc = open(path).read()
    except FileNotFoundError:
        doc = header + "\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in doc and END in doc:
        before = doc[: doc.index(BEGIN)]
        after = doc[doc.index(END) + len(END) :]
        doc = before + section + after
    else:
        doc = doc.rstrip() + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(doc)


def main():
    cmd = sys.argv[1]
    if cmd == "wrk":
        print(json.dumps(wrk(sys.argv[2])))
    elif cmd == "pgbench":
        print(json.dumps(pgbench(sys.argv[2], sys.argv[3])))
    elif cmd == "explain":
        values = json.loads(open(sys.argv[3]).read())
        sys.stdout.write(explain_sql(sys.argv[2], values))
    elif cmd == "render":
        results = json.load(open(sys.argv[2]))
        section = render(results)
        print(table(results))
        print()
        print(targets(results))
        print(f"\nserver RSS max under load: {results['rss_kib_max'] / 1024:.0f} MiB")
        header = "# Benchmarks\n\nProduction-scale, end-to-end measurements of the GraphQL API (see issue 6).\n"
        write_doc(sys.argv[3], section, header)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()

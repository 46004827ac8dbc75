"""Team dashboard and "next" latency on a 1,000,000-example project, against a real uvicorn.

Setup: temp dir, fresh SQLite DB (alembic upgrade head), uvicorn on 127.0.0.1. Through HTTP: the first admin
(/setup, the owner), 19 accounts (/admin/users), one `sentiment` project (POST /projects) and its members
(1 owner, 4 reviewers rev01-04, 15 annotators ann01-15). Then --examples (1,000,000) rows go straight into
`example` with sqlite3 (one transaction, synchronous=OFF, the example indexes dropped and rebuilt), and
state_count / member_stat / work_time_bucket are rebuilt from them with INSERT ... SELECT ... GROUP BY
(buckets by the app's own counters.time_bucket), so the counters match the rows (load_s = all of that).
Data: 40% draft (of which 5 points are unlabelled queue items: needs_output, output NULL, created_by NULL,
a fifth of them assigned to ann11-15), 20% submitted, 30% approved, 5% changes_requested, 5% rejected;
authors spread over the 20 members, except that only ann11-15 have work sent back (changes_requested).
So ann01-10 have nothing sent back or assigned: their "next" walks the whole queue (the common case),
while ann11-15 get their sent-back work first (next_sent_back_*). No ANALYZE, as in a real deployment.

Measured, one request at a time, after 5 warm-up requests per kind, --requests (200) each, latency = send ->
full body (redirects not followed): GET /projects/{p}/team (owner, HTML), GET /api/v1/projects/{p}/team
(owner, JSON), GET /projects/{p}/next as ann01-10 in turn (each call leases an item: 303), the same as
ann11-15 (next_sent_back_*), GET /projects/{p}/next?mode=review as rev01-04 in turn (303). Baseline, same DB
file, plain sqlite3: SELECT count(*) FROM example (and ... WHERE project_id=?), 20 runs each.

Output: ONE JSON line on stdout (p50/p95/max per kind); progress and where each "next" went on stderr.
met = every p95 of the four headline kinds (dashboard html/json, next_annotate, next_review) <= 50 ms.
Bare count(*) is cheap in SQLite (it counts index pages); baseline_count_project_* is one pass over the
project's rows: a route at or above it walks them. The client shares the CPUs with the server.

    .venv/bin/python bench/dashboard.py [--examples 1000000] [--requests 200] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from _benchlib import ROOT, log, pct, start_server, stop_server  # noqa: E402  (bench/ is on sys.path)
sys.path.insert(0, str(ROOT))
from app.storage.counters import time_bucket  # noqa: E402  (the app's own bucket formula)
from tests.teams import live_team  # noqa: E402  (the one team builder, shared with the tests)

PASSWORD, TARGET_P95_MS, WARMUP = "bench-password-123", 50, 5
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
OWNER, REVIEWERS = "owner", [f"rev{i:02d}" for i in range(1, 5)]
ANNOTATORS = [f"ann{i:02d}" for i in range(1, 16)]
QUEUE_ANN, SENT_BACK_ANN = ANNOTATORS[:10], ANNOTATORS[10:]
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores datetimes in SQLite
WORDS = ("love hate this that new phone film game day night service team update app coffee flight hotel "
         "food music show ticket price store delivery support best worst great awful really so not never "
         "always today again finally just totally amazing terrible slow fast broken works lol omg").split()
COLS = ("id", "project_id", "fields", "output", "label", "status", "version", "token_count", "worst_level", "codes",
        "input_hash", "content_hash", "created_by", "updated_by", "created_at", "updated_at", "needs_output",
        "assignee_id", "labels_wanted", "submitted_at", "reviewed_by", "reviewed_at", "work_seconds")










class Browser:
    """One person's cookie jar; posts carry the CSRF token the way the pages do."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        page = self.http.get("/login")
        page = self.http.get("/setup") if page.status_code == 303 else page  # no account yet: /login -> /setup
        if not (match := TOKEN_RE.search(page.text)):
            raise RuntimeError(f"no csrftoken on {page.url} (status {page.status_code})")
        self.token = match.group(1)

    def post(self, url: str, form: dict, expect: int = 303) -> httpx.Response:
        resp = self.http.post(url, data={**form, "csrftoken": self.token})
        if resp.status_code != expect:
            raise RuntimeError(f"POST {url}: status {resp.status_code}: {resp.text[:300]}")
        return resp

    def login(self, username: str) -> Browser:
        self.post("/login", {"username": username, "password": PASSWORD})
        return self


def setup_team(base: str) -> int:
    members = [(name, "reviewer" if name in REVIEWERS else "annotator") for name in REVIEWERS + ANNOTATORS]
    team = live_team(base, members, PASSWORD, admin=OWNER, project_name="Tweets (bench)", display_names=True)
    team.admin.close()
    return team.project


def example_rows(n: int, project: int, ids: dict[str, int], rng: random.Random):
    """Realistic rows in id order; created_at spread over the past year."""
    everyone = [ids[u] for u in [OWNER] + REVIEWERS + ANNOTATORS]
    deciders, sent_back = [ids[OWNER]] + [ids[u] for u in REVIEWERS], [ids[u] for u in SENT_BACK_ANN]
    speed = {uid: 15 + 6 * k for k, uid in enumerate(everyone)}  # per-member median seconds per example
    phrases = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))).capitalize() for _ in range(5000)]
    start, step = datetime.now(timezone.utc) - timedelta(days=365), 365 * 86400 / max(n, 1)
    for i in range(1, n + 1):
        text = f"{phrases[rng.randrange(5000)]} #{i}"
        created = start + timedelta(seconds=i * step)
        r = rng.random()
        status = ("draft" if r < 0.40 else "submitted" if r < 0.60 else "approved" if r < 0.90
                  else "changes_requested" if r < 0.95 else "rejected")
        label = "positive" if rng.random() < 0.55 else "negative"
        if r < 0.05:  # an unlabelled item waiting in the annotators' queue (as add_items stores it)
            author = seconds = label = output = None
            assignee = rng.choice(sent_back) if rng.random() < 0.2 else None
        else:
            author = rng.choice(sent_back) if status == "changes_requested" else rng.choice(everyone)
            output, assignee = json.dumps(label), None
            seconds = max(1, min(3600, int(rng.lognormvariate(math.log(speed[author]), 0.7))))
        submitted = reviewer = reviewed = None
        if status != "draft":
            submitted = (created + timedelta(minutes=rng.randint(1, 600))).strftime(FMT)
            if status != "submitted":
                reviewer = rng.choice([d for d in deciders if d != author] or deciders)
                reviewed = (created + timedelta(hours=rng.randint(11, 96))).strftime(FMT)
        lvl, created_s = rng.random(), created.strftime(FMT)
        yield (i, project, json.dumps({"text": text}), output, label, status, 1, len(text) // 4 + 3,
               "ok" if lvl < 0.9 else "info" if lvl < 0.98 else "warning", "[]",
               hashlib.sha256(text.encode()).hexdigest(), hashlib.sha256(f"{text}\x00{label}".encode()).hexdigest(),
               author, author, created_s, reviewed or submitted or created_s, int(r < 0.05), assignee, 0,
               submitted, reviewer, reviewed, seconds)


def load(db: Path, project: int, n: int) -> float:
    t0 = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript("PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL; PRAGMA cache_size=-262144; "
                       "PRAGMA temp_store=MEMORY")
    conn.create_function("time_bucket", 1, time_bucket, deterministic=True)
    ids = dict(conn.execute("SELECT username, id FROM user_account"))
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='example' "
                           "AND sql IS NOT NULL").fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    rows, done = example_rows(n, project, ids, random.Random(20240601)), 0
    insert = f"INSERT INTO example ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})"
    while chunk := [row for _, row in zip(range(50_000), rows)]:
        conn.executemany(insert, chunk)
        if (done := done + len(chunk)) % 200_000 == 0 or done == n:
            log(f"  {done:,} rows, {time.perf_counter() - t0:.1f} s")
    for name, sql in indexes:
        conn.execute(sql)
    log(f"  {len(indexes)} indexes rebuilt, {time.perf_counter() - t0:.1f} s")
    for table in ("state_count", "member_stat", "work_time_bucket"):
        conn.execute(f"DELETE FROM {table} WHERE project_id = ?", (project,))
    conn.execute("INSERT INTO state_count (project_id, status, n) SELECT project_id, status, count(*) FROM example "
                 "WHERE project_id = ? GROUP BY project_id, status", (project,))
    conn.execute(
        "INSERT INTO member_stat (project_id, user_id, written, reviewed, approved, changes_requested, rejected) "
        "SELECT project_id, uid, sum(w), sum(r), sum(a), sum(c), sum(x) FROM ("
        " SELECT project_id, created_by AS uid, count(*) AS w, 0 AS r, sum(status = 'approved') AS a,"
        " sum(status = 'changes_requested') AS c, sum(status = 'rejected') AS x FROM example"
        " WHERE project_id = :p AND created_by IS NOT NULL GROUP BY project_id, created_by"
        " UNION ALL SELECT project_id, reviewed_by, 0, count(*), 0, 0, 0 FROM example"
        " WHERE project_id = :p AND reviewed_by IS NOT NULL GROUP BY project_id, reviewed_by"
        ") GROUP BY project_id, uid", {"p": project})
    conn.execute("INSERT INTO work_time_bucket (project_id, user_id, bucket, n) SELECT project_id, created_by, "
                 "time_bucket(work_seconds) AS b, count(*) FROM example WHERE project_id = ? AND created_by IS NOT "
                 "NULL AND work_seconds IS NOT NULL GROUP BY project_id, created_by, b", (project,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    states = dict(conn.execute("SELECT status, n FROM state_count WHERE project_id = ?", (project,)))
    conn.close()  # the load's pragmas end with this connection
    elapsed = time.perf_counter() - t0
    log(f"loaded {n:,} examples in {elapsed:.1f} s ({db.stat().st_size / 2**20:,.0f} MiB); states {states}")
    return elapsed


def measure(label: str, browsers: list[Browser], url: str, n: int, expect: int, check=None) -> list[float]:
    """Sequential GETs, rotating over `browsers`; `check(response)` names where a 303 went (for stderr)."""
    times, where = [], Counter()
    for k in range(WARMUP + n):
        http, t = browsers[k % len(browsers)].http, time.perf_counter()
        resp = http.get(url)
        ms = (time.perf_counter() - t) * 1000
        if resp.status_code != expect:
            raise RuntimeError(f"{label}: GET {url}: status {resp.status_code}: {resp.text[:300]}")
        if k >= WARMUP:
            times.append(ms)
            where[check(resp) if check else "ok"] += 1
    times.sort()  # "where": the redirect target with ids as N (edit / annotate / new / queue=empty)
    log(f"{label:>15}: p50 {pct(times, 50):7.2f}  p95 {pct(times, 95):7.2f}  max {times[-1]:7.2f} ms  {dict(where)}")
    return times


def went(resp: httpx.Response) -> str:
    return re.sub(r"\d+", "N", resp.headers.get("location", "").split("/projects/", 1)[-1])


def baseline(db: Path, project: int, runs: int = 20) -> dict[str, list[float]]:
    conn, out = sqlite3.connect(db), {}
    for key, sql, params in (("all", "SELECT count(*) FROM example", ()),
                             ("project", "SELECT count(*) FROM example WHERE project_id = ?", (project,))):
        times = []
        for _ in range(runs + 1):  # the first one warms the cache and is dropped
            t = time.perf_counter()
            conn.execute(sql, params).fetchone()
            times.append((time.perf_counter() - t) * 1000)
        out[key] = sorted(times[1:])
    conn.close()
    log(f"baseline count(*): p50 {pct(out['all'], 50):.2f} ms, WHERE project_id: p50 {pct(out['project'], 50):.2f} ms")
    return out


def run(args, tmp: Path) -> dict:
    db, proc = tmp / "bench.db", None
    try:
        proc, base = start_server(tmp, f"sqlite:///{db}")
        project = setup_team(base)
        log(f"server {base} up; project {project} with 20 members; loading {args.examples:,} examples ...")
        load_s = load(db, project, args.examples)
        base_times = baseline(db, project)
        owner, reviewers = Browser(base).login(OWNER), [Browser(base).login(u) for u in REVIEWERS]
        queue_ann = [Browser(base).login(u) for u in QUEUE_ANN]
        sent_back = [Browser(base).login(u) for u in SENT_BACK_ANN]
        p, n = project, args.requests
        t = {"dashboard_html": measure("dashboard html", [owner], f"/projects/{p}/team", n, 200),
             "dashboard_json": measure("dashboard json", [owner], f"/api/v1/projects/{p}/team", n, 200),
             "next_annotate": measure("next annotate", queue_ann, f"/projects/{p}/next", n, 303, went),
             "next_sent_back": measure("next sent back", sent_back, f"/projects/{p}/next", n, 303, went),
             "next_review": measure("next review", reviewers, f"/projects/{p}/next?mode=review", n, 303, went)}
        for browser in [owner] + reviewers + queue_ann + sent_back:
            browser.http.close()
    finally:
        stop_server(proc, tmp)
    out = {"bench": "dashboard", "examples": args.examples, "members": 20, "load_s": round(load_s, 1)}
    for kind, times in t.items():
        out |= {f"{kind}_p50_ms": round(pct(times, 50), 2), f"{kind}_p95_ms": round(pct(times, 95), 2),
                f"{kind}_max_ms": round(times[-1], 2)}
    for key, prefix in (("all", "baseline_count"), ("project", "baseline_count_project")):
        out |= {f"{prefix}_p50_ms": round(pct(base_times[key], 50), 2),
                f"{prefix}_p95_ms": round(pct(base_times[key], 95), 2)}
    headline = ("dashboard_html", "dashboard_json", "next_annotate", "next_review")
    return out | {"target_p95_ms": TARGET_P95_MS, "met": all(out[f"{k}_p95_ms"] <= TARGET_P95_MS for k in headline)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (DB, server log) and print its path")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="tunelab-dash-"))
    try:
        result = run(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result | ({"kept": str(tmp)} if args.keep else {})), flush=True)  # --keep: the path is here
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        log("interrupted: server stopped, no result")
        raise SystemExit(130) from None

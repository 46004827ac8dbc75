"""Soak: a whole team working at once over HTTP against a real uvicorn, then every acknowledged save checked.

Setup per engine: a fresh database (SQLite: a temp file; PostgreSQL: a database created on 127.0.0.1:5432 as
user postgres, dropped afterwards), `alembic upgrade head`, uvicorn on 127.0.0.1 (SQLite: 1 worker; PostgreSQL:
--workers, default 3, one secret key). Through HTTP: the first admin (/setup, the owner), the accounts
(/admin/users), one `sentiment` project and its members; everyone signs in with the form and its CSRF token.

Load for --seconds, every client with its own cookie jar, redirects not followed:
- annotator: GET /projects/{p}/next (303) -> GET the form it names -> live lint while typing: 3-5
  `POST /projects/{p}/lint` (HX-Request + x-csrftoken), one every 0.3 s, the text growing -> save
  `POST /projects/{p}/examples` (after=next; the 303 names the example: ?saved=ID) -> one save in five is
  edited once more (GET the example page for its `version`, `POST /projects/{p}/examples/{id}` with it) ->
  `POST .../examples/{id}/submit` -> 0.2-0.5 s pause.
- reviewer: GET /projects/{p}/next?mode=review -> GET the example page (its `version`) -> POST
  .../examples/{id}/review action=approve with that `version` (the version the reviewer saw); an empty
  queue waits 0.5 s.
- owner: GET /projects/{p}/export.jsonl (body read to the end) every --export-every (3) seconds.
- baseline: GET /healthz every 0.1 s from one more client, under the same load.
Latency = send -> full body read. errors = any status that is not 2xx/3xx and not an expected 409/422,
plus timeouts (10 s) and connection errors; 409/422 are counted apart (`expected_4xx`). Bounded: no new
request after --seconds or --max-requests, and the whole load is cancelled 60 s after --seconds.

Reconciliation, in the database itself after the load: every acknowledged save (the ID of its 303) is
present with exactly the text and label sent last for it (an edit whose answer was lost may hold either
content), each save's unique marker appears once (no duplicates), and rows no acknowledged save explains
are counted (`unacknowledged`). ok = 0 lost, 0 mismatched, 0 duplicated, and no more unacknowledged rows
than saves whose answer never came. Also counted: review "next" handing one example out again.

Output: ONE JSON line on stdout: per engine rps, p50/p99 per endpoint, errors, reconciliation, the healthz
baseline and the server's traceback count; met = 0 errors and ok reconciliation on every engine and
p99 of save <= 100 ms on SQLite. Progress and error samples go to stderr. The client shares the CPUs.

    .venv/bin/python bench/soak.py [--seconds 60] [--annotators 50] [--reviewers 5]
                                   [--engine sqlite|postgresql|both] [--workers 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from _benchlib import PY, ROOT, log, pct, stop_server  # noqa: E402  (bench/ is on sys.path)

sys.path.insert(0, str(ROOT))
from tests.teams import live_team  # noqa: E402  (the one team builder, shared with the tests)

PASSWORD, OWNER = "bench-password-123", "owner"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
SAVED_RE = re.compile(r"[?&]saved=(\d+)")
REVIEW_RE = re.compile(r"/examples/(\d+)\?mode=review")
EXPECTED = {409, 422}  # a stale version or a refused value: the app answering correctly
LINT_INTERVAL, TARGET_SAVE_P99_MS, TIMEOUT_S = 0.3, 100, 10
WORDS = ("love hate this that new phone film game day night service team update app coffee flight hotel food music "
         "show ticket price store delivery support best worst great awful really so not never always today again "
         "finally just totally amazing terrible slow fast broken works café naïve 東京 — “quoted”").split()


@dataclass
class Stats:
    max_requests: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)  # per endpoint: every request sent, answered or not
    errors: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    expected_samples: list[str] = field(default_factory=list)
    requests: int = 0

    def budget_left(self) -> bool:
        return self.requests < self.max_requests

    def error(self, endpoint: str, what: str) -> None:
        self.errors[endpoint] += 1
        if len(self.samples) < 20:
            self.samples.append(f"{endpoint}: {what}")


@dataclass
class Ledger:
    """What the server acknowledged: example id -> the contents it may hold (one, unless an edit's answer was lost)."""

    contents: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    unknown_creates: int = 0  # saves whose answer never came (may or may not exist)
    handed_out: dict[str, list[int]] = field(default_factory=dict)  # example id -> reviewers "next" gave it to


def _message(body: str) -> str:
    """The first error message of a page (class="error" / role="alert"), else the start of the body."""
    found = re.search(r'(?:class="[^"]*error[^"]*"|role="alert")[^>]*>\s*([^<]{3,200})', body)
    return found.group(1).strip() if found else body[:200]


class Client:
    """One person: a cookie jar, the CSRF token, and timed requests recorded under an endpoint name."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats, self.token = base, stats, ""
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: cookies of an IP
                                          timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))

    async def call(self, endpoint: str, method: str, path: str, form: dict | None = None,
                   htmx: bool = False) -> tuple[int, str, str] | None:
        """(status, Location, body), or None on a timeout / connection error (recorded as an error)."""
        headers = {"HX-Request": "true", "x-csrftoken": self.token} if htmx else {}
        data = None if form is None else {**form, "csrftoken": self.token}
        self.stats.requests += 1
        self.stats.counts[endpoint] += 1
        sent = time.perf_counter()
        try:
            async with self.http.request(method, self.base + path, data=data, headers=headers,
                                         allow_redirects=False) as resp:
                body = await resp.text()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self.stats.error(endpoint, f"{method} {path}: {type(exc).__name__}")
            return None
        self.stats.latencies.setdefault(endpoint, []).append((time.perf_counter() - sent) * 1000)
        if resp.status in EXPECTED:
            self.stats.expected[endpoint] += 1
            if len(self.stats.expected_samples) < 5:
                self.stats.expected_samples.append(f"{endpoint}: {method} {path}: HTTP {resp.status}: "
                                                   f"{_message(body)!r}")
        elif not 200 <= resp.status < 400:
            self.stats.error(endpoint, f"{method} {path}: HTTP {resp.status}: {body[:200]!r}")
        return resp.status, resp.headers.get("location", ""), body

    async def sign_in(self, username: str, first: bool = False) -> None:
        """The login form (or, for the first admin, /setup) with the CSRF token of its page."""
        page = "/setup" if first else "/login"
        async with self.http.get(self.base + page, allow_redirects=False) as resp:
            if not (match := TOKEN_RE.search(await resp.text())):
                raise RuntimeError(f"GET {page}: status {resp.status}, no csrftoken in the page")
        self.token = match.group(1)
        await self.setup_post(page, {"username": username, "password": PASSWORD,
                                     **({"password_again": PASSWORD} if first else {})})

    async def setup_post(self, path: str, form: dict, expect: int = 303) -> str:
        """A set-up step (not measured): must answer `expect`."""
        async with self.http.post(self.base + path, data={**form, "csrftoken": self.token},
                                  allow_redirects=False) as resp:
            text = await resp.text()
        if resp.status != expect:
            raise RuntimeError(f"POST {path}: status {resp.status}: {text[:300]}")
        return resp.headers.get("location", "")

    async def close(self) -> None:
        await self.http.close()


# --- the people ------------------------------------------------------------------------------------------

async def annotator(i: int, me: Client, project: int, end: float, ledger: Ledger) -> None:
    rng, n = random.Random(i), 0
    p = f"/projects/{project}"
    while time.monotonic() < end and me.stats.budget_left():
        n += 1
        got = await me.call("next", "GET", f"{p}/next")
        if got is None or got[0] != 303:
            await asyncio.sleep(0.5)
            continue
        location = got[1].removeprefix(me.base)
        await me.call("form", "GET", location)
        if "/examples/new" not in location:  # the queue handed out existing work: not in this scenario
            await asyncio.sleep(0.5)
            continue
        marker = f"[soak a{i:03d} n{n:05d}]"
        text = f"{marker} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        label = rng.choice(("positive", "negative"))
        keystrokes = rng.randint(3, 5)
        for k in range(1, keystrokes + 1):  # the live panel while typing, one call per 0.3 s
            started = time.monotonic()
            await me.call("lint", "POST", f"{p}/lint", {"f.text": text[: len(text) * k // keystrokes],
                                                         "output": label}, htmx=True)
            await asyncio.sleep(max(0.0, LINT_INTERVAL - (time.monotonic() - started)))
        got = await me.call("save", "POST", f"{p}/examples", {"f.text": text, "output": label, "after": "next",
                                                               "opened_at": str(int(time.time()) - 5)})
        if got is None or (got[0] >= 500):
            ledger.unknown_creates += 1
            continue
        if got[0] != 303 or not (saved := SAVED_RE.search(got[1])):
            continue
        example = int(saved.group(1))
        ledger.contents[example] = {(text, label)}
        if rng.random() < 0.2:  # a second thought: edit the saved example, with the version the page shows
            page = await me.call("edit_page", "GET", f"{p}/examples/{example}")
            version = VERSION_RE.search(page[2]) if page and page[0] == 200 else None
            if version:
                edited, label2 = text + " (edited)", "negative" if label == "positive" else "positive"
                got = await me.call("update", "POST", f"{p}/examples/{example}",
                                    {"f.text": edited, "output": label2, "version": version.group(1),
                                     "example_id": str(example), "after": "stay"})
                if got is None or got[0] >= 500:
                    ledger.contents[example].add((edited, label2))
                elif got[0] == 303:
                    ledger.contents[example] = {(edited, label2)}
        await me.call("submit", "POST", f"{p}/examples/{example}/submit", {})
        await asyncio.sleep(rng.uniform(0.2, 0.5))


async def reviewer(r: int, me: Client, project: int, end: float, ledger: Ledger) -> None:
    p = f"/projects/{project}"
    while time.monotonic() < end and me.stats.budget_left():
        got = await me.call("review_next", "GET", f"{p}/next?mode=review")
        found = REVIEW_RE.search(got[1]) if got and got[0] == 303 else None
        if not found:
            await asyncio.sleep(0.5)
            continue
        example = found.group(1)
        ledger.handed_out.setdefault(example, []).append(r)
        page = await me.call("review_page", "GET", f"{p}/examples/{example}?mode=review")
        version = VERSION_RE.search(page[2]) if page and page[0] == 200 else None
        form = {"action": "approve", **({"version": version.group(1)} if version else {})}
        await me.call("approve", "POST", f"{p}/examples/{example}/review", form)


async def every(period: float, me: Client, endpoint: str, path: str, end: float, lines: list[int]) -> None:
    """The owner's export (lines of each file kept) or the healthz baseline, once per `period` seconds."""
    while time.monotonic() < end and me.stats.budget_left():
        started = time.monotonic()
        got = await me.call(endpoint, "GET", path)
        if got and got[0] == 200:
            lines.append(got[2].count("\n"))
        await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))


# --- one engine --------------------------------------------------------------------------------------

async def set_up_team(base: str, args, stats: Stats) -> tuple[int, Client, list[Client], list[Client]]:
    names = [(f"ann{i:03d}", "annotator") for i in range(args.annotators)] + \
            [(f"rev{i:02d}", "reviewer") for i in range(args.reviewers)]
    # The one team builder (tests/teams.py), before any load: blocking the loop here holds nothing up.
    team = live_team(base, names, PASSWORD, admin=OWNER, project_name="Soak · Tweets")
    team.admin.close()
    project, owner = team.project, Client(base, stats)
    await owner.sign_in(OWNER)
    gate = asyncio.Semaphore(4)  # argon2 is CPU-heavy: a few sign-ins at a time

    async def signed_in(name: str) -> Client:
        client = Client(base, stats)
        async with gate:
            await client.sign_in(name)
        return client

    people = await asyncio.gather(*(signed_in(name) for name, _ in names))
    return project, owner, list(people[: args.annotators]), list(people[args.annotators:])


async def run_load(base: str, args) -> tuple[Stats, Ledger, list[int], float, int]:
    stats, ledger, export_lines = Stats(args.max_requests), Ledger(), []
    project, owner, annotators, reviewers = await set_up_team(base, args, stats)
    probe = Client(base, stats)
    everyone = [owner, probe, *annotators, *reviewers]
    log(f"  {len(annotators)} annotators and {len(reviewers)} reviewers signed in; load for {args.seconds:g} s ...")
    stats.requests = 0  # set-up requests do not count against the budget
    started = time.monotonic()
    end = started + args.seconds
    tasks = [*(annotator(i, c, project, end, ledger) for i, c in enumerate(annotators)),
             *(reviewer(r, c, project, end, ledger) for r, c in enumerate(reviewers)),
             every(args.export_every, owner, "export", f"/projects/{project}/export.jsonl", end, export_lines),
             every(0.1, probe, "healthz", "/healthz", end, [])]
    try:
        gathered = asyncio.gather(*tasks)
        gathered.add_done_callback(lambda f: f.cancelled() or f.exception())  # no "never retrieved" on Ctrl+C
        await asyncio.wait_for(gathered, args.seconds + 60)
    finally:
        elapsed = time.monotonic() - started
        await asyncio.gather(*(c.close() for c in everyone))
    return stats, ledger, export_lines, elapsed, project


def fetch_rows(url: str, project: int) -> list[tuple[int, str, str | None]]:
    """(id, text, label) of every example of the project, read straight from the database."""
    query = "SELECT id, fields, label FROM example WHERE project_id = {} ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            raw = conn.execute(query.format("?"), (project,)).fetchall()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            raw = conn.execute(query.format("%s"), (project,)).fetchall()
    return [(int(i), (json.loads(f) if isinstance(f, str) else f).get("text", ""), label) for i, f, label in raw]


def reconcile(ledger: Ledger, rows: list[tuple[int, str, str | None]]) -> dict:
    by_id = {example_id: (text, label) for example_id, text, label in rows}
    lost = [i for i in ledger.contents if i not in by_id]
    mismatched = [i for i, allowed in ledger.contents.items() if i in by_id and by_id[i] not in allowed]
    seen = Counter(text.split("]", 1)[0] for _, text, _ in rows)  # each save's unique "[soak aNNN nNNNNN]"
    duplicated = sum(n - 1 for n in seen.values() if n > 1)
    unacknowledged = len([i for i in by_id if i not in ledger.contents])
    twice = [hands for hands in ledger.handed_out.values() if len(hands) > 1]
    ok = not lost and not mismatched and not duplicated and unacknowledged <= ledger.unknown_creates
    return {"acknowledged_saves": len(ledger.contents), "rows_in_db": len(rows), "lost": len(lost),
            "mismatched": len(mismatched), "duplicated": duplicated, "unacknowledged": unacknowledged,
            "saves_without_answer": ledger.unknown_creates, "ok": ok,
            # the review queue handing one example out again (to another reviewer, or the same one)
            "review_handed_out_again": {"to_another_reviewer": sum(len(set(h)) > 1 for h in twice),
                                        "to_the_same_reviewer": sum(len(set(h)) < len(h) for h in twice)}}


def start_server(tmp: Path, url: str, workers: int, max_concurrent: int | None) -> subprocess.Popen:
    """Migrate, start uvicorn (several workers for PostgreSQL) on a free port; returns once /healthz answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    env.update(TUNELAB_DATABASE_URL=url, TUNELAB_SECRET_KEY=secrets.token_urlsafe(32))  # one key for all workers
    if max_concurrent:
        env["TUNELAB_MAX_CONCURRENT_REQUESTS"] = str(max_concurrent)
    subprocess.run([PY, "-m", "alembic", "-x", f"url={url}", "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   stdout=sys.stderr, stderr=sys.stderr, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [PY, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", *(["--workers", str(workers)] if workers > 1 else [])]
    with open(tmp / "uvicorn.log", "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proc.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not come up (exit code {proc.poll()}); see {tmp / 'uvicorn.log'}")
        try:
            with urllib.request.urlopen(f"{proc.base}/healthz", timeout=2) as response:  # type: ignore[attr-defined]
                if response.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)


def postgres_database(create: bool) -> str:
    """(Re)create, or drop, this run's database on 127.0.0.1:5432; returns its SQLAlchemy URL."""
    import psycopg

    name = f"tunelab_soak_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def summarise(stats: Stats) -> dict:
    endpoints = {}
    for name in sorted(stats.counts):
        lat = sorted(stats.latencies.get(name, []))
        endpoints[name] = {"requests": stats.counts[name], "p50_ms": round(pct(lat, 50), 1),
                           "p99_ms": round(pct(lat, 99), 1), "errors": stats.errors[name],
                           "expected_4xx": stats.expected[name]}
    return endpoints


def run_engine(engine: str, args, runner) -> dict:
    tmp, proc, url = Path(tempfile.mkdtemp(prefix=f"tunelab-soak-{engine}-")), None, None
    workers = args.sqlite_workers if engine == "sqlite" else args.workers
    try:
        url = f"sqlite:///{tmp / 'soak.db'}" if engine == "sqlite" else postgres_database(create=True)
        # PostgreSQL: each worker has its own pool; keep workers x requests-at-once under max_connections.
        proc = start_server(tmp, url, workers, None if engine == "sqlite" else args.max_concurrent)
        log(f"{engine}: server {proc.base} up with {workers} worker(s)")  # type: ignore[attr-defined]
        stats, ledger, export_lines, elapsed, project = runner(run_load(proc.base, args))  # type: ignore[attr-defined]
        rows = fetch_rows(url, project)
    finally:
        stop_server(proc, tmp)
        log_text = (tmp / "uvicorn.log").read_text(errors="replace") if (tmp / "uvicorn.log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        if url and engine == "postgresql":
            postgres_database(create=False)
    endpoints, errors = summarise(stats), sum(stats.errors.values())
    for sample in stats.samples + stats.expected_samples:
        log(f"  sample: {sample}")
    recon = reconcile(ledger, rows)
    health = endpoints.pop("healthz", {"p50_ms": 0.0, "p99_ms": 0.0})
    work = sum(n for k, n in stats.counts.items() if k != "healthz")
    log(f"{engine}: {work} requests in {elapsed:.1f} s, {errors} errors; reconciliation {recon}")
    return {"workers": workers, "requests": work, "rps": round(work / elapsed, 1), "errors": errors,
            "expected_4xx": sum(stats.expected.values()), "endpoints": endpoints,
            "exports": len(export_lines), "last_export_lines": export_lines[-1] if export_lines else 0,
            "reconciliation": recon, "server_tracebacks": log_text.count("Traceback"),
            "baseline_healthz_p50_ms": health["p50_ms"], "baseline_healthz_p99_ms": health["p99_ms"],
            "loadavg_1m_after": round(os.getloadavg()[0], 1)}  # the machine's load: the client shares the CPUs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--reviewers", type=int, default=5)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=3, help="uvicorn workers on PostgreSQL")
    parser.add_argument("--sqlite-workers", type=int, default=1, help="uvicorn workers on SQLite (default 1)")
    parser.add_argument("--max-concurrent", type=int, default=16,
                        help="TUNELAB_MAX_CONCURRENT_REQUESTS per PostgreSQL worker (default 16)")
    parser.add_argument("--export-every", type=float, default=3.0, help="seconds between the owner's exports")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop sending after this many requests")
    args = parser.parse_args()
    if not (1 <= args.annotators <= 500 and 1 <= args.reviewers <= 100 and 1 <= args.workers <= 16
            and 0 < args.seconds <= 3600):
        parser.error("keep it bounded: 1-500 annotators, 1-100 reviewers, 1-16 workers, at most 3600 s")
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl+C even when started with SIGINT ignored (&)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # and kill: both run the cleanups
    try:
        from uvloop import run as runner  # a cheaper client loop leaves more CPU to the server
    except ImportError:
        runner = asyncio.run
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    results = {engine: run_engine(engine, args, runner) for engine in engines}
    sqlite_save_p99 = results.get("sqlite", {}).get("endpoints", {}).get("save", {}).get("p99_ms")
    met = all(r["errors"] == 0 and r["reconciliation"]["ok"] for r in results.values()) and (
        sqlite_save_p99 is None or sqlite_save_p99 <= TARGET_SAVE_P99_MS)
    print(json.dumps({
        "bench": "soak", "seconds": int(args.seconds) if args.seconds == int(args.seconds) else args.seconds,
        "annotators": args.annotators, "reviewers": args.reviewers, "engines": results,
        "target": {"errors": 0, "lost": 0, "sqlite_save_p99_ms": TARGET_SAVE_P99_MS}, "met": met,
    }), flush=True)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        log("interrupted: servers stopped, temp dirs and databases removed, no result")
        raise SystemExit(130) from None

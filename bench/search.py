"""Search over a project of --examples (1,000,000) examples: the examples list's search (the service
the page and its JSON twin call) beside a bare full-text query in the same run, on SQLite (FTS5) or
with --postgres on PostgreSQL (its full-text search).

1. A fresh database at head (SQLite in a temporary directory; PostgreSQL: `tunelab_bench_search` on
   --postgres's server, dropped afterwards); a sentiment project; N examples written straight into
   `example` (the same columns a save writes, `search_text` from `app.core.search`; the FTS5
   triggers or the GIN index index them; PostgreSQL: then ANALYZE, as an import does), seeded: a
   few support words per tweet, 8% Chinese, 6% Thai, a made-up rare word in 1 of 50,000, and a
   made-up word in one of every 20 of the oldest 1%.
2. Queries, each --runs (200) times in a shuffled order: a common word, a prefix, a two-word phrase,
   a rare word, a Chinese word of two characters, a Thai word, a common word with a state filter,
   the second page of a common word, and a word only the oldest 1% of examples hold (what a
   newest-first scan must read past). Measured: `examples.list_examples(search=…, limit=51)` (the
   page's call), wall time per call; baseline, on the same connection: SQLite `SELECT rowid FROM
   example_search WHERE example_search MATCH ? ORDER BY rowid DESC LIMIT 51`; PostgreSQL
   `SELECT id FROM example WHERE <the indexed tsvector> @@ to_tsquery('simple', ?) ORDER BY id DESC
   LIMIT 51`.
3. Each answer is checked: newest first, every hit holds the query's words as a phrase (in search
   terms), no hit of another project or state, and a full first page where the query is common.

Output: ONE JSON line with p50/p95/max per query kind and overall, beside the bare query's, and the
target (p95 ≤ 50 ms). Progress on stderr.

    .venv/bin/python bench/search.py [--examples 1000000] [--runs 200] [--postgres URL] [--keep]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _benchlib import PY, ROOT, log, pct, pg_database  # noqa: E402  (bench/ is on sys.path)

sys.path.insert(0, str(ROOT))
TARGET_P95_MS = 50
PG_DB = "tunelab_bench_search"
WORDS = ("the a my your this that order account refund password invoice delivery parcel flight booking hotel "
         "room price plan upgrade error screen app phone laptop printer network email message please help why "
         "how when late early broken missing charged twice cancel change update reset install slow fast").split()
CHINESE = ["我的订单还没有到", "请帮我重置密码", "这个价格包括运费吗", "我想取消预订"]
THAI = ["ฉันต้องการเปลี่ยนรหัสผ่าน", "คำสั่งซื้อของฉันยังไม่มาถึง", "ขอบคุณมากครับ"]
QUERIES = {"common word": ("refund", None), "prefix": ("passw", None), "phrase": ("charged twice", None),
           "rare word": ("zyxquork", None), "chinese": ("订单", None), "thai": ("รหัสผ่าน", None),
           "common, one state": ("parcel", "submitted"), "common, page 2": ("order", None),
           "only in the oldest": ("plughwort", None)}
STATES = ("draft", "submitted", "approved")
COLUMNS = ("project_id, fields, output, label, status, version, token_count, worst_level, codes, input_hash, "
           "content_hash, created_by, updated_by, created_at, updated_at, needs_output, labels_wanted, labels_open, "
           "checked_version, search_text")
NOW = "2026-12-02 07:00:00.000000"


def tweet(rng: random.Random, n: int, total: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
    roll = rng.random()
    if roll < 0.08:
        words += " " + rng.choice(CHINESE)
    elif roll < 0.14:
        words += " " + rng.choice(THAI)
    if n % 50_000 == 7:
        words += " zyxquork"
    if n < total // 100 and n % 20 == 3:
        words += " plughwort"
    return words


def rows(project_id: int, n: int):
    """The N examples' column values, 10,000 at a time (the columns of COLUMNS)."""
    from app.core.search import search_text

    rng = random.Random(20261202)
    for start in range(0, n, 10_000):
        batch = []
        for i in range(start, min(n, start + 10_000)):
            text, label = tweet(rng, i, n), rng.choice(("positive", "negative"))
            fields = {"text": text}
            batch.append((project_id, json.dumps(fields, ensure_ascii=False), json.dumps(label), label,
                          STATES[i % 3], 1, 10, "ok", "[]", f"i{i}", f"c{i}", 1, 1, NOW, NOW, False, 0, 0, 1,
                          search_text(fields, label)))
        yield batch


def build(url: str, n: int) -> int:
    """The database at head, the project and its N examples; returns the project id."""
    env = {"TUNELAB_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    subprocess.run([PY, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True, stdout=sys.stderr, timeout=300)
    subprocess.run([PY, "-m", "app", "users", "create", "bench", "--admin", "--password-stdin"], cwd=ROOT, env=env,
                   input="bench-password-123\n", text=True, check=True, stdout=sys.stderr, timeout=120)
    from sqlmodel import Session

    from app.services import projects
    from app.storage.db import make_engine
    from app.storage.tables import User

    engine = make_engine(url)
    with Session(engine) as session:
        project_id = projects.create_project(session, session.get(User, 1), "Bench", "sentiment").id
    engine.dispose()
    t0 = time.perf_counter()
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            for batch in rows(project_id, n):
                with conn.cursor().copy(f"COPY example ({COLUMNS}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            conn.commit()
            conn.execute("ANALYZE example")
            conn.commit()
        log(f"built {n:,} examples in {time.perf_counter() - t0:.0f} s")
    else:
        db = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(db)
        marks = ", ".join("?" * len(COLUMNS.split(",")))
        for batch in rows(project_id, n):
            conn.executemany(f"INSERT INTO example ({COLUMNS}) VALUES ({marks})", batch)
            conn.commit()
        conn.close()
        log(f"built {n:,} examples in {time.perf_counter() - t0:.0f} s ({Path(db).stat().st_size / 2**20:,.0f} MiB)")
    return project_id


def holds(terms: list[str], words: list[str]) -> bool:
    """The words in order, the last as a prefix: what an FTS5 phrase query with `*` matches."""
    n = len(words)
    return any(terms[i:i + n - 1] == words[:-1] and terms[i + n - 1].startswith(words[-1])
               for i in range(len(terms) - n + 1))


def check(rows, query: str, state: str | None, before: int | None) -> None:
    from app.core.search import query_words
    from app.core.search import words as search_words

    words = query_words(query)
    ids = [e.id for e in rows]
    assert ids == sorted(ids, reverse=True), "not newest first"
    for example in rows:
        assert holds(search_words(example.search_text or ""), words), \
            f"#{example.id} does not hold {query!r}"
        assert state is None or example.status == state
        assert before is None or example.id < before


def bare_query(session, postgres: bool):
    """The bare full-text query on the session's own connection: f(query) runs it once."""
    from app.core.search import fts5_query, tsquery

    raw = session.connection().connection.driver_connection
    if postgres:
        from app.storage.examples import SEARCH_VECTOR_SQL

        sql = (f"SELECT id FROM example WHERE {SEARCH_VECTOR_SQL} @@ to_tsquery('simple', %s) "
               "ORDER BY id DESC LIMIT 51")
        return lambda query: raw.execute(sql, (tsquery(query),)).fetchall()
    sql = "SELECT rowid FROM example_search WHERE example_search MATCH ? ORDER BY rowid DESC LIMIT 51"
    return lambda query: raw.execute(sql, (fts5_query(query),)).fetchall()


def measure(url: str, project_id: int, runs: int, n: int) -> dict:
    from sqlmodel import Session

    from app.services import examples
    from app.storage.db import make_engine
    from app.storage.tables import Project

    engine = make_engine(url)
    plan = [kind for kind in QUERIES for _ in range(runs)]
    random.Random(7).shuffle(plan)
    ours: dict[str, list[float]] = {k: [] for k in QUERIES}
    bare: dict[str, list[float]] = {k: [] for k in QUERIES}
    hits: dict[str, int] = {}
    with Session(engine) as session:
        project = session.get(Project, project_id)
        bare_fts = bare_query(session, url.startswith("postgresql"))
        second = {"common, page 2": examples.list_examples(session, project, search="order", limit=51)[49].id}
        for kind in plan:
            query, state = QUERIES[kind]
            before = second.get(kind)
            t0 = time.perf_counter()
            found = examples.list_examples(session, project, search=query, status=state, before_id=before, limit=51)
            ours[kind].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            bare_fts(query)
            bare[kind].append((time.perf_counter() - t0) * 1000)
            if kind not in hits:
                check(found, query, state, before)
                hits[kind] = len(found)
    engine.dispose()
    assert hits["common word"] == hits["common, page 2"] == hits["common, one state"] == 51
    oldest = sum(1 for i in range(n // 100) if i % 20 == 3)  # what `tweet` gave the word
    assert 0 < hits["rare word"] < 51 and hits["chinese"] == hits["thai"] == 51
    assert hits["only in the oldest"] == min(51, oldest)

    def figures(values: dict[str, list[float]]) -> dict:
        every = sorted(v for vs in values.values() for v in vs)
        out = {kind: {"p50_ms": round(pct(sorted(vs), 50), 2), "p95_ms": round(pct(sorted(vs), 95), 2),
                      "max_ms": round(max(vs), 2)} for kind, vs in values.items()}
        out["all"] = {"p50_ms": round(pct(every, 50), 2), "p95_ms": round(pct(every, 95), 2),
                      "max_ms": round(every[-1], 2)}
        return out

    return {"search": figures(ours), "bare_fts_query": figures(bare), "hits_on_first_page": hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a fresh database on that server)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its path or name is logged)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tunelab-search-"))
    url = pg_database(args.postgres, PG_DB, True) if args.postgres else f"sqlite:///{tmp / 'search.db'}"
    try:
        project_id = build(url, args.examples)
        result = {"bench": "search", "engine": "postgresql" if args.postgres else "sqlite",
                  "examples": args.examples, "runs_per_query": args.runs, **measure(url, project_id, args.runs, args.examples),
                  "target_p95_ms": TARGET_P95_MS}
        result["target_met"] = result["search"]["all"]["p95_ms"] <= TARGET_P95_MS
        print(json.dumps(result))
    finally:
        if args.keep:
            log(f"kept {url}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if args.postgres:
                pg_database(args.postgres, PG_DB, False)


if __name__ == "__main__":
    main()

"""Search over a project of --examples (1,000,000) examples: the examples list's search (the service
the page and its JSON twin call) beside a bare FTS5 query in the same run, on SQLite.

1. A fresh SQLite database at head; a sentiment project; N examples written straight into `example`
   (the same columns a save writes, `search_text` from `app.core.search`; the FTS5 triggers index
   them), seeded: a few support words per tweet, 8% Chinese, 6% Thai, a made-up rare word in 1 of
   50,000.
2. Queries, each --runs (200) times in a shuffled order: a common word, a prefix, a two-word phrase,
   a rare word, a Chinese word of two characters, a Thai word, a common word with a state filter,
   and the second page of a common word. Measured: `examples.list_examples(search=…, limit=51)`
   (the page's call), wall time per call; baseline: `SELECT rowid FROM example_search WHERE
   example_search MATCH ? ORDER BY rowid DESC LIMIT 51` on the same connection.
3. Each answer is checked: newest first, every hit holds the query's words as a phrase (in search
   terms), no hit of another project or state, and a full first page where the query is common.

Output: ONE JSON line with p50/p95/max per query kind and overall, beside the bare query's, and the
target (p95 ≤ 50 ms). Progress on stderr.

    .venv/bin/python bench/search.py [--examples 1000000] [--runs 200] [--keep]
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

from _benchlib import PY, ROOT, log, pct  # noqa: E402  (bench/ is on sys.path)

sys.path.insert(0, str(ROOT))
TARGET_P95_MS = 50
WORDS = ("the a my your this that order account refund password invoice delivery parcel flight booking hotel "
         "room price plan upgrade error screen app phone laptop printer network email message please help why "
         "how when late early broken missing charged twice cancel change update reset install slow fast").split()
CHINESE = ["我的订单还没有到", "请帮我重置密码", "这个价格包括运费吗", "我想取消预订"]
THAI = ["ฉันต้องการเปลี่ยนรหัสผ่าน", "คำสั่งซื้อของฉันยังไม่มาถึง", "ขอบคุณมากครับ"]
QUERIES = {"common word": ("refund", None), "prefix": ("passw", None), "phrase": ("charged twice", None),
           "rare word": ("zyxquork", None), "chinese": ("订单", None), "thai": ("รหัสผ่าน", None),
           "common, one state": ("parcel", "submitted"), "common, page 2": ("order", None)}
STATES = ("draft", "submitted", "approved")


def tweet(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
    roll = rng.random()
    if roll < 0.08:
        words += " " + rng.choice(CHINESE)
    elif roll < 0.14:
        words += " " + rng.choice(THAI)
    if n % 50_000 == 7:
        words += " zyxquork"
    return words


def build(db: Path, n: int) -> int:
    """The database, the project and its N examples; returns the project id."""
    env = {"TUNELAB_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    subprocess.run([PY, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True, stdout=sys.stderr, timeout=300)
    subprocess.run([PY, "-m", "app", "users", "create", "bench", "--admin", "--password-stdin"], cwd=ROOT, env=env,
                   input="bench-password-123\n", text=True, check=True, stdout=sys.stderr, timeout=120)
    from sqlmodel import Session

    from app.core.search import search_text
    from app.services import projects
    from app.storage.db import make_engine
    from app.storage.tables import User

    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        project = projects.create_project(session, session.get(User, 1), "Bench", "sentiment")
        project_id = project.id
    engine.dispose()
    rng, t0 = random.Random(20261202), time.perf_counter()
    conn = sqlite3.connect(db)
    now = "2026-12-02 07:00:00.000000"
    insert = ("INSERT INTO example (project_id, fields, output, label, status, version, token_count, worst_level, "
              "codes, input_hash, content_hash, created_by, updated_by, created_at, updated_at, needs_output, "
              "labels_wanted, labels_open, checked_version, search_text) "
              "VALUES (?, ?, ?, ?, ?, 1, 10, 'ok', '[]', ?, ?, 1, 1, ?, ?, 0, 0, 0, 1, ?)")
    for start in range(0, n, 10_000):
        rows = []
        for i in range(start, min(n, start + 10_000)):
            text, label = tweet(rng, i), rng.choice(("positive", "negative"))
            fields = {"text": text}
            rows.append((project_id, json.dumps(fields, ensure_ascii=False), json.dumps(label), label,
                         STATES[i % 3], f"i{i}", f"c{i}", now, now, search_text(fields, label)))
        conn.executemany(insert, rows)
        conn.commit()
    conn.close()
    log(f"built {n:,} examples in {time.perf_counter() - t0:.0f} s ({db.stat().st_size / 2**20:,.0f} MiB)")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database (its path is logged)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tunelab-search-"))
    db = tmp / "search.db"
    try:
        project_id = build(db, args.examples)
        from sqlmodel import Session

        from app.core.search import fts5_query
        from app.services import examples
        from app.storage.db import make_engine
        from app.storage.tables import Project

        engine = make_engine(f"sqlite:///{db}")
        plan = [kind for kind in QUERIES for _ in range(args.runs)]
        random.Random(7).shuffle(plan)
        ours: dict[str, list[float]] = {k: [] for k in QUERIES}
        bare: dict[str, list[float]] = {k: [] for k in QUERIES}
        hits: dict[str, int] = {}
        with Session(engine) as session:
            project = session.get(Project, project_id)
            raw = session.connection().connection.driver_connection
            second = {}
            for kind in ("common, page 2",):
                first = examples.list_examples(session, project, search=QUERIES[kind][0], limit=51)
                second[kind] = first[49].id
            for kind in plan:
                query, state = QUERIES[kind]
                before = second.get(kind)
                t0 = time.perf_counter()
                rows = examples.list_examples(session, project, search=query, status=state, before_id=before, limit=51)
                ours[kind].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                raw.execute("SELECT rowid FROM example_search WHERE example_search MATCH ? ORDER BY rowid DESC "
                            "LIMIT 51", (fts5_query(query),)).fetchall()
                bare[kind].append((time.perf_counter() - t0) * 1000)
                if kind not in hits:
                    check(rows, query, state, before)
                    hits[kind] = len(rows)
        engine.dispose()
        assert hits["common word"] == hits["common, page 2"] == hits["common, one state"] == 51
        assert 0 < hits["rare word"] < 51 and hits["chinese"] == hits["thai"] == 51

        def figures(values: dict[str, list[float]]) -> dict:
            every = sorted(v for vs in values.values() for v in vs)
            out = {kind: {"p50_ms": round(pct(sorted(vs), 50), 2), "p95_ms": round(pct(sorted(vs), 95), 2),
                          "max_ms": round(max(vs), 2)} for kind, vs in values.items()}
            out["all"] = {"p50_ms": round(pct(every, 50), 2), "p95_ms": round(pct(every, 95), 2),
                          "max_ms": round(every[-1], 2)}
            return out

        result = {"bench": "search", "engine": "sqlite", "examples": args.examples, "runs_per_query": args.runs,
                  "search": figures(ours), "bare_fts_query": figures(bare), "hits_on_first_page": hits,
                  "target_p95_ms": TARGET_P95_MS}
        result["target_met"] = result["search"]["all"]["p95_ms"] <= TARGET_P95_MS
        print(json.dumps(result))
    finally:
        if args.keep:
            log(f"kept {db}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

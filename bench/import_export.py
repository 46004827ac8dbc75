"""Import and HTTP export of a generated N-example chat project, each figure beside its same-run baseline.

1. A chat JSONL file of --examples (1,000,000) lines in the openai-chat shape is generated in a temp dir
   (seeded: 1-3 user/assistant turns of a few hundred characters, some Chinese or Thai, a system prompt on
   40% of the lines).
2. Import: `python -m app import FILE --project Bench --create --state approved` in a fresh child process
   (after `migrate` and `users create bench --admin`); wall time and the child's peak RSS (os.wait4).
   Same-run limit: another child (this script, --limit-child) that reads the file with json (as
   app.core.import_lines does), counts every message's text with tiktoken in the chat preset's target
   model's encoding (the app's offline files), and writes the same columns as `example` (one row per
   line, the same values in kind) in batches of 1000: SQLite `executemany` into a table copied from the
   real table's DDL without its indexes (primary key only) in a separate file; PostgreSQL psycopg COPY into
   `CREATE TABLE ... (LIKE example INCLUDING DEFAULTS)` in a schema of the same database (no indexes,
   no primary key).
3. HTTP export: a real uvicorn on the imported database, signed in as the admin (session cookie),
   GET /projects/{id}/export.jsonl?profile=openai-chat&status=approved streamed to a file: time to first
   body byte, total rate, the server's VmRSS growth (peak during minus before, /proc polled every 10 ms),
   and the file must have N lines. Before it, a first export cut short after its first chunk (the server's
   first export: the tokenizer loaded) gives export_cold_first_byte_ms and export_cold_rss_growth_mb,
   reported beside the targets, which are checked on the measured (second) export. Baseline: a raw scan
   of the approved rows' fields/output (sqlite3, or psycopg) + orjson write of the same lines ({"messages": [system first, then the turns]}) to a file.

--postgres URL (postgresql+psycopg://...): the same on a fresh database `tunelab_bench_io` created (and
dropped afterwards) on that server. Output: ONE JSON line on stdout; progress on stderr.

    .venv/bin/python bench/import_export.py [--examples 1000000] [--postgres URL] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from _benchlib import PY, ROOT, log, pg_database, start_server, stop_server  # noqa: E402  (bench/ is on sys.path)

PASSWORD, PROJECT, PG_DB = "bench-password-123", "Bench", "tunelab_bench_io"
LABEL_STUDIO_IMPORT, LABEL_STUDIO_EXPORT = 850, 715  # examples/s
TARGETS = {"import_ratio_min": 0.5, "import_peak_rss_mb_max": 300, "export_ratio_min": 0.65,
           "export_first_byte_ms_max": 200, "export_rss_growth_mb_max": 100}
TOKEN_RE = re.compile(r'name="csrftoken" value="([^"]+)"')
BATCH = 1000
WORDS = ("the a my your our this that order account refund password invoice delivery parcel flight booking "
         "hotel room price plan upgrade error screen app phone laptop printer network email message "
         "please could would should can help explain why how when where what which thanks again today "
         "tomorrow yesterday week month late early broken missing charged twice cancel change update "
         "reset install connect restart works fails slow fast new old first last small large").split()
CHINESE = ["我的订单还没有到", "请帮我重置密码", "这个价格包括运费吗", "我想取消预订", "谢谢你的帮助"]
THAI = ["ฉันต้องการเปลี่ยนรหัสผ่าน", "คำสั่งซื้อของฉันยังไม่มาถึง", "ขอบคุณมากครับ", "ราคานี้รวมค่าส่งไหม"]
SYSTEMS = ["You are a helpful support agent for an online shop. Answer briefly and politely.",
           "You are an airline assistant. Be precise about dates, fees and rules.",
           "You are a friendly IT helpdesk. Give numbered steps when you can.",
           "Reply in the user's language. Never invent order numbers."]


# ---- data ----------------------------------------------------------------------------------------

def sentence(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
    return words[0].upper() + words[1:] + rng.choice(".?!")


def text(rng: random.Random, lo: int, hi: int) -> str:
    parts, size, goal = [], 0, rng.randint(lo, hi)
    foreign = rng.random()
    while size < goal:
        r = rng.random()
        part = (rng.choice(CHINESE) if foreign < 0.08 and r < 0.4 else
                rng.choice(THAI) if 0.08 <= foreign < 0.14 and r < 0.4 else sentence(rng))
        parts.append(part)
        size += len(part) + 1
    return " ".join(parts)


def generate(path: Path, n: int, seed: int = 20261201) -> None:
    rng, t0 = random.Random(seed), time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            messages = [{"role": "system", "content": rng.choice(SYSTEMS)}] if rng.random() < 0.4 else []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                messages.append({"role": "user", "content": text(rng, 60, 300)})
                messages.append({"role": "assistant", "content": text(rng, 120, 500)})
            out.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    log(f"generated {n:,} lines ({path.stat().st_size / 2**20:,.1f} MiB) in {time.perf_counter() - t0:.1f} s")


# ---- children ------------------------------------------------------------------------------------

def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `cmd` to its end; (wall seconds, peak RSS MiB of that child alone, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ...: exit code {proc.returncode}: {out[-500:]}")
    return wall, usage.ru_maxrss / 1024, out


def limit_child(file: Path, target: str, encoding: str) -> None:
    """The same-run limit of an import: json parse + tiktoken count + raw batched writes of the same rows."""
    os.environ["TIKTOKEN_CACHE_DIR"] = str(ROOT / ".cache" / "tiktoken")
    import tiktoken

    enc = tiktoken.get_encoding(encoding)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if target.startswith("postgresql"):
        import psycopg

        conn = psycopg.connect(target.replace("postgresql+psycopg", "postgresql"))
        conn.execute("DROP SCHEMA IF EXISTS bench_limit CASCADE")
        conn.execute("CREATE SCHEMA bench_limit")
        conn.execute("CREATE TABLE bench_limit.example (LIKE public.example INCLUDING DEFAULTS)")
        cols = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                                           "table_schema='public' AND table_name='example' ORDER BY ordinal_position")]
    else:
        import sqlite3

        real = sqlite3.connect(target)
        ddl = real.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='example'").fetchone()[0]
        cols = [r[1] for r in real.execute("PRAGMA table_info(example)")]
        real.close()
        conn = sqlite3.connect(Path(target).with_name("limit.db"))
        conn.execute(ddl)  # the real DDL (with its primary key), none of its indexes
    values = {"project_id": 1, "status": "approved", "version": 1, "worst_level": "ok", "codes": "[]",
              "created_by": 1, "updated_by": 1, "created_at": now, "updated_at": now, "needs_output": False,
              "labels_wanted": 0, "labels_open": False, "submitted_at": now, "reviewed_by": 1,
              "reviewed_at": now, "checked_version": 1}
    written = [c for c in cols if c in values or c in ("id", "fields", "output", "token_count", "input_hash",
                                                       "content_hash", "near_hash")]

    def rows():
        with file.open("rb") as stream:
            for number, raw in enumerate(stream, 1):
                messages = json.loads(raw)["messages"]
                tokens = sum(len(enc.encode_ordinary(m["content"])) for m in messages)
                system = messages[0]["content"] if messages[0]["role"] == "system" else ""
                turns = messages[1:] if system else messages
                fields, output = json.dumps({"system": system}), json.dumps(turns, ensure_ascii=False)
                digest = hashlib.sha256(raw).hexdigest()
                row = values | {"id": number, "fields": fields, "output": output, "token_count": tokens,
                                "input_hash": digest, "content_hash": digest, "near_hash": digest[:16]}
                yield tuple(row[c] for c in written)

    if target.startswith("postgresql"):
        with conn.cursor().copy(f"COPY bench_limit.example ({', '.join(written)}) FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
        conn.commit()
        conn.execute("DROP SCHEMA bench_limit CASCADE")
        conn.commit()
    else:
        insert = f"INSERT INTO example ({', '.join(written)}) VALUES ({', '.join('?' * len(written))})"
        it = rows()
        while chunk := [row for _, row in zip(range(BATCH), it)]:
            conn.executemany(insert, [tuple(v.isoformat(" ") if isinstance(v, datetime) else v for v in row)
                                      for row in chunk])
        conn.commit()
    conn.close()


# ---- the measures --------------------------------------------------------------------------------

def prepare(url: str, env: dict[str, str]) -> None:
    subprocess.run([PY, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True, stdout=sys.stderr, timeout=300)
    subprocess.run([PY, "-m", "app", "users", "create", "bench", "--admin", "--password-stdin"], cwd=ROOT, env=env,
                   input=PASSWORD + "\n", text=True, check=True, stdout=sys.stderr, timeout=120)


def measure_import(file: Path, url: str, n: int, env: dict[str, str]) -> tuple[dict, int]:
    log(f"import: python -m app import ({n:,} lines) ...")
    wall, rss, out = run_child([PY, "-m", "app", "import", str(file), "--project", PROJECT, "--create",
                                "--state", "approved"], env)
    log(f"  {out.strip()}")
    match = re.search(r"imported ([\d,]+) of [\d,]+ lines .*\(#(\d+)", out)
    if not match or int(match.group(1).replace(",", "")) != n:
        raise RuntimeError(f"the import did not import {n:,} lines: {out!r}")
    from app.core.model_table import load_model_table
    from app.core.presets import PRESETS_BY_KEY

    encoding = load_model_table().get(PRESETS_BY_KEY["chat"].settings.target_model).counting_encoding
    target = url if url.startswith("postgresql") else url.removeprefix("sqlite:///")
    log(f"import limit: json + tiktoken {encoding} + {'COPY' if url.startswith('postgresql') else 'executemany'} ...")
    limit_wall, limit_rss, _ = run_child([PY, __file__, "--limit-child", str(file), target, encoding], env)
    rate, limit_rate = n / wall, n / limit_wall
    log(f"  import {wall:.1f} s ({rate:,.0f}/s, peak {rss:,.0f} MiB); limit {limit_wall:.1f} s ({limit_rate:,.0f}/s)")
    return {"import_s": round(wall, 2), "import_rate": round(rate), "import_peak_rss_mb": round(rss, 1),
            "import_limit_s": round(limit_wall, 2), "import_limit_rate": round(limit_rate),
            "import_limit_peak_rss_mb": round(limit_rss, 1), "import_encoding": encoding,
            "import_ratio": round(rate / limit_rate, 3),
            "import_vs_label_studio": round(rate / LABEL_STUDIO_IMPORT, 2)}, int(match.group(2))


def vm_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_export(base: str, pid: int, project: int, n: int, out: Path) -> dict:
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=600) as http:
        token = TOKEN_RE.search(http.get("/login").text).group(1)
        resp = http.post("/login", data={"username": "bench", "password": PASSWORD, "csrftoken": token})
        if resp.status_code != 303:
            raise RuntimeError(f"sign-in refused: {resp.status_code} {resp.text[:200]}")
        params = {"profile": "openai-chat", "status": "approved"}
        cold_before, t0 = vm_rss_mb(pid), time.perf_counter()
        with http.stream("GET", f"/projects/{project}/export.jsonl", params=params) as resp:  # the first, cut short
            next(resp.iter_raw(), None)
            cold = time.perf_counter() - t0
        time.sleep(0.5)
        before, peak, stop = vm_rss_mb(pid), [0.0], threading.Event()
        log(f"export, cold: first byte {cold * 1000:.0f} ms, server RSS {cold_before:,.0f} -> {before:,.0f} MiB")

        def poll() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], vm_rss_mb(pid))
                time.sleep(0.01)

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        log(f"export: GET /projects/{project}/export.jsonl (server RSS {before:,.0f} MiB) ...")
        t0, first = time.perf_counter(), None
        with http.stream("GET", f"/projects/{project}/export.jsonl", params=params) as resp, out.open("wb") as f:
            if resp.status_code != 200:
                raise RuntimeError(f"export: status {resp.status_code}: {resp.read()[:300]!r}")
            for chunk in resp.iter_raw():
                if first is None and chunk:
                    first = time.perf_counter() - t0
                f.write(chunk)
        total = time.perf_counter() - t0
        stop.set()
        watcher.join()
    lines = sum(1 for _ in out.open("rb"))
    if lines != n:
        raise RuntimeError(f"the export has {lines:,} lines, not {n:,}")
    growth = max(0.0, peak[0] - before)
    log(f"  {total:.1f} s ({n / total:,.0f}/s), first byte {first * 1000:.0f} ms, RSS +{growth:,.1f} MiB, "
        f"{out.stat().st_size / 2**20:,.1f} MiB")
    return {"export_s": round(total, 2), "export_rate": round(n / total),
            "export_first_byte_ms": round(first * 1000, 1), "export_cold_first_byte_ms": round(cold * 1000, 1),
            "export_cold_rss_growth_mb": round(before - cold_before, 1),
            "export_rss_before_mb": round(before, 1), "export_rss_growth_mb": round(growth, 1),
            "export_lines": lines, "export_bytes": out.stat().st_size}


def export_baseline(url: str, project: int, out: Path) -> float:
    """Raw scan of the approved rows + orjson write of their openai-chat lines; seconds."""
    import orjson

    sql = ("SELECT fields, output FROM example WHERE project_id = {p} AND status = 'approved' ORDER BY id")
    t0 = time.perf_counter()
    if url.startswith("postgresql"):
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        cursor = conn.cursor(name="scan")  # server-side: streamed like the app's export
        cursor.execute(sql.format(p="%s"), (project,))
    else:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = conn.execute(sql.format(p="?"), (project,))
    with out.open("wb") as f:
        for fields, output in cursor:
            fields = orjson.loads(fields) if isinstance(fields, (str, bytes)) else fields
            turns = orjson.loads(output) if isinstance(output, (str, bytes)) else output
            system = (fields or {}).get("system")
            messages = ([{"role": "system", "content": system}] if system else []) + list(turns)
            f.write(orjson.dumps({"messages": messages}) + b"\n")
    conn.close()
    return time.perf_counter() - t0


def run(args, tmp: Path) -> dict:
    file, proc = tmp / "chat.jsonl", None
    generate(file, args.examples)
    url = pg_database(args.postgres, PG_DB, True) if args.postgres else f"sqlite:///{tmp / 'bench.db'}"
    env = {**os.environ, "TUNELAB_DATABASE_URL": url, "TUNELAB_SECRET_KEY": secrets.token_urlsafe(32)}
    try:
        prepare(url, env)
        result, project = measure_import(file, url, args.examples, env)
        base_s = export_baseline(url, project, tmp / "baseline.jsonl")
        base_rate = args.examples / base_s
        log(f"export baseline (scan + orjson write): {base_s:.1f} s ({base_rate:,.0f}/s)")
        proc, base = start_server(tmp, url)
        result |= measure_export(base, proc.pid, project, args.examples, tmp / "export.jsonl")
    finally:
        stop_server(proc, tmp)
        if args.postgres and not args.keep:
            pg_database(args.postgres, PG_DB, False)
    result |= {"export_baseline_s": round(base_s, 2), "export_baseline_rate": round(base_rate),
               "export_ratio": round(result["export_rate"] / base_rate, 3),
               "export_vs_label_studio": round(result["export_rate"] / LABEL_STUDIO_EXPORT, 2)}
    met = {"import_ratio_met": result["import_ratio"] >= TARGETS["import_ratio_min"],
           "import_peak_rss_met": result["import_peak_rss_mb"] <= TARGETS["import_peak_rss_mb_max"],
           "export_ratio_met": result["export_ratio"] >= TARGETS["export_ratio_min"],
           "export_first_byte_met": result["export_first_byte_ms"] <= TARGETS["export_first_byte_ms_max"],
           "export_rss_growth_met": result["export_rss_growth_mb"] <= TARGETS["export_rss_growth_mb_max"]}
    return ({"bench": "import_export", "database": "postgresql" if args.postgres else "sqlite",
             "examples": args.examples,
             "import_limit": ("psycopg COPY into a LIKE copy of example (no indexes, no primary key)" if args.postgres
                              else "sqlite3 executemany into example's own DDL (primary key only, no indexes)")}
            | result | TARGETS | met | {"met": all(met.values())})


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--limit-child":
        limit_child(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a fresh database on that server)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (and the PostgreSQL database)")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="tunelab-io-"))
    try:
        result = run(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result | ({"kept": str(tmp)} if args.keep else {})), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        log("interrupted: server stopped, no result")
        raise SystemExit(130) from None

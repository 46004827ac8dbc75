"""`tunelab check` speed and memory on a big chat file, against the floor of any checker.

Setup: a deterministic --lines (1,000,000) line chat file in a temp dir: short support conversations
(system + user + assistant, ~60-120 tokens each; 8 system prompts, user and assistant text drawn from
a word list with a seeded RNG, so lines differ).
Check: `python -m app check FILE --format json` as a subprocess, on its default number of processes
(`--jobs`: the CPUs, at most 4), then again with `--jobs 1` (one pass, `serial_*`); wall time from
start to exit, peak RSS = resource.getrusage(RUSAGE_CHILDREN).ru_maxrss after it exits (the largest
process: the bench starts no other child before it). Both JSON reports are read back: each must count
every line as an example, and they must be equal.
Baseline, in the same run and on the same lines: bare `json.loads` of each line and tiktoken
`encode_ordinary` (o200k_base) of every message content, in process: the floor of any checker that
parses and counts tokens. With `--model` naming a model with its own tokenizer (e.g.
meta-llama/Llama-3.1-8B-Instruct), the check counts for it and the baseline is json.loads + the
model's chat template rendered over the messages + HF `tokenizers` encode of the rendered text.

Output: ONE JSON line on stdout; progress on stderr. met = ratio >= target_ratio and peak RSS <=
target_rss_mb, ratio = check lines/s ÷ baseline lines/s. Wall times on a shared machine vary: read
the ratio as measured in one run.

    .venv/bin/python bench/check_speed.py [--lines 1000000] [--model gpt-4.1-mini]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app.check_jobs import default_jobs  # noqa: E402  (the app's own modules, from the repo root)
from app.tokenizer_files import activate  # noqa: E402

PY = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
TARGET_RATIO, TARGET_RSS_MB = 0.5, 300
SYSTEMS = (
    "You are a helpful customer support assistant for Acme Online Store. Answer briefly and politely.",
    "You are Acme's billing assistant. Explain charges clearly and never guess amounts.",
    "You are a friendly shipping assistant. Give tracking steps in order.",
    "You are a concise technical support agent for the Acme mobile app.",
    "You help customers return items. Ask for the order number if it is missing.",
    "You are a polite assistant who answers questions about store opening hours and locations.",
    "You are a product expert for kitchen appliances. Recommend only products in the catalogue.",
    "You answer account and password questions. Never ask for the full password.",
)
WORDS = ("the of and in to a is was for on as by with from at that which its an are were it be has had this order "
         "account password refund delivery invoice shipping address email phone support ticket plan upgrade billing "
         "store package tracking number item return label warranty coffee machine kettle toaster blender discount "
         "coupon payment card bank transfer receipt week day today tomorrow yesterday please thanks help change "
         "update cancel open close settings app website login reset link message team manager price total").split()


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + rng.choice((".", ".", "?", "!"))


def conversation(rng: random.Random, i: int) -> str:
    user = sentence(rng, 8, 18) + f" My order is {rng.randint(10_000, 99_999)}."
    reply = " ".join(sentence(rng, 6, 14) for _ in range(rng.randint(2, 4)))
    return json.dumps({"messages": [{"role": "system", "content": SYSTEMS[i % len(SYSTEMS)]},
                                    {"role": "user", "content": user},
                                    {"role": "assistant", "content": reply}]}, ensure_ascii=False)


def generate(path: Path, lines: int) -> None:
    rng = random.Random(20261125)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(conversation(rng, i) + "\n")
            if i and i % 200_000 == 0:
                log(f"  generated {i:,} lines")


def baseline(path: Path, model: str) -> tuple[float, int, int]:
    """(seconds, lines, tokens), in process: json.loads + encode_ordinary (o200k_base) of every
    content for an OpenAI model; for a model with its own tokenizer, json.loads + the model's chat
    template rendered over the line's messages + HF `tokenizers` encode of the rendered text."""
    from app.core import chat_templates, tokens as token_mod
    from app.core.model_table import load_model_table

    info = load_model_table().get(model)
    lines = tokens = 0
    if info.tokenizer and info.tokenizer in token_mod.MODEL_TOKENIZERS and not info.encoding:
        template, tokenizer = token_mod.chat_template(info.tokenizer), token_mod.hf_tokenizer(info.tokenizer)
        start = time.perf_counter()
        with open(path, "rb") as f:
            for raw in f:
                text = chat_templates.render_text(template, json.loads(raw)["messages"])
                tokens += len(tokenizer.encode(text, add_special_tokens=False).ids)
                lines += 1
        return time.perf_counter() - start, lines, tokens
    import tiktoken

    enc = tiktoken.get_encoding(info.encoding or "o200k_base")
    start = time.perf_counter()
    with open(path, "rb") as f:
        for raw in f:
            for message in json.loads(raw)["messages"]:
                tokens += len(enc.encode_ordinary(message["content"]))
            lines += 1
    return time.perf_counter() - start, lines, tokens


def run_check(path: Path, report: Path, model: str, jobs: list[str] = ()) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit status) of `python -m app check FILE --format json --model M [--jobs N]`."""
    start = time.perf_counter()
    with open(report, "wb") as out:
        proc = subprocess.run([PY, "-m", "app", "check", str(path), "--format", "json", "--model", model, *jobs], cwd=ROOT,
                              stdout=out,
                              stderr=subprocess.PIPE, timeout=3_600)
    seconds = time.perf_counter() - start
    if proc.stderr:
        log(proc.stderr.decode(errors="replace")[-2_000:])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    return seconds, peak_kb / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--model", default="gpt-4.1-mini", help="target model (e.g. meta-llama/Llama-3.1-8B-Instruct)")
    args = parser.parse_args()
    activate()
    tmp = Path(tempfile.mkdtemp(prefix="tunelab-check-speed-"))
    try:
        data, report = tmp / "chat.jsonl", tmp / "report.json"
        log(f"generating {args.lines:,} lines in {data}")
        generate(data, args.lines)
        log(f"  {data.stat().st_size / 1e6:,.0f} MB")
        log("running tunelab check --format json")
        check_s, rss_mb, status = run_check(data, report, args.model)
        result = json.loads(report.read_text(encoding="utf-8"))
        if result["examples"] != args.lines:
            raise SystemExit(f"the check counted {result['examples']:,} examples, expected {args.lines:,}")
        log(f"  {check_s:.1f} s, peak RSS {rss_mb:.0f} MB, exit {status}, {len(result['lines']):,} lines with findings, "
            f"dataset {result['dataset']}")
        log("running tunelab check --format json --jobs 1")
        serial_s, _, _ = run_check(data, report, args.model, ["--jobs", "1"])
        if json.loads(report.read_text(encoding="utf-8")) != result:
            raise SystemExit("the one-pass report differs from the report checked in parts")
        log(f"  {serial_s:.1f} s")
        log("running the baseline (json.loads + the model's counting floor, in process)")
        base_s, base_lines, base_tokens = baseline(data, args.model)
        log(f"  {base_s:.1f} s, {base_tokens / base_lines:.0f} content tokens per line, "
            f"{result['tokens'] / args.lines:.0f} counted tokens per line in the check")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    check_rate, base_rate, serial_rate = args.lines / check_s, base_lines / base_s, args.lines / serial_s
    ratio = check_rate / base_rate
    print(json.dumps({
        "bench": "check_speed", "model": args.model, "lines": args.lines, "check_lines_per_s": round(check_rate),
        "check_peak_rss_mb": round(rss_mb, 1), "jobs": default_jobs(), "serial_lines_per_s": round(serial_rate),
        "serial_ratio": round(serial_rate / base_rate, 3), "baseline_lines_per_s": round(base_rate), "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO, "target_rss_mb": TARGET_RSS_MB,
        "met": ratio >= TARGET_RATIO and rss_mb <= TARGET_RSS_MB,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

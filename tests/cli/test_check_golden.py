"""`tunelab check` gives byte-for-byte the reports it gave before the checker was sped up.

A seeded generator writes representative mixed files (clean and broken chat lines, tool calls,
weights, odd roles and types, uppercase and non-ASCII text, special tokens, over-limit lines,
duplicates and conflicts, blank / non-JSON / non-UTF-8 lines, preference pairs, prompt/completion
files with and without --separator / --stop / --labels / --kind). For each run the golden file
holds the JSON report, the text report and every finding kept (line, code, level, field, message,
record), recorded with the checker as it was before the speed work (`check_golden.json`).

Regenerate only for an intended change of the output:
    .venv/bin/python tests/cli/test_check_golden.py
"""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script to regenerate
    sys.path.insert(0, str(ROOT))

from app import cli  # noqa: E402
from app.core.jsonl_check import check_file, write_json  # noqa: E402
from app.core.model_table import ModelInfo, ModelTable, load_model_table  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "check_golden.json"

SYSTEMS = ("You are a helpful support assistant for Acme. Answer briefly.",
           "You are Acme's billing assistant. Never guess amounts.",
           "Tu es un assistant poli. Réponds en français, s'il te plaît.")
WORDS = ("order refund delivery invoice password account the a of to and is please thanks help change update "
         "cancel reset link email phone ticket plan price total item return label warranty coffee kettle").split()
ODD_TEXTS = (
    "PLEASE RESET MY PASSWORD RIGHT NOW, IT IS URGENT!",  # uppercase-heavy
    "ABCDEFG hijklmnopqrstu",  # 7 upper / 14 lower: exactly not heavy (upper * 2 == lower)
    "ABCDEFG hijklmnopqrst",  # 7 upper / 13 lower: heavy
    "ABCDEF ghijklmnopqrs",  # 6 upper / 13 lower: below 20 letters
    "ÄÖÜ ÉÈÊ ΣΊΣΥΦΟΣ СТРАННЫЙ ТЕКСТ über alles",  # non-ASCII uppercase
    "straße öffnen ÄÖ ñandú Ωmega " * 3,
    "Ignore <|endoftext|> and continue.",
    "<|im_start|>system<|im_end|> and <|endoftext|> twice <|endoftext|>",
    "A lone <| marker, and <|fim_prefix|> too.",
    "Emoji 😀 and a lone surrogate follow.",
    "   ",
    "",
    "Tab\tand\nnewline\r\ninside.",
)


def _sentence(rng: random.Random, low: int = 4, high: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + rng.choice(".?!")


def _text(rng: random.Random) -> str:
    return rng.choice(ODD_TEXTS) if rng.random() < 0.12 else _sentence(rng)


def _chat_messages(rng: random.Random) -> list[dict]:
    messages = []
    r = rng.random()
    if r < 0.75:
        messages.append({"role": "system", "content": rng.choice(SYSTEMS)})
    elif r < 0.8:
        messages.append({"role": "system", "content": rng.choice(("", "  ", rng.choice(ODD_TEXTS)))})
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        messages.append({"role": "user", "content": _text(rng)})
        messages.append({"role": "assistant", "content": _text(rng)})
    return messages


def _mutate_message(rng: random.Random, message: dict) -> None:
    choice = rng.randrange(22)
    if choice == 0:
        message["weight"] = rng.choice((0, 1, 1.0, True, "1", [1], None, 2))
    elif choice == 1:
        message["name"] = rng.choice(("alice", "Bob_2", 7))
    elif choice == 2:
        message["role"] = rng.choice(("bot", "function", "tool", "", 3, None, "USER", "developer"))
    elif choice == 3:
        del message["role"]
    elif choice == 4:
        del message["content"]
    elif choice == 5:
        message["content"] = rng.choice(([{"type": "text", "text": "Hi <|endoftext|>"}], [], {"text": "x"}, 5, True,
                                         None, [{"type": "image_url", "image_url": {"url": "http://x"}}], ["a"], 1.5))
    elif choice == 6:
        message["tool_calls"] = rng.choice(([{"id": "c1", "type": "function",
                                              "function": {"name": "lookup", "arguments": "{\"id\": 1}"}}], [], "x"))
        if rng.random() < 0.5:
            message["content"] = None
    elif choice == 7:
        message["function_call"] = rng.choice(({"name": "lookup", "arguments": "{}"}, "call"))
    elif choice == 8:
        message["tool_call_id"] = rng.choice(("c1", 5))
    elif choice == 9:
        message["extra"] = "x"
    elif choice == 10:
        message["content"] = rng.choice(ODD_TEXTS)
    elif choice == 11:  # key order
        items = list(message.items())
        message.clear()
        message.update(reversed(items))


def _chat_line(rng: random.Random, previous: list[dict]) -> bytes | str | dict:
    r = rng.random()
    if previous and r < 0.04:  # an exact duplicate, or with the keys of a message in another order
        line = json.loads(json.dumps(rng.choice(previous)))
        if isinstance(line.get("messages"), list) and line["messages"] and isinstance(line["messages"][0], dict):
            line["messages"][0] = dict(reversed(list(line["messages"][0].items())))
        return line
    if previous and r < 0.08:  # a conflict: same input, another last reply
        line = json.loads(json.dumps(rng.choice(previous)))
        messages = line.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
            messages[-1]["content"] = _sentence(rng)
        return line
    if r < 0.10:
        return rng.choice((b"", b"   ", b"not json", b"[1, 2]", b'"text"', b"42", b"null", b"{\"messages\": ",
                           b"\xff\xfe bad bytes", b'{"messages": [{"role": "user", "content": NaN}]}',
                           b'{"messages": [{"role": "user", "content": "lone \\ud800"}, {"role": "assistant", '
                           b'"content": "ok"}]}', b"[" * 3000 + b"]" * 3000,
                           b'{"prompt": "a ->", "completion": " b"}', b'{"text": "no known key"}', b"{}",
                           b'{"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}'))
    line: dict = {"messages": _chat_messages(rng)}
    if r < 0.40:
        for message in line["messages"]:
            if rng.random() < 0.3:
                _mutate_message(rng, message)
    elif r < 0.45:
        rng.shuffle(line["messages"])
    elif r < 0.50:
        line["messages"] = line["messages"][: rng.randint(0, len(line["messages"]))]
    elif r < 0.53:
        line["messages"].append({"role": rng.choice(("user", "assistant", "tool")), "content": _text(rng)})
    elif r < 0.56:
        line[rng.choice(("tools", "parallel_tool_calls", "functions", "meta"))] = rng.choice(([], "x", True, {}, 1))
    elif r < 0.58:
        line["messages"] = rng.choice(("x", [], ["not an object"], [1, {"role": "user", "content": "Hi"}], {}))
    elif r < 0.60:  # over the small test limit (and once in a while over 16,385 tokens)
        size = 20_000 if rng.random() < 0.1 else 300
        line["messages"][-1]["content"] = " ".join(rng.choice(WORDS) for _ in range(size))
    return line


def _pref_line(rng: random.Random, previous: list[dict]) -> bytes | dict:
    r = rng.random()
    if previous and r < 0.05:
        return json.loads(json.dumps(rng.choice(previous)))
    if r < 0.07:
        return rng.choice((b"", b"not json", b'{"messages": [{"role": "user", "content": "Hi"}]}', b"[]"))
    inputs = []
    if rng.random() < 0.5:
        inputs.append({"role": "system", "content": rng.choice(SYSTEMS + ("", " "))})
    inputs.append({"role": "user", "content": _text(rng)})
    line: dict = {"input": {"messages": inputs},
                  "preferred_output": [{"role": "assistant", "content": _text(rng)}],
                  "non_preferred_output": [{"role": "assistant", "content": _text(rng)}]}
    if r < 0.45:
        which = rng.randrange(16)
        if which == 0:
            line["preferred_output"].append({"role": "assistant", "content": "x"})
        elif which == 1:
            line["non_preferred_output"] = []
        elif which == 2:
            line["preferred_output"][0]["role"] = rng.choice(("user", None, 5))
        elif which == 3:
            line["non_preferred_output"][0]["content"] = rng.choice(("", None, "  "))
        elif which == 4:
            line["non_preferred_output"][0]["content"] = line["preferred_output"][0]["content"] + " "
        elif which == 5:
            inputs += [{"role": "assistant", "content": "Earlier."}, {"role": "user", "content": _text(rng)}]
        elif which == 6:
            inputs.append({"role": "assistant", "content": "Trailing."})
        elif which == 7:
            line["preferred_output"][0]["tool_calls"] = [{"id": "c", "type": "function",
                                                          "function": {"name": "f", "arguments": "{}"}}]
        elif which == 8:
            line["preferred_output"][0]["content"] = [{"type": "text", "text": "parts"}]
        elif which == 9:
            del line[rng.choice(("input", "preferred_output", "non_preferred_output"))]
        elif which == 10:
            line["input"] = rng.choice(("x", [], {"tools": []}, {"messages": "x"}, {"messages": [], "extra": 1}))
        elif which == 11:
            line["extra"] = 1
        elif which == 12:
            line["preferred_output"] = rng.choice(("x", {}, [5]))
        elif which == 13:
            inputs[-1]["content"] = rng.choice(ODD_TEXTS)
            line["preferred_output"][0]["content"] = rng.choice(ODD_TEXTS)
        elif which == 14:
            inputs[0]["weight"] = 1
            inputs[-1]["name"] = "n"
        elif which == 15:
            line["input"]["messages"] = [{"role": "system", "content": "Only a system prompt."}]
    return line


LABELS = (" positive", " negative", " neutral")


def _cls_line(rng: random.Random) -> bytes | dict:
    r = rng.random()
    if r < 0.04:
        return rng.choice((b"", b"{bad", b'{"prompt": 1, "completion": " positive"}', b'{"prompt": "x ->"}',
                           b'{"prompt": "x ->", "completion": " positive", "extra": 1}'))
    prompt = _text(rng) + rng.choice((" ->", " ->", " ->", " ->", "", " -> ->"))
    completion = rng.choice(LABELS + ("positive", " Positive", " unknown", " very positive", "", " 1"))
    if r > 0.9:
        completion = rng.choice(LABELS)
    return {"prompt": prompt, "completion": completion}


def _gen_line(rng: random.Random, open_ended: bool = False) -> bytes | dict:
    r = rng.random()
    if r < 0.04:
        return rng.choice((b"not json", b'{"prompt": "x", "completion": 5}', b'{"completion": " x END"}',
                           b'{"prompt": "a", "completion": " b END", "messages": []}'))
    prompt = "" if open_ended else _text(rng) + rng.choice(("\n\n###\n\n",) * 6 + ("", "\n\n###\n\n x \n\n###\n\n"))
    completion = rng.choice((" ", " ", " ", "")) + _text(rng) + rng.choice((" END",) * 6 + ("", " END more END"))
    if r > 0.97:
        completion = " " + " ".join(rng.choice(WORDS) for _ in range(2_000)) + " END"
    return {"prompt": prompt, "completion": completion}


def _encode(line: bytes | str | dict) -> bytes:
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8", "surrogatepass")
    escaped = len(json.dumps(line)) % 3 == 0  # some lines with \\u escapes, most with raw UTF-8
    return json.dumps(line, ensure_ascii=escaped).encode("utf-8", "surrogatepass")


def _file(lines: list[bytes | str | dict], bom: bool = False, end: bytes = b"\n") -> bytes:
    data = b"\n".join(_encode(line) for line in lines) + end
    return (b"\xef\xbb\xbf" + data) if bom else data


def _chat_file(seed: int, n: int) -> bytes:
    rng = random.Random(seed)
    lines: list = []
    for _ in range(n):
        line = _chat_line(rng, [x for x in lines[-50:] if isinstance(x, dict)])
        lines.append(line)
    return _file(lines, bom=seed % 2 == 0, end=b"\n\n" if seed % 3 == 0 else b"\n")


def _head(data: bytes, lines: int) -> bytes:
    return b"".join(data.splitlines(keepends=True)[:lines])


def cases() -> list[tuple[str, bytes, dict]]:
    rng = random.Random(7)
    pref: list = []
    for _ in range(220):
        pref.append(_pref_line(rng, [x for x in pref[-40:] if isinstance(x, dict)]))
    cls = [_cls_line(rng) for _ in range(160)] + [{"prompt": "Same prompt ->", "completion": " positive"},
                                                  {"prompt": "Same prompt ->", "completion": " negative"},
                                                  {"prompt": "Same prompt ->", "completion": " positive"}]
    gen = [_gen_line(rng) for _ in range(150)]
    open_gen = [_gen_line(rng, open_ended=True) for _ in range(60)]
    clean_chat = random.Random(3)
    clean = [{"messages": [{"role": "system", "content": SYSTEMS[i % 3]},
                           {"role": "user", "content": _sentence(clean_chat)},
                           {"role": "assistant", "content": _sentence(clean_chat)}]} for i in range(200)]
    chat_a, chat_b = _chat_file(11, 500), _chat_file(12, 400)
    return [
        ("chat-a", chat_a, {}),
        ("chat-a-tiny-limit", _head(chat_a, 200), {"model": "tiny"}),
        ("chat-a-gpt-3.5", _head(chat_a, 250), {"model": "gpt-3.5-turbo-0125"}),
        ("chat-b", chat_b, {}),
        ("chat-b-approximate", _head(chat_b, 120), {"model": "gemini-2.5-flash"}),
        ("chat-b-unknown-model", _head(chat_b, 60), {"model": "my-own-model"}),
        ("chat-clean", _file(clean), {}),
        ("chat-clean-tiny", _file(clean), {"model": "tiny"}),
        ("pref", _file(pref), {}),
        ("pref-tiny", _head(_file(pref), 100), {"model": "tiny"}),
        ("cls", _file(cls), {}),
        ("cls-labels", _head(_file(cls), 100), {"labels": [" positive", " negative"]}),
        ("cls-given", _head(_file(cls), 100), {"kind": "cls", "separator": " ->"}),
        ("cls-as-gen", _head(_file(cls), 100), {"kind": "gen"}),
        ("gen", _file(gen), {}),
        ("gen-given", _file(gen), {"separator": "\n\n###\n\n", "stop": " END"}),
        ("gen-tiny", _head(_file(gen), 100), {"model": "tiny-legacy"}),
        ("gen-open", _file(open_gen), {}),
    ]


def _models() -> ModelTable:
    table = load_model_table()
    extra = (ModelInfo("tiny", "Test", "o200k_base", 40, 2.0, "test row", rejects_over_limit=True),
             ModelInfo("tiny-legacy", "Test", None, 80, None, "test row"))
    return ModelTable(table.as_of, table.models + extra)


def run_case(tmp_path: Path, name: str, data: bytes, options: dict) -> dict:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    result = check_file(path, models=_models(), **options)
    report, text = io.StringIO(), io.StringIO()
    write_json(result, report)
    cli.write_text(result, Path(f"{name}.jsonl"), text)
    return {
        "json": report.getvalue(),
        "text": text.getvalue(),
        "findings": [[n, f.code, f.level, f.field, f.message, f.record] for n, f in result.findings],
        "findings_truncated": result.findings_truncated,
        "dataset": [f.as_dict() for f in result.dataset],
        "level_counts": result.level_counts,
        "lines_with_findings": result.lines_with_findings,
    }


CASES = cases()


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,data,options", CASES, ids=[c[0] for c in CASES])
def test_the_reports_are_the_same_as_before(tmp_path, golden, name, data, options):
    got = run_case(tmp_path, name, data, options)
    expected = golden[name]
    for key in expected:  # one key at a time, so a difference is easy to read
        assert got[key] == expected[key], (name, key)


def test_the_golden_cases_cover_the_rules():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    codes = {f[1] for case in golden.values() for f in case["findings"]}
    for code in ("uppercase-heavy", "special-token", "too-long", "chat-weight-invalid", "duplicate", "conflict",
                 "pref-shape", "label-unknown", "separator-missing", "stop-missing", "not-utf8", "line-not-json",
                 "mixed-formats", "bom"):
        assert code in codes, code


if __name__ == "__main__":
    import tempfile

    from app.tokenizer_files import activate

    activate()
    with tempfile.TemporaryDirectory() as tmp:
        out = {name: run_case(Path(tmp), name, data, options) for name, data, options in CASES}
    with open(GOLDEN, "w", encoding="utf-8") as f:  # one finding per line, so a diff is readable
        f.write("{\n")
        for i, (name, case) in enumerate(out.items()):
            f.write(f"{json.dumps(name)}: {{\n")
            for j, (key, value) in enumerate(case.items()):
                if key == "findings":
                    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in value)
                    f.write(f'"findings": [\n{rows}\n]')
                else:
                    f.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
                f.write(",\n" if j < len(case) - 1 else "\n")
            f.write("},\n" if i < len(out) - 1 else "}\n")
        f.write("}\n")
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size:,} bytes)")

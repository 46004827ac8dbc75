"""A file checked in parts gives exactly the report of one pass over it (every code, line, count,
message and the dataset findings), wherever the cuts fall."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.check_parts import check_part, cut, join_parts, plan_parts
from app.core.check_report import write_json
from app.core.jsonl_check import check_file


def report(result) -> dict:
    """The JSON report, and what the text report adds: each code's summary and every finding kept, messages included."""
    out = io.StringIO()
    write_json(result, out)
    return {"json": json.loads(out.getvalue()), "findings": result.findings, "truncated": result.findings_truncated,
            "summaries": {code: vars(s) for code, s in sorted(result.summaries.items())},
            "levels": result.level_counts, "lines_read": result.lines_read}


def in_parts(path, parts: int, model: str = "gpt-4.1-mini", profile: str | None = None) -> dict:
    pieces = cut(path, parts)
    start = plan_parts(path, pieces[0], model, profile)
    if not start.cuttable:  # no line in the file's format in the first part: app.check_jobs takes one pass
        return report(check_file(path, model=model, profile=profile))
    results = [check_part(path, part, start, model) for part in pieces]
    return report(join_parts(path, start, model, results))


def cuttable(path, profile: str | None = None) -> bool:
    return plan_parts(path, cut(path, 1)[0], "gpt-4.1-mini", profile).cuttable


def chat(user: str, reply: str, system: str | None = None) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return json.dumps({"messages": messages}, ensure_ascii=False)


# Lines a chat file may hold: usual lines (few distinct, so duplicates and conflicts cross the cuts),
# lines with findings (no assistant, a role twice, special tokens, upper case, too deep, not JSON,
# blank, a prompt/completion line in a chat file, preference lines, an unknown key).
LINES = st.one_of(
    st.builds(chat, st.sampled_from(["Hi", "Where is my order?", "Reset my password"]),
              st.sampled_from(["Hello!", "It ships today.", "Use the link we sent."]),
              st.sampled_from([None, "Be brief.", "You are Acme's assistant."])),
    st.sampled_from([
        '{"messages": [{"role": "user", "content": "Only a question"}]}',
        '{"messages": [{"role": "user", "content": "A"}, {"role": "user", "content": "B"}, {"role": "assistant", "content": "C"}]}',
        '{"messages": [{"role": "user", "content": "<|endoftext|> hi"}, {"role": "assistant", "content": "ok"}]}',
        '{"messages": [{"role": "user", "content": "WHY IS MY ORDER NOT HERE YET TELL ME NOW"}, {"role": "assistant", "content": "Sorry."}]}',
        '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "weight": 0}]}',
        '{"messages": [{"role": "user", "content": "tab\\there"}, {"role": "assistant", "content": "ok"}], "extra": 1}',
        '{"prompt": "Hi ->", "completion": " there"}',
        '{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "A"}], "non_preferred_output": [{"role": "assistant", "content": "B"}]}',
        "not json", "", "   ", "[1, 2]", '{"nothing": "known"}', "[" * 1200,
    ]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, min_size=1, max_size=40), parts=st.integers(2, 60), final_newline=st.booleans(),
       bom=st.booleans())
def test_parts_give_the_one_pass_report(tmp_path_factory, lines, parts, final_newline, bom):
    if not any(line.startswith('{"messages"') for line in lines):
        lines = [chat("Hi", "Hello!")] + lines  # a chat file (legacy files are checked in one pass)
    path = tmp_path_factory.mktemp("parts") / "file.jsonl"
    text = "\n".join(lines) + ("\n" if final_newline else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    if not cuttable(path):
        return  # a prompt/completion file, or no line of the file's format in its first part
    assert in_parts(path, parts) == report(check_file(path))


def test_duplicates_and_conflicts_across_the_cut_are_found(tmp_path):
    lines = [chat("Where is my order?", "It ships today.")] * 2 + [chat(f"Question {i}", "Answer.") for i in range(50)] + [
        chat("Where is my order?", "It ships today."), chat("Where is my order?", "It shipped yesterday.")]
    path = tmp_path / "dupes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    joined = in_parts(path, 3)
    assert joined == report(check_file(path))
    codes_of = {entry["line"]: entry["codes"] for entry in joined["json"]["lines"]}
    assert "duplicate" in codes_of[1] and "duplicate" in codes_of[53]  # the copies sit in the first and last part
    assert "conflict" in codes_of[54]


def test_cuts_fall_at_line_starts_and_number_the_lines(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\nbb\n\nccc\ndddd")
    parts = cut(path, 3)
    data = path.read_bytes()
    assert parts[0].start == 0 and parts[-1].end == len(data) and parts[-1].last
    for part, following in zip(parts, parts[1:]):
        assert part.end == following.start and data[following.start - 1:following.start] == b"\n"
        assert following.first_number == data[:following.start].count(b"\n") + 1
    assert len(cut(path, 50)) <= data.count(b"\n") + 1


def test_a_prompt_completion_file_is_not_cut(tmp_path):
    path = tmp_path / "legacy.jsonl"
    path.write_text('{"prompt": "Hi ->", "completion": " there"}\n', encoding="utf-8")
    assert not cuttable(path)


@pytest.mark.parametrize("parts", [2, 4])
def test_a_preference_file_in_parts(tmp_path, parts):
    line = ('{{"input": {{"messages": [{{"role": "user", "content": "Q{0}"}}]}}, "preferred_output": [{{"role": '
            '"assistant", "content": "A"}}], "non_preferred_output": [{{"role": "assistant", "content": "B"}}]}}')
    path = tmp_path / "pref.jsonl"
    path.write_text("\n".join(line.format(i % 7) for i in range(40)) + "\n", encoding="utf-8")
    assert in_parts(path, parts) == report(check_file(path))


def test_a_line_in_another_format_names_the_files_first_line_in_every_part(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = ["not json"] + [chat(f"Q{i}", "A") for i in range(30)] + ['{"prompt": "Hi ->", "completion": " there"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    joined = in_parts(path, 4)
    assert joined == report(check_file(path))
    (message,) = [f.message for line, f in joined["findings"] if f.code == "mixed-formats"]
    assert "(from line 2)" in message


SHAREGPT = st.builds(lambda q, a: json.dumps({"conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}]}),
                     st.sampled_from(["Hi", "Where is my order?"]), st.sampled_from(["Hello!", "Today."]))
TOGETHER_BAD = st.sampled_from([
    '{"messages": [{"role": "assistant", "content": "I start"}, {"role": "user", "content": "odd"}]}',
    '{"messages": [{"role": "user", "content": "A"}, {"role": "user", "content": "B"}, {"role": "assistant", "content": "C"}]}',
    '{"messages": [{"role": "user", "content": "A"}, {"role": "assistant", "content": "B", "weight": 2}]}',
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(LINES, TOGETHER_BAD), min_size=1, max_size=30), parts=st.integers(2, 40))
def test_a_forced_profile_in_parts_gives_the_one_pass_report(tmp_path_factory, lines, parts):
    """Its hard rules' codes (numbered as they first fire) and its file rules come out the same."""
    path = tmp_path_factory.mktemp("forced") / "file.jsonl"
    path.write_text("\n".join([chat("Hi", "Hello!")] + lines) + "\n", encoding="utf-8")
    if not cuttable(path, "together-chat"):
        return
    assert in_parts(path, parts, profile="together-chat") == report(check_file(path, profile="together-chat"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(SHAREGPT, LINES), min_size=1, max_size=30), parts=st.integers(2, 40))
def test_a_file_read_by_another_profile_in_parts_gives_the_one_pass_report(tmp_path_factory, lines, parts):
    path = tmp_path_factory.mktemp("sharegpt") / "file.jsonl"
    path.write_text("\n".join([json.dumps({"conversations": [{"from": "human", "value": "Hi"},
                                                             {"from": "gpt", "value": "Hello!"}]})] + lines) + "\n",
                    encoding="utf-8")
    serial = report(check_file(path))
    assert serial["json"]["format"] == "llamafactory-sharegpt"
    if cuttable(path):
        assert in_parts(path, parts) == serial

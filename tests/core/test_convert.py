"""`convert_stream`: every profile converts to itself unchanged, a round trip through another profile
loses nothing both carry, what cannot be carried is reported, and bad input names its line."""

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import providers
from app.core.convert import BadInput, convert_stream
from app.core.jsonl_check import check_stream
from app.core.model_table import load_model_table
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, Turn
from tests.core.providers.conftest import _examples
from tests.core.test_check_shapes import CASES, EXAMPLES, GOLDEN, vary

KEYS = tuple(providers.PROFILES)


def file_of(key: str, lines) -> bytes:
    return providers.PROFILES[key].file_bytes(lines)


def lines_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8-sig").split("\n") if line.strip()]


def convert(data: bytes, target: str, **options):
    out = io.BytesIO()
    result = convert_stream(io.BytesIO(data), out, target, **options)
    return result, out.getvalue()


@pytest.mark.parametrize("key,kind", CASES, ids=[f"{k}-{kind}" for k, kind in CASES])
def test_converting_a_profile_to_itself_gives_json_equal_lines(key, kind):
    profile = providers.PROFILES[key]
    lines = [line for i in range(12) for line in profile.write(vary(EXAMPLES[kind], i)).lines]
    data = file_of(key, lines)
    for origin in (key, None):  # given, and detected (a plain chat line is read as OpenAI's)
        result, out = convert(data, key, origin=origin)
        assert lines_of(out) == lines and out.startswith(profile.file_prefix.encode())
        assert (result.written, result.refused_lines, result.notes, result.exit_code) == (12, 0, {}, 0)


@pytest.mark.parametrize("key,line", GOLDEN, ids=[f"{k}-{i}" for i, (k, _) in enumerate(GOLDEN)])
def test_every_hand_written_golden_line_converts_to_itself(key, line):
    result, out = convert(file_of(key, [line]), key, origin=key)
    assert lines_of(out) == [line] and result.refused_lines == 0 and result.notes == {}


PAIRS = [(a, b) for a in KEYS for b in KEYS if set(providers.PROFILES[a].kinds) & set(providers.PROFILES[b].kinds)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_round_trip_through_another_profile_loses_nothing_both_carry(data):
    a, b = data.draw(st.sampled_from(PAIRS))
    first, second = providers.PROFILES[a], providers.PROFILES[b]
    example = data.draw(_examples(sorted(set(first.kinds) & set(second.kinds))))
    written = first.write(example)
    if not written.lines or len(written.lines) != 1:
        return
    source = file_of(a, written.lines)
    there, middle = convert(source, b, origin=a, kind=example.kind)
    if there.refused_lines:
        assert there.written == 0 and there.exit_code == 1
        return
    back, returned = convert(middle, a, origin=b, kind=example.kind)
    if back.refused_lines:
        return
    if not there.notes and not back.notes:
        assert lines_of(returned) == lines_of(source)  # nothing noted: nothing lost
    # What survives one trip is what both carry: a second trip loses nothing more.
    _, middle2 = convert(returned, b, origin=a, kind=example.kind)
    _, returned2 = convert(middle2, a, origin=b, kind=example.kind)
    assert lines_of(returned2) == lines_of(returned)


def test_prompt_completion_and_messages_bridge_both_ways_with_a_merged_note():
    data = file_of("openai-legacy", [{"prompt": "Great phone ->", "completion": " positive"}])
    result, chat = convert(data, "trl-messages", kind="classification")
    assert lines_of(chat) == [{"messages": [{"role": "user", "content": "Great phone ->"},
                                            {"role": "assistant", "content": " positive"}]}]
    assert [(t.code, t.kind, t.first) for t in result.notes.values()] == [("carry-prompt-completion", "merged", [1])]
    back, legacy = convert(chat, "openai-legacy", kind="classification")
    assert lines_of(legacy) == lines_of(data) and back.refused_lines == 0
    with_system = file_of("openai-chat", providers.PROFILES["openai-chat"].write(EXAMPLES["chat"]).lines)
    refused, out = convert(with_system, "bedrock-prompt-completion")
    assert refused.refused_lines == 1 and list(refused.refused) == ["carry-kind"] and out == b""


def test_what_the_target_cannot_carry_is_counted_by_code_and_line():
    reasoned = Example("chat", (Turn("user", "Why?"), Turn("assistant", "Because.", reasoning="Think.")))
    lines = [providers.PROFILES["fireworks-chat"].write(vary(reasoned, i)).lines[0] for i in range(3)]
    result, out = convert(file_of("fireworks-chat", lines), "openai-chat")
    assert result.source == "fireworks-chat" and result.detected
    assert (result.notes["carry-reasoning"].kind, result.notes["carry-reasoning"].first) == ("dropped", [1, 2, 3])
    assert all("reasoning_content" not in m for line in lines_of(out) for m in line["messages"])
    assert result.exit_code == 1 and "openai-min-examples" in {f.code for f in result.file_findings}  # 3 < 10


def test_a_line_not_in_the_source_shape_is_refused_by_line():
    lines = [{"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Yo"}]}
             for i in range(12)]
    lines[4] = {"prompt": "Hi", "completion": " Yo"}
    result, out = convert(file_of("openai-chat", lines), "together-chat", origin="openai-chat")
    assert result.refused_lines == 1 and result.refused["source-shape"].first == [5]
    assert "not in the OpenAI chat messages shape" in result.refused["source-shape"].message
    assert len(lines_of(out)) == 11 and result.exit_code == 1


@pytest.mark.parametrize("raw,line,words", [
    (b'{"prompt": "a", "completion": " b"}\n{"prompt": "a", \n', 2, "not valid JSON"),
    (b'{"prompt": "a", "completion": " b"}\n\n[1, 2]\n', 3, "not an object"),
    (b'{"prompt": "a", "completion": " b"}\n{"prompt": "\xff", "completion": " b"}\n', 2, "not valid UTF-8"),
])
def test_bad_input_names_the_line(raw, line, words):
    with pytest.raises(BadInput) as caught:
        convert(raw, "openai-chat")
    assert caught.value.line == line and words in str(caught.value) and f"line {line}:" in str(caught.value)


def test_a_file_of_no_known_shape_or_an_unknown_profile_is_bad_input():
    with pytest.raises(BadInput, match="no line is in a known shape"):
        convert(b'{"text": "hello"}\n', "openai-chat")
    with pytest.raises(BadInput, match="no export profile 'nope'"):
        convert(b'{"prompt": "a", "completion": " b"}\n', "nope")


def test_azure_output_starts_with_its_byte_order_mark_and_reads_back():
    lines = providers.PROFILES["openai-chat"].write(EXAMPLES["chat"]).lines
    _, azure = convert(file_of("openai-chat", lines), "azure-openai-chat")
    assert azure.startswith(b"\xef\xbb\xbf") and lines_of(azure) == list(lines)
    result, plain = convert(azure, "openai-chat")
    assert not plain.startswith(b"\xef\xbb\xbf") and lines_of(plain) == list(lines) and result.written == 1


def test_null_optional_keys_are_read_as_absent():
    line = {"messages": [{"role": "user", "content": "Hi", "name": None},
                         {"role": "assistant", "content": "Hello", "tool_calls": None, "function_call": None}]}
    result, out = convert(json_line(line).encode() + b"\n", "trl-messages")
    assert result.refused_lines == 0
    assert lines_of(out) == [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}]


def test_the_token_count_for_a_model_is_the_checkers():
    lines = [line for i in range(12) for line in providers.PROFILES["openai-chat"].write(vary(EXAMPLES["chat"], i)).lines]
    data = file_of("openai-chat", lines)
    model = load_model_table().get("gpt-4.1-mini")
    result, _ = convert(data, "openai-chat", model=model)
    assert result.tokens == check_stream(io.BytesIO(data)).tokens > 0
    pairs = file_of("openai-legacy", [{"prompt": f"Q{i} ->", "completion": " yes"} for i in range(3)])
    counted, _ = convert(pairs, "trl-prompt-completion", model=model)
    assert counted.tokens == check_stream(io.BytesIO(pairs), kind="classification").tokens


def test_a_text_pair_example_reads_back_as_its_pair():
    pair = Example("generation", pairs=(TextPair("Describe: mug\n\n###\n\n", " A mug. END"),))
    line = providers.PROFILES["together-instruction"].write(pair).lines[0]
    result, out = convert(file_of("together-instruction", [line]), "trl-prompt-completion")
    assert lines_of(out) == [line] and result.notes == {}

"""`tunelab check` knows every profile's shape: detection from a file's lines (the default among the
profiles that read the same lines, and the others), `--profile` forcing one, each profile's hard
rules reported by code, null optional keys read as absent."""

import ast
import importlib
import io
import json
from pathlib import Path

import pytest

from app.core import providers
from app.core.check_shapes import FILE_OVERLAPS, NATIVE, FileLines, choose, equivalent, find_shape
from app.core.jsonl_check import check_file, check_stream, write_json
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, ToolCall, Turn
from tests.core.providers.test_registry import ALPACA, OPENAI_DPO, PROMPT_COMPLETION, TRL_PREFERENCE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "classification": Example("classification", (Turn("user", "Great phone"), Turn("assistant", "positive")),
                              pairs=(TextPair("Great phone ->", " positive"),)),
    "chat": Example("chat", (Turn("system", "Be brief."), Turn("user", "Hi"), Turn("assistant", "Hello!"))),
    "preference": Example("preference", (Turn("system", "Be brief."), Turn("user", "Hi")),
                          Turn("assistant", "Hello!"), Turn("assistant", "Go away.")),
    "preference-no-system": Example("preference", (Turn("user", "Hi"),), Turn("assistant", "Hello!"),
                                    Turn("assistant", "Go away.")),  # TRL's standard preference has no system
}


def vary(example: Example, i: int) -> Example:
    """The example with the user's text numbered, so the lines of a file differ."""
    turns = tuple(t._replace(content=f"{t.content} {i}") if t.role == "user" else t for t in example.turns)
    pairs = tuple(p._replace(prompt=f"{i}: {p.prompt}") for p in example.pairs)
    return example._replace(turns=turns, pairs=pairs)


def profile_file(tmp_path, key: str, kind: str, n: int = 12, example: Example | None = None):
    """A file of `n` lines written by profile `key` (its file prefix included), as the export writes it."""
    profile = providers.PROFILES[key]
    lines = [line for i in range(n) for line in profile.write(vary(example or EXAMPLES[kind], i)).lines]
    assert len(lines) == n
    path = tmp_path / f"{key}.jsonl"
    path.write_bytes(profile.file_bytes(lines))
    return path


def writable_kinds(key: str) -> list[str]:
    profile = providers.PROFILES[key]
    return [k for k, example in EXAMPLES.items() if example.kind in profile.kinds and not profile.write(example).refused]


CASES = [(key, kind) for key in providers.PROFILES for kind in writable_kinds(key)]


def test_every_profile_has_a_detection_case():
    assert {key for key, _ in CASES} == set(providers.PROFILES)


@pytest.mark.parametrize("key,kind", CASES, ids=[f"{k}-{kind}" for k, kind in CASES])
def test_every_profiles_written_file_is_detected_as_a_shape_that_reads_it(tmp_path, key, kind):
    path = profile_file(tmp_path, key, kind)
    result = check_file(path)
    assert key == result.format or key in result.also
    assert result.examples == 12 and result.format in providers.detect(json.loads(path.read_text("utf-8-sig").split("\n")[0]))
    # The file is clean of errors in its own profile's rules (12 examples are enough for every profile).
    forced = check_file(path, profile=key)
    assert forced.format == key and forced.forced
    assert not [c for _, codes in forced.line_codes() for c in codes if c.split("-")[0] in {key.split("-")[0], "carry"}]


def golden_lines() -> list[tuple[str, dict]]:
    """The lines written by hand from each provider's documentation in tests/core/providers/ (every
    `assert module.PROFILE.write(...).lines == ({...},)` with a literal right side), by profile key."""
    found = []
    for path in sorted((ROOT / "tests/core/providers").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        modules = {a.asname or a.name: f"app.core.providers.{a.name}" for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module == "app.core.providers" for a in node.names}
        for node in ast.walk(tree):
            left = node.left if isinstance(node, ast.Compare) else None
            if not (isinstance(left, ast.Attribute) and left.attr == "lines" and isinstance(left.value, ast.Call)
                    and isinstance(left.value.func, ast.Attribute) and left.value.func.attr == "write"):
                continue
            receiver = left.value.func.value
            if not (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                    and receiver.value.id in modules):
                continue
            try:
                lines = ast.literal_eval(node.comparators[0])
            except ValueError:  # built from variables, not written out
                continue
            key = getattr(importlib.import_module(modules[receiver.value.id]), receiver.attr).key
            found += [(key, line) for line in lines]
    return found


GOLDEN = golden_lines()


def test_the_hand_written_golden_lines_cover_the_profiles():
    assert {key for key, _ in GOLDEN} >= set(providers.PROFILES) - {"bedrock-nova"}  # Nova's are built in code
    assert len(GOLDEN) >= 30


@pytest.mark.parametrize("key,line", GOLDEN, ids=[f"{k}-{i}" for i, (k, _) in enumerate(GOLDEN)])
def test_every_hand_written_golden_line_is_detected_as_its_profile(tmp_path, key, line):
    assert key in providers.detect(line)
    path = lines_file(tmp_path, [line])
    result = check_file(path)
    assert key == result.format or key in result.also
    assert check_file(path, profile=key).examples == 1


def test_identical_chat_lines_default_to_openai_and_name_the_other_readers(tmp_path):
    result = check_file(profile_file(tmp_path, "mistral-finetune", "chat"))
    assert result.format == "openai-chat"
    assert result.also == ("azure-openai-chat", "together-chat", "together-chat-tools", "fireworks-chat", "trl-messages",
                           "axolotl-chat-template", "mistral-finetune")
    assert choose(["together-chat", "together-chat-tools"]) == ("together-chat", ("together-chat-tools",))


def test_a_later_line_narrows_the_candidates(tmp_path):
    plain = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}
    reasoned = {"messages": [{"role": "user", "content": "Why?"},
                             {"role": "assistant", "content": "Because.", "reasoning_content": "Think."}]}
    path = tmp_path / "fw.jsonl"
    path.write_text(json.dumps(plain) + "\n" + json.dumps(reasoned) + "\n")
    result = check_file(path)
    assert result.format == "fireworks-chat" and result.also == ("trl-messages", "axolotl-chat-template")




def lines_file(tmp_path, lines, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def numbered(line, i):
    return json.loads(json.dumps(line).replace("Hi", f"Hi {i}").replace("The sky", f"Sky {i}")
                      .replace("three tips", f"{i} tips"))


@pytest.mark.parametrize("line,key,judged", [
    (ALPACA, "llamafactory-alpaca", "chat"), (OPENAI_DPO, "openai-preference", "preference"),
    (TRL_PREFERENCE, "trl-preference", "preference"), (PROMPT_COMPLETION, "openai-legacy", "legacy"),
])
def test_alpaca_is_never_openai_dpo_and_trl_preference_never_prompt_completion(tmp_path, line, key, judged):
    result = check_file(lines_file(tmp_path, [numbered(line, i) for i in range(12)]))
    assert (result.format, result.judged, result.examples) == (key, judged, 12)
    assert [s.code for s in result.summaries.values() if s.level == "error"] == [] and result.exit_code == 0


def test_a_forced_profile_reports_lines_not_in_its_shape(tmp_path):
    path = lines_file(tmp_path, [numbered(ALPACA, i) for i in range(12)])
    result = check_file(path, profile="openai-preference")
    assert result.format == "openai-preference" and result.exit_code == 1
    assert dict(result.line_codes())[1] == ["pref-shape", "unrecognized-key"]  # an OpenAI line's structural checks
    together = check_file(path, profile="together-chat")
    assert dict(together.line_codes())[3] == ["mixed-formats"]
    message = next(f.message for n, f in together.findings if n == 3)
    assert "not in the Together conversational shape" in message and "llamafactory-alpaca" in message
    assert "together-line-format" in together.dataset_codes  # Together's file rule sees the lines as they are
    with pytest.raises(ValueError):
        check_file(path, profile="no-such-profile")


WEATHER = (Turn("user", "Weather?"), Turn("assistant", tool_calls=(ToolCall("", "weather", "{}"),)),
           Turn("tool", "sunny"), Turn("assistant", "Sunny."))


@pytest.mark.parametrize("key,example,code", [
    ("together-chat", Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello."), Turn("assistant", "Help?"))),
     "together-role-repeated"),
    ("fireworks-chat", Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello"), Turn("system", "Be terse."))),
     "fireworks-system-not-first"),
    ("fireworks-dpo", Example("preference", (Turn("user", "Hi"), Turn("assistant", "Hello"), Turn("user", "Haiku?")),
                              Turn("assistant", "Rain."), Turn("assistant", "No.")), "fireworks-dpo-multi-turn"),
    ("bedrock-nova", Example("chat", (Turn("assistant", "Hello!"), Turn("user", "Hi"), Turn("assistant", "Help?"))),
     "bedrock-first-not-user"),
    ("mistral-finetune", Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello"), Turn("user", "Bye"))),
     "mistral-last-not-assistant"),
    ("openai-chat", Example("chat", WEATHER), "openai-tool-call-id"),
    ("llamafactory-sharegpt", Example("chat", WEATHER[:3] + (Turn("tool", "again"),) + WEATHER[3:]),
     "llamafactory-sharegpt-positions"),
])
def test_a_file_breaking_a_forced_profiles_hard_rule_is_refused_with_the_rule_named(tmp_path, key, example, code):
    path = profile_file(tmp_path, key, example.kind, example=example)
    result = check_file(path, profile=key)
    assert result.exit_code == 1
    assert all(code in codes for _, codes in result.line_codes())
    assert result.summaries[code].level == "error" and result.summaries[code].lines == 12
    out = io.StringIO()
    write_json(result, out)
    assert json.loads(out.getvalue())["lines"][0]["codes"].count(code) == 1


def test_a_forced_profiles_file_rule_replaces_the_dataset_code_it_overlaps(tmp_path):
    path = profile_file(tmp_path, "fireworks-chat", "chat", n=2)
    result = check_file(path, profile="fireworks-chat")
    assert "fireworks-example-count" in result.dataset_codes and result.exit_code == 1
    assert "too-few-examples" not in result.dataset_codes
    finding = next(f for f in result.dataset if f.code == "fireworks-example-count")
    assert finding.level == "error" and "2 examples" in finding.message
    detected = check_file(path)  # file rules run under --profile only (docs/provider-rules.md)
    assert "too-few-examples" in detected.dataset_codes and "openai-min-examples" not in detected.dataset_codes


def test_file_overlaps_are_the_documented_ones():
    rows = [line.split("|") for line in (ROOT / "docs/provider-rules.md").read_text().splitlines()
            if line.startswith("| `") and "(file)" in line]
    documented = {row[1].strip(" `"): row[6].strip(" `") for row in rows if row[6].strip()}
    assert documented == FILE_OVERLAPS


def test_a_rule_naming_each_bad_line_gives_one_finding_with_the_count(tmp_path):
    lines = [{"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Yo"}], "id": i}
             for i in range(12)]
    result = check_file(lines_file(tmp_path, lines), profile="together-chat")
    extra = [f for f in result.dataset if f.code == "together-extra-key"]
    assert len(extra) == 1 and "(12 findings of this code; the first is shown.)" in extra[0].message


def test_azure_files_keep_their_byte_order_mark(tmp_path):
    path = profile_file(tmp_path, "azure-openai-chat", "chat")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert "bom" in dict(check_file(path).line_codes()).get(1, [])  # OpenAI (the default) rejects it
    assert dict(check_file(path, profile="azure-openai-chat").line_codes()) == {}
    assert "azure-bom-missing" not in {f.code for f in check_file(path, profile="azure-openai-chat").dataset}


def test_an_azure_file_without_its_byte_order_mark_is_refused_by_name(tmp_path):
    """Azure requires the BOM (azure-ai-docs fine-tuning-rest.md); a file made elsewhere without it."""
    written = profile_file(tmp_path, "azure-openai-chat", "chat")
    path = tmp_path / "no-bom.jsonl"
    path.write_bytes(written.read_bytes()[3:])
    result = check_file(path, profile="azure-openai-chat")
    (missing,) = [f for f in result.dataset if f.code == "azure-bom-missing"]
    assert missing.level == "error" and "byte-order mark" in missing.message and result.exit_code == 1
    # The export writes the mark, so its preflight never finds the rule.
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert not [f for f in providers.PROFILES["azure-openai-chat"].check_file(lines) if f.code == "azure-bom-missing"]


def test_null_optional_keys_are_read_as_absent(tmp_path):
    line = {"messages": [{"role": "user", "content": "Hi", "name": None},
                         {"role": "assistant", "content": "Hello", "tool_calls": None, "function_call": None}]}
    assert "together-chat" in providers.detect(line) and "trl-messages" in providers.detect(line)
    path = lines_file(tmp_path, [numbered(line, i) for i in range(12)])
    for key in (None, "together-chat", "trl-messages", "mistral-finetune"):
        result = check_file(path, profile=key)
        assert [c for _, codes in result.line_codes() for c in codes if c != "chat-no-system"] == [] and result.examples == 12


def test_a_non_openai_line_is_judged_as_its_openai_equivalent():
    example = providers.PROFILES["vertex-gemini"].read(providers.PROFILES["vertex-gemini"].write(EXAMPLES["chat"]).lines[0])
    assert equivalent(example) == ("chat", {"messages": [{"role": "system", "content": "Be brief."},
                                                         {"role": "user", "content": "Hi"},
                                                         {"role": "assistant", "content": "Hello!"}]})
    assert equivalent(EXAMPLES["preference"])[0] == "preference"
    assert set(NATIVE) <= set(providers.PROFILES)


def test_a_vertex_file_gets_the_same_findings_and_tokens_as_its_openai_lines(tmp_path):
    loud = Example("chat", (Turn("user", "PLEASE ANSWER IN CAPITAL LETTERS ONLY NOW"), Turn("assistant", "")))
    vertex = check_file(profile_file(tmp_path, "vertex-gemini", "chat", example=loud))
    openai = check_file(profile_file(tmp_path, "openai-chat", "chat", example=loud))
    assert vertex.format == "vertex-gemini" and openai.format == "openai-chat"
    assert dict(vertex.line_codes()) == dict(openai.line_codes()) and vertex.tokens == openai.tokens


def test_detection_reads_only_the_first_lines_and_file_lines_reread_the_stream():
    data = b"".join(json_line(numbered(TRL_PREFERENCE, i)).encode() + b"\n" for i in range(300))
    assert find_shape(io.BytesIO(data)).profile == "trl-preference"
    assert find_shape(io.BytesIO(b"not json\n[1]\n")) is None
    assert find_shape(io.BytesIO(b'{"messages": 3}\n')).profile == "openai-chat"  # broken, but OpenAI's keys
    lines = FileLines(io.BytesIO(data), 300)
    assert len(lines) == 300 and lines[299]["prompt"] == "Sky 299 is" and lines[-1] == lines[299]
    assert sum(1 for _ in lines) == 300
    result = check_stream(io.BytesIO(data))
    assert result.format == "trl-preference" and result.examples == 300


def test_a_line_of_another_task_kind_in_the_same_shape_is_named_so(tmp_path):
    sharegpt = providers.PROFILES["llamafactory-sharegpt"]
    lines = [sharegpt.write(vary(EXAMPLES["chat"], i)).lines[0] for i in range(12)]
    lines[5] = sharegpt.write(EXAMPLES["preference"]).lines[0]
    result = check_file(lines_file(tmp_path, lines))
    assert result.format == "llamafactory-sharegpt" and dict(result.line_codes())[6] == ["mixed-formats"]
    message = next(f.message for n, f in result.findings if n == 6)
    assert message == ("This line is a preference pair but the file's lines are conversations (from line 1): keep one "
                       "task kind per file.")

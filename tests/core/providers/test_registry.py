"""The registry: every profile by key and provider, detection (and its confusions), the rules doc."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import providers
from app.core.providers.base import json_line
from app.core.providers.neutral import Example, TextPair, Turn
from app.core.rules.registry import RULES

ROOT = Path(__file__).resolve().parents[3]
CODE = re.compile(r"""(?:Finding|Note|count_rule|size_rule|prefix_rule|last_turn_rule|refused)\(\s*"([a-z0-9-]+)\"""")
EXAMPLES = {
    "classification": Example("classification", (Turn("user", "Great phone"), Turn("assistant", "positive")),
                              pairs=(TextPair("Great phone ->", " positive"),)),
    "chat": Example("chat", (Turn("system", "Be brief."), Turn("user", "Hi"), Turn("assistant", "Hello"))),
    "preference": Example("preference", (Turn("user", "Hi"),), Turn("assistant", "Hello!"), Turn("assistant", "Go away.")),
}


def test_every_profile_has_a_unique_key_a_provider_and_a_target():
    assert len(providers.PROFILES) == 23
    for key, profile in providers.PROFILES.items():
        assert profile.key == key and profile.provider in providers.PROVIDERS and profile.targets and profile.title
    assert {"openai-legacy", "openai-chat", "openai-preference"} <= set(providers.PROFILES)


def test_profiles_are_grouped_by_provider_and_by_kind():
    groups = providers.by_provider("preference")
    assert [p.key for p in groups["Hugging Face TRL"]] == ["trl-messages", "trl-prompt-completion-chat",
                                                           "trl-preference", "trl-preference-chat"]
    assert {p.key for p in providers.profiles_for("generation") if p.text_pairs} == {
        "openai-legacy", "together-instruction", "bedrock-prompt-completion", "trl-prompt-completion"}
    assert "together-preference" not in {p.key for p in providers.profiles_for("chat")}


@pytest.mark.parametrize("key", providers.PROFILES)
def test_every_written_line_is_detected_as_its_own_shape(key):
    profile = providers.PROFILES[key]
    kind = next(k for k in ("preference", "chat", "classification") if k in profile.kinds)
    (line,) = profile.write(EXAMPLES[kind]).lines
    assert key in providers.detect(json.loads(json_line(line)))


ALPACA = {"instruction": "Give three tips for staying healthy.", "input": "", "output": "1. Eat well."}
OPENAI_DPO = {"input": {"messages": [{"role": "user", "content": "Hi"}]},
              "preferred_output": [{"role": "assistant", "content": "Hello!"}],
              "non_preferred_output": [{"role": "assistant", "content": "Go away."}]}
TRL_PREFERENCE = {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}
PROMPT_COMPLETION = {"prompt": "The sky is", "completion": " blue."}


def test_alpaca_is_never_mistaken_for_openai_dpo_nor_the_reverse():
    assert providers.detect(ALPACA) == ["llamafactory-alpaca"]
    assert providers.detect(OPENAI_DPO) == ["openai-preference", "together-preference", "fireworks-dpo"]
    assert providers.detect({**ALPACA, "input": {"messages": []}}) == []  # an object `input` is neither


def test_trl_preference_is_never_mistaken_for_prompt_completion_nor_the_reverse():
    assert providers.detect(TRL_PREFERENCE) == ["trl-preference"]
    assert providers.detect(PROMPT_COMPLETION) == [
        "openai-legacy", "together-instruction", "bedrock-prompt-completion", "trl-prompt-completion"]
    assert providers.detect({**PROMPT_COMPLETION, "chosen": " blue."}) == []


def test_provider_specific_keys_narrow_the_match():
    base = [{"role": "user", "content": "Hi"}]
    assert providers.detect({"messages": base + [{"role": "assistant", "content": "Yo", "train": True}]}) == [
        "axolotl-chat-template"]
    assert providers.detect({"messages": base + [{"role": "assistant", "content": "Yo", "reasoning": "r"}]}) == [
        "together-chat", "together-chat-tools"]
    assert "trl-messages" not in providers.detect({"messages": base + [{"role": "assistant", "content": "Yo", "weight": 1}]})
    assert providers.detect([1, 2]) == [] and providers.detect("text") == []


def source_codes() -> set[str]:
    return {code for path in (ROOT / "app/core/providers").glob("*.py") for code in CODE.findall(path.read_text())}


def test_every_code_the_layer_emits_is_listed_in_docs_provider_rules():
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (ROOT / "docs/provider-rules.md").read_text(), re.M))
    codes = source_codes()
    assert len(codes) > 40
    assert codes - listed == set(), "emitted but not documented"
    assert listed - codes - set(providers.PROFILES) == set(), "documented but never emitted"


def test_no_new_code_reuses_an_existing_rule_code():
    assert source_codes() & set(RULES) == set()
    assert all(code.split("-")[0] in {"carry", "openai", "azure", "together", "fireworks", "vertex", "bedrock", "trl",
                                      "axolotl", "llamafactory", "mistral"} for code in source_codes())


# Every profile, on generated examples: what it writes reads back, and writing that again gives the
# same line; when the writer says nothing was lost (no note), the example itself comes back.

def carried(profile, example: Example) -> Example:
    """What a line of this profile holds of the example: the pairs, or everything but them (and
    parallel_tool_calls only with tools, the only case it means anything)."""
    if profile.text_pairs:
        return Example(example.kind, pairs=example.pairs)
    return example._replace(pairs=(), parallel_tool_calls=example.parallel_tool_calls if example.tools else None)


@pytest.mark.parametrize("key", providers.PROFILES)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_a_profile_writes_reads_back_and_nothing_is_lost_silently(generated_examples, key, data):
    profile = providers.PROFILES[key]
    example = data.draw(generated_examples(profile.kinds))
    written = profile.write(example)
    for line in written.lines:
        again = profile.read(json.loads(json_line(line)), example.kind)
        assert profile.write(again).lines[:1] == (line,)
    if written.lines and not written.notes and len(written.lines) == 1:
        assert profile.read(written.lines[0], example.kind) == carried(profile, example)

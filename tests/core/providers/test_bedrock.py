"""AWS Bedrock: Nova's bedrock-conversation-2024 lines and prompt/completion, rules, round trips."""

import json

import pytest

from app.core.providers import bedrock
from app.core.providers.base import RuleContext, json_line
from app.core.providers.neutral import Example, TextPair, ToolCall, Turn

SYSTEM = "You are a digital assistant with a friendly personality"
THOUGHT = "The user asks about Australia's neighbours; New Zealand lies closest, to the south-east."


def nova() -> Example:
    return Example("chat", (Turn("system", SYSTEM), Turn("user", "What country is right next to Australia?"),
                            Turn("assistant", "The closest country is New Zealand", reasoning=THOUGHT)))


def test_text_with_reasoning_is_the_nova_2_line():
    assert bedrock.NOVA.write(nova()).lines == ({
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": SYSTEM}],
        "messages": [
            {"role": "user", "content": [{"text": "What country is right next to Australia?"}]},
            {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": THOUGHT}}},
                                              {"text": "The closest country is New Zealand"}]}]},)


def test_prompt_completion_is_the_documented_line():
    example = Example("generation", pairs=(TextPair("what is AWS", "it's Amazon Web Services"),))
    assert bedrock.PROMPT_COMPLETION.write(example).lines == ({"prompt": "what is AWS", "completion": "it's Amazon Web Services"},)


@pytest.mark.parametrize("turns,codes", [
    ((Turn("assistant", "Hello!"), Turn("user", "Hi"), Turn("assistant", "How can I help?")), {"bedrock-first-not-user"}),
    ((Turn("user", "Hi"), Turn("assistant", "Hello"), Turn("user", "Bye")), {"bedrock-last-not-assistant"}),
    ((Turn("user", "Hi"), Turn("user", "Hello?"), Turn("assistant", "Yes")), {"bedrock-alternation"}),
    ((Turn("user", "User: what is 2+2?"), Turn("assistant", "4")), {"bedrock-reserved-prefix"}),
])
def test_novas_turn_rules_refuse_a_bad_example_by_name(turns, codes):
    checked = bedrock.NOVA.check(Example("chat", turns))
    assert checked.refused and {f.code for f in checked.findings} == codes


def test_tool_use_is_refused_and_a_zero_weight_dropped():
    tools = Example("chat", (Turn("user", "Weather?"), Turn("assistant", tool_calls=(ToolCall("1", "weather", "{}"),)),
                             Turn("tool", "sunny", call_id="1"), Turn("assistant", "Sunny.")))
    assert {n.code for n in bedrock.NOVA.write(tools).notes} == {"carry-tool-calls"}
    assert bedrock.NOVA.write(tools).lines == ()
    weighted = Example("chat", (Turn("user", "Hi"), Turn("assistant", "Hello", weight=0)))
    assert [(f.code, f.level) for f in bedrock.NOVA.check(weighted).findings] == [("carry-weight", "warning")]


def test_a_chat_example_cannot_be_written_as_prompt_completion():
    checked = bedrock.PROMPT_COMPLETION.check(nova())
    assert checked.refused and [f.code for f in checked.findings] == ["carry-kind"]


def test_a_validation_file_over_100_mb_is_warned_about():
    line = {"prompt": "x" * 1_000_000, "completion": " y"}
    assert [(f.code, f.level) for f in bedrock.PROMPT_COMPLETION.check_file([line] * 110, RuleContext(split="validation"))] == [
        ("bedrock-file-size", "warning")]
    assert bedrock.PROMPT_COMPLETION.check_file([line] * 110) == ()  # 110 MB is under the 1 GB training limit


@pytest.mark.parametrize("profile,example", [
    (bedrock.NOVA, nova()),
    (bedrock.NOVA, Example("generation", (Turn("user", "Describe: red, cotton"), Turn("assistant", "A red cotton shirt.")))),
    (bedrock.PROMPT_COMPLETION, Example("classification", pairs=(TextPair("Great ->", " positive"),))),
])
def test_reading_a_written_line_gives_the_example_back(profile, example):
    (line,) = profile.write(example).lines
    assert profile.read(json.loads(json_line(line)), example.kind) == example


def nova_line(*messages, system=None):
    line = {"schemaVersion": "bedrock-conversation-2024"}
    if system:
        line["system"] = [{"text": system}]
    line["messages"] = [{"role": role, "content": [{"text": text}]} for role, text in messages]
    return line


@pytest.mark.parametrize("kind,line", [
    ("classification", nova_line(("user", "Great phone"), ("assistant", "positive"))),
    ("generation", nova_line(("user", "Describe: red mug"), ("assistant", "A red mug."))),
    ("chat", nova_line(("user", "Hi"), ("assistant", "Hello!"), system="Be brief.")),
    ("preference", nova_line(("user", "Hi"), ("assistant", "Hello!"), system="Be brief.")),
])
def test_each_kind_is_a_nova_line(examples, kind, line):
    assert bedrock.NOVA.write(examples[kind]).lines == (line,)


@pytest.mark.parametrize("kind,line", [
    ("classification", {"prompt": "Great phone ->", "completion": " positive"}),
    ("generation", {"prompt": "Describe: red mug\n\n###\n\n", "completion": " A red mug. END"}),
])
def test_each_kind_is_a_prompt_completion_line(examples, kind, line):
    assert bedrock.PROMPT_COMPLETION.write(examples[kind]).lines == (line,)

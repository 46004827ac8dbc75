"""Examples for every profile's tests: one small example of each task kind (for the per-kind golden
lines), and a hypothesis strategy of neutral examples (for the properties every profile keeps)."""

import pytest
from hypothesis import strategies as st

from app.core.providers.neutral import Example, TextPair, Tool, ToolCall, Turn, canonical_json, link_tool_results


@pytest.fixture
def examples() -> dict[str, Example]:
    return {
        "classification": Example("classification", (Turn("user", "Great phone"), Turn("assistant", "positive")),
                                  pairs=(TextPair("Great phone ->", " positive"),)),
        "generation": Example("generation", (Turn("user", "Describe: red mug"), Turn("assistant", "A red mug.")),
                              pairs=(TextPair("Describe: red mug\n\n###\n\n", " A red mug. END"),)),
        "chat": Example("chat", (Turn("system", "Be brief."), Turn("user", "Hi"), Turn("assistant", "Hello!"))),
        "preference": Example("preference", (Turn("system", "Be brief."), Turn("user", "Hi")),
                              Turn("assistant", "Hello!"), Turn("assistant", "Go away.")),
    }


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ARGUMENTS = st.dictionaries(st.sampled_from(["a", "city", "n"]), st.integers(-5, 5) | TEXT, max_size=2).map(canonical_json)
CALLS = st.lists(st.tuples(st.sampled_from(["", "call_1", "TX92Jm8Zi"]), st.sampled_from(["add", "weather"]),
                           ARGUMENTS).map(lambda t: ToolCall(*t)), max_size=2).map(tuple)
ASSISTANT = st.tuples(TEXT, st.sampled_from(["", "Think."]), CALLS | st.just(()), st.sampled_from([None, 0])).map(
    lambda t: Turn("assistant", t[0], t[1], t[2], weight=t[3]))
TURN = st.one_of(st.tuples(st.sampled_from(["system", "user"]), TEXT).map(lambda t: Turn(*t)), ASSISTANT,
                 st.tuples(TEXT, st.sampled_from(["", "call_1"])).map(lambda t: Turn("tool", t[0], call_id=t[1])))
TOOLS = st.lists(st.tuples(st.sampled_from(["add", "weather"]), TEXT).map(lambda t: Tool(*t, {"type": "object"})),
                 max_size=1)


@st.composite
def _examples(draw, kinds):
    kind = draw(st.sampled_from(kinds))
    if kind in ("classification", "generation"):
        prompt, answer = draw(TEXT), draw(TEXT)
        return Example(kind, (Turn("user", prompt), Turn("assistant", answer)),
                       pairs=(TextPair(prompt + " ->", " " + answer),))
    turns = link_tool_results(draw(st.lists(TURN, max_size=6)))
    tools, parallel = tuple(draw(TOOLS)), draw(st.sampled_from([None, True, False]))
    if kind == "chat":
        return Example(kind, turns, tools=tools, parallel_tool_calls=parallel)
    reply = ASSISTANT.map(lambda t: t._replace(weight=None))  # a reply has no weight: it is what is compared
    return Example(kind, turns, draw(reply), draw(reply), tools=tools, parallel_tool_calls=parallel)


@pytest.fixture(scope="session")
def generated_examples():
    """`generated_examples(kinds)`: a strategy of neutral examples of those kinds (tools, calls,
    reasoning, weights of 0, system turns anywhere, unicode text)."""
    return _examples

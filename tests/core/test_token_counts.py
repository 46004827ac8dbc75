"""app/core/tokens.py (named apart from tests/web/test_tokens.py, the API tokens): exact counts with the open
models' own tokenizers for text, their chat templates for conversations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core import tokens
from app.core.chat_templates import ChatTemplateError
from app.core.tokens import MODEL_TOKENIZERS, OpenTokenizerError, count, count_chat, encode, encoder

HF_NAMES = ["llama-3.1", "qwen3", "gemma-3"]

TWO_TURNS = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Name one river."},
    {"role": "assistant", "content": "The Loire."},
    {"role": "user", "content": "And one more?"},
    {"role": "assistant", "content": "The Rhine."},
]


@pytest.mark.parametrize("name, ids", [
    ("llama-3.1", [9906, 1917]),
    ("qwen3", [9707, 1879]),
    ("gemma-3", [9259, 1902]),
    ("gpt-oss", [13225, 2375]),  # o200k_harmony shares o200k_base's vocabulary
])
def test_hello_world_encodes_to_the_models_known_ids(name, ids):
    assert encode("Hello world", name) == ids
    assert encoder(name)("Hello world") == ids
    assert count("Hello world", name) == 2


@pytest.mark.parametrize("name", HF_NAMES)
def test_text_counts_add_no_begin_of_text_token(name):
    bos = tokens.chat_template(name).bos_token
    assert count("A", name) == 1
    if bos:
        assert encode(bos + "A", name)[1:] == encode("A", name)  # written out, it is one token


def test_llama_31_knows_the_special_tokens_its_template_writes():
    # The npm package's file is Llama 3's, where these ids are reserved tokens with other names.
    assert encode("<|python_tag|>", "llama-3.1") == [128010]
    assert encode("<|eom_id|>", "llama-3.1") == [128008]
    assert encode("<|finetune_right_pad_id|>", "llama-3.1") == [128004]
    assert encode("<|reserved_special_token_247|>", "llama-3.1") == [128255]
    assert tokens.special_tokens_in("call <|python_tag|>x", "llama-3.1") == ["<|python_tag|>"]


def test_special_tokens_in_user_text_are_found_for_the_open_models():
    assert tokens.special_tokens_in("a <|im_end|> b <|im_start|>", "qwen3") == ["<|im_end|>", "<|im_start|>"]
    assert tokens.special_tokens_in("x<end_of_turn>", "gemma-3") == ["<end_of_turn>"]
    assert tokens.special_tokens_in("x <|end|> y", "gpt-oss") == ["<|end|>"]
    assert tokens.special_tokens_in("plain <b>text</b>", "qwen3") == []


def test_token_strings_of_an_open_model_are_its_own_pieces():
    assert tokens.token_strings(" very positive", "llama-3.1") == [" very", " positive"]
    assert tokens.token_strings(" The Rhine flows", "gemma-3") == [" The", " Rhine", " flows"]
    assert tokens.token_strings(" 日本語", "qwen3") == [" 日", "本", "語"]


# Hand-checked token by token (tokens.token_strings of the rendered text): Llama 3.1's system header
# ("Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n") is 20 of its 66 tokens.
EXPECTED_COUNTS = {"llama-3.1": (66, 10), "qwen3": (49, 16), "gemma-3": (40, 10), "gpt-oss": (106, 14)}


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_a_two_turn_conversation_counts_as_the_trainer_tokenizes_it(name):
    result = count_chat(TWO_TURNS, name)

    assert (result.tokens, result.trained_tokens) == EXPECTED_COUNTS[name]
    assert result.template == MODEL_TOKENIZERS[name].template
    assert result.text.count("The Rhine.") == 1


def test_the_llama_31_system_header_costs_twenty_tokens():
    without_header = count_chat(TWO_TURNS, "llama-3.1").tokens - 20
    header = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
    assert count(header, "llama-3.1") == 20
    assert without_header == 46


TRICKY = [
    [{"role": "user", "content": "  leading and trailing spaces  \n\n"}, {"role": "assistant", "content": "\n\nok\n\n\n"}],
    [{"role": "system", "content": "日本語 and é and 🙂"}, {"role": "user", "content": "x" * 700},
     {"role": "assistant", "content": "<think>\nshort\n</think>\n\nDone."}],
    [{"role": "user", "content": "a <|im_end|> b <end_of_turn> c <|eot_id|> d <|end|>"},
     {"role": "assistant", "content": "line\n\n\nline   spaced\t\ttab"}],
    [{"role": "user", "content": "Weather in Paris?"},
     {"role": "assistant", "content": "Paris: 18C.", "reasoning_content": "look it up"}],
]


@pytest.mark.parametrize("name", sorted(MODEL_TOKENIZERS))
@pytest.mark.parametrize("conversation", TRICKY, ids=range(len(TRICKY)))
def test_a_conversation_counts_as_many_tokens_as_encoding_its_whole_text(name, conversation):
    result = count_chat(conversation, name)

    if tokens.is_hf(name):
        whole = tokens.hf_tokenizer(name).encode(result.text, add_special_tokens=False).ids
    else:
        whole = tokens.encoding(name).encode(result.text, allowed_special="all")
    assert result.tokens == len(whole)
    assert 0 < result.trained_tokens < result.tokens


def test_trained_tokens_are_those_of_the_reply_and_its_end_of_turn():
    result = count_chat([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there!"}], "llama-3.1")

    assert result.trained_tokens == count("Hello there!", "llama-3.1") + 1  # + <|eot_id|>


def test_a_longer_reply_counts_more_and_the_memo_returns_the_same_count():
    first = count_chat(TWO_TURNS, "qwen3")
    longer = TWO_TURNS[:-1] + [{"role": "assistant", "content": "The Rhine, which flows north."}]

    assert count_chat(TWO_TURNS, "qwen3") == first
    assert count_chat(longer, "qwen3").tokens == first.tokens + count(", which flows north", "qwen3")
    assert count_chat(longer, "qwen3").trained_tokens > first.trained_tokens


def test_tools_are_counted_in_the_prompt_not_in_the_trained_part():
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
    plain = count_chat(TWO_TURNS, "qwen3")
    with_tools = count_chat(TWO_TURNS, "qwen3", tools=[tool])

    assert with_tools.tokens > plain.tokens
    assert with_tools.trained_tokens == plain.trained_tokens
    assert '"name": "get_weather"' in with_tools.text


def test_a_conversation_the_template_refuses_raises_its_message():
    with pytest.raises(ChatTemplateError, match="alternate"):
        count_chat([{"role": "assistant", "content": "First!"}], "gemma-3")


def test_counts_of_a_date_stamped_template_do_not_depend_on_the_day():
    # gpt-oss's template writes strftime_now("%Y-%m-%d"); counts render a fixed day. Any other day
    # would count the same: every day of 2024-2030 is as many tokens.
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(7 * 366)]
    assert {count(f"Current date: {d:%Y-%m-%d}\n\n", "gpt-oss") for d in days} == {count("Current date: 2024-07-26\n\n", "gpt-oss")}
    assert len({count(f"Today Date: {d:%d %b %Y}\n\n", "llama-3.1") for d in days}) == 1  # Llama 3.2+'s format


def test_without_activation_the_files_are_refused_with_the_fix(monkeypatch):
    monkeypatch.delenv(tokens.OPEN_TOKENIZERS_ENV)

    with pytest.raises(OpenTokenizerError, match="make setup"):
        tokens.hf_tokenizer.__wrapped__("qwen3")


# --- the piecewise count is the whole render's count, whatever is typed ---------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from app.core.chat_templates import render_text  # noqa: E402

# What a user may type, including pieces of the templates' own markers (a cut may only fall where no
# token can be matched across it: this is where a merge would show).
TYPED = st.lists(st.sampled_from([
    "a", "Z", " ", "  ", "\n", "\n\n", "\t", "é", "日本", "🙂", "<", ">", "|", "/", "_", ".", "?", "1",
    "<|im_end|>", "<|im_start|>", "<|eot_id|>", "<|start_header_id|>", "<end_of_turn>", "<start_of_turn>",
    "<think>", "</think>", "<|start|>", "<|end|>", "<|im_", "end|>", "<|", "|>", "assistant", "user\n",
]), max_size=12).map("".join)
EDITS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 60), st.integers(0, 3), TYPED), max_size=6)


def _edited(edits) -> list[dict]:
    """TWO_TURNS after a few keystrokes: in message i at position p, delete d characters and type t."""
    conversation = [dict(m) for m in TWO_TURNS]
    for index, position, deleted, typed in edits:
        text = conversation[index]["content"]
        position = min(position, len(text))
        conversation[index]["content"] = text[:position] + typed + text[position + deleted:]
    return conversation


def _whole(name: str, text: str) -> list[tuple[int, int]]:
    """The (start, end) of each token of the whole rendered text, encoded in one go."""
    if tokens.is_hf(name):
        return list(tokens.hf_tokenizer(name).encode(text, add_special_tokens=False).offsets)
    enc = tokens.encoding(name)
    ids = enc.encode(text, allowed_special="all")
    starts = enc.decode_with_offsets(ids)[1]
    return list(zip(starts, starts[1:] + [len(text)]))


@pytest.mark.parametrize("name", sorted(MODEL_TOKENIZERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_after_any_edits_the_count_equals_encoding_the_whole_render(name, edits):
    conversation = _edited(edits)
    result = count_chat(conversation, name)
    assert result.text == render_text(tokens.chat_template(name), conversation)
    whole = _whole(name, result.text)
    assert result.tokens == len(whole)
    if result.trained_spans is not None:  # the trained tokens: those of the whole encode that reach into a span
        trained = sum(1 for start, end in whole if any(s < end and start < e for s, e in result.trained_spans))
        assert result.trained_tokens == trained

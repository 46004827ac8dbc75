"""Export profiles: the app's adapter over `app.core.providers` (every provider line shape, by key).

`render_profile` writes a canonical example with the provider profile (`providers.from_canonical`,
then `Profile.write`), counts each line as a `Record`, with the writer's notes (merged / dropped /
refused) and the profile's line-rule findings. Counts follow the model, not the shape (RULES.md "Token
counting"): a tiktoken model counts prompt + completion, or a conversation by the OpenAI cookbook
recipe; an open model (its own tokenizer and chat template: Llama 3.1, Qwen3, Gemma 3, gpt-oss)
counts prompt + completion with its tokenizer, or the conversation rendered with its template
(`tokens.count_chat`, tools passed). The plain OpenAI lines (`openai-legacy`, `openai-chat`, `openai-preference`
with plain {"role", "content"} messages) are built directly: the writers' bytes, without the neutral example.
`jsonl_line` is the one serialiser: the live panel shows its output and the export writes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from app.core import providers, tokens
from app.core.chat_templates import ChatTemplateError
from app.core.model_table import ModelInfo
from app.core.providers.base import NO_CONTEXT, Finding, Note, RuleContext
from app.core.records import Canonical, Part, Parts, Record
from app.core.wording import say


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    kinds: tuple[str, ...]
    text_pairs: bool  # writes prompt/completion (separator, leading space and stop are exported)
    provider: str
    targets: str  # the models or training stacks the shape is for
    file_prefix: str  # written before the first line (Azure's UTF-8 byte-order mark)
    source: providers.Profile
    note: str = ""

    def build(self, canonical: Canonical, model: ModelInfo | str) -> tuple[Record, ...]:
        """The records of one example, counted for `model` (a model row, or a tiktoken encoding name)."""
        return render_profile(self.key, canonical, _counting(model)).records


class Counting(NamedTuple):
    """How a model's tokens are counted: the text encoding, and its chat template's tokenizer (None:
    the OpenAI cookbook recipe) with that template's label (for the panel)."""

    encoding: str
    chat_tokenizer: str | None = None
    template: str = ""


_COUNTINGS: dict[int, tuple[ModelInfo, Counting]] = {}  # by the row's id (rows are long-lived and frozen)


def counting(model: ModelInfo) -> Counting:
    known = _COUNTINGS.get(id(model))
    if known is not None and known[0] is model:
        return known[1]
    if len(_COUNTINGS) > 256:
        _COUNTINGS.clear()
    result = _COUNTINGS[id(model)] = (model, _counting_of(model))
    return result[1]


def _counting_of(model: ModelInfo) -> Counting:
    if model.tokenizer is not None:
        template = tokens.MODEL_TOKENIZERS[model.tokenizer].template
        return Counting(model.counting_encoding, model.tokenizer, template)
    return Counting(model.counting_encoding)


def _counting(model: ModelInfo | str) -> Counting:
    return Counting(model) if isinstance(model, str) else counting(model)


class ProfileRender(NamedTuple):
    records: tuple[Record, ...]
    notes: tuple[Note, ...] = ()
    findings: tuple[Finding, ...] = ()  # the profile's line rules (`providers.Profile.line_rules`)


NOTHING = ProfileRender(())


def jsonl_line(record: Record) -> str:
    """The exact text of one exported line (without the newline)."""
    return json.dumps(record.line, ensure_ascii=False)


REPEATING_CHARS = 64  # roles and short texts repeat from example to example: their counts are memoised
REPEATING_CAP = 4_096  # memoised counts per encoding (bounded memory)
_REPEATING: dict[str, dict[str, int]] = {}
_ENCODERS: dict[str, Callable[[str], list[int]]] = {}
_new = tuple.__new__  # a named tuple from all its values in order, without its Python-level __new__ (records.py)


def _message_counts(messages: list[dict[str, Any]], encoding: str) -> tuple[list[int], int]:
    """Each message's tokens, counted as `tokens.count_message` counts it, and their total. The
    usual {"role": str, "content": str} message is counted inline: its role, short texts and a
    leading system prompt repeat (memoised counts), a longer text is encoded once (a memo would only
    be churned)."""
    encode = _ENCODERS.get(encoding)
    if encode is None:
        encode = _ENCODERS[encoding] = tokens.encoder(encoding)
    repeating = _REPEATING.get(encoding)
    if repeating is None:
        repeating = _REPEATING[encoding] = {}
    counts: list[int] = []
    total = 0
    index = 0
    for message in messages:
        text, role = message.get("content"), message.get("role")
        if len(message) == 2 and type(text) is str and type(role) is str:
            role_tokens = repeating.get(role)
            if role_tokens is None:
                role_tokens = _remember(repeating, role, len(encode(role)))
            if len(text) <= REPEATING_CHARS or (index == 0 and role == "system"):
                text_tokens = repeating.get(text)
                if text_tokens is None:
                    text_tokens = _remember(repeating, text, len(encode(text)))
            else:
                text_tokens = len(encode(text))
            count = tokens.TOKENS_PER_MESSAGE + role_tokens + text_tokens
        else:
            count = tokens.count_message(message, encoding)
        counts.append(count)
        total += count
        index += 1
    return counts, total


def _message_parts(messages: list[dict[str, Any]], counts: list[int], prefix: str) -> list[Part]:
    """One part per message (`_message_counts` gave the counts): its place, its text, its tokens."""
    parts = []
    for index, (message, count) in enumerate(zip(messages, counts)):
        parts.append(_new(Part, (f"{prefix}[{index}] {message.get('role', '?')}", _message_text(message), count)))
    return parts


def _message_text(message: dict[str, Any]) -> str:
    """What the panel shows of a message: its text, or its tool calls as name(arguments)."""
    text, calls = message.get("content"), message.get("tool_calls")
    if isinstance(text, str) and (text or not calls):
        return text
    if isinstance(calls, list) and calls:
        functions = [c.get("function") if isinstance(c, dict) and isinstance(c.get("function"), dict) else {} for c in calls]
        return "; ".join(f"{f.get('name', '?')}({_shown(f.get('arguments', ''))})" for f in functions)
    return _shown(text)


def _remember(counts: dict[str, int], text: str, count: int) -> int:
    if len(counts) < REPEATING_CAP and len(text) <= tokens.CACHED_CHARS:
        counts[text] = count
    return count


def _pair_record(prompt: str, completion: str, encoding: str, line: dict[str, Any] | None = None) -> Record:
    prompt_tokens = tokens.count(prompt, encoding)
    completion_tokens = tokens.count(completion, encoding)
    total = prompt_tokens + completion_tokens
    parts = (Part("prompt", prompt, prompt_tokens), Part("completion", completion, completion_tokens))
    return _new(Record, (line if line is not None else {"prompt": prompt, "completion": completion}, parts, total, total))


def _plain(messages: Sequence[Any]) -> bool:
    """Every message is exactly {"role": system|user|assistant, "content": str}: what the writers
    copy as it is (no note, no line-rule finding), so the line is built directly."""
    roles = _PLAIN_ROLES
    for message in messages:
        if type(message) is not dict or len(message) != 2 or type(message.get("content")) is not str \
                or message.get("role") not in roles:
            return False
    return True


_PLAIN_ROLES = frozenset(("system", "user", "assistant"))


def _cookbook_record(line: dict[str, Any], messages: list[dict[str, Any]], encoding: str) -> Record:
    counts, total = _message_counts(messages, encoding)
    total += tokens.REPLY_PRIMING  # every message, then the reply priming
    parts = Parts(partial(_message_parts, messages, counts, "messages"))  # built when read
    return _new(Record, (line, parts, total, total))


def _fast(key: str, canonical: Canonical, count: Counting) -> ProfileRender | None:
    """The plain OpenAI lines, built directly (see the module docstring); None: take the writer's path."""
    if count.chat_tokenizer is not None:
        return None
    if key == "openai-legacy":
        return ProfileRender(tuple(_pair_record(r.prompt, r.completion, count.encoding) for r in canonical.rows))
    conversation = canonical.conversation
    if conversation is None or not _plain(conversation.messages):
        return None
    if key == "openai-chat" and conversation.preferred is None:
        messages = list(conversation.messages)  # the record shares the canonical messages (nothing mutates either)
        return ProfileRender((_cookbook_record({"messages": messages}, messages, count.encoding),))
    if key == "openai-preference" and conversation.preferred is not None:
        inputs = [dict(m) for m in conversation.messages]
        line = {"input": {"messages": inputs},
                "preferred_output": [{"role": "assistant", "content": conversation.preferred}],
                "non_preferred_output": [{"role": "assistant", "content": conversation.non_preferred or ""}]}
        return ProfileRender((_openai_preference_record(line, count.encoding),))
    return None


def _openai_preference_record(line: dict[str, Any], encoding: str) -> Record:
    inputs = line["input"]["messages"]
    preferred, rejected = line["preferred_output"][0], line["non_preferred_output"][0]
    counts, input_tokens = _message_counts(inputs, encoding)
    parts = _message_parts(inputs, counts, "input.messages")
    input_tokens += tokens.REPLY_PRIMING  # the inputs' messages, then the reply priming
    preferred_tokens = tokens.count_message(preferred, encoding)
    rejected_tokens = tokens.count_message(rejected, encoding)
    parts.append(Part("preferred_output[0] assistant", _shown(preferred.get("content")), preferred_tokens))
    parts.append(Part("non_preferred_output[0] assistant", _shown(rejected.get("content")), rejected_tokens))
    return Record(line, tuple(parts), input_tokens + max(preferred_tokens, rejected_tokens),
                  input_tokens + preferred_tokens + rejected_tokens)


def _shown(text: Any) -> str:
    return text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)


def render_profile(key: str, canonical: Canonical, count: Counting, kind: str | None = None,
                   tools: Sequence[providers.Tool] = (), parallel_tool_calls: bool | None = None) -> ProfileRender:
    """One example written with profile `key` and counted: records, notes and line-rule findings.
    `kind`: the example's task kind (by default, read from the canonical form); `tools`: the
    project's function definitions (written into the line and passed to an open model's chat
    template), with OpenAI's `parallel_tool_calls` setting."""
    fast = None if tools else _fast(key, canonical, count)
    if fast is not None:
        return fast
    profile, example, written, pair_counted = _written(key, canonical, kind, tools, parallel_tool_calls)
    if written.refused:
        return ProfileRender((), written.notes)
    findings = tuple(f for line in written.lines for rule in profile.line_rules for f in rule(example, line, NO_CONTEXT))
    pairs = profile.text_pairs
    records = []
    try:
        for index, line in enumerate(written.lines):
            if pairs and index < len(example.pairs):
                pair = example.pairs[index]
                records.append(_pair_record(pair.prompt, pair.completion, count.encoding, line))
            elif pair_counted:
                records.append(_preference_record(line, example, count))
            else:
                records.append(_conversation_record(line, example, count))
    except ChatTemplateError as exc:  # the model's own template refuses it (Gemma 3: roles that do not alternate)
        return ProfileRender((), written.notes + (template_refusal(count, exc),), findings)
    return ProfileRender(tuple(records), written.notes, findings)


def template_refusal(count: Counting, error: ChatTemplateError) -> Note:
    """Why an example is not exported when the model's chat template refuses it (as a trainer would)."""
    return Note("chat-template-refused", "refused", say("{template} refuses this conversation: {error}", template=count.template, error=error))


def counted_chats(key: str, canonical: Canonical, count: Counting, kind: str | None = None,
                  tools: Sequence[providers.Tool] = (), parallel_tool_calls: bool | None = None,
                  ) -> tuple[tuple[str, tokens.ChatCount], ...]:
    """The conversations an open model's count renders for profile `key`'s lines, each with its title
    ("", or "chosen"/"rejected" for a pair) and `tokens.ChatCount`: the panel's "Rendered for <model>"
    view, from `render_profile`'s own calls and memo. Empty for a tiktoken model and for pair lines."""
    if count.chat_tokenizer is None:
        return ()
    profile, example, written, pair_counted = _written(key, canonical, kind, tools, parallel_tool_calls)
    if written.refused:
        return ()
    chats: list[tuple[str, tokens.ChatCount]] = []
    for index, _ in enumerate(written.lines):
        if profile.text_pairs and index < len(example.pairs):
            continue
        for title, messages, tools in _chat_inputs(example, pair_counted):
            chats.append((title, tokens.count_chat(messages, count.chat_tokenizer, tools)))
    return tuple(chats)


def _written(key: str, canonical: Canonical, kind: str | None, tools: Sequence[providers.Tool],
             parallel_tool_calls: bool | None) -> tuple[providers.Profile, providers.Example, providers.Written, bool]:
    """The example as profile `key` writes it (for `render_profile` and `counted_chats` alike), and
    whether a preference pair is counted as a pair (both replies)."""
    profile = providers.PROFILES[key]
    kind = kind or _kind_of(canonical)
    example = providers.from_canonical(canonical, kind, tools, parallel_tool_calls)
    written = profile.write(example)
    pair_counted = kind == "preference" and not any(n.code == "carry-preference" for n in written.notes)
    return profile, example, written, pair_counted


def _kind_of(canonical: Canonical) -> str:
    conversation = canonical.conversation
    if conversation is not None and conversation.preferred is not None:
        return "preference"
    return "generation" if canonical.rows else "chat"


def _as_openai(example: providers.Example) -> list[dict[str, Any]]:
    """The example's conversation as OpenAI chat messages: what the cookbook recipe counts for any shape."""
    return providers.PROFILES["openai-chat"].writer(example._replace(rejected=None)).lines[0]["messages"]


def _as_hf(example: providers.Example) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The example's conversation as chat-template messages (reasoning as `reasoning_content`) and tools."""
    line = providers.PROFILES["trl-messages"].writer(example._replace(rejected=None)).lines[0]
    return line["messages"], line.get("tools")


def _conversation_record(line: dict[str, Any], example: providers.Example, count: Counting) -> Record:
    if count.chat_tokenizer is None:
        messages = line["messages"] if _openai_messages(line) else _as_openai(example)
        return _cookbook_record(line, messages, count.encoding)
    ((_, messages, tools),) = _chat_inputs(example, False)
    total = tokens.count_chat(messages, count.chat_tokenizer, tools).tokens
    parts = Parts(partial(_content_parts, messages, count.encoding))
    return _new(Record, (line, parts, total, total))


def _chat_inputs(example: providers.Example, pair_counted: bool) -> list[tuple[str, list[dict[str, Any]], list[Any] | None]]:
    """What an open model's chat template renders for one line: the conversation, or a pair's
    input with either reply (`pair_counted`), each as (title, messages, tools)."""
    if not pair_counted:
        messages, tools = _as_hf(example)
        return [("", messages, tools)]
    chosen, tools = _as_hf(example)
    rejected, _ = _as_hf(example._replace(chosen=example.rejected))
    return [("chosen", chosen, tools), ("rejected", rejected, tools)]


def _openai_messages(line: dict[str, Any]) -> bool:
    return set(line) <= {"messages", "tools", "parallel_tool_calls"} and isinstance(line.get("messages"), list)


def _content_parts(messages: list[dict[str, Any]], encoding: str) -> list[Part]:
    """One part per message for an open model: its text and the tokens of that text alone (the
    record's total is the rendered conversation's, template markers included)."""
    parts = []
    for index, message in enumerate(messages):
        text = _message_text(message) if message.get("content") is not None or message.get("tool_calls") else ""
        parts.append(Part(f"messages[{index}] {message.get('role', '?')}", text, tokens.count(text, encoding)))
    return parts


def _preference_record(line: dict[str, Any], example: providers.Example, count: Counting) -> Record:
    """A pair: counted toward the limit as the longer of input + either reply, billed as input + both."""
    if count.chat_tokenizer is None:
        inputs = providers.PROFILES["openai-preference"].writer(example)
        if inputs.lines and not inputs.refused:
            return _openai_preference_record(inputs.lines[0], count.encoding)._replace(line=line)
        return _cookbook_record(line, _as_openai(example), count.encoding)
    (_, chosen_messages, tools), (_, rejected_messages, _) = _chat_inputs(example, True)
    chosen = tokens.count_chat(chosen_messages, count.chat_tokenizer, tools).tokens
    rejected = tokens.count_chat(rejected_messages, count.chat_tokenizer, tools).tokens
    parts = Parts(partial(_content_parts, chosen_messages + rejected_messages[-1:], count.encoding))
    return _new(Record, (line, parts, max(chosen, rejected), chosen + rejected))


def _adapted(source: providers.Profile) -> Profile:
    return Profile(source.key, source.title, source.kinds, source.text_pairs, source.provider, source.targets,
                   source.file_prefix, source, source.note)


PROFILES: dict[str, Profile] = {key: _adapted(p) for key, p in providers.PROFILES.items()}


def default_profile(kind: str) -> str:
    return {"chat": "openai-chat", "preference": "openai-preference"}.get(kind, "openai-legacy")


def profiles_for(kind: str) -> list[Profile]:
    return [p for p in PROFILES.values() if kind in p.kinds]


def by_provider(kind: str | None = None) -> dict[str, list[Profile]]:
    """The profiles (writing `kind`, if given) grouped by provider, in the export page's order."""
    return {provider: [PROFILES[p.key] for p in group] for provider, group in providers.by_provider(kind).items()}


def check_file(profile_key: str, lines: Sequence[dict[str, Any]], context: RuleContext = NO_CONTEXT) -> tuple[Finding, ...]:
    """The profile's file rules (example counts, file size, Together's file checks) over a file's
    parsed lines: what the export preflight and the checker refuse a download or a file for."""
    return providers.PROFILES[profile_key].check_file(lines, context)


def count_line(key: str, example: providers.Example, line: dict[str, Any], model: ModelInfo,
               notes: Sequence[Note] = ()) -> int:
    """The tokens of one line that profile `key` wrote for `example` (with these writer `notes`),
    counted for `model` as `render_profile` counts it (what a token rule's `count_tokens` gives)."""
    count = counting(model)
    if providers.PROFILES[key].text_pairs and example.pairs:
        pair = example.pairs[0]
        return _pair_record(pair.prompt, pair.completion, count.encoding, line).tokens
    if example.kind == "preference" and example.chosen is not None and example.rejected is not None \
            and not any(n.code == "carry-preference" for n in notes):
        return _preference_record(line, example, count).tokens
    return _conversation_record(line, example, count).tokens

"""Hugging Face TRL: conversational `messages` (with `tools`), prompt-completion (standard and
conversational) and preference (standard and conversational) datasets. Unsloth reads the same.

Sources: huggingface/trl @ 0087e4f5 and @ f2cd5771 `docs/source/dataset_formats.md` (the shapes;
tool calls as {"type": "function", "function": {"name", "arguments": <object>}} with no call id,
tool results with `name`; the `tools` column of JSON Schema specs), `docs/source/sft_trainer.md`
(prompt-completion trains the completion only); reference/providers-2026-12.md (TRL has no
reasoning field of its own: Qwen3's chat template reads `reasoning_content`, gpt-oss's reads
`thinking`; a key the template ignores is dropped silently, so `trl-reasoning-template` warns)
and format-corrections.md (no per-message weight: a weight of 0 is dropped with a warning).

A system turn stays a system message in the conversational shapes; the standard preference shape
holds one prompt text, so an input with a system turn or earlier turns is refused there (use the
conversational shape) rather than flattened without the model's chat template.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.providers import messages as msg
from app.core.providers.base import (
    Finding, Note, Profile, RuleContext, ShapeError, Written, note_rejected, note_tool_settings, read_pair, refused,
    write_pairs, written,
)
from app.core.providers.neutral import Example, Turn, link_tool_results, turn_label
from app.core.wording import say

PROVIDER = "Hugging Face TRL"
TARGETS = say("TRL SFTTrainer / DPOTrainer and Unsloth, on any chat model (Llama, Qwen, Gemma, Mistral, gpt-oss)")
STYLE = msg.MessageStyle(say("TRL conversational"), reasoning_key="reasoning_content", weight_key=None, call_ids=False,
                         arguments_as_object=True, result_name=True)


def reasoning_template(example: Example, line: dict[str, Any], context: RuleContext) -> Iterator[Finding]:
    turns = example.conversation() + ((example.rejected,) if example.rejected is not None else ())
    if any(t.reasoning for t in turns):
        yield Finding("trl-reasoning-template", "warning", say("Reasoning is written as `reasoning_content`, which "
                      "only chat templates that read that key (Qwen3's) train on; others drop it silently (gpt-oss's "
                      "reads `thinking`)."), say("Check the model's chat template before training on reasoning."))


def _read_list(value: Any, role: str | None = None) -> tuple[Turn, ...]:
    turns = msg.decode_messages(value, STYLE)
    if role and (len(turns) != 1 or turns[0].role != role):
        raise ShapeError(say("a {role} list holds one {role} message", role=role))
    return turns


def _tools(line: dict[str, Any], example: Example) -> None:
    if example.tools:
        line["tools"] = msg.encode_tools(example.tools)


def write_prompt_completion(example: Example) -> Written:
    turns = link_tool_results(example.conversation(), by_order=True)
    if not turns or turns[-1].role != "assistant":
        return refused("carry-turn-order", say("The conversation does not end with an assistant turn, so there is "
                                               "no completion to write."))
    notes: list[Note] = []
    note_tool_settings(example, STYLE.shape, notes, tools=True)
    note_rejected(example, say("TRL prompt-completion"), notes)
    prompt = []
    for index, turn in enumerate(turns[:-1]):
        if turn.role == "assistant" and turn.weight != 0:
            notes.append(Note("carry-weight", "dropped", say("{where} goes into the prompt, which is not trained: "
                              "only the completion is.", where=turn_label(index, turn))))
        elif turn.weight is not None:
            notes.append(Note("carry-weight", "merged", say("{where}: its weight 0 is kept by its place in the "
                              "prompt, which is not trained.", where=turn_label(index, turn))))
        prompt.append(msg.encode(turn._replace(weight=None), index, STYLE, notes))
    line = {"prompt": prompt, "completion": [msg.encode(turns[-1], len(turns) - 1, STYLE, notes)]}
    _tools(line, example)
    return written((line,), notes)


def read_prompt_completion(line: dict[str, Any], kind: str) -> Example:
    if {"prompt", "completion"} - set(line) or set(line) - {"prompt", "completion", "tools"}:
        raise ShapeError(say("a conversational prompt-completion line has prompt, completion and tools"))
    turns = _read_list(line["prompt"]) + _read_list(line["completion"], "assistant")
    return Example(kind, link_tool_results(turns), tools=msg.decode_tools(line.get("tools", [])))


def write_preference_text(example: Example) -> Written:
    if example.chosen is None or example.rejected is None:
        return refused("carry-preference", say("The example has no preferred and non-preferred reply."))
    if len(example.turns) != 1 or example.turns[0].role != "user":
        return refused("carry-turn-order", say("The input has {count} turns; the standard preference shape holds "
                                               "one user prompt as text: use trl-preference-chat.",
                                               count=len(example.turns)))
    notes: list[Note] = []
    note_tool_settings(example, say("The standard preference shape"), notes)
    for where, reply in ((say("the chosen reply"), example.chosen), (say("the rejected reply"), example.rejected)):
        if reply.reasoning:
            notes.append(Note("carry-reasoning", "dropped", say("{where}: the reasoning text is dropped; the standard "
                              "shape holds the reply text only.", where=where)))
        if reply.tool_calls:
            notes.append(Note("carry-tool-calls", "refused", say("{where}: tool calls need trl-preference-chat.",
                                                                 where=where)))
    line = {"prompt": example.turns[0].content, "chosen": example.chosen.content, "rejected": example.rejected.content}
    return written((line,), notes)


def read_preference_text(line: dict[str, Any], kind: str) -> Example:
    if set(line) != {"prompt", "chosen", "rejected"} or not all(isinstance(v, str) for v in line.values()):
        raise ShapeError(say("a standard preference line has prompt, chosen and rejected texts"))
    return Example(kind, (Turn("user", line["prompt"]),), Turn("assistant", line["chosen"]),
                   Turn("assistant", line["rejected"]))


def write_preference_chat(example: Example) -> Written:
    if example.chosen is None or example.rejected is None:
        return refused("carry-preference", say("The example has no preferred and non-preferred reply."))
    notes: list[Note] = []
    note_tool_settings(example, STYLE.shape, notes, tools=True)
    line: dict[str, Any] = {
        "prompt": msg.encode_turns(example.turns, STYLE, notes),
        "chosen": [msg.encode(example.chosen, 0, STYLE, notes, say("the chosen reply"))],
        "rejected": [msg.encode(example.rejected, 0, STYLE, notes, say("the rejected reply"))],
    }
    _tools(line, example)
    return written((line,), notes)


def read_preference_chat(line: dict[str, Any], kind: str) -> Example:
    if {"prompt", "chosen", "rejected"} - set(line) or set(line) - {"prompt", "chosen", "rejected", "tools"}:
        raise ShapeError(say("a conversational preference line has prompt, chosen, rejected and tools"))
    (chosen,), (rejected,) = _read_list(line["chosen"], "assistant"), _read_list(line["rejected"], "assistant")
    return Example(kind, link_tool_results(_read_list(line["prompt"])), chosen, rejected,
                   tools=msg.decode_tools(line.get("tools", [])))


MESSAGES = Profile(
    "trl-messages", say("TRL conversational messages"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=lambda example: msg.write_chat(example, STYLE),
    reader=lambda line, kind: msg.read_chat(line, kind, STYLE),
    default_kind="chat", line_rules=(reasoning_template,),
    note=say("messages (+ tools) for SFTTrainer; the model's chat template decides what is trained."),
)
PROMPT_COMPLETION = Profile(
    "trl-prompt-completion", say("TRL prompt-completion (standard)"), PROVIDER,
    say("{targets}; base models", targets=TARGETS),
    ("classification", "generation"), True,
    writer=lambda example: write_pairs(example, say("TRL standard prompt-completion")), reader=read_pair,
    default_kind="generation",
    note=say("prompt/completion text as exported; SFTTrainer trains the completion only."),
)
PROMPT_COMPLETION_CHAT = Profile(
    "trl-prompt-completion-chat", say("TRL prompt-completion (conversational)"), PROVIDER, TARGETS,
    ("classification", "generation", "chat", "preference"), False,
    writer=write_prompt_completion, reader=read_prompt_completion, default_kind="chat",
    line_rules=(reasoning_template,),
    note=say("prompt messages, then the last assistant turn as the completion (the only trained turn)."),
)
PREFERENCE = Profile(
    "trl-preference", say("TRL preference (standard)"), PROVIDER, say("TRL DPOTrainer / RewardTrainer on base models"),
    ("preference",), False,
    writer=write_preference_text, reader=read_preference_text, default_kind="preference",
    note=say("prompt, chosen and rejected as plain text (explicit prompt)."),
)
PREFERENCE_CHAT = Profile(
    "trl-preference-chat", say("TRL preference (conversational)"), PROVIDER, say("TRL DPOTrainer on chat models"),
    ("preference",), False,
    writer=write_preference_chat, reader=read_preference_chat, default_kind="preference",
    line_rules=(reasoning_template,),
    note=say("prompt messages, then one chosen and one rejected assistant message."),
)

PROFILES = (MESSAGES, PROMPT_COMPLETION, PROMPT_COMPLETION_CHAT, PREFERENCE, PREFERENCE_CHAT)

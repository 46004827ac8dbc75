"""Per-example checks for chat conversations and preference pairs (see RULES.md).

Messages may carry whatever a user typed or a file held (odd roles, float weights, content as a
list of parts, missing keys): every check reads them defensively and never raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.rules.helpers import capitalized, field_label, message_fields, per_context
from app.core.rules.registry import ExampleContext, Finding, example_rule
from app.core.wording import say

ROLES = ("system", "user", "assistant", "tool", "function")
TOOL_KEYS = ("tool_calls", "function_call")


@per_context
def _messages(ctx: ExampleContext) -> list[tuple[str, dict[str, Any]]]:
    """(form field, message) of each conversation message that is a dict."""
    conversation = ctx.rendered.canonical.conversation
    if conversation is None:
        return []
    return [(name, m) for name, m in zip(message_fields(ctx), conversation.messages) if isinstance(m, dict)]


def _role(message: dict[str, Any]) -> str | None:
    role = message.get("role")
    return role if isinstance(role, str) else None


def _where(ctx: ExampleContext, name: str) -> str:
    """The message as the form shows it: "Turn 2", "System prompt"."""
    return capitalized(field_label(ctx, name))


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_empty(content: Any) -> bool:
    if content is None:
        return True
    if isinstance(content, str):
        return not content.strip()
    if isinstance(content, (list, dict, tuple)):
        return not content
    return False


# Chat -------------------------------------------------------------------------------------

@example_rule("chat-no-assistant")
def chat_no_assistant(ctx: ExampleContext) -> Iterator[Finding]:
    if not any(_role(m) == "assistant" for _, m in _messages(ctx)):
        yield ctx.finding(
            "chat-no-assistant", "output",
            say("The conversation has no assistant message: add the assistant reply the model should learn."),
        )


@example_rule("chat-bad-role")
def chat_bad_role(ctx: ExampleContext) -> Iterator[Finding]:
    for name, message in _messages(ctx):
        role = message.get("role", "")
        # A role that is not a string is a type error (`wrong-type` in a file): this rule skips it.
        if not isinstance(role, str) or role in ROLES:
            continue
        if role == "":
            message = say("{where} has no role: set it to system, user, assistant or tool.", where=_where(ctx, name))
        else:
            message = say("{where} has the role {role}: set it to system, user, assistant or tool.",
                          where=_where(ctx, name), role=_short(role))
        yield ctx.finding("chat-bad-role", name, message)


@example_rule("chat-function-role")
def chat_function_role(ctx: ExampleContext) -> Iterator[Finding]:
    for name, message in _messages(ctx):
        if _role(message) == "function":
            yield ctx.finding(
                "chat-function-role", name,
                say("{where} uses the deprecated function role: use the tool role (with a tool_call_id) instead.",
                    where=_where(ctx, name)),
            )


@example_rule("chat-empty-message")
def chat_empty_message(ctx: ExampleContext) -> Iterator[Finding]:
    for name, message in _messages(ctx):
        if any(message.get(key) for key in TOOL_KEYS):
            continue
        if _is_empty(message.get("content")):
            role = _role(message) or say("message")
            yield ctx.finding(
                "chat-empty-message", name,
                say("{where} ({role}) is empty: write its text or delete the message.", where=_where(ctx, name), role=role),
            )


@example_rule("chat-weight-invalid")
def chat_weight_invalid(ctx: ExampleContext) -> Iterator[Finding]:
    for name, message in _messages(ctx):
        if "weight" not in message:
            continue
        weight = message["weight"]
        if type(weight) is not int or weight not in (0, 1):  # bool, 1.0 and "1" are invalid
            yield ctx.finding(
                "chat-weight-invalid", name,
                say("{where} has the weight {weight}: use the integer 0 (do not train on this reply) or 1 "
                    "(train on it).", where=_where(ctx, name), weight=_short(weight)),
            )
        elif _role(message) != "assistant":
            yield ctx.finding(
                "chat-weight-invalid", name,
                say("{where} ({role}) has a weight, but OpenAI accepts a weight only on assistant messages: "
                    "remove it.", where=_where(ctx, name), role=_role(message) or say("no role")),
            )


@example_rule("chat-last-not-assistant")
def chat_last_not_assistant(ctx: ExampleContext) -> Iterator[Finding]:
    messages = _messages(ctx)
    if not messages:
        return
    name, last = messages[-1]  # with no assistant turn at all, chat-no-assistant fires too
    if _role(last) != "assistant":
        yield ctx.finding(
            "chat-last-not-assistant", name,
            say("The conversation ends with a {role} turn: end it with the assistant reply to learn, or delete "
                "the trailing turn (nothing after the last assistant turn is learned; Bedrock and Mistral reject it).",
                role=_role(last) or say("role-less")),
        )


@example_rule("chat-roles-not-alternating")
def chat_roles_not_alternating(ctx: ExampleContext) -> Iterator[Finding]:
    messages = _messages(ctx)
    for (before, previous), (name, message) in zip(messages, messages[1:]):
        role = _role(message)
        # Several tool results in a row answer parallel tool calls: that is the format, not an error.
        if role is not None and role == _role(previous) and role != "tool":
            yield ctx.finding(
                "chat-roles-not-alternating", name,
                say("{where} and {other} are both {role}: merge them or add the missing turn between them "
                    "(Together and Bedrock reject the same role twice in a row).",
                    where=_where(ctx, before), other=field_label(ctx, name), role=role),
            )


@example_rule("chat-no-user")
def chat_no_user(ctx: ExampleContext) -> Iterator[Finding]:
    if not any(_role(m) == "user" for _, m in _messages(ctx)):
        yield ctx.finding(
            "chat-no-user", "output",
            say("The conversation has no user message: add the user turn the assistant answers."),
        )


@example_rule("chat-no-system")
def chat_no_system(ctx: ExampleContext) -> Iterator[Finding]:
    if not any(_role(m) == "system" for _, m in _messages(ctx)):
        yield ctx.finding(
            "chat-no-system", "system",
            say("No system message: add a system prompt if you will send one at inference (use the same one in "
            "every example)."),
        )


# Preference -------------------------------------------------------------------------------

@example_rule("pref-shape")
def pref_shape(ctx: ExampleContext) -> Iterator[Finding]:
    conversation = ctx.rendered.canonical.conversation
    if conversation is None:
        return
    messages = _messages(ctx)
    if not any(_role(m) != "system" for _, m in messages):
        yield ctx.finding(
            "pref-shape", "turns",
            say("The input conversation has no user turn: add the user message both replies answer."),
        )
    elif _role(messages[-1][1]) == "assistant":
        yield ctx.finding(
            "pref-shape", messages[-1][0],
            say("The input ends with an assistant turn: both replies must answer the last user turn. Delete the "
            "trailing assistant turn or add the user turn that follows it."),
        )
    # An empty preferred reply is output-empty; an empty non-preferred one is a shape error.
    if conversation.preferred and not conversation.non_preferred:
        yield ctx.finding(
            "pref-shape", "non_preferred",
            say("The non-preferred reply is empty: a preference pair needs exactly one preferred and one "
            "non-preferred reply. Write the worse answer."),
        )


@example_rule("pref-not-text")
def pref_not_text(ctx: ExampleContext) -> Iterator[Finding]:
    for name, message in _messages(ctx):
        content = message.get("content")
        if any(message.get(key) for key in TOOL_KEYS) or (content is not None and not isinstance(content, str)):
            yield ctx.finding(
                "pref-not-text", name,
                say("{where} is not plain text (images, parts or tool calls): preference pairs take text only. "
                    "Replace it with its text.", where=_where(ctx, name)),
            )
    output = ctx.example.output
    if output is not None and not isinstance(output, dict):
        yield ctx.finding(
            "pref-not-text", "preferred",
            say("The output is not a pair of texts: give a preferred and a non-preferred reply as text."),
        )
        return
    for key in ("preferred", "non_preferred"):
        value = (output or {}).get(key)
        if value is not None and not isinstance(value, str):
            if key == "preferred":
                message = say("The preferred reply is not plain text ({type}): write it as text.", type=type(value).__name__)
            else:
                message = say("The non-preferred reply is not plain text ({type}): write it as text.",
                              type=type(value).__name__)
            yield ctx.finding("pref-not-text", key, message)


@example_rule("pref-multi-turn")
def pref_multi_turn(ctx: ExampleContext) -> Iterator[Finding]:
    earlier = [name for name, m in _messages(ctx)[:-1] if _role(m) == "assistant"]
    if earlier:
        name = earlier[0]
        yield ctx.finding(
            "pref-multi-turn", name,
            say("The input holds an earlier assistant turn ({field}): OpenAI trains preference pairs on one-turn "
                "conversations only. Keep just the system prompt and the last user turn.", field=field_label(ctx, name)),
        )


@example_rule("pref-identical")
def pref_identical(ctx: ExampleContext) -> Iterator[Finding]:
    conversation = ctx.rendered.canonical.conversation
    if conversation is None or not conversation.preferred:
        return
    if conversation.preferred.strip() == (conversation.non_preferred or "").strip():
        yield ctx.finding(
            "pref-identical", "non_preferred",
            say("The preferred and non-preferred replies are identical, so there is nothing to learn: make the "
            "non-preferred reply a worse answer."),
        )

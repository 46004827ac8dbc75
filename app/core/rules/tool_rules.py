"""Per-example checks of tool calls and tool results (the app's `tool-` codes, beyond RULES.md).

A call names a function of the project's tools and passes arguments valid against its parameters
schema (`app.core.tools`); a tool result answers an earlier call by its id; a call the
conversation goes on past without a result is flagged. The name and argument checks run when the
project defines tools (a file checked by `tunelab check` carries no project tools); the linking
checks run on every conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from app.core.rules.chat_rules import _messages, _role, _where
from app.core.rules.registry import ExampleContext, Finding, example_rule
from app.core.tools import argument_problems, project_tools, tool_named
from app.core.wording import say


def _calls(message: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(id, function name, arguments) of each call of an assistant message (odd values kept as they are)."""
    calls = message.get("tool_calls") if _role(message) == "assistant" else None
    found = []
    for call in calls if isinstance(calls, list) else []:
        call = call if isinstance(call, dict) else {}
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        call_id, name = call.get("id"), function.get("name")
        found.append((call_id if isinstance(call_id, str) else "", name if isinstance(name, str) else "",
                      function.get("arguments", "")))
    return found


def _call_label(call_id: str, name: str) -> str:
    return f"{call_id} ({name})" if call_id and name else (call_id or name or say("a call"))


@example_rule("tool-unknown")
def tool_unknown(ctx: ExampleContext) -> Iterator[Finding]:
    tools = project_tools(ctx.settings.tools)
    if not tools:
        return
    names = ", ".join(t.name for t in tools)
    for field, message in _messages(ctx):
        for call_id, name, _ in _calls(message):
            if tool_named(tools, name) is None:
                if name:
                    text = say("{where} calls {name}, which is not among the project's tools ({tools}): pick one of "
                               "them for {call}.", where=_where(ctx, field), name=repr(name), tools=names,
                               call=_call_label(call_id, ""))
                else:
                    text = say("{where} has a call without a function name: it must name one among the project's "
                               "tools ({tools}): pick one of them for {call}.", where=_where(ctx, field), tools=names,
                               call=_call_label(call_id, ""))
                yield ctx.finding("tool-unknown", field, text)


@example_rule("tool-arguments-invalid")
def tool_arguments_invalid(ctx: ExampleContext) -> Iterator[Finding]:
    tools = project_tools(ctx.settings.tools)
    if not tools:
        return
    for field, message in _messages(ctx):
        for call_id, name, arguments in _calls(message):
            tool = tool_named(tools, name)
            if tool is None:
                continue  # tool-unknown says so
            text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
            for problem in argument_problems(tool, text):
                yield ctx.finding("tool-arguments-invalid", field,
                                  say("{where}, call {call}: {problem}.", where=_where(ctx, field),
                                      call=_call_label(call_id, name), problem=problem))


@example_rule("tool-result-unlinked")
def tool_result_unlinked(ctx: ExampleContext) -> Iterator[Finding]:
    called: dict[str, str] = {}  # call id -> function name, for every call so far
    answered: set[str] = set()
    for field, message in _messages(ctx):
        for call_id, name, _ in _calls(message):
            if call_id:
                called[call_id] = name
        if _role(message) != "tool":
            continue
        answers = message.get("tool_call_id")
        answers = answers if isinstance(answers, str) else ""
        where = _where(ctx, field)
        if not answers:
            text = say("{where} answers no call: pick the call whose result it is.", where=where)
        elif answers not in called:
            text = say("{where} answers {call}, which no earlier turn calls: pick the call whose result it is.",
                       where=where, call=repr(answers))
        elif answers in answered:
            text = say("{where} answers {call}, which an earlier tool result already answers.",
                       where=where, call=_call_label(answers, called[answers]))
        else:
            answered.add(answers)
            continue
        yield ctx.finding("tool-result-unlinked", field, text)


@example_rule("tool-call-unanswered")
def tool_call_unanswered(ctx: ExampleContext) -> Iterator[Finding]:
    messages = _messages(ctx)
    answered = {m.get("tool_call_id") for _, m in messages if _role(m) == "tool"}
    for field, message in messages[:-1]:  # a last turn's calls teach calling, then stop
        for call_id, name, _ in _calls(message):
            if not call_id or call_id not in answered:
                yield ctx.finding(
                    "tool-call-unanswered", field,
                    say("{where} calls {call}, but no tool result answers it and the conversation goes on: add a "
                        "tool turn with its result after this turn.", where=_where(ctx, field),
                        call=_call_label(call_id, name)),
                )


TOOL_CHECKS = (tool_unknown, tool_arguments_invalid, tool_result_unlinked, tool_call_unanswered)

"""Imported data as a project's examples: a profile's line, read into the neutral example, or a
CSV/TSV row with a column chosen per target, becomes the `ExampleValues` the form would have saved.

- Classification and generation: a prompt/completion pair is parsed back through the project's
  template (`PromptReader`): the separator, the completion's leading space and the stop are
  removed, and the prompt body is matched against the template to recover each field. A body the
  template does not give back is kept whole in one field (`raw_prompt`; the import page says so).
  A conversation (a messages profile's line) gives its user turn as the body and its assistant turn
  as the output. A label is matched by name or by its completion text.
- The support chatbot (agent turns): its lines are one per agent reply, each prompt holding the
  dialog so far; `group_support_lines` joins consecutive lines of one conversation first.
- Chat: a leading system turn fills the `system` field, the other turns are the output messages in
  the form's shape (weight, reasoning, tool calls and results kept). Prompt/completion lines become
  one user and one assistant turn.
- Preference: the input turns, then the chosen and rejected replies; a line without both is refused.

Problems are (field, message) pairs, the field as the form names it (`text`, `output`,
`output.non_preferred`, `turns`); nothing here raises on odd input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from app.core.project_settings import ExampleValues, ProjectSettings, fill_template
from app.core.providers.neutral import Example, TextPair, Turn
from app.core.render import attributes_text, field_values
from app.core.text import NUL, SURROGATE
from app.core.text import problems as text_problems
from app.core.wording import say

MAX_PARSED = 400_000  # a prompt longer than this is kept whole rather than matched (bounded work)
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Mapped(NamedTuple):
    values: ExampleValues | None  # None: the line cannot be this project's example (see problems)
    problems: tuple[tuple[str, str], ...] = ()  # (field, message)
    raw_prompt: bool = False  # the prompt did not match the template: kept whole in `raw_field`


def _refused(field: str, message: str) -> Mapped:
    return Mapped(None, ((field, message),))


class PromptReader:
    """The template run backwards: a filled body back into field values, or None."""

    def __init__(self, settings: ProjectSettings) -> None:
        self.settings = settings
        pattern, seen = [], set()
        last = 0
        for match in _TOKEN.finditer(settings.template):
            pattern.append(re.escape(settings.template[last:match.start()]))
            last = match.end()
            token, name = match.group(0), match.group(1)
            if name is None:
                pattern.append(re.escape(token[0]))
            elif name in seen:
                pattern.append(f"(?P={name})")
            else:
                seen.add(name)
                pattern.append(f"(?P<{name}>.*?)")
        pattern.append(re.escape(settings.template[last:]))
        self.pattern = re.compile("".join(pattern) + r"\Z", re.DOTALL)
        self.names = seen

    def fields(self, body: str) -> dict[str, Any] | None:
        """The field values whose filled template is exactly `body`, or None."""
        if len(body) > MAX_PARSED:
            return None
        match = self.pattern.match(body)
        if match is None:
            return None
        values: dict[str, Any] = {}
        for spec in self.settings.fields:
            text = match.group(spec.name) if spec.name in self.names else ""
            values[spec.name] = _widget_value(self.settings, spec.widget, text)
        filled = fill_template(self.settings.template, field_values(self.settings, ExampleValues(values)))
        return values if filled == body else None


def _widget_value(settings: ProjectSettings, widget: str, text: str) -> Any:
    """A field's value from its text in the prompt (attribute rows and turns parsed back)."""
    if widget == "pairs":
        return [list(pair) for pair in _attribute_pairs(text, settings.prompt_style)]
    if widget == "turns":
        return [[speaker, said] for speaker, said in _speaker_lines(text, None)]
    return text


def _attribute_pairs(text: str, style: str) -> list[tuple[str, str]]:
    if not text:
        return []
    if style == "natural_language":
        found = re.findall(r"(.+?) is (.*?)\.(?: |\Z)", text, re.DOTALL)
    else:
        found = [tuple(part.partition("=")[::2]) for part in re.split(r", (?=[^=,]+=)", text)]
    pairs = [(k, v) for k, v in found]
    return pairs if attributes_text(pairs, style) == text else [("", text)]


def _speaker_lines(text: str, speakers: Sequence[str] | None) -> list[tuple[str, str]]:
    """"Speaker: text" lines back into rows; a line that starts no turn continues the one before."""
    rows: list[list[str]] = []
    for line in text.split("\n") if text else []:
        speaker, colon, said = line.partition(": ")
        if colon and (speakers is None and speaker and "\n" not in speaker or speakers and speaker in speakers):
            rows.append([speaker, said])
        elif rows:
            rows[-1][1] += "\n" + line
        else:
            rows.append(["", line])
    return [(s, t) for s, t in rows]


def raw_field(settings: ProjectSettings) -> str | None:
    """The field a prompt that matches no template is kept in: the first free-text field."""
    for widget in ("textarea", "text"):
        for spec in settings.fields:
            if spec.widget == widget:
                return spec.name
    return None


def _body_fields(settings: ProjectSettings, reader: PromptReader, body: str) -> tuple[dict[str, Any] | None, bool]:
    fields = reader.fields(body)
    if fields is not None:
        return fields, False
    keep = raw_field(settings)
    if keep is None:
        return None, True
    return {spec.name: (body if spec.name == keep else ([] if spec.widget in ("pairs", "turns") else ""))
            for spec in settings.fields}, True


def _output(settings: ProjectSettings, answer: str) -> tuple[Any, tuple[tuple[str, str], ...]]:
    """The output value of an answer text (a label, a list, or text)."""
    if settings.output_widget == "label":
        label = settings.label_for(answer)
        if label is None:
            names = ", ".join(lab.name for lab in settings.labels)
            return None, (("output", say("{answer!r} is not one of this project's labels ({names}).",
                                         answer=answer.strip(), names=names)),)
        return label.name, ()
    if settings.output_widget == "list":
        return [item.strip() for item in answer.split("\n") if item.strip()], ()
    return answer.strip(), ()


def _completion_text(settings: ProjectSettings, completion: str) -> str:
    if settings.stop and completion.endswith(settings.stop):
        completion = completion[: -len(settings.stop)]
    if settings.leading_space and completion.startswith(" "):
        completion = completion[1:]
    return completion


class Importer:
    """Maps neutral examples and rows into one project's values (the template compiled once)."""

    def __init__(self, settings: ProjectSettings) -> None:
        self.settings = settings
        self.reader = PromptReader(settings) if settings.kind in ("classification", "generation") else None

    def example(self, example: Example) -> Mapped:
        kind = self.settings.kind
        if kind in ("classification", "generation"):
            if self.settings.output_widget == "agent_turns":
                return self._support(example)
            return self._text_pair(example)
        if kind == "chat":
            return self._chat(example)
        return self._preference(example)

    def _text_pair(self, example: Example) -> Mapped:
        settings = self.settings
        if example.pairs:
            if len(example.pairs) > 1:
                if settings.kind == "classification":
                    return _refused("output", say("The line holds {count} prompt/completion pairs; a classification "
                                                  "example has one.", count=len(example.pairs)))
                return _refused("output", say("The line holds {count} prompt/completion pairs; a generation example "
                                              "has one.", count=len(example.pairs)))
            prompt, completion = example.pairs[0]
            body = prompt[: -len(settings.separator)] if settings.separator and prompt.endswith(settings.separator) \
                else prompt
            answer = _completion_text(settings, completion)
        else:
            turns = [t for t in example.conversation() if t.role != "system"]
            if [t.role for t in turns] != ["user", "assistant"]:
                roles = ", ".join(t.role for t in turns) or say("none")
                if settings.kind == "classification":
                    return _refused("output", say("A classification example is one user turn and one assistant "
                                                  "reply; this line has {roles}.", roles=roles))
                return _refused("output", say("A generation example is one user turn and one assistant reply; "
                                              "this line has {roles}.", roles=roles))
            body, answer = turns[0].content, turns[1].content
        assert self.reader is not None
        fields, raw = _body_fields(settings, self.reader, body)
        if fields is None:
            return _refused("fields", say("The prompt does not match the project's template and no text field can "
                                          "hold it."))
        output, problems = _output(settings, answer)
        return Mapped(ExampleValues(fields, output), problems, raw)

    def _support(self, example: Example) -> Mapped:
        settings = self.settings
        asker, answerer = settings.speakers
        if example.pairs:
            prompt, completion = example.pairs[-1]
            head, sep, rest = prompt.partition(settings.separator) if settings.separator else ("", "", prompt)
            if not sep or not rest.endswith(f"{answerer}:"):
                return _refused("turns", say("The prompt is not a conversation ending in {answerer!r}: and the "
                                             "project's separator.", answerer=answerer))
            dialog = rest[: -len(answerer) - 1]
            turns = _speaker_lines(dialog[:-1] if dialog.endswith("\n") else dialog, (asker, answerer))
            turns.append((answerer, _completion_text(settings, completion)))
        else:
            system = [t.content for t in example.turns if t.role == "system"]
            head = system[0] if system else ""
            turns = [(answerer if t.role == "assistant" else asker, t.content)
                     for t in example.conversation() if t.role in ("user", "assistant")]
        assert self.reader is not None
        header_settings = self.settings
        fields, raw = _body_fields(header_settings, self.reader, head)
        if fields is None:
            return _refused("fields", say("The conversation's header does not match the project's template."))
        fields["turns"] = [[speaker, text] for speaker, text in turns]
        return Mapped(ExampleValues(fields, None), (), raw)

    def _chat(self, example: Example) -> Mapped:
        turns = list(example.conversation())
        if example.pairs and not turns:
            prompt, completion = example.pairs[0]
            turns = [Turn("user", prompt), Turn("assistant", completion)]
        system = ""
        if turns and turns[0].role == "system":
            system, turns = turns[0].content, turns[1:]
        return Mapped(ExampleValues({"system": system}, [message_of(t) for t in turns]))

    def _preference(self, example: Example) -> Mapped:
        if example.chosen is None or example.rejected is None:
            return _refused("output.non_preferred", say("A preference example needs a chosen and a rejected reply; "
                                                         "this line has no rejected one."))
        turns = list(example.turns)
        system = ""
        if turns and turns[0].role == "system":
            system, turns = turns[0].content, turns[1:]
        rows = [[t.role, t.content] if _plain(t) else message_of(t) for t in turns]
        output = {"preferred": example.chosen.content, "non_preferred": example.rejected.content}
        return Mapped(ExampleValues({"system": system, "turns": rows}, output))

    # CSV / TSV rows ---------------------------------------------------------------------------

    def row(self, mapping: Mapping[str, str], row: Mapping[str, str]) -> Mapped:
        """A row's values: `mapping` names the column of each target (see `targets`)."""
        value = {target: row.get(column, "") for target, column in mapping.items() if column}
        kind = self.settings.kind
        if kind == "chat":
            turns = [Turn("user", value.get("user", "")), Turn("assistant", value.get("assistant", ""))]
            return Mapped(ExampleValues({"system": value.get("system", "")}, [message_of(t) for t in turns]))
        if kind == "preference":
            example = Example("preference", (Turn("system", value["system"]),) if value.get("system") else (), None,
                              None)
            example = example._replace(turns=example.turns + (Turn("user", value.get("prompt", "")),),
                                       chosen=Turn("assistant", value.get("chosen", "")),
                                       rejected=Turn("assistant", value.get("rejected", "")))
            return self._preference(example)
        fields: dict[str, Any] = {}
        for spec in self.settings.fields:
            text = value.get(spec.name, "")
            fields[spec.name] = _json_rows(text) if spec.widget in ("pairs", "turns") else text
        if "output" not in value:
            return Mapped(ExampleValues(fields, None), (("output", say("No column was chosen for the output.")),))
        output, problems = _output(self.settings, value["output"])
        return Mapped(ExampleValues(fields, output), problems)


def _json_rows(text: str) -> Any:
    """A pairs or turns cell: a JSON list of [key, value] rows, or `key=value, …` text."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    return [list(pair) for pair in _attribute_pairs(text, "key_value")] if text else []


def targets(settings: ProjectSettings) -> list[tuple[str, str]]:
    """What a CSV column can fill, as (key, what the page calls it)."""
    if settings.kind == "chat":
        return [("system", say("System prompt")), ("user", say("User turn")), ("assistant", say("Assistant reply"))]
    if settings.kind == "preference":
        return [("system", say("System prompt")), ("prompt", say("User turn")), ("chosen", say("Chosen reply")),
                ("rejected", say("Rejected reply"))]
    output = say("Label") if settings.output_widget == "label" else say("Completion")
    return [(spec.name, spec.label) for spec in settings.fields] + [("output", output)]


def guess_mapping(settings: ProjectSettings, columns: Sequence[str]) -> dict[str, str]:
    """Each target's column when a header names it (case and spaces ignored), else ""."""
    simple = {_simple(c): c for c in columns}
    synonyms = {"output": ("output", "label", "completion", "answer", "class", "target"),
                "user": ("user", "prompt", "input", "question"), "assistant": ("assistant", "response", "answer"),
                "prompt": ("prompt", "user", "input", "question"), "chosen": ("chosen", "preferred"),
                "rejected": ("rejected", "non_preferred")}
    mapping: dict[str, str] = {}
    for key, label in targets(settings):
        names = (key, label) + synonyms.get(key, ())
        mapping[key] = next((simple[_simple(n)] for n in names if _simple(n) in simple), "")
    return mapping


def _simple(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).casefold()


def message_of(turn: Turn) -> dict[str, Any]:
    """A turn as the chat form stores it (app/web/chat_form.py)."""
    message: dict[str, Any] = {"role": turn.role, "content": turn.content}
    if turn.weight is not None:
        message["weight"] = turn.weight
    if turn.reasoning:
        message["reasoning_content"] = turn.reasoning
    if turn.tool_calls:
        message["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                                 for c in turn.tool_calls]
    if turn.role == "tool" and turn.call_id:
        message["tool_call_id"] = turn.call_id
    return message


def _plain(turn: Turn) -> bool:
    return not (turn.reasoning or turn.tool_calls or turn.call_id or turn.weight is not None)


def text_faults(value: Any) -> tuple[tuple[str, str], ...]:
    """NUL characters and lone surrogates anywhere in a parsed line, by dotted path."""
    return tuple((path, _TEXT_FAULTS[message]) for path, message in text_problems(value).items())


_TEXT_FAULTS = {  # text.problem's findings, as whole sentences about a line's text
    NUL: say("The text contains a NUL character (\\0), which text may not hold."),
    SURROGATE: say("The text contains a lone surrogate (half of a UTF-16 pair), which is not text."),
}


def group_support_lines(pairs: Iterable[tuple[int, TextPair]]) -> Iterator[tuple[int, list[TextPair]]]:
    """Consecutive lines of one support conversation joined (a line's prompt and completion begin
    the next line's prompt): (first line number, the pairs)."""
    group: list[TextPair] = []
    first = 0
    for number, pair in pairs:
        if group and pair.prompt.startswith(group[-1].prompt + group[-1].completion):
            group.append(pair)
            continue
        if group:
            yield first, group
        group, first = [pair], number
    if group:
        yield first, group

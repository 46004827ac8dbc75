"""Parse posted forms into service inputs: example values and project settings.

Field names: `f.<field>` for text, `f.<field>.key`/`.value` for attribute rows,
`f.<field>.role`/`.text` for conversation turns; the output is `output` (label or text),
`output.item` (list), `chat.role`/`chat.content`/`chat.weight` (chat) or
`output.preferred`/`output.non_preferred` (preference).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.core.tasks import Example, ProjectSettings
from app.core.text import unescape_controls
from app.services.projects import SettingsForm


def int_or_none(value: Any) -> int | None:
    """A positive integer form/query value, or None (ids, versions, timestamps)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def ints(form: FormData, name: str) -> list[int]:
    """The positive integers posted under a repeated field (ticked example ids)."""
    return [int(v) for v in form.getlist(name) if str(v).isdigit()]


def _lf(value: Any) -> str:
    """Browsers send textarea line breaks as CRLF; examples store LF, as they are exported."""
    return str(value).replace("\r\n", "\n")


def _text(form: FormData, name: str) -> str:
    return _lf(form.get(name, ""))


def _rows(form: FormData, *names: str) -> list[tuple[str, ...]]:
    columns = [form.getlist(n) for n in names]
    length = max((len(c) for c in columns), default=0)
    return [tuple(_lf(c[i]) if i < len(c) else "" for c in columns) for i in range(length)]


def example_values(settings: ProjectSettings, form: FormData) -> Example:
    fields: dict[str, Any] = {}
    for spec in settings.fields:
        key = f"f.{spec.name}"
        if spec.widget == "pairs":
            fields[spec.name] = [[k, v] for k, v in _rows(form, f"{key}.key", f"{key}.value") if k.strip() or v.strip()]
        elif spec.widget == "turns":
            fields[spec.name] = [[r, t] for r, t in _rows(form, f"{key}.role", f"{key}.text") if t.strip()]
        else:
            fields[spec.name] = _text(form, key)
    widget = settings.output_widget
    output: Any
    if widget == "list":
        output = [_lf(i).strip() for i in form.getlist("output.item") if str(i).strip()]
    elif widget == "chat":
        output = []
        for role, content, weight in _rows(form, "chat.role", "chat.content", "chat.weight"):
            if not content.strip() and not role:
                continue
            message: dict[str, Any] = {"role": role, "content": content}
            if role == "assistant" and weight == "0":
                message["weight"] = 0
            output.append(message)
    elif widget == "pair":
        output = {"preferred": _text(form, "output.preferred"), "non_preferred": _text(form, "output.non_preferred")}
    elif widget == "agent_turns":
        output = None
    else:
        output = _text(form, "output") or None
    return Example(fields=fields, output=output)


def settings_form(form: FormData) -> SettingsForm:
    custom_fields = None
    if "field.name" in form:
        custom_fields = [
            (n, lab, w, req == "yes") for n, lab, w, req in _rows(form, "field.name", "field.label", "field.widget", "field.required")
        ]
    return SettingsForm(
        name=str(form.get("name", "")),
        target_model=str(form.get("target_model", "")),
        separator=unescape_controls(str(form.get("separator", ""))),
        stop=unescape_controls(str(form.get("stop", ""))),
        leading_space=form.get("leading_space") == "yes",
        guidelines=_text(form, "guidelines"),
        export_profile=str(form.get("export_profile", "")),
        prompt_style=str(form.get("prompt_style", "template")),
        labels=[(n, unescape_controls(c), k) for n, c, k in _rows(form, "label.name", "label.completion", "label.hotkey")],
        kind=str(form["kind"]) if "kind" in form else None,
        template=_text(form, "template") if "template" in form else None,
        fields=custom_fields,
    )

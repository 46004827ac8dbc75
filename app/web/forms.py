"""Parse posted forms into service inputs: example values and project settings.

Field names: `f.<field>` for text, `f.<field>.key`/`.value` for attribute rows,
`f.<field>.role`/`.text` for conversation turns; the output is `output` (label or text),
`output.item` (list), `chat.role`/`chat.content`/`chat.weight` (chat; with tools or reasoning, also
the reasoning, tool-call and tool-result fields `app.web.chat_form` parses) or
`output.preferred`/`output.non_preferred` (preference).
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from starlette.datastructures import FormData

from app.core.project_settings import ExampleValues, ProjectSettings
from app.web.chat_form import conversation
from app.web.chat_form import lf as _lf
from app.web.chat_form import rows as _rows
from app.core.text import unescape_controls
from app.core.wording import say
from app.services.errors import Invalid
from app.services.projects import SettingsForm

# The largest id (and version) every engine stores: the id and version columns are INTEGER, 32-bit on
# PostgreSQL (a larger value there is a DataError, a 500). Move it to 2**63 - 1 with a BIGINT migration.
MAX_INT = 2**31 - 1
MAX_IDS = 5000  # the most example ids one bulk action takes (the services' limit)
MAX_FORM_FIELDS = MAX_IDS + 1000  # a bulk form's ids plus its other fields; settings forms are far smaller
Id = Annotated[int, Ge(1), Le(MAX_INT)]  # every id in a path or query string: larger ones get 422, never 500


def int_or_none(value: Any, field: str = "value") -> int | None:
    """A non-negative integer form/query value, or None (ids, versions, timestamps).

    A number past MAX_INT is refused with a clear 422 (it cannot name anything stored).
    """
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 20 or int(text) > MAX_INT:
        raise Invalid({field: say("{field} must be a whole number no larger than {limit:,}.", field=field, limit=MAX_INT)})
    return int(text)


def ints(form: FormData, name: str) -> list[int]:
    """The positive integers posted under a repeated field (ticked example ids), at most MAX_IDS."""
    values = [str(v) for v in form.getlist(name)]
    if len(values) > MAX_IDS:
        raise Invalid({name: say("At most {limit:,} examples at once ({count:,} were ticked): nothing was changed.",
                                 limit=MAX_IDS, count=len(values))})
    return [number for v in values if (number := int_or_none(v, name)) is not None]


def _text(form: FormData, name: str) -> str:
    return _lf(form.get(name, ""))


def example_values(settings: ProjectSettings, form: FormData) -> ExampleValues:
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
        output = conversation(form, "chat", "content", weights=True)
    elif widget == "pair":
        output = {"preferred": _text(form, "output.preferred"), "non_preferred": _text(form, "output.non_preferred")}
    elif widget == "agent_turns":
        output = None
    else:
        output = _text(form, "output") or None
    return ExampleValues(fields=fields, output=output)


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
        tools=_text(form, "tools") if "tools" in form else None,
        parallel_tool_calls=str(form.get("parallel_tool_calls", "")),
        reasoning=form.get("reasoning") == "yes",
    )

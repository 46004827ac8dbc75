"""Projects: create from a preset, read settings, change settings (re-checking every example)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.presets import PRESETS_BY_KEY, get_preset
from app.core.profiles import PROFILES, default_profile
from app.core.project_settings import KINDS, PROMPT_STYLES, FieldSpec, Label, template_placeholders
from app.core.tools import DefinitionError, parse_definitions
from app.core.wording import say
from app.services import audit
from app.services import health, recheck
from app.services.errors import Invalid, NotFound
from app.storage import projects as store
from app.storage import team
from app.storage.tables import Membership, Project, User
from app.services import parsed_settings

NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


settings_of = parsed_settings.settings_of  # pages import it from here


def list_projects(session: Session, user: User) -> list[tuple[Project, int, str]]:
    """(project, examples, your role) for the projects `user` belongs to (all of them for an admin)."""
    return store.list_projects(session, None if user.is_admin else user.id)


def members(session: Session, project: Project) -> list[tuple[Membership, User]]:
    return team.memberships(session, project.id)


def get_project(session: Session, project_id: int) -> Project:
    project = store.get_project(session, project_id)
    if project is None:
        raise NotFound(say("project {id} does not exist", id=project_id))
    return project


def create_project(session: Session, user: User, name: str, preset_key: str) -> Project:
    """A new project of a preset, its creator its owner (committed)."""
    project = add_project(session, user, name, preset_key)
    session.commit()
    return project


def add_project(session: Session, user: User, name: str, preset_key: str) -> Project:
    """`create_project` in the caller's transaction (an import that creates its project commits both or neither)."""
    errors = {}
    if not name.strip():
        errors["name"] = say("Name the project.")
    elif len(name.strip()) > 200:
        errors["name"] = say("Use at most {limit} characters.", limit=200)
    if preset_key not in PRESETS_BY_KEY:
        errors["preset"] = say("Pick one of the task types.")
    if errors:
        raise Invalid(errors)
    preset = get_preset(preset_key)
    project = Project(
        name=name.strip(),
        kind=preset.settings.kind,
        preset=preset.key,
        settings=preset.settings.to_dict(),
        export_profile=default_profile(preset.settings.kind),
        created_by=user.id,
    )
    store.add_project(session, project)
    health.reset(session, project)  # empty aggregates, kept in step from the first save
    session.add(Membership(project_id=project.id, user_id=user.id, role="owner"))
    audit.record(session, project, user, "project_created", {"preset": preset.key})
    return project


@dataclass
class SettingsForm:
    """What the settings page posts, already unescaped (`\\n` typed as two characters is a newline)."""

    name: str
    target_model: str
    separator: str
    stop: str
    leading_space: bool
    guidelines: str
    export_profile: str
    prompt_style: str = "template"
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (name, completion, hotkey)
    kind: str | None = None  # custom projects only
    template: str | None = None  # custom projects only
    fields: list[tuple[str, str, str, bool]] | None = None  # custom: (name, label, widget, required)
    # Chat and preference: the tool definitions as JSON text (None: the page had no tools section,
    # nothing changes), parallel_tool_calls ("" not set, "true", "false") and the reasoning switch.
    tools: str | None = None
    parallel_tool_calls: str = ""
    reasoning: bool = False


def _labels(rows: list[tuple[str, str, str]], errors: dict[str, str]) -> tuple[Label, ...]:
    labels, names, keys = [], set(), set()
    for name, completion, hotkey in rows:
        name, hotkey = name.strip(), hotkey.strip()
        if not name and not completion.strip():
            continue
        if not name:
            errors["labels"] = say("Every label needs a name (completion {completion} has none).", completion=repr(completion))
        elif name in names:
            errors["labels"] = say("Label {name} appears twice.", name=repr(name))
        if not completion.strip():
            completion = " " + name
        if len(hotkey) > 1:
            errors["labels"] = say("Hotkey {hotkey} of {name} must be one key.", hotkey=repr(hotkey), name=repr(name))
        elif hotkey and hotkey in keys:
            errors["labels"] = say("Hotkey {hotkey} is used by two labels.", hotkey=repr(hotkey))
        names.add(name)
        keys.add(hotkey)
        labels.append(Label(name=name, completion=completion, hotkey=hotkey))
    return tuple(labels)


def _custom_fields(rows: list[tuple[str, str, str, bool]], errors: dict[str, str]) -> tuple[FieldSpec, ...]:
    specs, seen = [], set()
    for name, label, widget, required in rows:
        name = name.strip()
        if not name:
            continue
        if not NAME_RE.match(name):
            errors["fields"] = say("Field name {name}: use lowercase letters, digits and _ (start with a letter).", name=repr(name))
        elif name in seen:
            errors["fields"] = say("Field {name} appears twice.", name=repr(name))
        seen.add(name)
        specs.append(FieldSpec(name, label.strip() or name, widget if widget in ("text", "textarea") else "textarea", required))
    if not specs:
        errors["fields"] = say("Define at least one input field.")
    return tuple(specs)


PARALLEL_TOOL_CALLS = {"": None, "true": True, "false": False}


def _tool_settings(form: SettingsForm, errors: dict[str, str]) -> dict:
    """The tools section's changes: definitions checked (`app.core.tools`), nothing kept on error."""
    changes: dict = {"reasoning": form.reasoning}
    try:
        changes["tools"] = parse_definitions(form.tools or "")
    except DefinitionError as exc:
        errors["tools"] = str(exc)
    if form.parallel_tool_calls not in PARALLEL_TOOL_CALLS:
        errors["parallel_tool_calls"] = say("Pick not set, true or false.")
    else:
        changes["parallel_tool_calls"] = PARALLEL_TOOL_CALLS[form.parallel_tool_calls]
    return changes


def update_settings(session: Session, project: Project, user: User, form: SettingsForm, models: ModelTable) -> Project:
    """Validate and store new settings; nothing changes if any value is refused."""
    current = settings_of(project)
    errors: dict[str, str] = {}
    if not form.name.strip():
        errors["name"] = say("Name the project.")
    if not models.knows(form.target_model):
        errors["target_model"] = say("Pick a model from the table ({models}).", models=", ".join(models.names))
    if form.export_profile not in PROFILES or current.kind not in PROFILES[form.export_profile].kinds:
        errors["export_profile"] = say("This profile cannot write this task type.")
    if form.prompt_style not in PROMPT_STYLES:
        errors["prompt_style"] = say("Unknown prompt style.")
    changes: dict = {
        "target_model": models.get(form.target_model).name,  # an alias is saved as the name it stands for
        "separator": form.separator,
        "stop": form.stop,
        "leading_space": form.leading_space,
        "prompt_style": form.prompt_style,
    }
    kind = current.kind
    if current.preset == "custom":
        kind = form.kind if form.kind in ("classification", "generation") else current.kind
        fields = _custom_fields(form.fields or [], errors)
        template = form.template or ""
        unknown = [p for p in template_placeholders(template) if p not in {f.name for f in fields}]
        if unknown:
            errors["template"] = say("The template uses {placeholders}, which is not a field.",
                                     placeholders=", ".join("{" + u + "}" for u in unknown))
        elif not template.strip():
            errors["template"] = say("Write the prompt template, e.g. {input}.")
        changes.update(kind=kind, fields=fields, template=template, output_widget="label" if kind == "classification" else "text")
    if kind == "classification":
        labels = _labels(form.labels, errors)
        if not labels and "labels" not in errors:
            errors["labels"] = say("A classification project needs at least one label.")
        changes["labels"] = labels
    if kind in ("chat", "preference") and form.tools is not None:
        changes.update(_tool_settings(form, errors))
    if errors:
        raise Invalid(errors)
    assert kind in KINDS
    updated = current.with_changes(**changes)
    project.name = form.name.strip()[:200]
    project.kind = kind
    project.settings = updated.to_dict()
    project.export_profile = form.export_profile if kind in PROFILES[form.export_profile].kinds else default_profile(kind)
    project.guidelines = form.guidelines
    recheck.start(session, project)  # every example is re-checked in batches after this commit
    audit.record(session, project, user, "settings_changed", {"version": project.version})
    session.commit()
    return project

"""Data of /projects/{id}/export: the profiles that write the project's kind, grouped by provider
(with each provider's standing: OpenAI winding down, Mistral's hosted service deprecated), the
dataset rules to look at before uploading, and the preflight of the chosen profile and states."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.core.model_table import ModelTable
from app.core.providers import by_provider
from app.services import dashboard as dashboard_service
from app.services import examples as example_service
from app.services import exports as export_service
from app.services import health as health_service
from app.services.pages.common import NoteOut, ProfileFindingOut
from app.services.pages.health import DatasetFindingOut
from app.services.permissions import allows
from app.storage.tables import Project, User

# What the page says over a provider's profiles (reference/providers-2026-12.md).
PROVIDER_NOTICES = {
    "OpenAI": ("winding-down", "OpenAI is winding down self-serve fine-tuning: new users are already shut out, and "
                               "OpenAI stops new fine-tuning jobs on 2027-01-06 for the remaining customers (models "
                               "already fine-tuned stay until their base models retire). Azure OpenAI and several "
                               "other services read the same shapes."),
    "Mistral": ("deprecated", "Mistral's hosted fine-tuning service is deprecated: this shape is for mistral-finetune, "
                              "to train the open-weight models yourself."),
}
OUTCOME_WORDS = {"refused": "left out: the shape cannot carry it", "error": "left out: it has an error",
                 "included": "written although it has an error (as asked)", "written": "written"}


class ProfileOut(BaseModel):
    key: str
    title: str
    note: str
    provider: str
    targets: str  # the models or training stacks the shape is for
    byte_order_mark: bool  # the file starts with a UTF-8 BOM (Azure)


class ProviderOut(BaseModel):
    provider: str
    standing: str  # "" | "winding-down" | "deprecated"
    notice: str
    profiles: list[ProfileOut]


class AffectedOut(BaseModel):
    example_id: int
    status: str
    outcome: str  # written | refused | error | included
    outcome_text: str
    notes: list[NoteOut]
    findings: list[ProfileFindingOut]


class SplitOut(BaseModel):
    ratio: float  # the validation share
    seed: int


class ChoiceOut(BaseModel):
    """The chosen profile, states and split, and how many examples they hold (from the project's counters)."""

    profile: str
    title: str
    statuses: list[str]
    include_errors: bool
    examples: int
    split: SplitOut | None = None


class SideOut(BaseModel):
    """One file of the export: "all" (no split), "train" or "validation"."""

    side: str
    examples: int
    rows: int
    file_findings: list[ProfileFindingOut]  # the profile's file rules over this file


class PreflightOut(BaseModel):
    profile: str
    title: str
    statuses: list[str]
    include_errors: bool
    examples: int  # in the chosen states
    written: int
    refused: int  # left out: the shape cannot carry them
    errors: int  # left out: an error-level finding (included when asked)
    included_with_errors: int
    rows: int  # lines in the file
    byte_order_mark: bool
    affected: list[AffectedOut]  # only examples the viewer may open
    unlisted: int  # affected examples past the listed ones
    hidden: int  # affected examples the viewer may not open
    file_findings: list[ProfileFindingOut]  # the profile's rules over the whole file
    file_refused: bool  # a file rule at error level: the provider would refuse the upload
    counts: dict[str, int]  # code -> examples it concerns (a file rule counts once)
    split: SplitOut | None = None
    sides: list[SideOut] = []  # the files and what each holds
    leakage: int | None = None  # a split: inputs in both files (split-leakage), 0 by construction


class EmptyOut(BaseModel):
    """Why the chosen download would hold no line, and what would give it some."""

    reason: str
    hints: list[str]


class ExportPage(BaseModel):
    total: int
    states: dict[str, int]  # examples per state
    levels: dict[str, int]  # examples per worst level: those with an error are left out unless included
    preflight: list[DatasetFindingOut]  # dataset rules at error or warning level
    profiles: list[ProfileOut]  # every profile that writes the project's kind, in the providers' order
    providers: list[ProviderOut]  # the same profiles, grouped by provider
    default_profile: str
    default_states: list[str]
    choice: ChoiceOut  # the chosen profile and states
    # The preflight of the choice: on every load up to `auto_check_max` examples, above that when
    # asked (`check=true`: it reads and renders each example, about a download's cost); else null.
    check: PreflightOut | None
    auto_check_max: int
    empty: EmptyOut | None = None  # the choice gives an empty file: the page says why and offers no download


def profile_out(profile) -> ProfileOut:
    return ProfileOut(key=profile.key, title=profile.title, note=profile.note, provider=profile.provider,
                      targets=profile.targets, byte_order_mark=profile.file_prefix == "\ufeff")


def provider_groups(kind: str) -> list[ProviderOut]:
    groups = []
    for provider, profiles in by_provider(kind).items():
        standing, notice = PROVIDER_NOTICES.get(provider, ("", ""))
        groups.append(ProviderOut(provider=provider, standing=standing, notice=notice,
                                  profiles=[profile_out(p) for p in profiles]))
    return groups


def preflight_out(checked: export_service.Preflight) -> PreflightOut:
    request = checked.request
    profile = export_service.PROFILES[request.profile]
    return PreflightOut(
        profile=request.profile, title=profile.title, statuses=list(request.statuses),
        include_errors=request.include_errors, examples=checked.examples, written=checked.written,
        refused=checked.refused, errors=checked.errors, included_with_errors=checked.included_with_errors,
        rows=checked.rows, byte_order_mark=bool(profile.file_prefix),
        affected=[AffectedOut(example_id=a.example_id, status=a.status, outcome=a.outcome,
                              outcome_text=OUTCOME_WORDS[a.outcome],
                              notes=[NoteOut(**n._asdict()) for n in a.notes],
                              findings=[ProfileFindingOut(**f._asdict()) for f in a.findings])
                  for a in checked.affected],
        unlisted=checked.unlisted, hidden=checked.hidden,
        file_findings=[ProfileFindingOut(**f._asdict()) for f in checked.file_findings],
        file_refused=checked.file_errors, counts=checked.counts,
        split=SplitOut(**request.split.as_dict()) if request.split is not None else None,
        sides=[SideOut(side=name, examples=side.examples, rows=side.rows,
                       file_findings=[ProfileFindingOut(**f._asdict()) for f in side.file_findings])
               for name, side in checked.sides.items()],
        leakage=checked.leakage,
    )


def export_page(session: Session, project: Project, user: User, role: str | None, models: ModelTable,
                request: export_service.ExportRequest, check: bool, auto_check_max: int) -> ExportPage:
    """The page's data; the preflight runs when asked (`check`) or when the choice holds at most
    `auto_check_max` examples (the TUNELAB_EXPORT_CHECK_MAX setting)."""
    board = dashboard_service.dashboard(session, project, role)
    health = health_service.report(session, project, role, models)
    groups = provider_groups(project.kind)
    examples = sum(board.states.get(state, 0) for state in request.statuses)
    choice = ChoiceOut(profile=request.profile, title=export_service.PROFILES[request.profile].title,
                       statuses=list(request.statuses), include_errors=request.include_errors, examples=examples,
                       split=SplitOut(**request.split.as_dict()) if request.split is not None else None)
    checked = check or examples <= auto_check_max
    preflight = preflight_out(export_service.preflight(session, project, user, role, request, models)) if checked else None
    return ExportPage(
        total=board.total, states=board.states, levels=example_service.level_counts(session, project),
        preflight=[DatasetFindingOut(**f.as_dict()) for f in health.findings if f.level in ("error", "warning")],
        profiles=[p for group in groups for p in group.profiles], providers=groups,
        default_profile=project.export_profile, default_states=list(export_service.DEFAULT_STATUSES),
        choice=choice, auto_check_max=auto_check_max, check=preflight,
        empty=why_empty(board.states, choice, preflight, allows(role, "review_own")),
    )


def _states(states: list[str], joiner: str = "or") -> str:
    words = [s.replace("_", " ") for s in states]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def why_empty(states: dict[str, int], choice: ChoiceOut, check: PreflightOut | None, owner: bool) -> EmptyOut | None:
    """None when the choice gives lines (or may: not checked yet); else why it gives none, and what to do."""
    if choice.examples == 0:
        hints = []
        if not sum(states.values()):
            hints.append("The project has no examples yet: write one (New example) or import a file (Import).")
        drafts = states.get("draft", 0) + states.get("changes_requested", 0)
        if drafts and "draft" not in choice.statuses:
            hints.append(f"{drafts:,} example{'s are' if drafts != 1 else ' is'} not submitted yet: submit "
                         f"{'them' if drafts != 1 else 'it'} (Submit on the example's page)"
                         + (", or tick them in Examples and use “Submit and approve ticked”." if owner else "."))
        waiting = states.get("submitted", 0)
        if waiting and "submitted" not in choice.statuses:
            hints.append(f"{waiting:,} submitted example{'s wait' if waiting != 1 else ' waits'} for review: approve "
                         f"{'them' if waiting != 1 else 'it'} (Review), or tick “submitted” above to export as "
                         f"{'they are' if waiting != 1 else 'it is'}.")
        others = [s for s, n in states.items() if n and s not in choice.statuses]
        if others:
            hints.append("Or tick other states above: " + ", ".join(f"{s.replace('_', ' ')} ({states[s]:,})" for s in others) + ".")
        return EmptyOut(reason=f"No example is {_states(choice.statuses)}, so the file would be empty.", hints=hints)
    if check is not None and check.rows == 0:
        hints = []
        if check.errors:
            hints.append("Fix the examples listed below, or tick “Include examples with an error-level finding anyway”.")
        if check.refused:
            hints.append("Choose another format: this one cannot carry "
                         f"{'these examples' if check.refused != 1 else 'this example'} (see below why).")
        return EmptyOut(reason=f"All {check.examples:,} example{'s' if check.examples != 1 else ''} "
                               f"{_states(check.statuses)} {'are' if check.examples != 1 else 'is'} left out, so the file "
                               "would be empty.", hints=hints)
    return None

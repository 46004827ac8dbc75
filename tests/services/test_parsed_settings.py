"""Settings are parsed once per loaded project row, and a change is seen at once: by the object that
was changed and by every fresh load of the row."""

from __future__ import annotations

from sqlmodel import Session

from app.services import projects
from app.services.parsed_settings import settings_of
from app.storage.tables import Project
from tests.services.conftest import MODELS, Team


def _form(settings, **changes) -> projects.SettingsForm:
    values = dict(name="Tweets", target_model=settings.target_model, separator=settings.separator,
                  stop=settings.stop, leading_space=settings.leading_space, guidelines="",
                  export_profile="openai-legacy", prompt_style=settings.prompt_style,
                  labels=[(label.name, label.completion, label.hotkey) for label in settings.labels])
    return projects.SettingsForm(**{**values, **changes})


def test_one_parse_per_loaded_row_and_a_change_is_seen_at_once(team: Team, engine):
    project = team.project
    first = settings_of(project)
    assert settings_of(project) is first  # the same row: parsed once
    projects.update_settings(team.session, project, team.users["owner"], _form(first, separator="\n\n###\n\n"), MODELS)
    team.session.commit()
    assert settings_of(project).separator == "\n\n###\n\n"
    with Session(engine) as other:  # another request loads the row afresh
        assert settings_of(other.get(Project, project.id)).separator == "\n\n###\n\n"

"""Service-level fixtures: a team built through the same service calls the pages make, on the
per-test database of tests/conftest.py (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session

from app.core.model_table import load_model_table
from app.services import accounts, members, projects
from app.storage.tables import Project, User

MODELS = load_model_table()
PASSWORD = "a long enough password"
ROLES = {"owner": "owner", "rita": "reviewer", "rex": "reviewer", "anna": "annotator", "bob": "annotator"}


@dataclass
class Team:
    """A `sentiment` project with an owner, two reviewers (rita, rex) and two annotators (anna, bob)."""

    session: Session
    project: Project
    users: dict[str, User]

    def role(self, name: str) -> str:
        return ROLES[name]

    def new_project(self, name: str = "Tweets") -> Project:
        """Another project with the same members (the accounts cost a password hash each: made once)."""
        owner = self.users["owner"]
        project = projects.create_project(self.session, owner, name, "sentiment")
        for username, role in ROLES.items():
            if role != "owner":
                members.set_member(self.session, project, owner, "owner", username, role)
        return project


def build_team(session: Session) -> Team:
    owner = accounts.create_first_admin(session, "owner", PASSWORD).user
    users = {"owner": owner}
    for username in ROLES:
        if username != "owner":
            users[username] = members.create_user(session, owner, username, PASSWORD)
    team = Team(session, None, users)  # type: ignore[arg-type]
    team.project = team.new_project()
    return team


@pytest.fixture
def team(engine) -> Team:
    with Session(engine) as session:
        yield build_team(session)

"""SQLModel table classes only. Alembic (migrations/) owns every schema change."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Index, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=128)
    password_hash: str = Field(max_length=255)
    is_admin: bool = False
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class Project(SQLModel, table=True):
    __tablename__ = "project"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    preset: str = Field(max_length=40)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    export_profile: str = Field(max_length=40)
    guidelines: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Example(SQLModel, table=True):
    __tablename__ = "example"
    __table_args__ = (
        Index("ix_example_project_id_id", "project_id", "id"),
        Index("ix_example_project_input_hash", "project_id", "input_hash"),
        Index("ix_example_project_content_hash", "project_id", "content_hash"),
        Index("ix_example_project_level", "project_id", "worst_level"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    output: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    label: str | None = Field(default=None, max_length=200)  # classification: the label name, for filters
    status: str = Field(default="draft", max_length=20)
    version: int = 1
    token_count: int = 0
    worst_level: str = Field(default="ok", max_length=10)
    codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    input_hash: str = Field(max_length=64)
    content_hash: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ExampleRevision(SQLModel, table=True):
    __tablename__ = "example_revision"
    __table_args__ = (UniqueConstraint("example_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    example_id: int = Field(index=True)  # no foreign key: history outlives a deleted example
    version: int
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class ExportSnapshot(SQLModel, table=True):
    __tablename__ = "export_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    profile: str = Field(max_length=40)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rows: int = 0
    examples: int = 0
    skipped: int = 0
    sha256: str = Field(default="", max_length=64)
    complete: bool = False
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)

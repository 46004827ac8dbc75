"""SQLModel table classes only. Alembic (migrations/) owns every schema change."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Index, MetaData, Text, UniqueConstraint, false
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
    language: str = Field(default="auto", max_length=16,  # "auto": follow the browser's Accept-Language
                          sa_column_kwargs={"server_default": "auto"})


class ApiToken(SQLModel, table=True):
    """A script's bearer token (only its SHA-256 is stored); revoking deletes the row."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None  # None: never expires
    scope: str = Field(default="write", max_length=10,  # "read": GET and HEAD only
                       sa_column_kwargs={"server_default": "write"})


class UserSession(SQLModel, table=True):
    """A browser sign-in: the cookie carries a random token, this row its SHA-256. Logout deletes it."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)


class SignInFailure(SQLModel, table=True):
    """Failed sign-ins of one key (an account name's hash, or a client address) in the current
    window, and until when further attempts are refused. Kept in the database so the limit holds
    across workers and restarts."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_window_start", "window_start"),)
    key: str = Field(max_length=80, primary_key=True)
    window_start: datetime
    failures: int = 0
    locked_until: datetime | None = None


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
    version: int = 1  # bumped on every settings change; examples record the version they were checked under
    recheck_cursor: int | None = None  # re-check after a settings change: examples up to this id are done


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=20)  # owner | reviewer | annotator | viewer
    created_at: datetime = Field(default_factory=utcnow)


class Example(SQLModel, table=True):
    __tablename__ = "example"
    __table_args__ = (
        Index("ix_example_project_id_id", "project_id", "id"),
        Index("ix_example_project_input_hash", "project_id", "input_hash"),
        Index("ix_example_project_content_hash", "project_id", "content_hash"),
        Index("ix_example_project_level", "project_id", "worst_level"),
        Index("ix_example_project_status_id", "project_id", "status", "id"),
        Index("ix_example_project_assignee_id", "project_id", "assignee_id", "id"),
        Index("ix_example_project_author_status_id", "project_id", "created_by", "status", "id"),
        Index("ix_example_project_labels_open_id", "project_id", "labels_open", "id"),
        Index("ix_example_project_label_id", "project_id", "label", "id"),
        Index("ix_example_project_near_hash", "project_id", "near_hash"),
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
    near_hash: str | None = Field(default=None, max_length=64)  # input with case/space/punctuation folded
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    needs_output: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # an item added to be labelled: it waits in the annotators' queue
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    lease_user_id: int | None = None  # who "next" handed it to, until lease_until
    lease_until: datetime | None = None
    labels_wanted: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # N-way: labels asked for
    labels_open: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # some still missing
    submitted_at: datetime | None = None
    reviewed_by: int | None = Field(default=None, foreign_key="user_account.id")
    reviewed_at: datetime | None = None
    work_seconds: int | None = None  # time from opening the form to the first save
    checked_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # Project.version of its cached counts and codes
    search_text: str | None = Field(default=None, sa_type=Text)  # every text, in search terms (core.search)


class Annotation(SQLModel, table=True):
    """One annotator's independent label of a double-labelled example (for agreement)."""

    __tablename__ = "annotation"
    __table_args__ = (UniqueConstraint("example_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    example_id: int = Field(foreign_key="example.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id")
    label: str | None = Field(default=None, max_length=200)
    output: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    __tablename__ = "comment"
    id: int | None = Field(default=None, primary_key=True)
    example_id: int = Field(foreign_key="example.id", index=True, ondelete="CASCADE")  # deleted with its example
    user_id: int = Field(foreign_key="user_account.id")
    action: str = Field(default="comment", max_length=20)  # comment | submit | approve | request_changes | reject
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_project_id_id", "project_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    action: str = Field(max_length=40)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class StateCount(SQLModel, table=True):
    """Examples per project and state, kept in step on every change (no count(*) on page view)."""

    __tablename__ = "state_count"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    status: str = Field(max_length=20, primary_key=True)
    n: int = 0


class LevelCount(SQLModel, table=True):
    """Examples per project and worst rule level (the examples list's filter counts)."""

    __tablename__ = "level_count"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    level: str = Field(max_length=10, primary_key=True)
    n: int = 0


class MemberStat(SQLModel, table=True):
    """Per project and member, counted from the examples' state (definitions in app.storage.ledger)."""

    __tablename__ = "member_stat"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    written: int = 0  # examples they are the author of
    reviewed: int = 0  # decided examples they are the reviewer of
    approved: int = 0  # their examples in each decided state
    changes_requested: int = 0
    rejected: int = 0
    labelled: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # their independent labels


class WorkTimeBucket(SQLModel, table=True):
    """Histogram of seconds per example per member (log buckets), for the median without a scan."""

    __tablename__ = "work_time_bucket"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    bucket: int = Field(primary_key=True)
    n: int = 0


class DatasetStatsRow(SQLModel, table=True):
    """A project's running dataset aggregates (core.dataset.DatasetStats.to_json(): versioned JSON),
    kept in step with every change so the health page never reads the examples."""

    __tablename__ = "dataset_stats"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0  # writes so far
    updated_at: datetime = Field(default_factory=utcnow)


class HashCount(SQLModel, table=True):
    """Examples per input hash and per content hash: duplicates (content n > 1) and conflicts
    (an input with ≥ 2 distinct contents) without a GROUP BY over the examples."""

    __tablename__ = "hash_count"
    __table_args__ = (
        Index("ix_hash_count_project_kind_n", "project_id", "kind", "n"),
        Index("ix_hash_count_project_kind_distinct", "project_id", "kind", "distinct_outputs"),
    )
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # "input", "content" or "near"
    hash: str = Field(max_length=64, primary_key=True)
    n: int = 0
    distinct_outputs: int = 0  # input rows: different outputs of this input; near rows: different inputs


class ExampleCode(SQLModel, table=True):
    """Which per-example rule codes an example's last save raised (for "examples with code X")."""

    __tablename__ = "example_code"
    __table_args__ = (Index("ix_example_code_project_code_example", "project_id", "code", "example_id"),)
    example_id: int = Field(foreign_key="example.id", primary_key=True, ondelete="CASCADE")
    code: str = Field(max_length=40, primary_key=True)
    project_id: int = Field(foreign_key="project.id")


class CodeCount(SQLModel, table=True):
    """Examples per per-example rule code in a project, kept in step with every save."""

    __tablename__ = "code_count"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    code: str = Field(max_length=40, primary_key=True)
    n: int = 0


class ExampleRevision(SQLModel, table=True):
    __tablename__ = "example_revision"
    __table_args__ = (UniqueConstraint("example_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    example_id: int = Field(foreign_key="example.id", index=True, ondelete="CASCADE")  # deleted with its example
    version: int
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class DeletedExample(SQLModel, table=True):
    """A deleted example with everything that belonged to it, until someone restores it (or its
    project goes): `data` is versioned JSON of its row, revisions, comments and independent labels
    (app.storage.trash). The columns beside it are what the deleted-examples page filters and shows."""

    __tablename__ = "deleted_example"
    __table_args__ = (Index("ix_deleted_example_project_id_id", "project_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    example_id: int = Field(unique=True)  # ids are never handed out twice: one deleted life per id
    status: str = Field(max_length=20)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    assignee_id: int | None = None
    lease_user_id: int | None = None
    deleted_by: int | None = Field(default=None, foreign_key="user_account.id")
    deleted_at: datetime = Field(default_factory=utcnow)
    preview: str = Field(default="", max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ExportSnapshot(SQLModel, table=True):
    __tablename__ = "export_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    profile: str = Field(max_length=40)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rows: int = 0
    examples: int = 0
    skipped: int = 0
    sha256: str = Field(default="", max_length=64)  # of the (first) file
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    # Kept snapshots (0007); NULL on the rows of earlier exports, whose files were not kept.
    split: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # {"ratio", "seed"}
    files: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # name, role, rows, examples, bytes, sha256
    rule_report: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # code -> count
    store_key: str | None = Field(default=None, max_length=64)  # its directory in the snapshot store



class ExportLine(SQLModel, table=True):
    """An example's export under one profile, kept so the next export streams it instead of
    rendering it again: the JSONL lines exactly as `core.evaluate` wrote them, the export's verdict
    and codes, and `stamp` (digests of the project's settings and of the code and tokenizer files
    that judged it). A trigger deletes an example's rows when its fields or output change (by any
    path, 0008); a row of another stamp is not used."""

    __tablename__ = "export_line"
    example_id: int = Field(foreign_key="example.id", primary_key=True, ondelete="CASCADE")
    profile: str = Field(primary_key=True, max_length=40)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    stamp: str = Field(max_length=80)  # digests of the settings and of the code that judged the example
    outcome: str = Field(max_length=10)  # "written" | "error" | "refused" (export_verdict.judged)
    codes: str = Field(sa_column=Column(Text, nullable=False))  # JSON list: the codes the rule report counts
    lines: str = Field(sa_column=Column(Text, nullable=False))  # each line followed by "\n"

def _ids_never_reused() -> None:
    """SQLite hands the id of a deleted newest row to the next insert unless the table is
    AUTOINCREMENT; then rows that still name that id (history, comments, links) would attach to a
    stranger. Every table with an integer surrogate id is AUTOINCREMENT (PostgreSQL sequences never
    reuse an id)."""
    for table in metadata.tables.values():
        if "id" in table.c and table.c.id.primary_key:
            table.dialect_options["sqlite"]["autoincrement"] = True


_ids_never_reused()

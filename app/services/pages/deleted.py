"""Data of /projects/{id}/deleted: the project's deleted examples the asker may see (last deleted
first, 50 a page), who deleted each and when, a preview, and whether the asker may restore it."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from app.services import trash
from app.services.pages.common import Timestamp
from app.storage.tables import Project, User

PAGE_SIZE = 50
RETENTION = "kept until restored or the project is deleted"


class DeletedExampleOut(BaseModel):
    example_id: int
    status: str
    preview: str
    created_by: int | None
    deleted_by: int | None
    deleted_by_name: str | None  # display name (or username) of who deleted it
    deleted_at: Timestamp
    can_restore: bool  # the asker may restore it (who may delete an example may restore it)


class DeletedPage(BaseModel):
    examples: list[DeletedExampleOut]
    next_before: int | None  # pass as `before` for the next page; None on the last page
    retention: str  # how long deleted examples are kept


def deleted_page(session: Session, project: Project, user: User, role: str | None,
                 before: int | None = None) -> DeletedPage:
    rows = trash.deleted_examples(session, project, user, role, before_id=before, limit=PAGE_SIZE + 1)
    shown = [DeletedExampleOut(example_id=row.example_id, status=row.status, preview=row.preview,
                               created_by=row.created_by, deleted_by=row.deleted_by,
                               deleted_by_name=(who.display_name or who.username) if who else None,
                               deleted_at=row.deleted_at, can_restore=trash.may_restore(role, user, row))
             for row, who in rows[:PAGE_SIZE]]
    return DeletedPage(examples=shown, next_before=rows[PAGE_SIZE - 1][0].id if len(rows) > PAGE_SIZE else None,
                       retention=RETENTION)

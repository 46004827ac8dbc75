"""Data of /projects/{id}/items: the input fields an item line gives (one item per line)."""

from __future__ import annotations

from pydantic import BaseModel

from app.services.projects import settings_of
from app.storage.tables import Project


class ItemFieldOut(BaseModel):
    name: str
    label: str


class ItemsPage(BaseModel):
    fields: list[ItemFieldOut]  # one field: a line is its text; several: a JSON object of them


def items_page(project: Project) -> ItemsPage:
    return ItemsPage(fields=[ItemFieldOut(name=f.name, label=f.label) for f in settings_of(project).fields])

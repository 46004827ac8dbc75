"""The example form as HTML: the whole page, or one block of it ("panel": the live panel, "editor"
after a refused save). Shared by the form's routes and the live panel (not a router itself)."""

from __future__ import annotations

import time

from fastapi import Request
from fastapi.responses import Response

from app.core.project_settings import ExampleValues
from app.services.pages.editor import editor_page
from app.storage.tables import Example
from app.web.deps import ProjectAccess
from app.web.forms import int_or_none
from app.web.responder import alternate_link
from app.web.templating import render


def editor(request: Request, session, access: ProjectAccess, values: ExampleValues, evaluation, *,
           example: Example | None = None, errors: dict[str, str] | None = None, stale: Example | None = None,
           status_code: int = 200, block: str | None = None, full_lines: bool = False) -> Response:
    """The form (or one of its blocks: "panel" for the live panel, "editor" after a refused save);
    `full_lines`: long exported lines in full (the panel's "show all"), not their start and end."""
    page = editor_page(session, access.project, access.user, access.role, values, evaluation,
                       request.app.state.models, example=example, stale=stale, with_history=block != "panel")
    context = page.context() | {"access": access, "errors": errors or {}, "opened_at": int(time.time()),
                                "saved": int_or_none(request.query_params.get("saved")),
                                "full_lines": full_lines}
    link = alternate_link(request) if example is not None and block is None else None
    return render(request, "examples/edit.html", context, block=block, status_code=status_code,
                  headers={"Link": link} if link else None)

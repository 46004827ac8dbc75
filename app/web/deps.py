"""Dependencies: the DB session, the signed-in user, and the one "who may do this" check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import BackgroundTasks, Depends, HTTPException, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from app.core.model_table import ModelTable
from app.core.wording import say
from app.services import accounts
from app.services.errors import Forbidden
from app.storage.db import session_scope
from app.storage.tables import Project, User
from app.services import permissions
from app.web.signin import session_token
from app.web.forms import MAX_FORM_FIELDS, MAX_INT, Id

READING = ("GET", "HEAD")  # what a read-scoped API token may send


TOO_MANY_FIELDS = say("The form has more than {limit:,} fields: nothing was changed. Send fewer at once.",
                      limit=MAX_FORM_FIELDS)


async def read_form(request: Request) -> FormData:
    """The posted form, parsed before a sync handler runs (fields repeat: turns, labels, rows).

    Its text was checked while it streamed in (app/web/text_check.py); it may have as many fields as
    the services accept (MAX_FORM_FIELDS), and a text field may be as long as the body may be.
    A urlencoded form (every form of the app; the live panel sends one per pause in typing) is split
    by the standard library's C-backed unquoting, six times faster than the streaming multipart
    parser, which reads the rest.
    """
    if _content_type(request) == "application/x-www-form-urlencoded":
        return _urlencoded_form(await request.body())
    try:
        return await request.form(max_fields=MAX_FORM_FIELDS, max_files=0,
                                  max_part_size=request.app.state.settings.max_body_bytes)
    except HTTPException as exc:
        if exc.status_code == 400 and "Too many fields" in str(exc.detail):
            raise HTTPException(413, TOO_MANY_FIELDS) from exc
        raise


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _urlencoded_form(body: bytes) -> FormData:
    """`name=value&…` as FormData: blank values kept, as the browser sent them (the text check has
    already refused a body that is not UTF-8 or holds NUL)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FORM_FIELDS)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        if "Max number of fields" in str(exc):
            raise HTTPException(413, TOO_MANY_FIELDS) from exc
        raise HTTPException(422, say("The form is not UTF-8 text.")) from exc
    return FormData(pairs)


FormDep = Annotated[FormData, Depends(read_form)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No signed-in user: HTML pages redirect to /login, the API answers 401."""


# The dependencies below are `async def` on purpose: their work is a sub-millisecond indexed
# lookup, and running them on the event loop saves a thread-pool hop each on every request
# (the live panel is called on every pause in typing). Route handlers stay plain `def`.
async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; one that may write (an unsafe method not marked `late_write`)
    begins its transaction with the write lock on SQLite (see app.storage.db). A GET that writes (a
    queue's lease, an export's audit entry) takes the lock itself (db.begin_write)."""
    endpoint = request.scope.get("endpoint")
    writes = request.method not in SAFE_METHODS and not getattr(endpoint, "late_write", False)
    engine = request.app.state.write_engine if writes else request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        session.info["writes"] = writes
        yield session


def end_read_part(session: Session) -> None:
    """A session that will write ends the reads its dependencies made on the event loop, so the
    handler's transaction begins afresh with the write lock in its worker thread; a reading
    session goes on in the same transaction (a commit and a begin less on every keystroke)."""
    if session.info.get("writes"):
        session.commit()


def late_write(endpoint):
    """Mark a POST handler whose service reads and computes first and takes the write lock itself,
    only for its writes (app.storage.db.begin_write), if it writes at all: saving an example, the
    live panel (which never writes), sign-in."""
    endpoint.late_write = True
    return endpoint


# scope="function": the session closes when the handler returns, before the response is sent and
# before its background tasks run (one of which may need the write turn this session holds).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_models(request: Request) -> ModelTable:
    return request.app.state.models


ModelsDep = Annotated[ModelTable, Depends(get_models)]


async def current_user(request: Request, session: SessionDep, background: BackgroundTasks) -> User:
    user = user_of_request(request, session, background, project_id=_project_in_path(request))
    end_read_part(session)
    return user


def _project_in_path(request: Request) -> int | None:
    """The project id of the URL when it is a valid id (an invalid one is refused by project_for)."""
    raw = request.path_params.get("project_id")
    if isinstance(raw, str) and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_INT:
        return int(raw)
    return None


def _record_presence(engine, presence: accounts.Presence) -> None:
    with session_scope(engine) as session:
        accounts.record_presence(session, presence)


def user_of_request(request: Request, session: Session, background: BackgroundTasks | None = None,
                    project_id: int | None = None) -> User:
    """The user of a session cookie (pages) or of a bearer token (the JSON API): one indexed query,
    no write (a "last seen" stamp is written after the response). With `project_id` the same query
    brings that project and the user's role, kept for project_for. An expired token raises
    TokenExpired (401 with a message saying so)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        caller = accounts.user_for_token(session, auth[7:].strip(), project_id=project_id)
    else:
        caller = accounts.user_for_session(session, session_token(request), project_id=project_id)
    if caller.presence is not None and background is not None:
        background.add_task(_record_presence, request.app.state.engine, caller.presence)
    if caller.user is None:
        raise SignInRequired()
    if caller.read_only is not None and request.method not in READING:
        raise Forbidden(say("this API token ({name!r}) is read-only: it may only GET and HEAD. Use a token with the "
                            "write scope (create one at /account/tokens) to change anything.", name=caller.read_only))
    request.state.user = caller.user
    if project_id is not None:
        request.state.project_of_caller = (project_id, caller.project, caller.role)
    return caller.user


UserDep = Annotated[User, Depends(current_user)]

@dataclass(frozen=True)
class ProjectAccess:
    """The project in the path, who is asking, and their role in it."""

    project: Project
    user: User
    role: str


def project_for(action: str):
    """Dependency: the project in the path, if the signed-in user's role allows `action` (403 otherwise)."""

    async def dependency(request: Request, project_id: Id, user: UserDep, session: SessionDep) -> ProjectAccess:
        known = getattr(request.state, "project_of_caller", None)
        found = known[1:] if known is not None and known[0] == project_id else None
        project, role = permissions.project_and_role(session, user, project_id, found)
        end_read_part(session)  # loaded objects stay loaded
        permissions.require(role, action, project)
        return ProjectAccess(project, user, role)

    return dependency


async def admin_user(user: UserDep) -> User:
    """Dependency for the user administration pages."""
    if not user.is_admin:
        raise Forbidden(say("Only an administrator may manage user accounts."))
    return user


AdminDep = Annotated[User, Depends(admin_user)]

"""Queries on users, browser sessions, API tokens and the sign-in failure counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app.storage.tables import ApiToken, Membership, Project, SignInFailure, User, UserSession


def count_users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def add_user(session: Session, user: User) -> User:
    session.add(user)
    session.flush()
    return user


# --- browser sessions -------------------------------------------------------------------------


def add_session(session: Session, row: UserSession) -> UserSession:
    session.add(row)
    session.flush()
    return row


# Asked on every request: built once, the token bound at execution (building the statement anew
# cost a third of the lookup), loading the user and only the columns of the sign-in that are judged.
def _with_project(query):
    """The same lookup, also bringing the project of the request's path and the user's role in it
    (None, None: no such project; a project and None: not a member), so a project page identifies
    its caller and their role in one query."""
    return (query.add_columns(Project, Membership.role)
            .outerjoin(Project, Project.id == bindparam("project_id"))
            .outerjoin(Membership, and_(Membership.project_id == Project.id, Membership.user_id == User.id)))


_SESSION_WITH_USER = (select(User, UserSession.id, UserSession.expires_at, UserSession.last_seen_at)
                      .join(UserSession, User.id == UserSession.user_id)
                      .where(UserSession.token_hash == bindparam("token_hash")))
_SESSION_WITH_USER_AND_PROJECT = _with_project(_SESSION_WITH_USER)
_TOKEN_WITH_USER = (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                    .where(ApiToken.token_hash == bindparam("token_hash")))
_TOKEN_WITH_USER_AND_PROJECT = _with_project(_TOKEN_WITH_USER)


def session_with_user(session: Session, token_hash: str, project_id: int | None = None) -> Any | None:
    """The sign-in of a cookie (`id`, `expires_at`, `last_seen_at`) with its `User`, and with a
    `project_id` also `Project` and `role` (see _with_project): one query on the unique token hash."""
    query = _SESSION_WITH_USER if project_id is None else _SESSION_WITH_USER_AND_PROJECT
    return session.exec(query, params={"token_hash": token_hash, "project_id": project_id}).first()


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


def delete_sessions_of(session: Session, user_id: int, keep_hash: str | None = None) -> None:
    """End every sign-in of a user, but the one of `keep_hash` if given."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_hash is not None:
        stmt = stmt.where(UserSession.token_hash != keep_hash)
    session.execute(stmt)


def delete_expired_sessions_of(session: Session, user_id: int, now: datetime) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at <= now))


# --- API tokens -------------------------------------------------------------------------------


def token_with_user(session: Session, token_hash: str, project_id: int | None = None) -> Any | None:
    """An `ApiToken` with its `User`, and with a `project_id` also `Project` and `role` (see
    _with_project): one query on the unique token hash."""
    query = _TOKEN_WITH_USER if project_id is None else _TOKEN_WITH_USER_AND_PROJECT
    return session.exec(query, params={"token_hash": token_hash, "project_id": project_id}).first()


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def get_token_of(session: Session, user_id: int, token_id: int) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)).first()


def delete_token(session: Session, token_id: int) -> None:
    session.execute(delete(ApiToken).where(ApiToken.id == token_id))


def delete_tokens_of(session: Session, user_id: int) -> None:
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


# --- sign-in failures -------------------------------------------------------------------------


def failures_for(session: Session, keys: list[str]) -> list[SignInFailure]:
    # populate_existing: the counters change under Core upserts, so never trust rows already loaded.
    return list(session.exec(select(SignInFailure).where(SignInFailure.key.in_(keys))
                             .execution_options(populate_existing=True)))


def record_failure(session: Session, key: str, now: datetime, window_cutoff: datetime) -> tuple[int, datetime]:
    """Count one failure of `key` in one atomic upsert (safe across workers): a window that began
    at or before `window_cutoff` starts again from `now`. Returns (failures, window start)."""
    table = SignInFailure.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    expired = table.c.window_start <= window_cutoff
    stmt = insert(table).values(key=key, window_start=now, failures=1, locked_until=None).on_conflict_do_update(
        index_elements=["key"],
        set_={"failures": case((expired, 1), else_=table.c.failures + 1),
              "window_start": case((expired, now), else_=table.c.window_start)},
    ).returning(table.c.failures, table.c.window_start)
    failures, window_start = session.execute(stmt).one()
    return int(failures), window_start


def claim_lock(session: Session, key: str, now: datetime, until: datetime) -> bool:
    """Lock `key` until `until` unless it is locked already: of several attempts at once (in any
    worker) exactly one wins the claim."""
    result = session.execute(update(SignInFailure).where(
        SignInFailure.key == key, or_(SignInFailure.locked_until.is_(None), SignInFailure.locked_until <= now))
        .values(locked_until=until))
    return result.rowcount == 1


def lock(session: Session, key: str, until: datetime) -> None:
    session.execute(update(SignInFailure).where(SignInFailure.key == key).values(locked_until=until))


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.key == key))


def prune_failures(session: Session, window_cutoff: datetime, now: datetime) -> None:
    """Forget counters whose window is over and that lock nothing (keeps the table small)."""
    session.execute(delete(SignInFailure).where(
        SignInFailure.window_start <= window_cutoff,
        or_(SignInFailure.locked_until.is_(None), SignInFailure.locked_until <= now)))


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)))


def first_admin(session: Session) -> User | None:
    """The active admin with the lowest id (the command line's acting user unless it names one)."""
    query = select(User).where(User.is_admin.is_(True), User.is_active.is_(True))
    return session.exec(query.order_by(User.id).limit(1)).first()

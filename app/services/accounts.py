"""Accounts: the first admin, sign-in (argon2, rate-limited per account and per address),
server-side browser sessions, and revocable, expiring API tokens.

A browser sign-in is a `user_session` row; the cookie carries only its random token, the row its
SHA-256. Logout deletes the row, so a copied cookie stops working at once. API tokens are stored
the same way; revoking deletes the row. Failed sign-ins are counted in the database (one upsert per
key and window), so the limit holds across workers and restarts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from app.core.wording import say
from app.services.errors import Invalid, NotFound, ServiceError
from app.storage import accounts as store
from app.storage.db import begin_write
from app.storage.tables import ApiToken, Project, User, UserSession, utcnow

hasher = PasswordHasher()
_DUMMY_HASH = hasher.hash("timing-equaliser")
MIN_PASSWORD = 10
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
TOKEN_LIFETIMES = {"": None, "30": 30, "90": 90, "365": 365}  # the create form's choices, in days
TOKEN_SCOPES = {"write": say("read and write"), "read": say("read only (GET and HEAD)")}
# last_seen_at / last_used_at are written at most this often, so the live panel's requests
# (one per pause in typing) stay reads.
TOUCH_EVERY = timedelta(minutes=1)


class Throttled(ServiceError):
    """Too many failed sign-ins: refused without checking the password."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenExpired(ServiceError):
    status_code = 401


@dataclass(frozen=True)
class SignInLimits:
    """How long sign-ins last and when failed ones are refused (from the TUNELAB_ settings)."""

    session_max_age: int = 14 * 24 * 3600
    window: int = 15 * 60  # seconds over which failures are counted
    account_failures: int = 5  # then each further attempt waits `delay`, doubling, capped at `window`
    address_failures: int = 30  # then the address waits until its window ends
    delay: int = 60

    @classmethod
    def from_settings(cls, settings) -> SignInLimits:
        return cls(settings.session_max_age, settings.sign_in_window, settings.sign_in_account_failures,
                   settings.sign_in_address_failures, settings.sign_in_delay)


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # the session token for the cookie


def needs_first_admin(session: Session) -> bool:
    return store.count_users(session) == 0


def check_new_account(username: str, password: str) -> dict[str, str]:
    errors = {}
    name = username.strip().lower()
    if not name:
        errors["username"] = say("Choose a username.")
    elif len(name) > 64 or not set(name) <= USERNAME_CHARS:
        errors["username"] = say("Use up to {limit} letters, digits, dots, dashes or underscores.", limit=64)
    if len(password) < MIN_PASSWORD:
        errors["password"] = say("Use at least {count} characters.", count=MIN_PASSWORD)
    return errors


def create_first_admin(session: Session, username: str, password: str, display_name: str = "",
                       limits: SignInLimits = SignInLimits()) -> SignedIn:
    """Create the first account (an admin), signed in; refused once any account exists."""
    if not needs_first_admin(session):
        raise Invalid({"username": say("An admin already exists: sign in instead.")})
    errors = check_new_account(username, password)
    if errors:
        raise Invalid(errors)
    user = User(
        username=username.strip().lower(),
        display_name=display_name.strip() or username.strip(),
        password_hash=hasher.hash(password),
        is_admin=True,
    )
    store.add_user(session, user)
    token = _start_session(session, user, limits, utcnow())
    session.commit()
    return SignedIn(user, token)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- sign-in and its rate limit -----------------------------------------------------------------


def sign_in(session: Session, username: str, password: str, address: str | None,
            limits: SignInLimits = SignInLimits(), now: datetime | None = None) -> SignedIn | None:
    """A new session for the right password; None for a wrong one. Raises Throttled (before the
    password is even checked) while the account name or the client address is locked out."""
    now = now or utcnow()
    account_key, address_key = _account_key(username), _address_key(address)
    begin_write(session)
    _refuse_if_locked(session, account_key, address_key, now)
    _admit(session, account_key, address_key, limits, now)  # commits: argon2 below holds no lock
    user = _check_password(session, username, password)
    begin_write(session)
    if user is None:
        _count_address_failure(session, address_key, limits, now)
        session.commit()
        return None
    store.clear_failures(session, account_key)
    token = _start_session(session, user, limits, now)
    session.commit()
    return SignedIn(user, token)


def _admit(session: Session, account_key: str, address_key: str, limits: SignInLimits, now: datetime) -> None:
    """Count this attempt as a failure of the account until it succeeds (one atomic upsert), and
    from the limit on let it through only if it wins the lock for the next, doubled wait: attempts
    sent at once to several workers cannot all slip past. Committed before the password check, so
    no write lock is held while argon2 runs."""
    cutoff = now - timedelta(seconds=limits.window)
    failures, _ = store.record_failure(session, account_key, now, cutoff)
    admitted = True
    if failures >= limits.account_failures:
        doublings = min(failures - limits.account_failures, 20)
        until = now + timedelta(seconds=min(limits.delay * 2 ** doublings, limits.window))
        admitted = store.claim_lock(session, account_key, now, until)
    session.commit()
    if not admitted:  # another attempt got there first
        _refuse_if_locked(session, account_key, address_key, now)
        raise Throttled(say("Too many failed sign-ins for this account: try again in a moment."), 1)


def _check_password(session: Session, username: str, password: str) -> User | None:
    user = store.get_user_by_username(session, username.strip().lower())
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        return None
    if not verify_password(user.password_hash, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.add(user)
    return user


def _account_key(username: str) -> str:
    # Hashed: unknown names are limited exactly like real ones, and typed-in secrets are not stored.
    return "account:" + hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()


def _address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:64]


def _refuse_if_locked(session: Session, account_key: str, address_key: str, now: datetime) -> None:
    waits = {row.key: (row.locked_until - now).total_seconds()
             for row in store.failures_for(session, [account_key, address_key])
             if row.locked_until is not None and row.locked_until > now}
    if not waits:
        return
    key = max(waits, key=waits.get)
    seconds = max(1, math.ceil(waits[key]))
    wait = _wait_text(seconds)
    if key == account_key:
        raise Throttled(say("Too many failed sign-ins for this account: try again in {wait}.", wait=wait), seconds)
    raise Throttled(say("Too many failed sign-ins from your network address: try again in {wait}.", wait=wait), seconds)


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return say("{n} second", n=seconds) if seconds == 1 else say("{n} seconds", n=seconds)
    minutes = math.ceil(seconds / 60)
    return say("{n} minute", n=minutes) if minutes == 1 else say("{n} minutes", n=minutes)


def _count_address_failure(session: Session, address_key: str, limits: SignInLimits, now: datetime) -> None:
    cutoff = now - timedelta(seconds=limits.window)
    failures, window_start = store.record_failure(session, address_key, now, cutoff)
    if failures >= limits.address_failures:
        store.lock(session, address_key, window_start + timedelta(seconds=limits.window))
    store.prune_failures(session, cutoff, now)


# --- browser sessions ---------------------------------------------------------------------------


def _start_session(session: Session, user: User, limits: SignInLimits, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    store.delete_expired_sessions_of(session, user.id, now)
    store.add_session(session, UserSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                                           expires_at=now + timedelta(seconds=limits.session_max_age),
                                           last_seen_at=now))
    return token


@dataclass(frozen=True)
class Presence:
    """What identifying a request leaves to write, after the response and off the request's path (a
    read must not wait for the write lock): the "last seen / used" stamp of a sign-in or token."""

    at: datetime
    session_id: int | None = None
    token_id: int | None = None


def record_presence(session: Session, presence: Presence) -> None:
    if presence.session_id is not None:
        store.touch_session(session, presence.session_id, presence.at)
    if presence.token_id is not None:
        store.touch_token(session, presence.token_id, presence.at)
    session.commit()


@dataclass(frozen=True)
class Caller:
    """Who is asking (None: nobody active), what to record of the visit, and, when the request names
    a project, that project (None: no such project) and the caller's own role in it (None: not a
    member; an admin's effective role is decided by permissions)."""

    user: User | None
    presence: Presence | None = None
    project: Project | None = None
    role: str | None = None
    read_only: str | None = None  # a read-scoped API token: its name (it may only GET and HEAD)


NOBODY = Caller(None)


def _caller(row, user: User, presence: Presence | None, project_id: int | None,
            read_only: str | None = None) -> Caller:
    if project_id is None:
        return Caller(user, presence, read_only=read_only)
    return Caller(user, presence, row.Project, row.role, read_only)


def user_for_session(session: Session, token: str | None, now: datetime | None = None,
                     project_id: int | None = None) -> Caller:
    """The active user of a session cookie's token (one indexed query, no write; with `project_id`
    the same query brings that project and the user's role in it), and what to record of the visit."""
    if not token:
        return NOBODY
    row = store.session_with_user(session, _hash(token), project_id)
    if row is None:
        return NOBODY
    user, now = row.User, now or utcnow()
    if row.expires_at <= now:
        return NOBODY  # an expired sign-in's row goes when its user next signs in
    if not user.is_active:
        return NOBODY
    presence = Presence(session_id=row.id, at=now) if now - row.last_seen_at > TOUCH_EVERY else None
    return _caller(row, user, presence, project_id)


def end_session(session: Session, token: str | None) -> None:
    """Sign out: the session row goes, so a copy of the cookie is worthless from now on."""
    if token:
        store.delete_session(session, _hash(token))
        session.commit()


def end_sessions(session: Session, user_id: int, keep_token: str | None = None) -> None:
    """End a user's sign-ins (all, or all but `keep_token`'s), in the caller's transaction."""
    store.delete_sessions_of(session, user_id, _hash(keep_token) if keep_token else None)


# --- API tokens -----------------------------------------------------------------------------------


def create_api_token(session: Session, user: User, name: str, expires_in_days: str = "",
                     now: datetime | None = None, scope: str = "write") -> str:
    """A new API token for `user`; only its hash is stored, the plain value is shown once."""
    errors = {}
    if not name.strip():
        errors["name"] = say("Name the token (e.g. 'ci export').")
    if expires_in_days not in TOKEN_LIFETIMES:
        errors["expires"] = say("Pick an expiry: never, 30, 90 or 365 days.")
    if scope not in TOKEN_SCOPES:
        errors["scope"] = say("Pick a scope: read (GET and HEAD only) or write.")
    if errors:
        raise Invalid(errors)
    now = now or utcnow()
    days = TOKEN_LIFETIMES[expires_in_days]
    token = "tl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name.strip()[:128], token_hash=_hash(token), created_at=now,
                         expires_at=now + timedelta(days=days) if days else None, scope=scope))
    session.commit()
    return token


def user_for_token(session: Session, token: str, now: datetime | None = None, project_id: int | None = None) -> Caller:
    """The active user of a bearer token (one indexed query, no write; with `project_id` as in
    user_for_session), and what to record of the use; raises TokenExpired once it expired."""
    found = store.token_with_user(session, _hash(token), project_id)
    if found is None:
        return NOBODY
    row, user = found.ApiToken, found.User
    now = now or utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenExpired(say("this API token ({name}) expired on {when} UTC: create a new one at /account/tokens",
                               name=repr(row.name), when=row.expires_at.strftime("%Y-%m-%d %H:%M")))
    if not user.is_active:
        return NOBODY
    stale = row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY
    return _caller(found, user, Presence(token_id=row.id, at=now) if stale else None, project_id,
                   row.name if row.scope == "read" else None)


@dataclass(frozen=True)
class TokenInfo:
    """What the tokens page and its JSON twin show of a token (never its secret)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    expired: bool
    scope: str = "write"


def list_api_tokens(session: Session, user: User, now: datetime | None = None) -> list[TokenInfo]:
    now = now or utcnow()
    return [TokenInfo(t.id, t.name, t.created_at, t.last_used_at, t.expires_at,
                      t.expires_at is not None and t.expires_at <= now, t.scope)
            for t in store.list_tokens(session, user.id)]


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    """Delete one of the user's own tokens; another user's token is 'not found'."""
    if store.get_token_of(session, user.id, token_id) is None:
        raise NotFound(say("you have no API token {id}", id=token_id))
    store.delete_token(session, token_id)
    session.commit()


def revoke_all_tokens(session: Session, user_id: int) -> None:
    """Every API token of a user goes (admin reset, deactivation), in the caller's transaction."""
    store.delete_tokens_of(session, user_id)

"""Accounts: the first admin, sign-in with argon2 hashes, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from app.services.errors import Invalid
from app.storage import accounts as store
from app.storage.tables import ApiToken, User, utcnow

hasher = PasswordHasher()
_DUMMY_HASH = hasher.hash("timing-equaliser")
MIN_PASSWORD = 10
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def needs_first_admin(session: Session) -> bool:
    return store.count_users(session) == 0


def check_new_account(username: str, password: str) -> dict[str, str]:
    errors = {}
    name = username.strip().lower()
    if not name:
        errors["username"] = "Choose a username."
    elif len(name) > 64 or not set(name) <= USERNAME_CHARS:
        errors["username"] = "Use up to 64 letters, digits, dots, dashes or underscores."
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"Use at least {MIN_PASSWORD} characters."
    return errors


def create_first_admin(session: Session, username: str, password: str, display_name: str = "") -> User:
    """Create the first account (an admin); refused once any account exists."""
    if not needs_first_admin(session):
        raise Invalid({"username": "An admin already exists: sign in instead."})
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
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = store.get_user_by_username(session, username.strip().lower())
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        return None
    if not verify_password(user.password_hash, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.add(user)
        session.commit()
    return user


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def active_user(session: Session, user_id: int | None, epoch: int | None = None) -> User | None:
    """The active user of a sign-in; `epoch` must match (a password change ends older sign-ins)."""
    if user_id is None:
        return None
    user = store.get_user(session, user_id)
    if user is None or not user.is_active:
        return None
    if epoch is not None and epoch != user.session_epoch:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> str:
    """A new API token for `user`; only its hash is stored, the plain value is shown once."""
    if not name.strip():
        raise Invalid({"name": "Name the token (e.g. 'ci export')."})
    token = "tl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name.strip()[:128], token_hash=_token_hash(token)))
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = store.get_token_by_hash(session, _token_hash(token))
    if row is None:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return active_user(session, row.user_id)


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return store.list_tokens(session, user.id)

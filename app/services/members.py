"""People: accounts (admins create, deactivate, reset; everyone changes their own password)
and project memberships with roles."""

from __future__ import annotations

from sqlmodel import Session

from app.core.wording import LANGUAGES, say
from app.services import audit
from app.services.accounts import (MIN_PASSWORD, check_new_account, end_sessions, hasher, revoke_all_tokens,
                                   verify_password)
from app.services.errors import Invalid, NotFound
from app.services.permissions import ROLES, require
from app.storage import accounts as account_store
from app.storage import team
from app.storage.tables import Membership, Project, User


def list_users(session: Session) -> list[User]:
    return account_store.all_users(session)


def create_user(session: Session, admin: User | None, username: str, password: str, display_name: str = "",
                is_admin: bool = False) -> User:
    """A new account as the admin page makes it; `admin` None: made on the command line (the audit
    event has no acting user)."""
    errors = check_new_account(username, password)
    if errors:
        raise Invalid(errors)
    password_hash = hasher.hash(password)  # ~0.1 s of CPU: before the first statement takes the write lock
    if account_store.get_user_by_username(session, username.strip().lower()):
        raise Invalid({"username": say("{username} is taken.", username=repr(username.strip().lower()))})
    user = User(username=username.strip().lower(), display_name=display_name.strip() or username.strip(),
                password_hash=password_hash, is_admin=is_admin)
    account_store.add_user(session, user)
    audit.record(session, None, admin, "user_created", {"user": user.username, "admin": is_admin})
    session.commit()
    return user


def create_account(session: Session, username: str, password: str, is_admin: bool = False) -> User:
    """`tunelab users create`: the admin page's account (same name and password rules, a taken name
    refused), made by whoever runs the command on the server. The first account must be an admin
    (the setup page is gone once any account exists)."""
    errors = check_new_account(username, password)
    if not is_admin and account_store.count_users(session) == 0:
        errors["admin"] = say("There is no account yet: the first one must be an admin (pass --admin).")
    if errors:
        raise Invalid(errors)
    return create_user(session, None, username, password, is_admin=is_admin)


def _user(session: Session, user_id: int) -> User:
    user = account_store.get_user(session, user_id)
    if user is None:
        raise NotFound(say("user {id} does not exist", id=user_id))
    return user


def set_active(session: Session, admin: User, user_id: int, active: bool) -> User:
    user = _user(session, user_id)
    if user.id == admin.id and not active:
        raise Invalid({"user": say("You cannot deactivate yourself.")})
    user.is_active = active
    if not active:  # a deactivated account keeps no sign-in and no API token
        end_sessions(session, user.id)
        revoke_all_tokens(session, user.id)
    session.add(user)
    audit.record(session, None, admin, "user_activated" if active else "user_deactivated", {"user": user.username})
    session.commit()
    return user


def reset_password(session: Session, admin: User, user_id: int, new_password: str) -> User:
    if len(new_password) < MIN_PASSWORD:
        raise Invalid({"password": say("Use at least {count} characters.", count=MIN_PASSWORD)})
    password_hash = hasher.hash(new_password)  # before the first statement takes the write lock
    user = _user(session, user_id)
    user.password_hash = password_hash
    end_sessions(session, user.id)  # every sign-in and API token of the account ends
    revoke_all_tokens(session, user.id)
    session.add(user)
    audit.record(session, None, admin, "password_reset", {"user": user.username})
    session.commit()
    return user


def change_user(session: Session, admin: User, user_id: int, action: str, password: str = "") -> str:
    """An administrator's action on an account (deactivate, activate, reset_password): the notice to show."""
    if action in ("deactivate", "activate"):
        user = set_active(session, admin, user_id, action == "activate")
        if action == "deactivate":
            return say("{username} deactivated. Their sign-ins ended and their API tokens were revoked.",
                       username=repr(user.username))
        return say("{username} activated.", username=repr(user.username))
    if action == "reset_password":
        user = reset_password(session, admin, user_id, password)
        return say("Password of {username} reset; their sign-ins ended and their API tokens were revoked.",
                   username=repr(user.username))
    raise Invalid({"action": say("Unknown action.")})


def change_own_password(session: Session, user: User, current: str, new: str, again: str,
                        keep_session: str | None = None) -> User:
    """Change one's own password; every other sign-in (all but `keep_session`'s token) ends."""
    errors = {}
    if not verify_password(user.password_hash, current):
        errors["current"] = say("That is not your current password.")
    if len(new) < MIN_PASSWORD:
        errors["new"] = say("Use at least {count} characters.", count=MIN_PASSWORD)
    elif new != again:
        errors["again"] = say("The two new passwords differ.")
    if errors:
        raise Invalid(errors)
    user.password_hash = hasher.hash(new)
    end_sessions(session, user.id, keep_token=keep_session)  # other browsers are signed out
    session.add(user)
    session.commit()
    return user


def set_own_language(session: Session, user: User, language: str) -> User:
    """The language the UI speaks to `user`: one of LANGUAGES, or "auto" to follow the browser."""
    if language not in ("auto", *LANGUAGES):
        raise Invalid({"language": say("Choose one of the languages offered: {choices}.",
                                       choices=", ".join(LANGUAGES.values()))})
    user.language = language
    session.add(user)
    session.commit()
    return user


def set_member(session: Session, project: Project, owner: User, role_of_owner: str | None, username: str,
               role: str) -> Membership:
    """Add a member or change their role."""
    require(role_of_owner, "members", project)
    if role not in ROLES:
        raise Invalid({"role": say("Pick a role: {roles}.", roles=", ".join(ROLES))})
    user = account_store.get_user_by_username(session, username.strip().lower())
    if user is None or not user.is_active:
        raise Invalid({"username": say("No active account {username}: an admin creates accounts first.",
                                          username=repr(username.strip()))})
    membership = team.membership(session, project.id, user.id)
    if membership is not None and membership.role == "owner" and role != "owner" and _owner_count(session, project) == 1:
        raise Invalid({"role": say("A project keeps at least one owner.")})
    before = membership.role if membership else None
    membership = membership or Membership(project_id=project.id, user_id=user.id, role=role)
    membership.role = role
    session.add(membership)
    audit.record(session, project, owner, "member_role" if before else "member_added",
                 {"user": user.username, "role": role, "before": before})
    session.commit()
    return membership


def remove_member(session: Session, project: Project, owner: User, role_of_owner: str | None, user_id: int) -> None:
    require(role_of_owner, "members", project)
    membership = team.membership(session, project.id, user_id)
    if membership is None:
        raise NotFound(say("not a member"))
    if membership.role == "owner" and _owner_count(session, project) == 1:
        raise Invalid({"role": say("A project keeps at least one owner.")})
    user = account_store.get_user(session, user_id)
    session.delete(membership)
    audit.record(session, project, owner, "member_removed", {"user": user.username if user else user_id})
    session.commit()


def _owner_count(session: Session, project: Project) -> int:
    return sum(1 for m, _ in team.memberships(session, project.id) if m.role == "owner")

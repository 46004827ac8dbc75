"""`tunelab users create NAME [--admin]`: the admin page's rules (name, password, a taken name) from the
command line, the password piped (--password-stdin) or typed twice on a real terminal (a pty)."""

from __future__ import annotations

import io
import sys

import pytest
from sqlmodel import Session, select

from app import cli
from app.services.accounts import sign_in
from app.storage import accounts as account_store
from app.storage.tables import AuditEvent
from tests.cli.terminal import on_terminal

PASSWORD = "a long enough password"


@pytest.fixture
def create(database_url, monkeypatch, capsys):
    """`create("NAME", "--admin", password=...)`: the command in-process, the password piped on stdin;
    returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)

    def run(*args: str, password: str = PASSWORD):
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        status = cli.main(["users", "create", *args, "--password-stdin"])
        said = capsys.readouterr()
        return status, said.out, said.err
    return run


def user(engine, name: str):
    with Session(engine) as session:
        return account_store.get_user_by_username(session, name)


def test_the_first_admin_then_a_user_who_can_sign_in(create, engine):
    assert create("Ada", "--admin") == (0, "created admin 'ada' (id 1)\n", "")
    assert create("bob") == (0, "created user 'bob' (id 2)\n", "")
    assert user(engine, "ada").is_admin and not user(engine, "bob").is_admin
    with Session(engine) as session:
        assert sign_in(session, "bob", PASSWORD, "127.0.0.1") is not None
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "user_created").order_by(AuditEvent.id)).all()
    assert [(e.user_id, e.detail) for e in events] == [(None, {"user": "ada", "admin": True}),
                                                       (None, {"user": "bob", "admin": False})]


def test_the_first_account_must_be_an_admin(create, engine):
    status, out, err = create("bob")
    assert (status, out) == (2, "")
    assert err == "tunelab users create: --admin: There is no account yet: the first one must be an admin (pass --admin).\n"
    assert user(engine, "bob") is None


def test_a_taken_name_and_bad_name_or_password_are_refused_naming_the_problem(create, engine):
    assert create("ada", "--admin")[0] == 0
    assert create("ADA") == (2, "", "tunelab users create: NAME: 'ada' is taken.\n")
    status, _, err = create("bad name", password="short")
    assert status == 2
    assert err.splitlines() == ["tunelab users create: NAME: Use up to 64 letters, digits, dots, dashes or underscores.",
                                "tunelab users create: password: Use at least 10 characters."]
    assert user(engine, "bad name") is None


def test_without_a_terminal_the_password_must_be_piped(database_url, monkeypatch, capsys):
    monkeypatch.setenv("TUNELAB_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["users", "create", "ada", "--admin"]) == 2
    assert "stdin is not a terminal: pipe the password with --password-stdin" in capsys.readouterr().err


def test_on_a_terminal_the_password_is_asked_twice_and_not_echoed(database_url, engine):
    status, output = on_terminal(database_url, ["users", "create", "ada", "--admin"], [PASSWORD, PASSWORD])
    assert status == 0, output
    assert "Password: " in output and "Password again: " in output and PASSWORD not in output
    assert "created admin 'ada' (id 1)" in output
    with Session(engine) as session:
        assert sign_in(session, "ada", PASSWORD, "127.0.0.1") is not None


def test_two_different_passwords_on_a_terminal_create_nothing(database_url, engine):
    status, output = on_terminal(database_url, ["users", "create", "ada", "--admin"], [PASSWORD, PASSWORD + "!"])
    assert status == 2, output
    assert "the two passwords differ; nothing was created" in output
    assert user(engine, "ada") is None

"""Browser tests: real Chromium (Debian's /usr/bin/chromium) against a real uvicorn subprocess.

Fixtures (local to tests/browser; nothing here affects other tests):

- `live_server`: a fresh SQLite database migrated with Alembic, a `uvicorn --factory
  app.main:create_app` subprocess on a free port with a random secret key; yields the base URL
  (`http://127.0.0.1:PORT`) once /healthz answers, and stops the process after the test.
- `browser` (session): Chromium launched through Playwright; skipped when Debian's chromium is
  missing (Playwright's own browser download is not used). Downloads land under pytest's basetemp.
- `page`: a fresh context (accept_downloads=True) and page per test.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT = 20.0  # seconds for /healthz to answer
# Inherited TUNELAB_* settings that would change how the test server behaves are dropped (e.g. a
# developer's TUNELAB_COOKIE_SECURE=1 would break sign-in over plain http); these two only say where
# the offline data files live, so they are kept.
KEEP_SETTINGS = {"TUNELAB_TOKENIZER_DIR", "TUNELAB_MODELS_FILE"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _migrate(url: str) -> None:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    command.upgrade(cfg, "head")


def _server_output(log_dir: Path) -> str:
    parts = []
    for name in ("stdout", "stderr"):
        path = log_dir / f"uvicorn.{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        parts.append(f"--- uvicorn {name} ---\n{text.strip() or '(empty)'}")
    return "\n".join(parts)


def _wait_until_healthy(proc: subprocess.Popen, base_url: str, log_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {proc.returncode} before /healthz answered\n"
                               f"{_server_output(log_dir)}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = repr(exc)
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not answer GET {base_url}/healthz within {STARTUP_TIMEOUT:.0f} s "
                       f"(last error: {last_error})\n{_server_output(log_dir)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real uvicorn serving the app on a fresh, migrated SQLite database."""
    work = tmp_path_factory.mktemp("live-server")
    url = f"sqlite:///{work / 'tunelab.db'}"
    _migrate(url)

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_") or k in KEEP_SETTINGS}
    env["TUNELAB_DATABASE_URL"] = url
    env["TUNELAB_SECRET_KEY"] = secrets.token_urlsafe(32)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
           "--host", "127.0.0.1", "--port", str(port)]
    # Output goes to files (not pipes nobody reads, which could fill up and block the server).
    with open(work / "uvicorn.stdout.log", "wb") as out, open(work / "uvicorn.stderr.log", "wb") as err:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        _wait_until_healthy(proc, base_url, work)
        yield base_url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Debian's Chromium driven by Playwright (one browser for the whole session)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed: run `make test` (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             downloads_path=tmp_path_factory.mktemp("downloads"))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A new page in its own context (own cookies), downloads accepted."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()

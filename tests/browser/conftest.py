"""Browser tests: real Chromium (Debian's /usr/bin/chromium) against a real uvicorn subprocess.

Fixtures (local to tests/browser; nothing here affects other tests):

- `live_server` (tests/conftest.py): a real uvicorn on a fresh database.
- `browser` (session): Chromium launched through Playwright; skipped when Debian's chromium is
  missing (Playwright's own browser download is not used). Downloads land under pytest's basetemp.
- `page`: a fresh context (accept_downloads=True) and page per test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


def sign_in(page, base: str, username: str, password: str, projects: str = "Projects") -> None:
    """Sign in through the page and wait for the projects list, its heading `projects` in the page's
    language (argon2 takes a moment under load)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=projects)).to_be_visible(timeout=15_000)


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

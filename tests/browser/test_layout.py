"""Every main page at a phone's 390 px and a laptop's 1280 px, in light and dark mode (the system's
`prefers-color-scheme`): the document is never wider than the window (no sideways scrolling), and
dark mode really darkens the page. Screenshots land in pytest's tmp_path (layout-*.png)."""

import re

import httpx
import pytest

from tests.browser.conftest import sign_in
from tests.web.conftest import PASSWORD, TOKEN_RE

pytestmark = pytest.mark.browser
PAGES = ["/", "/projects/{p}/examples", "/projects/{p}/examples/{e}", "/projects/{p}/examples/new",
         "/projects/{p}/export", "/projects/{p}/health", "/projects/{p}/members", "/projects/{p}/settings",
         "/projects/{p}/import", "/account/tokens"]


def guide_install(base: str) -> tuple[int, int]:
    """A fresh install started from the guide's examples: the sentiment project and one example of it."""
    admin = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    token = TOKEN_RE.search(admin.get("/setup").text).group(1)
    admin.post("/setup", data={"csrftoken": token, "username": "olga", "password": PASSWORD, "password_again": PASSWORD})
    assert admin.post("/guide-projects", data={"csrftoken": token}).status_code == 303
    home = admin.get("/").text
    project = int(re.search(r'href="/projects/(\d+)/examples">Sentiment \(guide examples\)', home).group(1))
    example = int(re.search(r'data-example="(\d+)"', admin.get(f"/projects/{project}/examples").text).group(1))
    return project, example


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_is_wider_than_a_phone_or_a_laptop(live_server, browser, tmp_path, scheme):
    base = live_server
    project, example = guide_install(base)
    backgrounds = set()
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme=scheme)
        page = context.new_page()
        sign_in(page, base, "olga", PASSWORD)
        for path in PAGES:
            page.goto(base + path.format(p=project, e=example))
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            name = re.sub(r"\W+", "-", path.format(p="p", e="e")).strip("-") or "home"
            page.screenshot(path=str(tmp_path / f"layout-{scheme}-{width}-{name}.png"), full_page=True)
            assert overflow <= 0, f"{path} at {width} px ({scheme}) is {overflow} px wider than the window"
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        context.close()
    (background,) = backgrounds
    red, green, blue = map(int, re.findall(r"\d+", background)[:3])
    assert (red + green + blue < 150) == (scheme == "dark"), background

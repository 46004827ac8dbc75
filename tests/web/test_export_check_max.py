"""The export page's preflight reads and renders every example of the choice (about a download's
cost): up to TUNELAB_EXPORT_CHECK_MAX examples it runs on every visit, above that when asked, so
the page of a big project opens at once and says what it has not checked yet."""

import pytest

from app.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-key-not-for-production", export_check_max=2)


def drafts(web, project: int, count: int) -> None:
    for i in range(count):
        response = web.post(f"/projects/{project}/examples", {"f.text": f"Tweet {i}", "output": "positive"}, htmx=True)
        assert response.status_code in (200, 204), response.text


def test_a_choice_over_the_limit_is_checked_when_asked(web):
    project = web.create_project("sentiment")
    drafts(web, project, 3)
    query = "?profile=openai-legacy&status=draft"
    page = web.get(f"/projects/{project}/export{query}").text
    assert 'data-testid="preflight-not-run"' in page and 'data-testid="profile-preflight"' not in page
    assert "3 examples draft are more than the 2 this page checks on every visit" in " ".join(page.split())
    assert 'name="check" value="true"' in page  # the button asks for it
    twin = web.get(f"/api/v1/projects/{project}/export{query}").json()
    assert twin["check"] is None and twin["choice"] == {"profile": "openai-legacy", "title": twin["choice"]["title"],
                                                        "statuses": ["draft"], "include_errors": False, "examples": 3,
                                                        "split": None}
    asked = web.get(f"/projects/{project}/export{query}&check=true").text
    assert 'data-testid="profile-preflight"' in asked and "3 examples draft" in " ".join(asked.split())
    assert web.get(f"/api/v1/projects/{project}/export{query}&check=true").json()["check"]["written"] == 3


def test_a_choice_within_the_limit_is_checked_on_every_visit(web):
    project = web.create_project("sentiment")
    drafts(web, project, 2)
    twin = web.get(f"/api/v1/projects/{project}/export?profile=openai-legacy&status=draft").json()
    assert twin["check"]["written"] == 2 and twin["choice"]["examples"] == 2

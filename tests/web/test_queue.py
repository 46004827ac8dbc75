"""Queues: items added to label, "next" with leases, and real concurrent "next" requests."""

import re
import threading

import httpx

from tests.teams import live_browser, live_team
from tests.web.conftest import PASSWORD, Team

ANNOTATORS = 8


def test_added_items_wait_in_the_queue_and_bad_lines_add_nothing(team: Team):
    p = team.project
    bad = team.owner.post(f"/projects/{p}/items", {"items": 'fine tweet\n{"text": broken\n'})
    assert bad.status_code == 422 and "line 2: not valid JSON" in bad.text
    ok = team.owner.post(f"/projects/{p}/items", {"items": 'first to label\n\n{"text": "second to label"}\n'})
    assert ok.status_code == 303
    first = team.annotator.get(f"/projects/{p}/next").headers["location"]
    second = team.second_annotator.get(f"/projects/{p}/next").headers["location"]
    assert first != second and "/examples/" in first and "/examples/" in second
    assert team.annotator.get(f"/projects/{p}/next").headers["location"] == first  # your lease stays yours
    example = int(re.search(r"/examples/(\d+)", first).group(1))
    saved = team.annotator.post(f"/projects/{p}/examples/{example}", {"f.text": "first to label", "output": "negative",
                                                                      "version": "1", "after": "next"}, htmx=True)
    assert saved.status_code == 204
    assert team.annotator.get(f"/projects/{p}/next").headers["location"].startswith(f"/projects/{p}/examples/new")


def test_simultaneous_next_never_hands_one_example_to_two_annotators(live_server: str):
    names = [f"annotator{i}" for i in range(ANNOTATORS)]
    team = live_team(live_server, [(name, "annotator") for name in names], PASSWORD, project_name="Race")
    admin, token, project = team.admin, team.token, team.project
    items = "\n".join(f"tweet number {i}" for i in range(ANNOTATORS * 2))
    assert admin.post(f"/projects/{project}/items", data={"csrftoken": token, "items": items}).status_code == 303
    browsers = [live_browser(live_server, name, PASSWORD)[0] for name in names]
    barrier, handed = threading.Barrier(len(browsers)), {}

    def press_next(index: int, client: httpx.Client) -> None:
        barrier.wait()
        handed[index] = client.get(f"/projects/{project}/next").headers["location"]

    threads = [threading.Thread(target=press_next, args=(i, c)) for i, c in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    examples = [re.search(r"/examples/(\d+)", handed[i]).group(1) for i in range(len(browsers))]
    assert len(set(examples)) == len(browsers), f"the same example went to two annotators: {examples}"

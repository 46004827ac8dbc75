"""The live panel of a long chat (templates/examples/_panel.html): the exported line shows its start and
end with "show all", each message its start and end, and the tokens stay those of the whole text."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.core import tokens
from app.web.templating import LINE_HEAD, LINE_TAIL, PART_HEAD, PART_TAIL
from tests.web.conftest import Web
from tests.web.test_rendered_view import chat_form, chat_project

WORDS = "the river flows north past the old mill and under seven stone bridges to the sea "
TURNS = [("system", "You are a patient geography tutor.")] + [
    ("user" if i % 2 == 0 else "assistant", f"{i}: " + WORDS * 5) for i in range(20)]


def exported_line(web: Web, project: int) -> str:
    body = {"fields": {"system": TURNS[0][1]}, "output": [{"role": r, "content": t} for r, t in TURNS[1:]]}
    answer = web.client.post(f"/api/v1/projects/{project}/lint", json=body, headers={"x-csrftoken": web.csrf})
    assert answer.status_code == 200, answer.text
    return answer.json()["lines"][0]


def test_a_long_line_shows_its_start_and_end_and_show_all_shows_it_whole(web: Web):
    project = chat_project(web, "Qwen/Qwen3-8B")
    line = exported_line(web, project)
    panel = BeautifulSoup(web.post(f"/projects/{project}/lint", chat_form(TURNS), htmx=True).text, "html.parser")
    shown = panel.select_one('[data-testid="line"]').get_text()
    hidden = len(line) - LINE_HEAD - LINE_TAIL
    assert shown == line[:LINE_HEAD] + f"… {hidden:,} more characters …" + line[-LINE_TAIL:]
    assert panel.select_one('[data-testid="show-all"]').get_text() == f"show all {len(line):,} characters"

    whole = BeautifulSoup(web.post(f"/projects/{project}/lint", {**chat_form(TURNS), "full_lines": "1"},
                                   htmx=True).text, "html.parser")
    assert whole.select_one('[data-testid="line"]').get_text() == line
    assert whole.select_one('[data-testid="show-all"]').get_text() == "show less"
    total = whole.select_one('[data-testid="token-total"]').get_text()
    assert panel.select_one('[data-testid="token-total"]').get_text() == total  # the same count either way


def test_each_message_of_a_long_chat_shows_its_start_and_end_with_its_own_tokens(web: Web):
    project = chat_project(web, "Qwen/Qwen3-8B")
    panel = BeautifulSoup(web.post(f"/projects/{project}/lint", chat_form(TURNS), htmx=True).text, "html.parser")
    rows = panel.select("table.parts tr")
    message = next(r for r in rows if r.th.get_text() == "messages[1] user")
    text = TURNS[1][1]
    marked = lambda s: s.replace(" ", "·")  # noqa: E731 - spaces are shown as a dot
    shown = message.select_one("pre.visible").get_text()
    assert shown == marked(text[:PART_HEAD]) + f"… {len(text) - PART_HEAD - PART_TAIL:,} more characters …" \
        + marked(text[-PART_TAIL:])
    assert int(message.select_one("td.num").get_text()) == tokens.count(text, "qwen3")


def test_a_long_input_is_shown_once_whole_in_the_line_and_its_part_shows_its_start_and_end(web: Web):
    project = web.create_project("sentiment", name="Long")
    text = "-".join(f"word{i}" for i in range(300))  # no whitespace: the same bytes in the line and the part
    html = web.post(f"/projects/{project}/lint", {"f.text": text, "output": "positive"}, htmx=True).text
    middle = text[PART_HEAD:-PART_TAIL]
    assert html.count(middle) == 1  # in the exported line only
    panel = BeautifulSoup(html, "html.parser")
    assert text in panel.select_one('[data-testid="line"]').get_text()
    prompt = next(r for r in panel.select('[data-testid="part"]') if r.th.get_text().startswith("prompt"))
    assert prompt.select_one("pre.visible").get_text() == text[:PART_HEAD] + \
        f"… {len(text) + 3 - PART_HEAD - PART_TAIL:,} more characters …" + (text + " ->")[-PART_TAIL:].replace(" ", "·")
    assert int(prompt.select_one("td.num").get_text()) > 300

"""Projects: every preset becomes a working form; settings are validated and re-check examples."""

import pytest
from bs4 import BeautifulSoup

from app.core.presets import PRESETS

SETTINGS = {"name": "Tweets", "target_model": "babbage-002", "export_profile": "openai-legacy", "separator": " ->",
            "stop": "", "leading_space": "yes", "guidelines": "", "prompt_style": "template",
            "label.name": ["positive", "negative"], "label.completion": [" positive", " negative"],
            "label.hotkey": ["1", "2"]}


@pytest.mark.parametrize("preset", [p.key for p in PRESETS])
def test_every_preset_opens_a_form_made_for_its_task(web, preset):
    project = web.create_project(preset, name=f"My {preset}")
    page = web.get(f"/projects/{project}/examples/new")
    assert page.status_code == 200
    expected_widget = {
        "sentiment": 'data-hotkey="1"', "ad_supported": 'data-hotkey="y"', "email_triage": 'data-hotkey="4"',
        "ad_from_wikipedia": 'name="output"', "entity_extraction": 'name="output.item"',
        "support_chatbot": 'name="f.turns.role"', "product_description": 'name="f.attributes.key"',
        "chat": 'name="chat.weight"', "preference": 'name="output.non_preferred"', "custom": 'name="f.input"',
    }[preset]
    assert expected_widget in page.text
    assert 'id="panel"' in page.text


def test_new_project_needs_a_name_and_a_known_preset(web):
    response = web.post("/projects", {"name": " ", "preset": "nope"})
    assert response.status_code == 422
    assert "Name the project" in response.text and "Pick one of the task types" in response.text


def test_settings_refuse_duplicate_hotkeys_and_change_nothing(web):
    project = web.create_project("sentiment", name="Tweets")
    bad = {**SETTINGS, "name": "Renamed", "label.hotkey": ["1", "1"]}
    response = web.post(f"/projects/{project}/settings", bad)
    assert response.status_code == 422 and "used by two labels" in response.text
    assert "Renamed" not in web.get("/").text


def test_settings_change_rechecks_saved_examples(web):
    project = web.create_project("sentiment", name="Tweets")
    web.post(f"/projects/{project}/examples", {"f.text": "good", "output": "positive"}, htmx=True)
    assert web.get(f"/projects/{project}/examples?level=warning").text.count("data-example=") == 0
    multi = {**SETTINGS, "label.completion": [" very positive", " negative"]}
    assert web.post(f"/projects/{project}/settings", multi).status_code == 200
    listed = web.get(f"/projects/{project}/examples?level=warning").text
    assert listed.count("data-example=") == 1 and "label-multi-token" in listed


def test_separator_typed_with_escapes_is_stored_as_newlines(web):
    project = web.create_project("sentiment", name="Tweets")
    web.post(f"/projects/{project}/settings", {**SETTINGS, "separator": "\\n\\n###\\n\\n"})
    web.post(f"/projects/{project}/examples", {"f.text": "hello", "output": "positive"}, htmx=True)
    assert web.get(f"/projects/{project}/export.jsonl?status=draft").text == '{"prompt": "hello\\n\\n###\\n\\n", "completion": " positive"}\n'


def test_guidelines_markdown_is_rendered_without_raw_html(web):
    project = web.create_project("sentiment", name="Tweets")
    web.post(f"/projects/{project}/settings", {**SETTINGS, "guidelines": "**Be kind**\n\n<script>alert(1)</script>"})
    page = web.get(f"/projects/{project}/examples/new").text
    assert "<strong>Be kind</strong>" in page and "<script>alert(1)</script>" not in page


def test_custom_project_uses_the_owners_fields_and_template(web):
    project = web.create_project("custom", name="Mine")
    form = {**SETTINGS, "export_profile": "openai-legacy", "target_model": "davinci-002", "separator": "\\n\\n###\\n\\n",
            "stop": " END", "kind": "generation", "template": "Q: {question}\r\nTone: {tone}",
            "field.name": ["question", "tone"], "field.label": ["Question", "Tone"], "field.widget": ["textarea", "text"],
            "field.required": ["yes", "no"]}
    assert web.post(f"/projects/{project}/settings", form).status_code == 200
    web.post(f"/projects/{project}/examples", {"f.question": "Why?", "f.tone": "dry", "output": "Because."}, htmx=True)
    assert web.get(f"/projects/{project}/export.jsonl?status=draft").text == (
        '{"prompt": "Q: Why?\\nTone: dry\\n\\n###\\n\\n", "completion": " Because. END"}\n')
    unknown = {**form, "template": "{question} {missing}"}
    response = web.post(f"/projects/{project}/settings", unknown)
    assert response.status_code == 422 and "{missing}" in response.text


def test_the_old_llama_name_saves_as_the_exact_llama_row(web):
    """`llama-3.1-8b-instruct` was an approximate row; posted by an older form or API client it is
    kept as the exact Llama 3.1 row, which the settings page shows selected, with no "approximate"."""
    project = web.create_project("sentiment", name="Tweets")
    response = web.post(f"/projects/{project}/settings", {**SETTINGS, "target_model": "llama-3.1-8b-instruct",
                                                          "export_profile": "together-instruction"})
    assert response.status_code == 200, response.text
    page = web.get(f"/projects/{project}/settings").text
    assert 'value="meta-llama/Llama-3.1-8B-Instruct" selected' in page
    assert "llama-3.1-8b-instruct" not in page and "approximate counts" not in page.split("Llama-3.1-8B-Instruct")[1][:200]


TYPED = {**SETTINGS, "name": "Renamed as typed", "guidelines": "Typed guidelines, not saved", "separator": "\\n##\\n",
         "stop": " END", "leading_space": "", "label.name": ["pos typed", "neg typed"],
         "label.completion": [" good", " bad"], "label.hotkey": ["7", "7"]}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_refused_save_keeps_every_value_typed_and_says_what_is_wrong_beside_it(web, htmx):
    project = web.create_project("sentiment", name="Tweets")
    response = web.post(f"/projects/{project}/settings", TYPED, htmx=htmx)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert (page.html is None) == htmx  # htmx: the #settings-page fragment only
    form = page.select_one("#settings-page form")
    assert form.select_one('input[name="name"]')["value"] == "Renamed as typed"
    assert form.select_one('textarea[name="guidelines"]').get_text() == "Typed guidelines, not saved"
    assert form.select_one('input[name="separator"]')["value"] == "\\n##\\n"
    assert form.select_one('input[name="stop"]')["value"] == " END"
    assert not form.select_one('input[name="leading_space"]').has_attr("checked")
    assert [i["value"] for i in form.select('input[name="label.name"]')] == ["pos typed", "neg typed"]
    assert [i["value"] for i in form.select('input[name="label.completion"]')] == [" good", " bad"]
    assert "used by two labels" in page.select_one("#err-labels").get_text()
    assert "Renamed as typed" not in web.get("/").text  # nothing was saved


@pytest.mark.parametrize("bad", [{"target_model": "no-such-model"}, {"prompt_style": "x" * 5000},
                                 {"export_profile": "\u202e"}, {"label.name": ["same", "same"]}])
def test_bad_values_are_refused_and_kept_never_a_500(web, bad):
    project = web.create_project("sentiment", name="Tweets")
    response = web.post(f"/projects/{project}/settings", {**SETTINGS, "name": "Kept", **bad}, htmx=True)
    assert response.status_code == 422, response.text
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one('input[name="name"]')["value"] == "Kept"
    assert page.select_one(".field-error")


def test_a_nul_byte_is_refused_with_a_toast_and_no_500(web):
    project = web.create_project("sentiment", name="Tweets")
    response = web.post(f"/projects/{project}/settings", {**SETTINGS, "guidelines": "a\x00b"}, htmx=True)
    assert response.status_code == 422 and response.headers.get("HX-Toast") == "error"

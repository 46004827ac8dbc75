"""The example form: live panel, save with field errors, stale edits, and the export button."""

import html
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.presets import get_preset
from app.storage.tables import Example

GOLDEN = Path(__file__).resolve().parents[3] / "shared" / "seed" / "golden-lines.jsonl"


def golden_cases():
    if not GOLDEN.exists():
        pytest.skip(f"{GOLDEN} not found: the seed's golden lines live beside the project in shared/")
    return [json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()]


def form_of(case) -> dict:
    """The form a person fills for a golden case (the separator, space and stop are never typed)."""
    data: dict = {}
    for name, value in case["fields"].items():
        if isinstance(value, list) and name == "attributes":
            data[f"f.{name}.key"] = [k for k, _ in value]
            data[f"f.{name}.value"] = [v for _, v in value]
        elif isinstance(value, list):
            data[f"f.{name}.role"] = [r for r, _ in value]
            data[f"f.{name}.text"] = [t for _, t in value]
        else:
            data[f"f.{name}"] = value.replace("\n", "\r\n")  # browsers post textarea newlines as CRLF
    output = case["output"]
    if isinstance(output, list):
        data["output.item"] = output
    elif output is not None:
        settings = get_preset(case["preset"]).settings
        label = settings.label_for(output) if settings.labels else None
        data["output"] = label.name if label else output
    return data


def example_count(web) -> int:
    with web.client.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Example)).scalar_one()


def test_golden_lines_come_out_of_the_export_button_byte_exact(web):
    cases = golden_cases()
    by_preset: dict[str, list] = {}
    for case in cases:
        by_preset.setdefault(get_preset(case["preset"]).key, []).append(case)
    for preset, group in by_preset.items():
        project = web.create_project(preset, name=preset)
        for case in group:
            saved = web.post(f"/projects/{project}/examples", {**form_of(case), "after": "next"}, htmx=True)
            assert saved.status_code == 204, saved.text
        download = web.get(f"/projects/{project}/export.jsonl?status=draft&profile=openai-legacy")
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        expected = "".join(json.dumps(obj, ensure_ascii=False) + "\n" for case in group for obj in case["exported"])
        assert download.content == expected.encode("utf-8")


def test_panel_shows_the_exact_line_the_export_writes(web):
    project = web.create_project("sentiment")
    form = {"f.text": "Overjoyed with the new iPhone!", "output": "positive"}
    panel = web.post(f"/projects/{project}/lint", form, htmx=True)
    assert panel.status_code == 200 and "<html" not in panel.text and "HX-Request" in panel.headers["vary"]
    shown = html.unescape(re.search(r'data-testid="line">([^<]+)<', panel.text).group(1))
    web.post(f"/projects/{project}/examples", {**form, "after": "stay"}, htmx=True)
    exported = web.get(f"/projects/{project}/export.jsonl?status=draft").text
    assert exported == shown + "\n"


def test_panel_counts_tokens_and_lists_rules_while_typing(web):
    project = web.create_project("sentiment")
    first = web.post(f"/projects/{project}/lint", {"f.text": "Great phone ->"}, htmx=True).text
    assert 'data-code="separator-inside"' in first and 'data-code="output-empty"' in first
    second = web.post(f"/projects/{project}/lint", {"f.text": "Great phone, love it", "output": "positive"}, htmx=True).text
    assert 'data-code="separator-inside"' not in second and 'data-code="output-empty"' not in second
    tokens = [int(re.search(r'data-testid="token-total">([\d,]+)<', t).group(1)) for t in (first, second)]
    assert tokens[0] != tokens[1] and tokens[1] > 0


def test_empty_required_field_and_unknown_label_are_refused_beside_the_field(web):
    project = web.create_project("sentiment")
    response = web.post(f"/projects/{project}/examples", {"f.text": "   ", "output": "meh", "after": "next"}, htmx=True)
    assert response.status_code == 422
    assert 'id="err-text"' in response.text and "Tweet is required" in response.text
    assert 'id="err-output"' in response.text and "is not a label of this project" in response.text
    assert example_count(web) == 0


def test_oversize_text_is_refused_and_nothing_is_saved(web):
    project = web.create_project("sentiment")
    response = web.post(f"/projects/{project}/examples", {"f.text": "x" * 2_001, "output": "positive"}, htmx=True)
    assert response.status_code == 422 and "the limit is 2,000" in response.text
    assert example_count(web) == 0


def test_stale_edit_shows_both_versions_and_keeps_the_other_save(web):
    project = web.create_project("sentiment")
    web.post(f"/projects/{project}/examples", {"f.text": "Original tweet", "output": "positive"}, htmx=True)
    mine = {"f.text": "My edit", "output": "positive", "version": "1", "after": "stay"}
    theirs = {"f.text": "Their edit", "output": "negative", "version": "1", "after": "stay"}
    assert web.post(f"/projects/{project}/examples/1", theirs, htmx=True).status_code == 204
    stale = web.post(f"/projects/{project}/examples/1", mine, htmx=True)
    assert stale.status_code == 409 and 'data-testid="stale"' in stale.text
    assert "Their edit -&gt;" in stale.text and "My edit -&gt;" in stale.text
    assert "Their edit" in web.get(f"/projects/{project}/export.jsonl?status=draft").text
    overwrite = web.post(f"/projects/{project}/examples/1", {**mine, "version": "2"}, htmx=True)
    assert overwrite.status_code == 204
    assert "My edit" in web.get(f"/projects/{project}/export.jsonl?status=draft").text


def test_examples_list_filters_by_level_and_label(web):
    project = web.create_project("sentiment")
    web.post(f"/projects/{project}/examples", {"f.text": "fine tweet", "output": "positive"}, htmx=True)
    web.post(f"/projects/{project}/examples", {"f.text": "bad -> tweet", "output": "negative"}, htmx=True)
    warnings = web.get(f"/projects/{project}/examples?level=warning").text
    assert "bad -&gt; tweet" in warnings and "fine tweet" not in warnings
    assert "warning (1)" in warnings and "ok (1)" in warnings  # the filter's counts follow every save
    web.post(f"/projects/{project}/examples/2", {"f.text": "bad tweet", "output": "negative", "version": "1",
                                                 "after": "stay"}, htmx=True)
    assert "warning (0)" in web.get(f"/projects/{project}/examples").text
    positives = web.get(f"/projects/{project}/examples?label=positive").text
    assert "fine tweet" in positives and "bad -&gt; tweet" not in positives


def test_delete_removes_the_example_from_list_and_export(web):
    project = web.create_project("sentiment")
    web.post(f"/projects/{project}/examples", {"f.text": "to delete", "output": "positive"}, htmx=True)
    assert web.post(f"/projects/{project}/examples/1/delete", {"version": "1"}).status_code == 303
    assert web.get(f"/projects/{project}/export.jsonl?status=draft").text == ""
    assert web.get(f"/projects/{project}/examples/1").status_code == 404


def test_export_leaves_out_examples_with_errors_unless_asked(web):
    project = web.create_project("sentiment")
    web.post(f"/projects/{project}/examples", {"f.text": "kept", "output": "positive"}, htmx=True)
    web.post(f"/projects/{project}/examples", {"f.text": "label removed later", "output": "negative"}, htmx=True)
    settings = {"name": "Tweets", "target_model": "babbage-002", "export_profile": "openai-legacy",
                "separator": " ->", "stop": "", "leading_space": "yes", "guidelines": "",
                "prompt_style": "template", "label.name": ["positive"], "label.completion": [" positive"],
                "label.hotkey": ["1"]}
    assert web.post(f"/projects/{project}/settings", settings).status_code == 200
    assert web.get(f"/projects/{project}/export.jsonl?status=draft").text.count("\n") == 1
    assert "1 with an error" in web.get(f"/projects/{project}/export").text
    everything = web.get(f"/projects/{project}/export.jsonl?status=draft&include_errors=true").text
    assert everything.count("\n") == 2


def test_chat_profile_maps_prompt_and_completion_to_messages(web):
    project = web.create_project("ad_from_wikipedia")
    web.post(f"/projects/{project}/examples", {"f.name": "Phone", "f.description": "A phone.", "output": "Buy it!"}, htmx=True)
    line = json.loads(web.get(f"/projects/{project}/export.jsonl?status=draft&profile=openai-chat").text)
    assert line == {"messages": [{"role": "user", "content": "Phone\nA phone."}, {"role": "assistant", "content": "Buy it!"}]}


def test_export_profile_that_cannot_write_the_kind_is_refused(web):
    project = web.create_project("sentiment")
    response = web.get(f"/projects/{project}/export.jsonl?status=draft&profile=openai-preference")
    assert response.status_code == 422 and "cannot write" in response.text


def test_export_page_warns_before_upload(web):
    project = web.create_project("sentiment")
    web.post(f"/projects/{project}/examples", {"f.text": "only one", "output": "positive"}, htmx=True)
    page = web.get(f"/projects/{project}/export").text
    assert 'data-testid="preflight"' in page and 'data-code="too-few-examples"' in page


def test_the_list_searches_inputs_and_outputs_and_its_twin_too(web):
    project = web.create_project("sentiment", "Search")
    for tweet in ("My refund never came", "我的订单还没有到", "Lovely weather"):
        assert web.post(f"/projects/{project}/examples", {"f.text": tweet, "output": "positive",
                                                          "after": "stay"}).status_code == 303
    page = web.get(f"/projects/{project}/examples?q=refun").text
    assert "My refund never came" in page and "Lovely weather" not in page and 'value="refun"' in page
    twin = web.get(f"/api/v1/projects/{project}/examples?q=订单").json()
    assert [e["fields"]["text"] for e in twin["examples"]] == ["我的订单还没有到"]
    nothing = html.unescape(web.get(f"/projects/{project}/examples?q=thunderstorm").text)
    assert "No examples hold “thunderstorm”." in nothing
    assert web.get(f"/projects/{project}/examples?q=" + "x" * 501).status_code == 422

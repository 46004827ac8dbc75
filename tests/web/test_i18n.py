"""The UI's language: the browser's Accept-Language, a setting per user that wins over it, a
refused setting that changes nothing, and app messages (rule findings, refusals, confirmations)
shown in the reader's language."""

from __future__ import annotations

import pytest

from app.web.i18n import catalog, from_accept_language, translate

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _zh(text: str) -> str:
    said = catalog("zh_Hans").gettext(text)
    assert said != text, f"{text!r} has no Chinese translation"
    return said


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
    ("zh", "zh_Hans"),
    ("zh-Hans-SG", "zh_Hans"),
    ("en-US,en;q=0.5", "en"),
    ("zh-TW,de;q=0.8", "en"),          # Traditional Chinese is not offered: English, not Simplified
    ("fr;q=1.0, zh;q=0.4", "zh_Hans"),  # French is not offered: the next one that is
    ("zh;q=0, en;q=0.1", "en"),         # q=0 means "not this one"
    ("en;q=0.2, zh-CN;q=0.8", "zh_Hans"),
    ("", "en"),
    ("garbage;q=x,,;;", "en"),
    ("*", "en"),
])
def test_the_browser_language_is_the_best_offered_one(header, language):
    assert from_accept_language(header) == language


def test_pages_follow_the_browser_language_until_the_user_chooses_one(web):
    chinese = web.get("/projects", headers=ZH)
    assert 'lang="zh-Hans"' in chinese.text
    assert f">{_zh('Projects')}<" in chinese.text and ">Projects<" not in chinese.text
    assert "Accept-Language" in chinese.headers["vary"]
    english = web.get("/projects", headers=EN)
    assert ">Projects<" in english.text and 'lang="en"' in english.text

    saved = web.post("/account/language", {"language": "en"}, headers=ZH)
    assert saved.status_code == 303
    assert ">Projects<" in web.get("/projects", headers=ZH).text  # the setting wins over the browser

    assert web.post("/account/language", {"language": "zh_Hans"}, headers=EN).status_code == 303
    page = web.get(saved.headers["location"], headers=EN)
    assert f">{_zh('Projects')}<" in page.text
    assert translate("Language saved", "zh_Hans") in page.text  # the confirmation, in the new language

    assert web.post("/account/language", {"language": "auto"}).status_code == 303  # back to the browser's
    assert ">Projects<" in web.get("/projects", headers=EN).text
    assert f">{_zh('Projects')}<" in web.get("/projects", headers=ZH).text


@pytest.mark.parametrize("language", ["fr", "zh_Hant", "x" * 5_000, "zh_Hans\x00"])
def test_an_unknown_language_is_refused_and_the_setting_is_kept(web, language):
    assert web.post("/account/language", {"language": "zh_Hans"}).status_code == 303
    refused = web.post("/account/language", {"language": language}, headers=EN)
    assert refused.status_code == 422
    english = "Choose one of the languages offered: English, 简体中文."
    assert translate(english, "zh_Hans") != english and translate(english, "zh_Hans") in refused.text
    assert f">{_zh('Projects')}<" in web.get("/projects", headers=EN).text  # still Chinese


def test_the_sign_in_page_speaks_the_browser_language(client, web):
    web.post("/logout")
    page = client.get("/login", headers=ZH)
    assert f"{_zh('Sign in')}<" in page.text

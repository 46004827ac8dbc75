"""The UI's language: the browser's Accept-Language, a setting per user that wins over it, a
refused setting that changes nothing, and app messages (rule findings, refusals, confirmations)
shown in the reader's language."""

from __future__ import annotations

import pytest

from app.web.i18n import from_accept_language, translate

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


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
    chinese = web.get("/", headers=ZH)
    assert '<html lang="zh-Hans">' in chinese.text
    assert "Accept-Language" in chinese.headers["vary"]
    assert '<html lang="en">' in web.get("/", headers=EN).text

    saved = web.post("/account/language", {"language": "en"}, headers=ZH)
    assert saved.status_code == 303
    assert '<html lang="en">' in web.get("/", headers=ZH).text  # the setting wins over the browser

    assert web.post("/account/language", {"language": "zh_Hans"}, headers=EN).status_code == 303
    page = web.get(saved.headers["location"], headers=EN)
    assert '<html lang="zh-Hans">' in page.text and 'value="zh_Hans" checked' in page.text

    assert web.post("/account/language", {"language": "auto"}).status_code == 303  # back to the browser's
    assert '<html lang="en">' in web.get("/", headers=EN).text
    assert '<html lang="zh-Hans">' in web.get("/", headers=ZH).text


@pytest.mark.parametrize("language", ["fr", "zh_Hant", "x" * 5_000, "zh_Hans\x00", ""])
def test_an_unknown_language_is_refused_and_the_setting_is_kept(web, language):
    assert web.post("/account/language", {"language": "zh_Hans"}).status_code == 303
    refused = web.post("/account/language", {"language": language}, headers=EN)
    assert refused.status_code == 422
    if "\x00" not in language:  # a NUL is refused at the boundary, before the form is read
        assert 'role="alert"' in refused.text
    assert '<html lang="zh-Hans">' in web.get("/", headers=EN).text  # still Chinese


def test_the_sign_in_page_speaks_the_browser_language(client):
    assert '<html lang="zh-Hans">' in client.get("/setup", headers=ZH).text
    assert '<html lang="en">' in client.get("/setup", headers=EN).text


def test_a_stored_message_is_said_by_its_most_specific_template(tmp_path, monkeypatch):
    from app.web import i18n
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "{where} ({role}) is empty."
msgstr "{where}（{role}）为空。"

msgid "{where} (no role) is empty."
msgstr "{where}（无角色）为空。"

msgid "{count} {reason}"
msgstr "{count} 个{reason}"

msgid "turn {n}"
msgstr "第 {n} 轮"

msgid "a draft"
msgstr "草稿"
''', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalog.cache_clear()
    i18n._translated.cache_clear()
    try:
        assert translate("Turn 2 (no role) is empty.", "zh_Hans") == "第 2 轮（无角色）为空。"
        assert translate("Turn 2 (user) is empty.", "zh_Hans") == "第 2 轮（user）为空。"
        assert translate("2 a draft; 1 a draft", "zh_Hans") == "2 个草稿；1 个草稿"
        assert translate("hello world", "zh_Hans") == "hello world"  # {count} matches digits only
    finally:
        i18n.catalog.cache_clear()
        i18n._translated.cache_clear()


def test_the_export_page_speaks_chinese_to_a_chinese_browser(web):
    project = web.create_project("sentiment", "Tweets")
    chinese = web.get(f"/projects/{project}/export", headers=ZH).text
    assert "导出 JSONL" in chinese and "上传之前" in chinese and "Before you upload" not in chinese
    english = web.get(f"/projects/{project}/export", headers=EN).text
    assert "Export JSONL" in english and "导出" not in english


def test_a_bulk_notice_is_said_in_chinese_piece_by_piece():
    notice = "1 approved, 3 skipped: 2 a draft, not submitted yet; 1 approved already"
    assert translate(notice, "zh_Hans") == "1 个已批准，跳过 3 个：2 个是草稿，尚未提交；1 个已经批准"
    assert translate(notice, "en") == notice
    assert translate("Tick at least one example.", "zh_Hans") == "请至少勾选一个示例。"


def test_the_panel_says_a_rule_finding_in_chinese(web):
    project = web.create_project("sentiment", "Tweets")
    saved = web.post(f"/projects/{project}/examples", {"f.text": "Great phone", "output": ""}, headers=ZH)
    page = web.get(saved.headers["location"], headers=ZH).text if saved.status_code == 303 else saved.text
    assert "还没有选择标签：请选择一个标签（点击它或按它的快捷键）。" in page
    assert "No label is chosen" not in page


def test_the_users_page_confirms_a_new_account_in_chinese(web):
    page = web.post("/admin/users", {"username": "rita", "password": "a long enough password"}, headers=ZH).text
    assert "账户 &#39;rita&#39; 已创建。" in page and "created." not in page

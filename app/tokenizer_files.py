"""Offline tokenizer files: build tiktoken's BPE tables from the npm `tiktoken` package and check them.

tiktoken downloads its `.tiktoken` files from a web host on first use, which fails on a machine
without internet. The npm package `tiktoken` ships the same tables as JSON (`encoders/*.json`,
field `bpe_ranks`: lines of `"<ignored> <first-rank> <b64 token> <b64 token> ..."`). Writing
`"<b64 token> <rank>\\n"` for every token in rank order reproduces the official files byte for
byte; we store them in tiktoken's cache layout (file name = sha1 of the official URL) and point
`TIKTOKEN_CACHE_DIR` there before tiktoken loads anything.

    python -m app.tokenizer_files build   # at setup (the Makefile runs it)
    python -m app.tokenizer_files check   # what the app does at start-up
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NPM_DIR = PROJECT_ROOT / "node_modules" / "tiktoken" / "encoders"
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache" / "tiktoken"


@dataclass(frozen=True)
class EncodingFile:
    name: str
    url: str
    sha256: str

    @property
    def cache_name(self) -> str:
        return hashlib.sha1(self.url.encode()).hexdigest()


ENCODING_FILES = (
    EncodingFile(
        "o200k_base",
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    EncodingFile(
        "cl100k_base",
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
)


class TokenizerFilesError(RuntimeError):
    """A tokenizer file is missing or is not the official one; the message says how to fix it."""


def convert_npm_ranks(bpe_ranks: str) -> bytes:
    """Turn the npm package's compact `bpe_ranks` text into the official `.tiktoken` bytes."""
    out: list[str] = []
    for line in bpe_ranks.split("\n"):
        parts = line.split(" ")
        if len(parts) < 3:
            continue
        first_rank = int(parts[1])
        for offset, token in enumerate(parts[2:]):
            out.append(f"{token} {first_rank + offset}\n")
    return "".join(out).encode("ascii")


def build(npm_dir: Path = DEFAULT_NPM_DIR, cache_dir: Path = DEFAULT_CACHE_DIR) -> list[Path]:
    """Write every encoding file into `cache_dir`, checking each against its SHA-256."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for enc in ENCODING_FILES:
        source = npm_dir / f"{enc.name}.json"
        if not source.exists():
            raise TokenizerFilesError(
                f"{source} not found: run `npm ci` (the Makefile does) to install the npm "
                "package `tiktoken` that carries the tokenizer tables."
            )
        data = convert_npm_ranks(json.loads(source.read_text())["bpe_ranks"])
        digest = hashlib.sha256(data).hexdigest()
        if digest != enc.sha256:
            raise TokenizerFilesError(
                f"{enc.name} built from {source} has SHA-256 {digest}, expected {enc.sha256}: "
                "the npm package is not the pinned version (see package.json)."
            )
        target = cache_dir / enc.cache_name
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
    return written


def check(cache_dir: Path = DEFAULT_CACHE_DIR) -> None:
    """Raise TokenizerFilesError unless every encoding file is present with the official hash."""
    for enc in ENCODING_FILES:
        path = cache_dir / enc.cache_name
        if not path.exists():
            raise TokenizerFilesError(
                f"tokenizer file for {enc.name} is missing ({path}). Run `make setup` "
                "(it builds the files offline from the npm package `tiktoken`)."
            )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != enc.sha256:
            raise TokenizerFilesError(
                f"tokenizer file for {enc.name} ({path}) has SHA-256 {digest}, expected "
                f"{enc.sha256}. Delete it and run `make setup` to rebuild it."
            )


def activate(cache_dir: Path = DEFAULT_CACHE_DIR) -> None:
    """Check the files, then point tiktoken at them (call before the first get_encoding)."""
    check(cache_dir)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    try:
        if command == "build":
            for path in build():
                print(f"tokenizer file ready: {path}")
        elif command == "check":
            check()
            print("tokenizer files OK")
        else:
            print("usage: python -m app.tokenizer_files [build|check]", file=sys.stderr)
            return 2
    except TokenizerFilesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

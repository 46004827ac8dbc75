"""The settings of a command-line command that counts tokens (`tunelab export`, `tunelab import`)."""

from __future__ import annotations

from typing import IO


def counting_settings(err: IO[str], command: str):
    """The settings of a command that counts tokens, its tokenizer files activated; None (said on
    `err`) when the files are missing or wrong."""
    from app.config import DEV_SECRET, Settings
    from app.tokenizer_files import TokenizerFilesError, activate

    settings = Settings(dev_mode=True, secret_key=DEV_SECRET)
    try:
        activate(settings.tokenizer_dir)
    except TokenizerFilesError as exc:
        print(f"tunelab {command}: {exc}", file=err)
        return None
    return settings

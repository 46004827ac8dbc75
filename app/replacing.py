"""Write a file so that it takes its target's place only when the writing succeeds: a temporary
file beside the target, renamed onto it at the end (the target is never half-written; a failed or
discarded write leaves it as it was). `tunelab convert` and `tunelab export` write their output so.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO


class Replacing:
    """`with Replacing(target) as file:` … the file replaces `target` when the block ends without an
    error, unless `keep` was set to False meanwhile. OSError when the directory cannot be written."""

    def __init__(self, target: Path, mode: str = "wb") -> None:
        self.target, self.mode, self.keep = Path(target), mode, True

    def __enter__(self) -> IO[bytes]:
        handle, self.temp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part",
                                             dir=self.target.resolve().parent)
        self.file = os.fdopen(handle, self.mode)
        return self.file

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            if kind is None and self.keep:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if kind is None and self.keep:
                os.chmod(self.temp, 0o666 & ~_umask())  # mkstemp makes it private: a new file's usual mode
                os.replace(self.temp, self.target)
        finally:
            if os.path.exists(self.temp):
                os.unlink(self.temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

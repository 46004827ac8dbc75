"""A zip of kept files whose bytes depend only on the files, their names and one timestamp (the
snapshot's), so the same snapshot's zip is the same download every time."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO


def write_zip(out: IO[bytes], members: list[tuple[str, Path]], when: datetime) -> None:
    """`members`: (name in the zip, file on disk), deflated, in the order given."""
    stamp = max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, 1 << 16)

"""A project's settings as `ProjectSettings`, parsed once per loaded row.

Every service and page of a request asks for the settings of the same project object (the live
panel did three times per keystroke). The parse is kept beside the very dict it was made from and
reused while the project row holds that same dict; a settings change assigns a new dict (JSON
columns are never changed in place here), a fresh load of the row brings a new one, so a parse is
never used for other settings than its own.
"""

from __future__ import annotations

from threading import Lock

from app.core.project_settings import ProjectSettings
from app.storage.tables import Project

_KEEP = 256  # projects' parses kept (each a few KB); the oldest goes first
_parsed: dict[int, tuple[dict, ProjectSettings]] = {}
_lock = Lock()


def settings_of(project: Project) -> ProjectSettings:
    raw = project.settings
    kept = _parsed.get(id(raw))
    if kept is not None and kept[0] is raw:  # the dict is held in the entry: its id is not reused meanwhile
        return kept[1]
    parsed = ProjectSettings.from_dict(raw)
    with _lock:
        if len(_parsed) >= _KEEP:
            _parsed.pop(next(iter(_parsed)))
        _parsed[id(raw)] = (raw, parsed)
    return parsed

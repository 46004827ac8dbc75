"""Errors a use case raises; the web layer turns each into a clear page, fragment or JSON body.

    ServiceError
     ├── Invalid      input refused; `errors` maps field -> message (nothing was stored)
     ├── NotFound     no such project or example
     ├── Forbidden    the signed-in user may not do this
     ├── Stale        the example changed since the user loaded it (both versions attached)
     └── Gone         a kept export file is missing or no longer has its recorded SHA-256
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400


class Invalid(ServiceError):
    status_code = 422

    def __init__(self, errors: dict[str, str], evaluation: Any = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.evaluation = evaluation


class NotFound(ServiceError):
    status_code = 404


class Forbidden(ServiceError):
    status_code = 403


class Stale(ServiceError):
    status_code = 409

    def __init__(self, current: Any, mine: Any, message: str = "the example was changed by someone else") -> None:
        super().__init__(message)
        self.current = current
        self.mine = mine


class Gone(ServiceError):
    status_code = 410

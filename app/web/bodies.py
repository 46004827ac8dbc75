"""JSON request bodies of the API: every string in them (nested, keys too) is text, else a 422 naming it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from app.web.text_check import problems


class TextIn(BaseModel):
    """A JSON body whose every string (nested, keys too) is text: no NUL, no lone surrogate (422 naming it)."""

    @field_validator("*")
    @classmethod
    def _text(cls, value: Any) -> Any:
        for path, problem in problems(value).items():
            raise PydanticCustomError("text", problem, {"path": path} if path != "value" else {})
        return value


class ExampleIn(TextIn):
    fields: dict[str, Any] = {}
    output: Any = None
    version: int | None = None
    profile: str | None = None


class ReviewIn(TextIn):
    action: str
    comment: str = ""
    version: int  # the version the reviewer looked at: a decision about another version is refused (409)

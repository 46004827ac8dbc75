"""/api/v1/rules: every rule the checks know, with its level, kinds and explanation (no HTML page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.core.rules.registry import RULES
from app.web.deps import UserDep

router = APIRouter()


@router.get("/api/v1/rules", name="api_rules")
def rules(user: UserDep) -> list[dict[str, Any]]:
    return [vars(spec) | {"kinds": list(spec.kinds)} for spec in RULES.values()]

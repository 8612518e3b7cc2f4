"""(being written) MediaWiki core modules."""

from __future__ import annotations

from typing import Any

from .context import ApiRequest, Handler


def check_write(req: ApiRequest, *, rate_action: str = "edit") -> None:
    """Checks every write must pass (token, assert, permission, rate limit). Raises ApiError."""


def register(app: Any) -> dict[str, Handler]:
    return {}

"""(being written)"""

from typing import Any


def register(app: Any) -> dict:
    return {}

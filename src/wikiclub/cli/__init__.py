"""The command line: thin click wrappers over library functions, one module per stage.

Only this package imports click. ``app.py`` holds the group and turns every ``WikiclubError`` into a
short message + hint on stderr and its exit code; each stage module adds its commands to that group.
"""

from __future__ import annotations

from . import atelier, batch, demo, reconcile, report, sandbox, setup, sheets  # noqa: F401  (each adds its commands)
from .app import main

__all__ = ["main"]

"""CLI commands (placeholder, filled by its stage)."""

from . import main  # noqa: F401

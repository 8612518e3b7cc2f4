"""What every page of the atelier shares (one instance per running atelier, kept in the Flask app's
``extensions``): the project, the wiring, the jobs, the decisions' lock and undo lists, the CSRF token;
and the page's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app, g

from .jobs import Jobs
from .progress import item_url
from .project import Project
from .reviewing import Decisions
from .steps import Wiring


@dataclass
class Atelier:
    """Everything the pages share, for one running atelier."""

    project: Project
    wiring: Wiring
    local_only: bool = True
    jobs: Jobs = field(default_factory=Jobs)
    decisions: Decisions = field(default_factory=Decisions)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def link(self, qid: str) -> str:
        return item_url(self.wiring.settings, qid)


def atelier() -> Atelier:
    found: Atelier = current_app.extensions["atelier"]
    return found


def tr(fr: str, en: str) -> str:
    """The text in the page's language (French unless the English switch is on)."""
    return en if getattr(g, "lang", "fr") == "en" else fr

"""Configuration of one sandbox instance (no globals: every part receives this object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WIKIDATA_CONCEPT_BASE = "http://www.wikidata.org/entity/"


@dataclass(frozen=True)
class FaultConfig:
    """Probabilities (0..1) of each injected fault, drawn from a seeded RNG per request.

    ``lost_response`` applies to writes only: the edit is saved, then the connection is closed
    without an answer. ``saved_then_503`` too: the edit is saved, then the answer is a plain-text
    HTTP 503 (what a proxy or CDN in front of a wiki gives when the backend was slow to answer).
    ``token_expiry_after`` invalidates all CSRF tokens once after that many writes.
    """

    seed: int = 0
    maxlag: float = 0.0
    ratelimited: float = 0.0
    http503: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 2.0
    editconflict: float = 0.0
    lost_response: float = 0.0
    saved_then_503: float = 0.0
    token_expiry_after: int | None = None
    retry_after: int = 1


@dataclass(frozen=True)
class SandboxConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    concept_base: str = WIKIDATA_CONCEPT_BASE
    sitename: str = "wikiclub sandbox"
    # $wgRateLimits-style: action → group → (count, seconds); None = no limits (the default). The
    # window may be short (a fraction of a second) so tests exercise the same logic without waiting.
    rate_limits: dict[str, dict[str, tuple[int, float]]] | None = None
    # Simulated replication lag in seconds (the recorded wiki had 1 s, so maxlag=0 fails).
    replication_lag: float = 0.0
    faults: FaultConfig | None = None
    log_path: Path | None = None
    anonymous_edits: bool = False
    # "cirrus": search like Wikidata (CirrusSearch: case/accent-insensitive prefix, full text,
    # haswbstatement). "sql": like a bare Wikibase without CirrusSearch, as in the recorded
    # fixtures (case-sensitive prefix on the stored term, no full-text index for entity pages).
    search: str = "cirrus"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.server}/w/api.php"

    @property
    def sparql_url(self) -> str:
        return f"{self.server}/sparql"

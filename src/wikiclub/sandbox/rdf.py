"""(being written) entity JSON → WDQS RDF, and the pyoxigraph store behind /sparql."""
from pathlib import Path


class SparqlStore:
    def __init__(self, path: Path | None, concept_base: str) -> None:
        self.path, self.concept_base = path, concept_base

    def query(self, query: str, accept: str) -> tuple[bytes, str]:
        raise ValueError("not yet")

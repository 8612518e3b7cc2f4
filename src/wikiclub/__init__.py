"""wikiclub — des tableurs du WikiClub Croissant boréal vers Wikidata.

Stages: sheets → mapping → reconcile → plan → push → report/pull. See docs/architecture.md.
"""

__version__ = "0.1.0"

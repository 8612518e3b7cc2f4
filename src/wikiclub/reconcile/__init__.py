"""Reconciliation: find the existing item for every row and every item cell (issue 4).

Finding (candidates.py: API search, identifier and website lookups, or the local index) and judging
(features.py → scoring.py → decide.py) are separate; run.py is the stage, review.py the sheets people
edit, inputs.py the bridge from ``wikiclub map`` records. See docs/reconciliation.md.
"""

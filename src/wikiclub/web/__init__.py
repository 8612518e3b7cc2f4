"""Local web front ends on Flask (the ``web`` extra): the reconciliation service for OpenRefine.

Only this package imports Flask; the stages stay free of it (``reconcile/serve.py`` answers every
request from plain parameters, this package only turns HTTP into those parameters and back).
"""

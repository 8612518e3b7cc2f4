"""Everything that talks to the outside world (wikis, query services), each behind a small interface.

- :mod:`.http` — ``make_session(settings)``: the only place HTTP sessions are built;
- :mod:`.mwerrors` — ``classify_answer``: MediaWiki answers → the typed errors of ``wikiclub.errors``;
- :mod:`.wikibase` — ``WikibaseClient``: reads, searches and edits through the Action API;
- :mod:`.auth` — BotPassword login through WikibaseIntegrator;
- :mod:`.sparql` — ``SparqlClient``;
- :mod:`.pages` — publishing wikitext pages through pywikibot (imported lazily).

Adapters import no stage module; stages receive these objects from the CLI.
"""

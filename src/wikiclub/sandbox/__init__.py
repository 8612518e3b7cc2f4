"""A local Wikibase-compatible server (MediaWiki Action API + SPARQL) for tests, demos and practice.

Modules:
  config.py   SandboxConfig (frozen): where the data lives, concept base URI, rate limits, faults
  db.py       SandboxDB: SQLite storage of entities, revisions, pages, users, bot passwords, terms
  mw.py       ApiError and the MediaWiki error/response formatting (formatversion, errorformat)
  app.py      SandboxApp: the WSGI application, sessions, dispatch of ``action=`` to handlers
  core.py     MediaWiki core modules: query (meta/list/prop), login, logout, paraminfo, edit, parse …
  wbapi.py    Wikibase modules: wbgetentities, wbeditentity, wbsearchentities, claim modules …
  entities.py Wikibase entity validation, normalisation and the baserevid patcher
  rdf.py      entity JSON → Wikidata Query Service RDF; the pyoxigraph store behind /sparql
  load.py     loading Wikidata JSON dumps (plain/.gz/.bz2, one entity per line, optional [ ], commas)
  faults.py   seeded fault injection
  server.py   serve(): run the app on 127.0.0.1 (werkzeug), or in a thread for tests
"""

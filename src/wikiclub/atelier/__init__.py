"""L'atelier: the local web workspace (``wikiclub atelier``) over the same library functions as the CLI.

- ``project``: the project folder (sheets, mappings, one work folder per sheet × mapping), uploads;
- ``jobs``: long steps (reconcile, push) in a background thread, their progress polled by the page;
- ``steps``: what each button does, as plain functions over the stages (no Flask);
- ``reviewing``: the rows to decide, read from and written to the review XLSX itself;
- ``cards``: the ONE place that turns a candidate's JSON into what a card shows;
- ``planview``: a batch per item, before → after; ``progress``: the ONE adapter of push events;
- ``app`` + ``routes_*``: Flask (the ``web`` extra), templates and static files shipped in the package.
"""

"""Serving the atelier: a threaded WSGI server (pages stay answered while a job runs), in the foreground
for ``wikiclub atelier`` or in a thread for tests and the demo. Closing stops the jobs first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .context import Atelier

DEFAULT_PORT = 8767


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@dataclass
class RunningAtelier:
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread | None

    @property
    def url(self) -> str:
        host = self.server.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.server.server_port}"

    @property
    def atelier(self) -> Atelier:
        found: Atelier = self.app.extensions["atelier"]
        return found

    def stop(self) -> None:
        self.atelier.jobs.stop_all()
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def _server(app: Flask, host: str, port: int, quiet: bool) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True, request_handler=_QuietHandler if quiet else None)


def start_in_thread(app: Flask, *, host: str = "127.0.0.1", port: int = 0) -> RunningAtelier:
    server = _server(app, host, port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="wikiclub-atelier", daemon=True)
    thread.start()
    return RunningAtelier(app, server, thread)


def serve(app: Flask, *, host: str, port: int, on_ready: Callable[[str], None] | None = None,
          quiet: bool = False) -> None:
    """Serve until Ctrl-C; ``on_ready(url)`` once the port is bound."""
    server = _server(app, host, port, quiet)
    running = RunningAtelier(app, server, None)
    try:
        if on_ready is not None:
            on_ready(running.url)
        server.serve_forever()
    finally:
        running.atelier.jobs.stop_all()
        server.server_close()

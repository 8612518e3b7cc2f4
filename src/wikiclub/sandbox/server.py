"""Run the sandbox: in the foreground (``wikiclub sandbox serve``) or in a thread (tests, demo)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import SandboxApp
from .config import SandboxConfig


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # the JSON log is --log's job
        pass


@dataclass
class RunningSandbox:
    app: SandboxApp
    server: BaseWSGIServer
    thread: threading.Thread | None

    @property
    def config(self) -> SandboxConfig:
        return self.app.config

    @property
    def url(self) -> str:
        return self.config.server

    @property
    def api_url(self) -> str:
        return self.config.api_url

    @property
    def sparql_url(self) -> str:
        return self.config.sparql_url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.app.close()


def _bind(config: SandboxConfig) -> tuple[SandboxConfig, BaseWSGIServer, SandboxApp]:
    # Bind first (port 0 = a free port), then build the app with the real port in its URLs.
    server = make_server(config.host, config.port, lambda e, s: [], threaded=True,
                         request_handler=_QuietHandler)
    config = replace(config, port=server.server_port)
    app = SandboxApp(config)
    server.app = app
    return config, server, app


def start_in_thread(config: SandboxConfig) -> RunningSandbox:
    _, server, app = _bind(config)
    thread = threading.Thread(target=server.serve_forever, name="wikiclub-sandbox", daemon=True)
    thread.start()
    return RunningSandbox(app=app, server=server, thread=thread)


def serve(config: SandboxConfig, *, on_ready: Callable[[SandboxApp], None] | None = None) -> None:
    """Serve until Ctrl-C. ``on_ready(app)`` runs once the port is bound (``app.config.port`` is the
    real one, even for port 0) and before the first request is answered: load dumps, print URLs."""
    _, server, app = _bind(config)
    try:
        if on_ready is not None:
            on_ready(app)
        server.serve_forever()
    finally:
        server.server_close()

"""The reconciliation service over HTTP (Flask): ``wikiclub reconcile serve``.

Thin on purpose: each request becomes ``ReconService.handle(route, params, base_url)`` and its answer
becomes a response — JSON, JSONP when a ``callback`` is given (OpenRefine falls back to it when a
browser refuses the JSON), or the preview card rendered by Jinja2 with autoescaping (a label is text
from anyone on the wiki). Every answer carries CORS headers, so OpenRefine's pages (another origin)
can read it. Served on 127.0.0.1 by default: from there only this computer's programs reach it, and
the ``Host`` header is checked (a web page cannot rebind a name of its own to 127.0.0.1 and read
answers). Request bodies larger than the service's limit are refused (HTTP 413).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..config import is_local_host
from ..reconcile.serve import JSON_TYPE, Answer, ReconService, jsonp
from ..reconcile.serve_query import RequestError

PREFIX = "/reconcile"
DEFAULT_PORT = 8766
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600",
        "X-Content-Type-Options": "nosniff"}
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _json_response(status: int, payload: Any, callback: str | None) -> Response:
    body = json.dumps(payload, ensure_ascii=False)
    if callback:
        try:
            return Response(jsonp(callback, body), status, mimetype="application/javascript", headers=CORS)
        except RequestError as exc:
            return Response(json.dumps({"error": exc.message}, ensure_ascii=False), 400, headers=CORS,
                            content_type=JSON_TYPE)
    return Response(body, status, content_type=JSON_TYPE, headers=CORS)


def _render(answer: Answer, callback: str | None) -> Response:
    if answer.preview is not None:
        html = render_template("preview.html", card=answer.preview)
        return Response(html, answer.status, mimetype="text/html",
                        headers={**CORS, "Content-Security-Policy": PREVIEW_POLICY})
    return _json_response(answer.status, answer.payload, callback)


def blueprint(service: ReconService, *, check_host: bool = True) -> Blueprint:
    """The service's routes, to mount under any prefix (``create_app`` uses ``/reconcile``).
    ``check_host``: answer only requests addressed to a loopback name (127.0.0.1, localhost)."""
    bp = Blueprint("reconcile", __name__, template_folder="templates")

    @bp.route("", defaults={"route": ""}, methods=["GET", "POST", "OPTIONS"], strict_slashes=False)
    @bp.route("/<path:route>", methods=["GET", "POST", "OPTIONS"])
    def answer(route: str) -> Response:
        if check_host and not is_local_host(urlsplit("//" + request.host).hostname or ""):
            return _json_response(403, {"error": "Hôte refusé / host refused: use 127.0.0.1 or localhost."}, None)
        if request.method == "OPTIONS":
            return Response(status=204, headers=CORS)
        params = {k: request.values.get(k, "") for k in request.values}
        base = url_for("reconcile.answer", route="", _external=True).rstrip("/")
        return _render(service.handle(route, params, base), params.get("callback"))

    return bp


def create_app(service: ReconService, *, prefix: str = PREFIX, check_host: bool = True) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = service.limits.max_bytes
    app.register_blueprint(blueprint(service, check_host=check_host), url_prefix=prefix)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:  # 404, 405, 413 …: JSON, with CORS, like the rest
        code = exc.code or 500
        hint = f"Le service est à {prefix} / the service is at {prefix}" if code == 404 else None
        return _json_response(code, {"error": f"{code} {exc.name}", **({"hint": hint} if hint else {})}, None)

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@dataclass
class RunningService:
    server: BaseWSGIServer
    thread: threading.Thread | None
    prefix: str = PREFIX

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}{self.prefix}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def _server(app: Flask, host: str, port: int, *, quiet: bool) -> BaseWSGIServer:
    # One request at a time (threaded=False): the engine is not thread-safe, and the local index's
    # SQLite connection belongs to the thread that serves.
    return make_server(host, port, app, threaded=False, request_handler=_QuietHandler if quiet else None)


def start_in_thread(app: Flask, *, host: str = "127.0.0.1", port: int = 0) -> RunningService:
    """Serve in a background thread (tests): port 0 picks a free port."""
    server = _server(app, host, port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="wikiclub-reconcile", daemon=True)
    thread.start()
    return RunningService(server, thread)


def serve(app: Flask, *, host: str, port: int, on_ready: Callable[[str], None] | None = None,
          quiet: bool = False) -> None:
    """Serve until Ctrl-C; ``on_ready(url)`` runs once the port is bound."""
    server = _server(app, host, port, quiet=quiet)
    try:
        if on_ready is not None:
            on_ready(RunningService(server, None).url)
        server.serve_forever()
    finally:
        server.server_close()

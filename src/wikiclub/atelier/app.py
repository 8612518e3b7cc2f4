"""The atelier's Flask application: security, language, errors; the pages are in ``routes_*.py``.

Security, in the order a request meets it:

- **Host**: bound to a loopback address, only requests addressed to 127.0.0.1 / localhost / ::1 are
  answered (a web page cannot rebind a name of its own to 127.0.0.1 and read the atelier's pages).
- **CSRF**: every POST carries the atelier's token (a hidden field, or the ``X-CSRF-Token`` header of
  the page's script); the token is random per start and only ever written into the atelier's own
  pages, which another site cannot read. A POST without it is refused (400) and changes nothing. A
  POST whose ``Origin`` is another site is refused too.
- **Uploads**: at most ``MAX_UPLOAD`` bytes (413 beyond), stored under the project's ``sheets/``.
- **Output**: Jinja2 autoescaping on every template (labels and cells come from anyone), a strict
  Content-Security-Policy (scripts and styles from the atelier only, no inline script), no framing,
  no referrer sent to the wiki.
- **Secrets**: the wiki's password is looked up only inside the push step, handed to the client, and
  never given to a template, a job's progress or a log line.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from ..config import is_local_host
from ..errors import WikiclubError
from .context import Atelier, tr
from .progress import lang_part, note_kind, state_text, wait_text
from .project import MAX_UPLOAD, Project
from .steps import Wiring

log = logging.getLogger(__name__)
App = Flask  # the application's type, for modules that must not import Flask (the CLI)
LANGS = ("fr", "en")
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _check_request(at: Atelier) -> Response | None:
    if at.local_only and not is_local_host(urlsplit("//" + request.host).hostname or ""):
        return _page_error(403, tr("Hôte refusé : ouvrez l'atelier par 127.0.0.1.",
                                   "Host refused: open the atelier through 127.0.0.1."))
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            return _page_error(403, tr("Requête d'un autre site refusée.", "Request from another site refused."))
        sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
        if not hmac.compare_digest(sent.encode(), at.csrf.encode()):
            return _page_error(400, tr("Jeton de sécurité absent ou périmé : rechargez la page et recommencez.",
                                       "Security token missing or stale: reload the page and try again."))
    return None


def _page_error(status: int, message: str, hint: str = "") -> Response:
    html = render_template("error.html", status=status, message=message, hint=hint)
    return Response(html, status, mimetype="text/html")


def create_app(project: Project, wiring: Wiring, *, local_only: bool = True,
               max_upload: int = MAX_UPLOAD) -> Flask:
    from . import routes_batch, routes_report, routes_review, routes_work

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_upload
    app.jinja_env.autoescape = True  # every template, whatever its name
    at = Atelier(project, wiring, local_only)
    app.extensions["atelier"] = at
    for module in (routes_work, routes_review, routes_batch, routes_report):
        app.register_blueprint(module.bp)

    @app.before_request
    def guard() -> Response | None:
        g.lang = request.cookies.get("lang") if request.cookies.get("lang") in LANGS else "fr"
        return _check_request(at)

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)  # a route may set a stricter or other policy
        return response

    @app.context_processor
    def helpers() -> dict[str, Any]:
        return {"tr": tr, "lang": g.get("lang", "fr"), "csrf": at.csrf, "link": at.link,
                "state_text": lambda s: state_text(s, g.get("lang", "fr")),
                "wait_text": lambda r: wait_text(r, g.get("lang", "fr")),
                "own": lambda text: lang_part(text, g.get("lang", "fr")),
                "note_kind": lambda k: note_kind(k, g.get("lang", "fr")),
                "site": wiring.settings.site, "project": project}

    @app.errorhandler(WikiclubError)
    def user_error(exc: WikiclubError) -> Response:
        return _page_error(422, exc.message, exc.hint or "")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        messages = {404: ("Page introuvable.", "Page not found."),
                    405: ("Méthode refusée.", "Method not allowed."),
                    413: (f"Fichier trop gros (plus de {max_upload // (1024 * 1024)} Mo).",
                          f"File too large (over {max_upload // (1024 * 1024)} MB).")}
        fr, en = messages.get(code, (f"Erreur {code}.", f"Error {code}."))
        return _page_error(code, tr(fr, en))

    @app.errorhandler(Exception)
    def bug(exc: Exception) -> Response:
        log.exception("atelier: %s on %s", exc.__class__.__name__, request.path)
        return _page_error(500, tr("Erreur interne : voyez le terminal de l'atelier.",
                                   "Internal error: see the atelier's terminal."))

    return app

"""The sandbox WSGI application: routing, sessions, dispatch, error rendering, request log.

Routes: ``/w/api.php`` (the Action API), ``/sparql`` (SPARQL 1.1 protocol, see rdf.py),
``/wiki/Special:EntityData/<id>.json``. Requests are handled one at a time (a lock), like a wiki
with a single database: the project's clients never send in parallel anyway.

Handlers live in core.py (MediaWiki core modules) and wbapi.py (Wikibase modules); each module's
``register(app)`` returns ``{action_name: handler}``. A handler takes an :class:`ApiRequest` and
returns the response body, or raises :class:`ApiError`.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from . import core, guards, wbapi
from .config import SandboxConfig
from .context import ApiRequest, Handler, Session
from .db import SandboxDB, utc_now
from .faults import FaultInjector
from .mw import ApiError, api_json, error_header, error_response_body, maxlag_error, plain
from .pages import entity_id_of_path, label_of, linked_ids, render_entity_page
from .rdf import SparqlStore
from .users import RateLimiter, User, effective_rate_limits

SESSION_COOKIE = "wikidb_session"
BP_SESSION_COOKIE = "wikidb_BPsession"
SECRET_PARAMS = ("password", "token")  # any parameter whose name contains these is never logged


class SandboxApp:
    def __init__(self, config: SandboxConfig, db: SandboxDB | None = None) -> None:
        self.config = config
        self._owns_db = db is None  # a database handed in is the caller's to close
        self.db = db or SandboxDB(config.data_dir / "wiki.sqlite")
        self.sessions: dict[str, Session] = {}
        self.rate_limiter = RateLimiter(effective_rate_limits(config.rate_limits))
        self.sparql = SparqlStore(config.data_dir / "rdf", concept_base=config.concept_base)
        self.actions: dict[str, Handler] = {}
        self.query_modules: dict[str, Handler] = dict(wbapi.query_modules())
        self.actions.update(core.register(self))
        self.actions.update(wbapi.register(self))
        self.faults = FaultInjector(config.faults) if config.faults else None
        self._log = open(config.log_path, "a", encoding="utf-8") if config.log_path else None  # noqa: SIM115

    def close(self) -> None:
        """Close the request log and the database (the server has stopped answering: see
        ``server.RunningSandbox.stop``). Waits for a request being answered; calling it again is harmless."""
        with self.db.lock:
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._owns_db:
                self.db.close()
                self._owns_db = False

    # ---- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.db.lock:
            response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path in ("/w/api.php", "/api.php"):
            return self.handle_api(request)
        if path in ("/sparql", "/bigdata/namespace/wdq/sparql"):
            return self.handle_sparql(request)
        if path.startswith("/wiki/Special:EntityData/"):
            return self.handle_entity_data(request, path.rsplit("/", 1)[-1])
        entity_id = entity_id_of_path(path)
        if entity_id is not None:
            return self.handle_entity_page(entity_id)
        return Response("Not found\n", status=404, mimetype="text/plain")

    # ---- sessions ---------------------------------------------------------------------------
    def session_for(self, request: Request) -> tuple[Session, bool]:
        """The request's session; a new one is only kept (and its cookie set) by :meth:`keep_session`,
        so anonymous readers do not pile up sessions."""
        for cookie in (BP_SESSION_COOKIE, SESSION_COOKIE):
            sid = request.cookies.get(cookie)
            if sid and sid in self.sessions:
                return self.sessions[sid], False
        return Session(id=secrets.token_hex(16)), True

    def keep_session(self, req: ApiRequest) -> None:
        """Store the request's session and send its cookie if it is new (e.g. a login token was asked)."""
        if req.session.id not in self.sessions:
            self.sessions[req.session.id] = req.session
            req.set_cookies[req.session.cookie] = req.session.id

    def start_bot_session(self, req: ApiRequest, user: User, grant: str) -> None:
        """A successful BotPassword login: a fresh session in the ``wikidb_BPsession`` cookie."""
        session = Session(id=secrets.token_hex(16), user=user, app=grant, cookie=BP_SESSION_COOKIE)
        self.sessions[session.id] = session
        req.session = session
        req.set_cookies[BP_SESSION_COOKIE] = session.id

    def end_session(self, req: ApiRequest) -> None:
        self.sessions.pop(req.session.id, None)
        req.session = Session(id=secrets.token_hex(16))

    def expire_csrf_tokens(self) -> None:
        """Every session gets a new CSRF token: clients holding the old one get ``badtoken``."""
        for session in self.sessions.values():
            if session.csrf_token:
                session.csrf_token = secrets.token_hex(20) + "+\\"

    def new_token(self) -> str:
        return secrets.token_hex(20) + "+\\"

    # ---- Action API -------------------------------------------------------------------------
    def handle_api(self, request: Request) -> Response:
        started = time.perf_counter()
        params: dict[str, str] = dict(request.args.items())
        body_params = dict(request.form.items())
        params.update(body_params)
        session, _ = self.session_for(request)
        req = ApiRequest(params=params, query_keys=frozenset(request.args.keys()),
                         method=request.method, session=session, app=self, environ=request.environ)
        action = params.get("action", "help")
        status = 200
        error_code: str | None = None
        try:
            response: Response | None = None
            if action not in self.actions:
                raise ApiError("badvalue", f'Unrecognized value for parameter "action": {action}.')
            guards.check_asserts(req)  # ApiMain checks asserts before anything else
            self._check_maxlag(req)
            if self.faults is not None:
                fault = self.faults.before(req)
                if isinstance(fault, ApiError):
                    raise fault
                response = fault
            if response is None:
                body = self.actions[action](req)
                if "token" in params and not req.token_checked:
                    req.warnings.setdefault("main", "Unrecognized parameter: token.")
                body = self._decorate(req, body)
                response = self.json_response(req, body)
            status = response.status_code
        except ApiError as err:
            status, error_code = err.http_status, err.code
            response = self.error_response(req, err)
        except Exception as exc:  # never a traceback to the client: MediaWiki's internal_api_error
            internal = ApiError(f"internal_api_error_{type(exc).__name__}",
                                f"[sandbox] Exception caught: {type(exc).__name__}: {exc}")
            error_code = internal.code
            response = self.error_response(req, internal)
        if self.faults is not None:
            response = self.faults.after(req, response)
        self._write_log(req, action, status, started, error_code)
        return response

    def _check_maxlag(self, req: ApiRequest) -> None:
        """``maxlag=N`` fails when the simulated replication lag is over N (ApiMain::checkMaxLag)."""
        raw = req.params.get("maxlag")
        if raw is None:
            return
        try:
            maxlag = int(raw)
        except ValueError as exc:
            raise ApiError("badinteger", f'Invalid value "{raw}" for integer parameter "maxlag".') from exc
        lag = self.config.replication_lag
        if lag > maxlag:
            raise maxlag_error(lag)

    def _decorate(self, req: ApiRequest, body: dict[str, Any]) -> dict[str, Any]:
        if req.warnings:
            body = self._with_warnings(req, body)
        for name in ("requestid",):
            if name in req.params:
                body = {**body, name: req.params[name]}
        if req.flag("curtimestamp"):
            body = {**body, "curtimestamp": utc_now()}
        if req.flag("servedby"):
            body = {**body, "servedby": "wikiclub-sandbox"}
        return body

    def _with_warnings(self, req: ApiRequest, body: dict[str, Any]) -> dict[str, Any]:
        if req.errorformat != "bc":
            return {"warnings": [{"code": _warning_code(t), "text": t, "module": m}
                                 for m, t in req.warnings.items()], **body}
        if req.formatversion == 2:
            return {"warnings": {m: {"warnings": t} for m, t in req.warnings.items()}, **body}
        return {"warnings": {m: {"*": t} for m, t in req.warnings.items()}, **body}

    def json_response(self, req: ApiRequest, body: dict[str, Any], status: int = 200) -> Response:
        response = Response(api_json(body), status=status,
                            content_type="application/json; charset=utf-8")
        response.headers["Cache-Control"] = "private, must-revalidate, max-age=0"
        for k, v in req.response_headers.items():
            response.headers[k] = v
        self._set_cookies(req, response)
        return response

    def error_response(self, req: ApiRequest, err: ApiError) -> Response:
        body = error_response_body(err, api_url=self.config.api_url, errorformat=req.errorformat,
                                   module=req.params.get("action", "main") if err.module == "main"
                                   and err.code not in ("maxlag", "badvalue") else err.module)
        if req.warnings:  # warnings raised before the error are kept, after it (as ApiMain does)
            warned = self._with_warnings(req, {})
            body = {**body, "warnings": warned["warnings"]}
        response = self.json_response(req, body, status=err.http_status)
        response.headers["MediaWiki-API-Error"] = error_header(err)
        for k, v in err.headers.items():
            response.headers[k] = v
        return response

    def _set_cookies(self, req: ApiRequest, response: Response) -> None:
        for name, value in req.set_cookies.items():
            response.set_cookie(name, value, httponly=True, path="/")

    def _write_log(self, req: ApiRequest, action: str, status: int, started: float,
                   error: str | None = None) -> None:
        if self._log is None:
            return
        safe = {k: v for k, v in req.params.items()
                if not any(s in k.lower() for s in SECRET_PARAMS)}
        for k in ("data", "text", "claim", "value", "snaks"):
            if k in safe and len(safe[k]) > 500:
                safe[k] = safe[k][:500] + "…"
        line = {"t": round(time.time(), 3), "action": action, "method": req.method, "params": safe,
                "status": status, "ms": round((time.perf_counter() - started) * 1000, 2),
                "user": req.user.name if req.user else None, "error": error, "fault": req.fault}
        self._log.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._log.flush()

    # ---- SPARQL and EntityData ------------------------------------------------------------------
    def handle_sparql(self, request: Request) -> Response:
        query = request.values.get("query")
        if not query and request.mimetype == "application/sparql-query":
            query = request.get_data(as_text=True)
        if not query:
            return Response("Missing 'query' parameter\n", status=400, mimetype="text/plain")
        accept = request.values.get("format") or request.headers.get("Accept", "")
        try:
            payload, content_type = self.sparql.query(query, accept)
        except ValueError as exc:  # syntax errors: 400 with the parser's message, as WDQS does
            return Response(f"Query is malformed: {exc}\n", status=400, mimetype="text/plain")
        return Response(payload, status=200, content_type=content_type)

    def _read_entities(self, ids: list[str], **params: str) -> dict[str, Any]:
        """Entities through the wbgetentities module itself (50 at a time), missing ones left out."""
        out: dict[str, Any] = {}
        for start in range(0, len(ids), 50):
            req = ApiRequest(params={"ids": "|".join(ids[start:start + 50]), **params}, query_keys=frozenset(),
                             method="GET", session=Session(id="pages"), app=self)
            for eid, entity in plain(self.actions["wbgetentities"](req).get("entities", {})).items():
                if "missing" not in entity:
                    out[eid] = entity
        return out

    def handle_entity_page(self, entity_id: str) -> Response:
        try:
            entity = self._read_entities([entity_id]).get(entity_id)
            if entity is None:
                return Response("Not found\n", status=404, mimetype="text/plain")
            linked = self._read_entities(linked_ids(entity), props="labels", languages="fr|en|mul")
        except ApiError:
            return Response("Not found\n", status=404, mimetype="text/plain")
        labels = {eid: label_of(e) for eid, e in linked.items()}
        return Response(render_entity_page(entity, labels), content_type="text/html; charset=utf-8")

    def handle_entity_data(self, request: Request, name: str) -> Response:
        entity_id = name.split(".", 1)[0].upper()
        handler = self.actions["wbgetentities"]
        req = ApiRequest(params={"ids": entity_id}, query_keys=frozenset(), method="GET",
                         session=Session(id="entitydata"), app=self)
        try:
            body = handler(req)
        except ApiError:
            return Response("Not found\n", status=404, mimetype="text/plain")
        entity = plain(body.get("entities", {}).get(entity_id, {}))
        if "missing" in entity:
            return Response("Not found\n", status=404, mimetype="text/plain")
        return Response(json.dumps({"entities": {entity_id: entity}}, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")


def _warning_code(text: str) -> str:
    if text.startswith("Unrecognized parameter"):
        return "unrecognizedparams"
    if text.startswith("Unrecognized value"):
        return "unrecognizedvalues"
    if "deprecated" in text or "mediawiki-api-announce" in text:
        return "deprecation"
    return "warning"

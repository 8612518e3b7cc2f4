"""MediaWiki core modules of the sandbox: query, paraminfo, login, logout, edit, parse, delete, help.

Shapes follow MediaWiki 1.39 as recorded in tests/fixtures/wikibase-api (status, error codes, keys)
and tests/fixtures/client-sessions (what pywikibot and WikibaseIntegrator send and read). Wikibase
modules live in wbapi.py; both call :func:`check_write` before any write.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
from importlib import resources
from typing import Any

from . import users
from .allpages import allpages_generator, allpages_list
from .context import ApiRequest, Handler, Wiki
from .db import save_revision, utc_now
from .guards import check_token, check_write, rights, token_for
from .mw import (
    CANONICAL_NAMESPACES,
    ENTITY_NAMESPACES,
    NAMESPACE_ALIASES,
    ApiError,
    Title,
    editconflict_error,
    is_write_action,
    namespace_names,
    parse_title,
    permission_denied,
    put_flag,
)

TOKEN_TYPES = ("createaccount", "csrf", "login", "patrol", "rollback", "userrights", "watch")
RECORDED_SERVER = "http://127.0.0.1:8181"  # the real wiki the data/*.json answers come from
CORE_WRITES = frozenset({"edit", "delete"})
LOGIN_FAILED = "Incorrect username or password entered. Please try again."
SESSION_LOST = "Unable to continue login. Your session most likely timed out."


# ---- helpers ------------------------------------------------------------------------------------------
def _int(req: ApiRequest, name: str, default: int, *, maximum: int | None = None) -> int:
    raw = req.params.get(name)
    if raw is None or raw == "":
        return default
    if raw == "max":
        return maximum if maximum is not None else default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError("badinteger", f'Invalid value "{raw}" for integer parameter "{name}".') from exc
    if maximum is not None and value > maximum:
        req.warnings.setdefault(
            "main", f'"{name}" may not be over {maximum} (set to {value}) for users.')
        value = maximum
    return max(value, 1)


def _max_limit(req: ApiRequest) -> int:
    return 5000 if "apihighlimits" in rights(req) else 500


def _content_format(model: str) -> str:
    return "text/x-wiki" if model == "wikitext" else "application/json"


def _parsed_comment(comment: str) -> str:
    return html.escape(comment, quote=False)


def _bool_param(req: ApiRequest, name: str) -> bool:
    return req.flag(name)


def _load_data(name: str) -> dict[str, Any]:
    text = resources.files("wikiclub.sandbox").joinpath("data", name).read_text(encoding="utf-8")
    return dict(json.loads(text))


# ---- the modules ---------------------------------------------------------------------------------------
class CoreModules:
    """MediaWiki core's API modules for one app. Holds the static answers loaded from data/."""

    def __init__(self, app: Wiki) -> None:
        self.app = app
        server = app.config.server
        self.paraminfo_modules: dict[str, Any] = json.loads(
            json.dumps(_load_data("paraminfo.json")["modules"]).replace(RECORDED_SERVER, server))
        self.siteinfo = _load_data("siteinfo.json")

    @property
    def db(self) -> Any:
        return self.app.db

    def handlers(self) -> dict[str, Handler]:
        return {"query": self.query, "paraminfo": self.paraminfo, "login": self.login,
                "logout": self.logout, "edit": self.edit, "parse": self.parse, "delete": self.delete,
                "help": self.help, "checktoken": self.checktoken}

    # -- action=query ------------------------------------------------------------------------------
    def query(self, req: ApiRequest) -> dict[str, Any]:
        fv = req.formatversion
        out: dict[str, Any] = {"batchcomplete": True if fv == 2 else ""}
        query: dict[str, Any] = {}
        top: dict[str, Any] = {}
        props = req.multi("prop")
        lists = req.multi("list")
        metas = req.multi("meta")
        self._limits(req, top)
        if any(req.params.get(k) for k in ("titles", "pageids", "revids")) or req.params.get("generator"):
            self._pages(req, props, query, top)
        for name in lists:
            self._list(req, name, query, top)
        for name in metas:
            self._meta(req, name, query)
        if "continue" in top:
            out["continue"] = top.pop("continue")
        if "limits" in top:
            out["limits"] = top.pop("limits")
        if query:
            out["query"] = query
        return out

    def _limits(self, req: ApiRequest, top: dict[str, Any]) -> None:
        """``xxlimit=max`` is answered with the limit used, in a top-level ``limits`` member."""
        names = {"ii": "imageinfo", "uc": "usercontribs", "rv": "revisions", "tl": "templates",
                 "sr": "search", "wbs": "wbsearch", "gtl": "templates", "gsr": "search", "ap": "allpages",
                 "gap": "allpages"}
        limits = {names[k[:-5]]: _max_limit(req) for k, v in req.params.items()
                  if k.endswith("limit") and v == "max" and k[:-5] in names}
        if limits:
            top["limits"] = limits

    def _meta(self, req: ApiRequest, name: str, query: dict[str, Any]) -> None:
        if name == "siteinfo":
            query.update(self.siteinfo_answer(req))
        elif name == "userinfo":
            query["userinfo"] = self.userinfo(req)
        elif name == "tokens":
            tokens: dict[str, str] = {}
            for kind in req.multi("type") or ["csrf"]:
                if kind not in TOKEN_TYPES:
                    req.warnings["tokens"] = f'Unrecognized value for parameter "type": {kind}.'
                    continue
                tokens[kind + "token"] = token_for(req, kind)
            query["tokens"] = tokens
        else:
            req.warnings["query"] = f'Unrecognized value for parameter "meta": {name}.'

    def _list(self, req: ApiRequest, name: str, query: dict[str, Any], top: dict[str, Any]) -> None:
        if name == "usercontribs":
            query["usercontribs"] = self.usercontribs(req, top)
            return
        if name == "allpages":
            query["allpages"] = allpages_list(req, self.db.conn, _max_limit(req), top)
            return
        fn = req.app.query_modules.get(f"list={name}")
        if fn is None:
            req.warnings["query"] = f'Unrecognized value for parameter "list": {name}.'
            return
        result = dict(fn(req))
        if "continue" in result:
            top.setdefault("continue", {}).update(result.pop("continue"))
        query.update(result)

    # -- meta=userinfo -------------------------------------------------------------------------------
    def userinfo(self, req: ApiRequest) -> dict[str, Any]:
        fv = req.formatversion
        user = req.user
        info: dict[str, Any] = {"id": user.id if user else 0, "name": user.name if user else req.remote_addr}
        if user is None:
            put_flag(info, "anon", True, fv)
        uiprop = set(req.multi("uiprop"))
        if "hasmsg" in uiprop:
            put_flag(info, "messages", False, fv)
        if "groups" in uiprop:
            info["groups"] = users.display_groups(user)
        if "rights" in uiprop:
            info["rights"] = rights(req)
        if "ratelimits" in uiprop:
            mine = {} if "noratelimit" in rights(req) else users.limits_for(
                self.app.rate_limiter.limits, user)
            info["ratelimits"] = {action: {cat: {"hits": hits, "seconds": int(secs) if float(secs).is_integer()
                                                 else secs}
                                           for cat, (hits, secs) in cats.items()}
                                  for action, cats in mine.items()}
        if "editcount" in uiprop and user is not None:
            row = self.db.conn.execute("SELECT COUNT(*) FROM revisions WHERE userid=?", (user.id,)).fetchone()
            info["editcount"] = int(row[0])
        if "registration" in uiprop and user is not None:
            info["registration"] = user.registration
        return info

    # -- meta=siteinfo -------------------------------------------------------------------------------
    def siteinfo_answer(self, req: ApiRequest) -> dict[str, Any]:
        fv = req.formatversion
        out: dict[str, Any] = {}
        for prop in req.multi("siprop") or ["general"]:
            if prop == "general":
                out["general"] = self._general(fv)
            elif prop == "namespaces":
                out["namespaces"] = self._namespaces(fv)
            elif prop == "namespacealiases":
                out["namespacealiases"] = [
                    ({"id": ns, "alias": alias} if fv == 2 else {"id": ns, "*": alias})
                    for ns, alias in NAMESPACE_ALIASES]
            elif prop == "statistics":
                out["statistics"] = self._statistics()
            elif prop == "extensions":
                out["extensions"] = self._extensions()
            else:
                req.warnings["siteinfo"] = f'Unrecognized value for parameter "siprop": {prop}.'
        return out

    def _extensions(self) -> list[dict[str, Any]]:
        """The recorded bare wiki's extensions; searching like Wikidata, the sandbox also says it has
        CirrusSearch and WikibaseCirrusSearch (so clients can tell the two modes apart, as on real wikis)."""
        out = [dict(e) for e in self.siteinfo["extensions"]]
        if self.app.config.search == "cirrus":
            for name, kind, desc in (("CirrusSearch", "other", "cirrussearch-desc"),
                                     ("WikibaseCirrusSearch", "wikibase", "wikibasecirrus-desc")):
                out.append({"type": kind, "name": name, "descriptionmsg": desc,
                            "url": f"https://www.mediawiki.org/wiki/Extension:{name}",
                            "license-name": "GPL-2.0-or-later"})
        return out

    def _general(self, fv: int) -> dict[str, Any]:
        config = self.app.config
        general = json.loads(json.dumps(self.siteinfo["general_fv2" if fv == 2 else "general_fv1"]))
        server = config.server
        host = config.host
        general.update({
            "mainpage": "Main Page", "base": f"{server}/w/index.php/Main_Page", "sitename": config.sitename,
            "logo": f"{server}/w/resources/assets/change-your-logo.svg", "server": server,
            "servername": host, "favicon": f"{server}/favicon.ico", "wikiid": "wikidb", "time": utc_now(),
            "wikibase-conceptbaseuri": config.concept_base, "generator": "MediaWiki 1.39.17",
        })
        return dict(general)

    def _namespaces(self, fv: int) -> dict[str, Any]:
        names = namespace_names(self.app.config.sitename)
        out: dict[str, Any] = {}
        for ns, canonical in CANONICAL_NAMESPACES:
            entry: dict[str, Any] = {"id": ns, "case": "first-letter"}
            subpages = ns > 0 and ns % 2 == 1 and ns < 120 or ns in (2, 4, 8, 10, 12)
            if fv == 2:
                entry["name"] = names[ns]
                entry["subpages"] = bool(subpages)
            else:
                put_flag(entry, "subpages", bool(subpages), fv)
            if canonical:
                entry["canonical"] = canonical
            put_flag(entry, "content", ns == 0, fv)
            put_flag(entry, "nonincludable", False, fv)
            if ns == 8:
                entry["namespaceprotection"] = "editinterface"
            if ns in ENTITY_NAMESPACES:
                entry["defaultcontentmodel"] = ENTITY_NAMESPACES[ns]
            if fv == 1:
                entry["*"] = names[ns]
            out[str(ns)] = entry
        return out

    def _statistics(self) -> dict[str, Any]:
        c = self.db.conn

        def one(sql: str) -> int:
            return int(c.execute(sql).fetchone()[0])

        return {
            "pages": one("SELECT COUNT(*) FROM pages WHERE deleted=0"),
            "articles": one("SELECT COUNT(*) FROM pages WHERE deleted=0 AND ns=0"),
            "edits": one("SELECT COUNT(*) FROM revisions"),
            "images": 0,
            "users": one("SELECT COUNT(*) FROM users"),
            "activeusers": one("SELECT COUNT(DISTINCT userid) FROM revisions WHERE userid>0"),
            "admins": one("SELECT COUNT(*) FROM users WHERE groups LIKE '%\"sysop\"%'"),
            "jobs": 0,
        }

    # -- list=usercontribs -----------------------------------------------------------------------------
    def usercontribs(self, req: ApiRequest, top: dict[str, Any]) -> list[dict[str, Any]]:
        fv = req.formatversion
        names = [n[:1].upper() + n[1:].replace("_", " ") for n in req.multi("ucuser")]
        if not names:
            raise ApiError("missingparam", 'One of the parameters "ucuser", "ucuserids", "ucuserprefix" '
                                           'and "uciprange" is required.')
        limit = _int(req, "uclimit", 10, maximum=_max_limit(req))
        newer = req.params.get("ucdir") == "newer"
        order = "ASC" if newer else "DESC"
        where = [f"r.user IN ({','.join('?' * len(names))})", "p.deleted=0"]
        args: list[Any] = list(names)
        namespaces = [int(n) for n in req.multi("ucnamespace") if n.lstrip("-").isdigit()]
        if namespaces:
            where.append(f"p.ns IN ({','.join('?' * len(namespaces))})")
            args += namespaces
        for param, op in (("ucstart", "<=" if not newer else ">="), ("ucend", ">=" if not newer else "<=")):
            if req.params.get(param):
                where.append(f"r.timestamp {op} ?")
                args.append(req.params[param])
        cont = req.params.get("uccontinue")
        if cont:
            try:
                ts, rid = cont.split("|", 1)
                cmp = ">" if newer else "<"
                where.append(f"(r.timestamp {cmp} ? OR (r.timestamp = ? AND r.revid {cmp}= ?))")
                args += [ts, ts, int(rid)]
            except ValueError as exc:
                raise ApiError("badcontinue", "Invalid continue param. You should pass the original "
                                              "value returned by the previous query.") from exc
        rows = self.db.conn.execute(
            "SELECT r.*, p.ns, p.title, p.lastrevid, "
            "(SELECT size FROM revisions q WHERE q.revid=r.parentid) AS parentsize "
            "FROM revisions r JOIN pages p ON p.pageid=r.pageid WHERE " + " AND ".join(where) +
            f" ORDER BY r.timestamp {order}, r.revid {order} LIMIT ?", (*args, limit + 1)).fetchall()
        if len(rows) > limit:
            nxt = rows[limit]
            top.setdefault("continue", {}).update({"uccontinue": f"{nxt['timestamp']}|{nxt['revid']}",
                                                   "continue": "-||"})
            rows = rows[:limit]
        ucprop = set(req.multi("ucprop") or ["ids", "title", "timestamp", "comment", "size", "flags"])
        out = []
        for r in rows:
            item: dict[str, Any] = {"userid": r["userid"], "user": r["user"]}
            if "ids" in ucprop:
                item.update(pageid=r["pageid"], revid=r["revid"], parentid=r["parentid"])
            if "title" in ucprop:
                item.update(ns=r["ns"], title=r["title"])
            if "timestamp" in ucprop:
                item["timestamp"] = r["timestamp"]
            if "flags" in ucprop:
                put_flag(item, "new", r["parentid"] == 0, fv)
                put_flag(item, "minor", bool(r["minor"]), fv)
                put_flag(item, "top", r["lastrevid"] == r["revid"], fv)
            if "comment" in ucprop:
                item["comment"] = r["comment"]
            if "parsedcomment" in ucprop:
                item["parsedcomment"] = _parsed_comment(r["comment"])
            if "size" in ucprop:
                item["size"] = r["size"]
            if "sizediff" in ucprop:
                item["sizediff"] = r["size"] - int(r["parentsize"] or 0)
            if "tags" in ucprop:
                item["tags"] = json.loads(r["tags"])
            out.append(item)
        return out

    # -- titles, pageids, revids, generator=templates; prop=info|revisions --------------------------------
    def _pages(self, req: ApiRequest, props: list[str], query: dict[str, Any], top: dict[str, Any]) -> None:
        fv = req.formatversion
        sitename = self.app.config.sitename
        c = self.db.conn
        normalized: list[dict[str, str]] = []
        found: list[sqlite3.Row] = []
        missing: list[dict[str, Any]] = []
        wanted_revs: dict[int, list[int]] = {}
        for raw in req.multi("titles"):
            title = parse_title(raw, sitename)
            if title is None:
                missing.append({"title": raw, "invalidreason": f'The requested page title is invalid: "{raw}".',
                                "invalid": True})
                continue
            if title.full != raw:
                normalized.append({"from": raw, "to": title.full})
            row = c.execute("SELECT * FROM pages WHERE title=? AND deleted=0", (title.full,)).fetchone()
            if row is None:
                missing.append({"ns": title.ns, "title": title.full, "missing": True, "_title": title})
            else:
                found.append(row)
        for raw in req.multi("pageids"):
            row = c.execute("SELECT * FROM pages WHERE pageid=? AND deleted=0",
                            (int(raw) if raw.isdigit() else -1,)).fetchone()
            if row is None:
                missing.append({"pageid": int(raw) if raw.lstrip("-").isdigit() else 0, "missing": True})
            else:
                found.append(row)
        bad_revids: list[str] = []
        for raw in req.multi("revids"):
            rev = c.execute("SELECT pageid FROM revisions WHERE revid=?",
                            (int(raw) if raw.isdigit() else -1,)).fetchone()
            if rev is None:
                bad_revids.append(raw)
                continue
            wanted_revs.setdefault(int(rev[0]), []).append(int(raw))
            row = c.execute("SELECT * FROM pages WHERE pageid=? AND deleted=0", (int(rev[0]),)).fetchone()
            if row is not None and all(r["pageid"] != row["pageid"] for r in found):
                found.append(row)
        if bad_revids:
            query["badrevids"] = {r: {"revid": int(r) if r.isdigit() else r, "missing": True if fv == 2 else ""}
                                  for r in bad_revids}
        generator = req.params.get("generator")
        if generator == "allpages":
            found = allpages_generator(req, c, _max_limit(req), top)
        elif generator:
            if generator != "templates":
                raise ApiError("badvalue", f'Unrecognized value for parameter "generator": {generator}.')
            found, missing = self._templates_of(found, sitename)
        # dedupe while keeping order
        seen: set[int] = set()
        found = [r for r in found if not (r["pageid"] in seen or seen.add(r["pageid"]))]  # type: ignore[func-returns-value]
        if normalized:
            query["normalized"] = normalized
        pages: list[tuple[str, dict[str, Any]]] = []
        for i, m in enumerate(missing, start=1):
            pages.append((str(-i) if "pageid" not in m else str(m["pageid"]), self._missing_page(req, m, props)))
        for row in found:
            pages.append((str(row["pageid"]), self._page(req, row, props, wanted_revs.get(row["pageid"]), top)))
        if not pages:
            return
        if req.flag("indexpageids"):
            query["pageids"] = [k for k, _ in pages]
        if fv == 2:
            query["pages"] = [p for _, p in pages]
        else:
            query["pages"] = dict(pages)

    def _templates_of(self, rows: list[sqlite3.Row], sitename: str
                      ) -> tuple[list[sqlite3.Row], list[dict[str, Any]]]:
        """generator=templates: pages transcluded by ``{{…}}`` in the current text (pywikibot's
        {{bots}} check). Parser functions and variables are skipped."""
        c = self.db.conn
        found: list[sqlite3.Row] = []
        missing: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in rows:
            rev = c.execute("SELECT content, contentmodel FROM revisions WHERE revid=?",
                            (row["lastrevid"],)).fetchone()
            if rev is None or rev["contentmodel"] != "wikitext":
                continue
            for name in re.findall(r"\{\{\s*([^{}|#:\n][^{}|\n]*?)\s*(?:\||\}\})", rev["content"]):
                title = parse_title(name if ":" in name else f"Template:{name}", sitename)
                if title is None or title.full in seen:
                    continue
                seen.add(title.full)
                page = c.execute("SELECT * FROM pages WHERE title=? AND deleted=0", (title.full,)).fetchone()
                if page is None:
                    missing.append({"ns": title.ns, "title": title.full, "missing": True, "_title": title})
                else:
                    found.append(page)
        return found, missing

    def _page_common(self, fv: int, ns: int, model: str) -> dict[str, Any]:
        return {"contentmodel": model, "pagelanguage": "en", "pagelanguagehtmlcode": "en",
                "pagelanguagedir": "ltr"}

    def _missing_page(self, req: ApiRequest, m: dict[str, Any], props: list[str]) -> dict[str, Any]:
        fv = req.formatversion
        out: dict[str, Any] = {}
        for key in ("pageid", "ns", "title", "invalidreason"):
            if key in m:
                out[key] = m[key]
        put_flag(out, "invalid" if m.get("invalid") else "missing", True, fv)
        title: Title | None = m.get("_title")
        if "info" in props and title is not None:
            out.update(self._page_common(fv, title.ns, ENTITY_NAMESPACES.get(title.ns, "wikitext")))
            inprop = set(req.multi("inprop"))
            if "protection" in inprop:
                out["protection"] = []
                out["restrictiontypes"] = ["create"]
            if "url" in inprop:
                out.update(self._urls(title.full))
        return out

    def _urls(self, full: str) -> dict[str, str]:
        server = self.app.config.server
        path = full.replace(" ", "_")
        return {"fullurl": f"{server}/w/index.php/{path}",
                "editurl": f"{server}/w/index.php?title={path}&action=edit",
                "canonicalurl": f"{server}/w/index.php/{path}"}

    def _page(self, req: ApiRequest, row: sqlite3.Row, props: list[str], revids: list[int] | None,
              top: dict[str, Any]) -> dict[str, Any]:
        fv = req.formatversion
        c = self.db.conn
        out: dict[str, Any] = {"pageid": row["pageid"], "ns": row["ns"], "title": row["title"]}
        if "info" in props:
            latest = c.execute("SELECT size, parentid FROM revisions WHERE revid=?", (row["lastrevid"],)).fetchone()
            count = c.execute("SELECT COUNT(*) FROM revisions WHERE pageid=?", (row["pageid"],)).fetchone()[0]
            out.update(self._page_common(fv, row["ns"], row["contentmodel"]))
            out.update(touched=row["touched"], lastrevid=row["lastrevid"], length=latest["size"] if latest else 0)
            put_flag(out, "new", count == 1, fv)
            inprop = set(req.multi("inprop"))
            if "protection" in inprop:
                out["protection"] = []
                out["restrictiontypes"] = ["edit", "move"]
            if "url" in inprop:
                out.update(self._urls(row["title"]))
        if "revisions" in props:
            out["revisions"] = self._revisions(req, row, revids, top)
        return out

    def _revisions(self, req: ApiRequest, page: sqlite3.Row, revids: list[int] | None,
                   top: dict[str, Any]) -> list[dict[str, Any]]:
        fv = req.formatversion
        c = self.db.conn
        if revids:
            rows = c.execute(f"SELECT * FROM revisions WHERE revid IN ({','.join('?' * len(revids))}) "
                             "ORDER BY revid DESC", revids).fetchall()
        elif any(k in req.params for k in ("rvlimit", "rvstartid", "rvendid", "rvstart", "rvend", "rvdir")):
            newer = req.params.get("rvdir") == "newer"
            order = "ASC" if newer else "DESC"
            limit = _int(req, "rvlimit", 10, maximum=_max_limit(req))
            where, args = ["pageid=?"], [page["pageid"]]
            cont = req.params.get("rvcontinue")
            if cont and cont.rsplit("|", 1)[-1].isdigit():
                where.append("revid >= ?" if newer else "revid <= ?")
                args.append(int(cont.rsplit("|", 1)[-1]))
            for param, op in (("rvstartid", ">=" if newer else "<="), ("rvendid", "<=" if newer else ">=")):
                if req.params.get(param, "").isdigit():
                    where.append(f"revid {op} ?")
                    args.append(int(req.params[param]))
            rows = c.execute(f"SELECT * FROM revisions WHERE {' AND '.join(where)} ORDER BY revid {order} "
                             "LIMIT ?", (*args, limit + 1)).fetchall()
            if len(rows) > limit:
                nxt = rows[limit]
                top.setdefault("continue", {}).update(
                    {"rvcontinue": f"{nxt['timestamp'].replace('-', '').replace(':', '').replace('T', '')[:14]}"
                                   f"|{nxt['revid']}", "continue": "||"})
                rows = rows[:limit]
        else:
            rows = c.execute("SELECT * FROM revisions WHERE revid=?", (page["lastrevid"],)).fetchall()
        rvprop = set(req.multi("rvprop") or ["ids", "timestamp", "flags", "comment", "user"])
        slots = req.params.get("rvslots")
        if "content" in rvprop and not slots:
            req.warnings["main"] = ("Because \"rvslots\" was not specified, a legacy format has been used for "
                                    "the output. This format is deprecated, and in the future the new format "
                                    "will always be used.")
        return [self._revision(r, rvprop, bool(slots), fv) for r in rows]

    def _revision(self, r: sqlite3.Row, rvprop: set[str], slots: bool, fv: int) -> dict[str, Any]:
        rev: dict[str, Any] = {}
        if "ids" in rvprop:
            rev.update(revid=r["revid"], parentid=r["parentid"])
        if "flags" in rvprop:
            put_flag(rev, "minor", bool(r["minor"]), fv)
        if "user" in rvprop:
            rev["user"] = r["user"]
        if "userid" in rvprop:
            rev["userid"] = r["userid"]
        if "timestamp" in rvprop:
            rev["timestamp"] = r["timestamp"]
        if "size" in rvprop:
            rev["size"] = r["size"]
        if "sha1" in rvprop:
            rev["sha1"] = r["sha1"]
        if "roles" in rvprop:
            rev["roles"] = ["main"]
        model = r["contentmodel"]
        content: dict[str, Any] = {}
        if "contentmodel" in rvprop or "content" in rvprop:
            content["contentmodel"] = model
        if "content" in rvprop:
            content["contentformat"] = _content_format(model)
            content["content" if fv == 2 else "*"] = r["content"]
        if content:
            if slots:
                rev["slots"] = {"main": content}
            else:
                rev.update(content)
        if "comment" in rvprop:
            rev["comment"] = r["comment"]
        if "parsedcomment" in rvprop:
            rev["parsedcomment"] = _parsed_comment(r["comment"])
        if "tags" in rvprop:
            rev["tags"] = json.loads(r["tags"])
        return rev

    # -- action=paraminfo ---------------------------------------------------------------------------------
    def paraminfo(self, req: ApiRequest) -> dict[str, Any]:
        wanted = req.multi("modules")
        for legacy, prefix in (("querymodules", "query+"), ("mainmodule", ""), ("pagesetmodule", "")):
            wanted += [prefix + m for m in req.multi(legacy)]
        modules = []
        for path in wanted:
            entry = self._paraminfo_module(path)
            if entry is None:
                req.warnings["paraminfo"] = f'The module "{path}" does not exist.'
            else:
                modules.append(entry)
        return {"paraminfo": {"helpformat": req.params.get("helpformat", "none"), "modules": modules}}

    def _paraminfo_module(self, path: str) -> dict[str, Any] | None:
        actions = sorted(self.app.actions)
        if path in self.paraminfo_modules:
            entry = json.loads(json.dumps(self.paraminfo_modules[path]))
            if path == "main":
                for param in entry["parameters"]:
                    if param["name"] == "action":
                        # pywikibot asserts the submodules match this list: list what really answers
                        param["type"] = actions
                        param["submodules"] = {a: a for a in actions}
                        param.pop("internalvalues", None)
            return dict(entry)
        if path in self.app.actions:
            entry = {"name": path, "classname": f"Sandbox{path.title()}", "path": path, "prefix": "",
                     "source": "Wikibase" if path.startswith("wb") else "MediaWiki",
                     "sourcename": "Wikibase" if path.startswith("wb") else "MediaWiki",
                     "helpurls": [], "parameters": [], "templatedparameters": []}
            if is_write_action(path) or path in ("login", "logout"):
                entry["mustbeposted"] = ""
            return entry
        if path.startswith("query+"):
            name = path.split("+", 1)[1]
            for param in self.paraminfo_modules["query"]["parameters"]:
                if param["name"] in ("prop", "list", "meta") and name in param.get("submodules", {}):
                    return {"name": name, "classname": f"SandboxQuery{name.title()}", "path": path,
                            "group": param["name"], "prefix": "", "source": "MediaWiki",
                            "sourcename": "MediaWiki", "helpurls": [], "parameters": [],
                            "templatedparameters": []}
        return None

    # -- action=login / logout ----------------------------------------------------------------------------
    def login(self, req: ApiRequest) -> dict[str, Any]:
        """BotPassword login (``User@app``), the only kind the sandbox has (fixtures login-*.json)."""
        session = req.session
        lgtoken = req.params.get("lgtoken")
        if not lgtoken:
            # MediaWiki 1.39 still hands out a token here, with a deprecation warning
            req.warnings["main"] = ("Subscribe to the mediawiki-api-announce mailing list at "
                                    "<https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce."
                                    "lists.wikimedia.org/> for notice of API deprecations and breaking changes.")
            req.warnings["login"] = ('Fetching a token via "action=login" is deprecated. Use '
                                     '"action=query&meta=tokens&type=login" instead.')
            return {"login": {"result": "NeedToken", "token": token_for(req, "login")}}
        if not session.login_token or lgtoken != session.login_token:
            self.app.keep_session(req)
            return {"login": {"result": "Failed", "reason": SESSION_LOST}}
        if req.method != "POST":
            raise ApiError("mustbeposted", 'The "login" module requires a POST request.')
        name = req.params.get("lgname", "")
        found = users.check_bot_password(self.db, name, req.params.get("lgpassword", ""))
        if found is None:
            return {"login": {"result": "Failed", "reason": LOGIN_FAILED}}
        user, grant = found
        session.login_token = ""  # a login token is good for one login
        self.app.start_bot_session(req, user, grant)
        return {"login": {"result": "Success", "lguserid": user.id, "lgusername": user.name}}

    def logout(self, req: ApiRequest) -> dict[str, Any]:
        check_token(req)
        self.app.end_session(req)
        return {}

    def checktoken(self, req: ApiRequest) -> dict[str, Any]:
        kind = req.params.get("type", "csrf")
        token = req.require("token")
        valid = token == token_for(req, kind)
        return {"checktoken": {"result": "valid" if valid else "invalid"}}

    # -- action=edit ---------------------------------------------------------------------------------------
    def _title_param(self, req: ApiRequest) -> tuple[Title, sqlite3.Row | None]:
        c = self.db.conn
        sitename = self.app.config.sitename
        if req.params.get("pageid"):
            raw = req.params["pageid"]
            row = c.execute("SELECT * FROM pages WHERE pageid=? AND deleted=0",
                            (int(raw) if raw.isdigit() else -1,)).fetchone()
            if row is None:
                raise ApiError("nosuchpageid", f"There is no page with ID {raw}.")
            title = parse_title(row["title"], sitename)
            assert title is not None
            return title, row
        raw = req.require("title")
        title = parse_title(raw, sitename)
        if title is None or title.ns < 0:
            raise ApiError("invalidtitle", f'Bad title "{raw}".')
        row = c.execute("SELECT * FROM pages WHERE title=? AND deleted=0", (title.full,)).fetchone()
        return title, row

    def edit(self, req: ApiRequest) -> dict[str, Any]:
        check_write(req)
        fv = req.formatversion
        title, row = self._title_param(req)
        if title.ns in ENTITY_NAMESPACES:
            # Wikibase forbids wikitext edits of entity pages; use the wb* modules
            names = namespace_names(self.app.config.sitename)
            raise ApiError("no-direct-editing", f"Direct editing is disabled in namespace {names[title.ns]}")
        c = self.db.conn
        current = ""
        if row is not None:
            rev = c.execute("SELECT * FROM revisions WHERE revid=?", (row["lastrevid"],)).fetchone()
            current = rev["content"] if rev else ""
        if req.flag("createonly") and row is not None:
            raise ApiError("articleexists", "The article you tried to create has been created already.")
        if req.flag("nocreate") and row is None:
            raise ApiError("missingtitle", "The page you specified doesn't exist.")
        if row is None and "createpage" not in rights(req):
            raise permission_denied("edit", self.app.config.sitename)
        text = req.params.get("text")
        append, prepend = req.params.get("appendtext"), req.params.get("prependtext")
        if text is None and append is None and prepend is None:
            raise ApiError("missingparam", 'One of the parameters "text", "appendtext", "prependtext" '
                                           'and "undo" is required.')
        if req.params.get("section") == "new":
            heading = req.params.get("sectiontitle") or req.params.get("summary") or ""
            body = text or ""
            text = (current.rstrip() + "\n\n" if current else "") + (f"== {heading} ==\n\n" if heading else "") + body
        elif text is None:
            text = (prepend or "") + current + (append or "")
        md5 = req.params.get("md5")
        if md5 and hashlib.md5(text.encode("utf-8")).hexdigest() != md5:
            raise ApiError("badmd5", "The supplied MD5 hash was incorrect.")
        text = text.rstrip()  # MediaWiki's pre-save transform drops trailing whitespace
        if row is not None and self._conflicts(req, row):
            raise editconflict_error("edit")
        model = row["contentmodel"] if row is not None else "wikitext"
        if row is not None and text == current:
            result: dict[str, Any] = {"result": "Success", "pageid": row["pageid"], "title": title.full,
                                      "contentmodel": model}
            put_flag(result, "nochange", True, fv)
            return {"edit": result}
        user = req.user
        assert user is not None  # check_write refuses anonymous edits
        my_rights = rights(req)
        pageid, revid, parentid, ts = save_revision(
            self.db, title=title.full, ns=title.ns, content=text, contentmodel=model, user=user.name,
            userid=user.id, comment=req.params.get("summary", ""), bot=req.flag("bot") and "bot" in my_rights,
            minor=req.flag("minor") and row is not None and "minoredit" in my_rights,
            tags=req.multi("tags"))
        result = {}
        put_flag(result, "new", row is None, fv)
        result.update({"result": "Success", "pageid": pageid, "title": title.full, "contentmodel": model,
                       "oldrevid": parentid, "newrevid": revid, "newtimestamp": ts})
        return {"edit": result}

    def _conflicts(self, req: ApiRequest, row: sqlite3.Row) -> bool:
        """A ``basetimestamp`` older than the latest revision is a conflict, unless every later
        revision is the same user's (MediaWiki's self-conflict rule); the sandbox does no 3-way merge."""
        base = req.params.get("basetimestamp")
        if not base or req.user is None:
            return False
        later = self.db.conn.execute("SELECT user FROM revisions WHERE pageid=? AND timestamp > ?",
                                     (row["pageid"], base)).fetchall()
        return any(r["user"] != req.user.name for r in later)

    # -- action=delete ---------------------------------------------------------------------------------------
    def delete(self, req: ApiRequest) -> dict[str, Any]:
        check_write(req, rate_action="delete")
        if "delete" not in rights(req):
            raise permission_denied("delete", self.app.config.sitename, group="Administrators")
        title, row = self._title_param(req)
        if row is None:
            raise ApiError("missingtitle", "The page you specified doesn't exist.")
        if title.ns in ENTITY_NAMESPACES:
            try:
                from .entitystore import delete_entity_page

                delete_entity_page(self.app, title.full)
            except ImportError:  # entity storage not there: the page alone is deleted
                pass
        with self.db.transaction() as c:
            c.execute("UPDATE pages SET deleted=1, touched=? WHERE pageid=?", (utc_now(), row["pageid"]))
        logid = self.db.next_id("log")
        return {"delete": {"title": title.full, "reason": req.params.get("reason", ""), "logid": logid}}

    # -- action=parse ----------------------------------------------------------------------------------------
    def parse(self, req: ApiRequest) -> dict[str, Any]:
        fv = req.formatversion
        c = self.db.conn
        out: dict[str, Any] = {}
        if req.params.get("page") or req.params.get("pageid"):
            params = dict(req.params)
            if "page" in params:
                params["title"] = params.pop("page")
            sub = ApiRequest(params=params, query_keys=req.query_keys, method=req.method,
                             session=req.session, app=req.app)
            title, row = self._title_param(sub)
            if row is None:
                raise ApiError("missingtitle", "The page you specified doesn't exist.")
            rev = c.execute("SELECT * FROM revisions WHERE revid=?", (row["lastrevid"],)).fetchone()
            text, model = rev["content"], rev["contentmodel"]
            out.update(title=title.full, pageid=row["pageid"], revid=row["lastrevid"])
        elif req.params.get("oldid"):
            raw = req.params["oldid"]
            rev = c.execute("SELECT r.*, p.title FROM revisions r JOIN pages p ON p.pageid=r.pageid "
                            "WHERE r.revid=?", (int(raw) if raw.isdigit() else -1,)).fetchone()
            if rev is None:
                raise ApiError("nosuchrevid", f"There is no revision with ID {raw}.")
            text, model = rev["content"], rev["contentmodel"]
            out.update(title=rev["title"], pageid=rev["pageid"], revid=rev["revid"])
        else:
            text = req.params.get("text", "")
            model = req.params.get("contentmodel", "wikitext")
            raw_title = req.params.get("title", "API")
            parsed = parse_title(raw_title, self.app.config.sitename)
            out.update(title=parsed.full if parsed else raw_title, pageid=0)
        rendered = wikitext_to_html(text) if model == "wikitext" else f"<pre>{html.escape(text)}</pre>"
        rendered = f'<div class="mw-parser-output">{rendered}</div>'
        prop = set(req.multi("prop") or ["text"])
        if "text" in prop:
            out["text"] = rendered if fv == 2 else {"*": rendered}
        if "wikitext" in prop:
            out["wikitext"] = text if fv == 2 else {"*": text}
        if "displaytitle" in prop:
            out["displaytitle"] = html.escape(out["title"])
        return {"parse": out}

    def help(self, req: ApiRequest) -> dict[str, Any]:
        actions = "".join(f"<li>{html.escape(a)}</li>" for a in sorted(self.app.actions))
        page = ("<!DOCTYPE html><html><head><title>wikiclub sandbox API</title></head><body>"
                "<h1>wikiclub sandbox: MediaWiki Action API</h1><p>A local Wikibase-compatible test wiki. "
                f"Modules:</p><ul>{actions}</ul></body></html>")
        return {"help": {"mime": "text/html", "help": page}}


# ---- a very small wikitext renderer (action=parse) ------------------------------------------------------------
def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"'''(.+?)'''", r"<b>\1</b>", out)
    out = re.sub(r"''(.+?)''", r"<i>\1</i>", out)
    out = re.sub(r"\[\[([^|\]]+)\|([^\]]+)\]\]",
                 lambda m: f'<a href="/w/index.php/{m.group(1).replace(" ", "_")}">{m.group(2)}</a>', out)
    out = re.sub(r"\[\[([^\]]+)\]\]",
                 lambda m: f'<a href="/w/index.php/{m.group(1).replace(" ", "_")}">{m.group(1)}</a>', out)
    out = re.sub(r"\[(https?://[^\s\]]+) ([^\]]+)\]", r'<a rel="nofollow" class="external text" href="\1">\2</a>', out)
    return out


def wikitext_to_html(text: str) -> str:
    """Headings, paragraphs, bold/italic, links, bullet lists and simple tables: enough to preview
    the report pages wikiclub publishes. Everything is escaped first (labels come from the public)."""
    parts: list[str] = []
    para: list[str] = []
    in_list = in_table = False
    row_open = False

    def flush() -> None:
        if para:
            parts.append("<p>" + " ".join(para) + "\n</p>")
            para.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if in_list and not stripped.startswith("*"):
            parts.append("</ul>")
            in_list = False
        if in_table:
            if stripped.startswith("|}"):
                parts.append("</tr></table>" if row_open else "</table>")
                in_table = row_open = False
            elif stripped.startswith("|-"):
                parts.append("</tr><tr>" if row_open else "<tr>")
                row_open = True
            elif stripped.startswith(("!", "|")):
                if not row_open:
                    parts.append("<tr>")
                    row_open = True
                tag = "th" if stripped.startswith("!") else "td"
                cells = re.split(r"!!|\|\|", stripped[1:])
                parts.extend(f"<{tag}>{_inline(cell.strip())}</{tag}>" for cell in cells)
            continue
        m = re.match(r"^(={2,6})\s*(.+?)\s*\1$", stripped)
        if m:
            flush()
            level = len(m.group(1))
            parts.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif stripped.startswith("{|"):
            flush()
            attrs = html.escape(stripped[2:].strip())
            parts.append(f"<table {attrs}>" if attrs else "<table>")
            in_table = True
        elif stripped.startswith("*"):
            flush()
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{_inline(stripped.lstrip('*').strip())}</li>")
        elif not stripped:
            flush()
        else:
            para.append(_inline(stripped))
    flush()
    if in_list:
        parts.append("</ul>")
    if in_table:
        parts.append("</tr></table>" if row_open else "</table>")
    return "\n".join(parts)


def register(app: Wiki) -> dict[str, Handler]:
    return CoreModules(app).handlers()


def is_core_write(action: str) -> bool:
    return action in CORE_WRITES

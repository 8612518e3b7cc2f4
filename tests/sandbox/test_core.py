"""The sandbox's MediaWiki core modules over real HTTP: meta queries, login, asserts, tokens, maxlag,
rate limits, usercontribs, edit/parse/delete, and the error answers for bad requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import Account, Sandbox, make_sandbox
from conftest import RawApi as Api


def error_code(response: requests.Response) -> str | None:
    body = response.json()
    if "error" in body:
        return str(body["error"]["code"])
    if "errors" in body:
        return str(body["errors"][0]["code"])
    return None


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Sandbox]:
    """Configured like the recorded wiki: 8 edits per 60 s for users, 1 s replication lag."""
    sb = make_sandbox(tmp_path / "limited", rate_limits={"edit": {"user": (8, 60)}}, replication_lag=1.0)
    yield sb
    sb.running.stop()


def logged_in(sb: Sandbox, account: Account) -> Api:
    api = Api(sb.api_url)
    assert api.login(account)["login"]["result"] == "Success"
    return api


# ---- meta=siteinfo --------------------------------------------------------------------------------------
def test_siteinfo_general_describes_this_wiki(sandbox: Sandbox) -> None:
    general = Api(sandbox.api_url).get(action="query", meta="siteinfo").json()["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.39")
    assert general["server"] == sandbox.running.url
    assert general["scriptpath"] == "/w"
    assert general["wikibase-conceptbaseuri"] == sandbox.running.config.concept_base
    assert general["case"] == "first-letter" and general["lang"] == "en" and general["timezone"] == "UTC"
    assert general["writeapi"] == ""  # formatversion=1 writes true as ""


def test_siteinfo_namespaces_name_entity_content_models_in_both_formats(sandbox: Sandbox) -> None:
    api = Api(sandbox.api_url)
    q2 = api.get(action="query", meta="siteinfo", siprop="namespaces|namespacealiases|statistics|extensions",
                 formatversion="2").json()
    assert q2["batchcomplete"] is True
    ns = q2["query"]["namespaces"]
    assert ns["120"]["defaultcontentmodel"] == "wikibase-item" and ns["120"]["name"] == "Item"
    assert ns["122"]["defaultcontentmodel"] == "wikibase-property"
    assert ns["0"]["content"] is True and ns["1"]["subpages"] is True and ns["4"]["canonical"] == "Project"
    assert {"id": 6, "alias": "Image"} in q2["query"]["namespacealiases"]
    assert q2["query"]["statistics"]["users"] == 2
    assert "WikibaseRepository" in {e["name"] for e in q2["query"]["extensions"]}
    q1 = api.get(action="query", meta="siteinfo", siprop="namespaces").json()
    assert q1["batchcomplete"] == ""
    assert q1["query"]["namespaces"]["120"]["*"] == "Item"
    assert "content" not in q1["query"]["namespaces"]["1"]  # false is left out in formatversion 1


# ---- meta=userinfo, tokens, login ---------------------------------------------------------------------------
def test_userinfo_anonymous_then_logged_in_bot_and_plain_user(limited: Sandbox) -> None:
    props = {"action": "query", "meta": "userinfo", "uiprop": "blockinfo|groups|hasmsg|ratelimits|rights"}
    anon = Api(limited.api_url).get(**props, formatversion="2").json()["query"]["userinfo"]
    assert anon["id"] == 0 and anon["anon"] is True and anon["messages"] is False
    assert "edit" not in anon["rights"] and anon["ratelimits"]["edit"] == {"ip": {"hits": 8, "seconds": 60}}
    bot = logged_in(limited, limited.admin).get(**props, formatversion="2").json()["query"]["userinfo"]
    assert bot["name"] == "Admin" and "anon" not in bot
    assert {"bot", "noratelimit", "edit", "delete"} <= set(bot["rights"]) and bot["ratelimits"] == {}
    assert bot["groups"][-3:] == ["*", "user", "autoconfirmed"] and "bot" in bot["groups"]
    plain = logged_in(limited, limited.plain).get(**props).json()["query"]["userinfo"]
    assert plain["name"] == "Plainuser" and "bot" not in plain["rights"] and "edit" in plain["rights"]
    assert plain["ratelimits"]["edit"] == {"user": {"hits": 8, "seconds": 60}}
    assert "messages" not in plain  # false is left out in formatversion 1


def test_tokens_anonymous_csrf_is_public_and_login_token_opens_a_session(sandbox: Sandbox) -> None:
    api = Api(sandbox.api_url)
    r = api.get(action="query", meta="tokens")
    assert r.json()["query"]["tokens"] == {"csrftoken": "+\\"}
    assert "Set-Cookie" not in r.headers
    r = api.get(action="query", meta="tokens", type="login|csrf|watch")
    tokens = r.json()["query"]["tokens"]
    assert list(tokens) == ["logintoken", "csrftoken", "watchtoken"]
    assert tokens["logintoken"].endswith("+\\") and len(tokens["logintoken"]) > 2
    assert "wikidb_session" in r.headers["Set-Cookie"]
    api.login(sandbox.admin)
    tokens = api.get(action="query", meta="tokens", type="csrf|patrol|rollback|userrights|createaccount",
                     formatversion="2").json()["query"]["tokens"]
    assert tokens["csrftoken"] != "+\\" and tokens["csrftoken"].endswith("+\\")
    assert len(set(tokens.values())) == 5


def test_login_variants(sandbox: Sandbox) -> None:
    admin = sandbox.admin
    need = Api(sandbox.api_url).post(action="login", lgname=admin.name, lgpassword=admin.password)
    body = need.json()
    assert body["login"]["result"] == "NeedToken" and body["login"]["token"].endswith("+\\")
    assert set(body["warnings"]) == {"main", "login"}
    assert "wikidb_session" in need.headers["Set-Cookie"]
    stale = Api(sandbox.api_url).post(action="login", lgname=admin.name, lgpassword=admin.password,
                                      lgtoken="0123abcd+\\").json()
    assert stale["login"] == {"result": "Failed",
                              "reason": "Unable to continue login. Your session most likely timed out."}
    api = Api(sandbox.api_url)
    token = api.get(action="query", meta="tokens", type="login").json()["query"]["tokens"]["logintoken"]
    wrong = api.post(action="login", lgname=admin.name, lgpassword="wrong", lgtoken=token).json()
    assert wrong["login"]["result"] == "Failed" and "Incorrect" in wrong["login"]["reason"]
    ok = api.login(admin)
    assert ok["login"] == {"result": "Success", "lguserid": 1, "lgusername": "Admin"}
    assert "wikidb_BPsession" in api.http.cookies
    unknown_app = Api(sandbox.api_url).login(Account("Admin@otherapp", admin.password))
    assert unknown_app["login"]["result"] == "Failed"


def test_logout_makes_the_session_anonymous(sandbox: Sandbox) -> None:
    api = logged_in(sandbox, sandbox.admin)
    assert api.post(action="logout", token=api.csrf()).json() == {}
    info = api.get(action="query", meta="userinfo").json()["query"]["userinfo"]
    assert info["id"] == 0


# ---- asserts, tokens on writes, maxlag -----------------------------------------------------------------------
def test_assert_user_and_bot(sandbox: Sandbox) -> None:
    anon = Api(sandbox.api_url)
    r = anon.get(action="query", meta="userinfo", **{"assert": "user"})
    assert error_code(r) == "assertuserfailed" and r.headers["MediaWiki-API-Error"] == "assertuserfailed"
    plain = logged_in(sandbox, sandbox.plain)
    assert error_code(plain.get(action="query", meta="userinfo", **{"assert": "bot"})) == "assertbotfailed"
    assert error_code(plain.get(action="query", meta="userinfo", **{"assert": "user"})) is None
    admin = logged_in(sandbox, sandbox.admin)
    ok = admin.get(action="query", meta="userinfo", **{"assert": "bot"}).json()
    assert ok["query"]["userinfo"] == {"id": 1, "name": "Admin"}
    assert error_code(admin.get(action="query", meta="userinfo", assertuser="Plainuser")) == \
        "assertnameduserfailed"


def test_write_token_errors(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    token = admin.csrf()
    assert error_code(admin.post(action="edit", title="A", text="x")) == "missingparam"
    assert error_code(admin.get(action="edit", title="A", text="x", token=token)) == "mustpostparams"
    assert error_code(admin.post(action="edit", title="A", text="x", token="0123+\\")) == "badtoken"
    assert error_code(admin.post(action="edit", title="A", text="x", token="+\\")) == "badtoken"
    anon = Api(sandbox.api_url)
    r = anon.post(action="edit", title="A", text="x", token="+\\")
    assert error_code(r) == "permissiondenied"
    assert error_code(anon.post(action="edit", title="A", text="x", token=token)) == "badtoken"
    plaintext = admin.post(action="edit", title="A", text="x", token="bad", errorformat="plaintext",
                           formatversion="2").json()
    assert plaintext["errors"][0] == {"code": "badtoken", "text": "Invalid CSRF token.", "module": "edit"}


def test_maxlag_answers_with_retry_after_and_lag(limited: Sandbox) -> None:
    api = Api(limited.api_url)
    r = api.get(action="query", meta="siteinfo", maxlag="0")
    assert error_code(r) == "maxlag" and r.status_code == 200
    assert r.headers["Retry-After"] == "5" and r.headers["X-Database-Lag"] == "1"
    assert r.json()["error"]["lag"] == 1 and r.json()["error"]["type"] == "db"
    assert error_code(api.get(action="query", meta="siteinfo", maxlag="5")) is None
    v2 = api.get(action="query", meta="siteinfo", maxlag="-1", formatversion="2", errorformat="plaintext").json()
    assert v2["errors"][0]["code"] == "maxlag" and v2["errors"][0]["data"]["lag"] == 1
    assert v2["errors"][0]["module"] == "main"
    assert error_code(api.get(action="query", meta="siteinfo", maxlag="soon")) == "badinteger"


def test_no_lag_by_default(sandbox: Sandbox) -> None:
    assert error_code(Api(sandbox.api_url).get(action="query", meta="siteinfo", maxlag="0")) is None


# ---- rate limits ----------------------------------------------------------------------------------------------
def test_rate_limit_stops_the_ninth_edit_of_a_user_but_not_a_bot(limited: Sandbox) -> None:
    plain = logged_in(limited, limited.plain)
    token = plain.csrf()
    codes = [error_code(plain.post(action="edit", title="Bac à sable", text=f"essai {i}", token=token))
             for i in range(10)]
    assert codes[:8] == [None] * 8 and codes[8:] == ["ratelimited", "ratelimited"]
    r = plain.post(action="edit", title="Bac à sable", text="encore", token=token)
    assert r.headers["MediaWiki-API-Error"] == "ratelimited"
    assert "too many times" in r.json()["error"]["info"]
    admin = logged_in(limited, limited.admin)
    token = admin.csrf()
    assert all(error_code(admin.post(action="edit", title="Bot page", text=f"v{i}", token=token)) is None
               for i in range(12))


def test_wikibase_modules_get_the_failed_save_shape(limited: Sandbox) -> None:
    from wikiclub.sandbox import guards

    def fake_wb_write(req):  # what every Wikibase write handler does first
        guards.check_write(req)
        return {"success": 1}

    limited.app.actions["wbfakewrite"] = fake_wb_write
    plain = logged_in(limited, limited.plain)
    token = plain.csrf()
    answers = [plain.post(action="wbfakewrite", token=token) for _ in range(9)]
    assert [error_code(a) for a in answers[:8]] == [None] * 8
    last = answers[8]
    assert last.headers["MediaWiki-API-Error"] == "failed-save, ratelimited"
    names = [m["name"] for m in last.json()["error"]["messages"]]
    assert names == ["wikibase-api-failed-save", "actionthrottledtext"]


def test_no_rate_limits_by_default(sandbox: Sandbox) -> None:
    plain = logged_in(sandbox, sandbox.plain)
    token = plain.csrf()
    assert all(error_code(plain.post(action="edit", title="Libre", text=f"v{i}", token=token)) is None
               for i in range(10))


# ---- edit, parse, delete, prop=info|revisions -----------------------------------------------------------------
def test_edit_creates_updates_and_reads_back(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    token = admin.csrf()
    text = "Rapport de couverture.\n\n{| class=\"wikitable\"\n! P !! n\n|-\n| P31 || 12\n|}\n"
    created = admin.post(action="edit", title="Project:Rapport de couverture", text=text, summary="création",
                         bot="", token=token).json()["edit"]
    assert created["result"] == "Success" and created["new"] == "" and created["oldrevid"] == 0
    assert created["title"] == "Wikiclub sandbox:Rapport de couverture"
    updated = admin.post(action="edit", title=created["title"], text=text + "\nMis à jour.", minor="",
                         basetimestamp=created["newtimestamp"], token=token).json()["edit"]
    assert updated["oldrevid"] == created["newrevid"] and updated["newrevid"] > created["newrevid"]
    assert "new" not in updated
    same = admin.post(action="edit", title=created["title"], text=text + "\nMis à jour.\n", token=token).json()
    assert same["edit"]["nochange"] == ""
    read = admin.get(action="query", prop="info|revisions", titles="Project:Rapport_de_couverture",
                     rvprop="ids|timestamp|user|comment|content|contentmodel|sha1|size|flags", rvslots="*",
                     indexpageids="", meta="userinfo").json()
    query = read["query"]
    assert query["normalized"] == [{"from": "Project:Rapport_de_couverture", "to": created["title"]}]
    page = query["pages"][query["pageids"][0]]
    rev = page["revisions"][0]
    assert rev["slots"]["main"]["*"] == (text + "\nMis à jour.").rstrip()
    assert rev["slots"]["main"]["contentformat"] == "text/x-wiki" and rev["minor"] == ""
    assert rev["parentid"] == created["newrevid"] and rev["user"] == "Admin" and len(rev["sha1"]) == 40
    assert page["lastrevid"] == updated["newrevid"] and "new" not in page
    assert query["userinfo"]["name"] == "Admin"
    v2 = admin.get(action="query", prop="revisions", titles=created["title"], rvprop="content|contentmodel",
                   rvslots="main", formatversion="2").json()
    assert v2["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"].startswith("Rapport")
    history = admin.get(action="query", prop="revisions", titles=created["title"], rvlimit="1",
                        rvprop="ids").json()
    assert history["continue"]["rvcontinue"].endswith(str(created["newrevid"]))


def test_edit_conflicts_and_create_flags(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    plain = logged_in(sandbox, sandbox.plain)
    atok, ptok = admin.csrf(), plain.csrf()
    first = admin.post(action="edit", title="Partagée", text="v1", token=atok).json()["edit"]
    assert error_code(admin.post(action="edit", title="Partagée", text="v1b", createonly="",
                                 token=atok)) == "articleexists"
    assert error_code(admin.post(action="edit", title="Absente", text="x", nocreate="",
                                 token=atok)) == "missingtitle"
    base = "2000-01-01T00:00:00Z"
    # a later revision by someone else than the editor is a conflict …
    plain.post(action="edit", title="Partagée", text="v2 by plain", token=ptok)
    r = admin.post(action="edit", title="Partagée", text="v3", basetimestamp=base, token=atok)
    assert error_code(r) == "editconflict" and r.json()["error"]["info"] == "Edit conflict."
    # … but not when the base is the latest revision
    latest = admin.get(action="query", prop="revisions", titles="Partagée").json()
    ts = next(iter(latest["query"]["pages"].values()))["revisions"][0]["timestamp"]
    assert error_code(admin.post(action="edit", title="Partagée", text="v3", basetimestamp=ts, token=atok)) is None
    assert first["newrevid"] >= 1
    assert error_code(admin.post(action="edit", title="Item:Q1", text="{}", token=atok)) == "no-direct-editing"
    assert error_code(admin.post(action="edit", title="Bad[title]", text="x", token=atok)) == "invalidtitle"
    assert error_code(admin.post(action="edit", text="x", token=atok)) == "missingparam"
    assert error_code(admin.post(action="edit", title="Sans texte", token=atok)) == "missingparam"


def test_missing_pages_in_both_formats(sandbox: Sandbox) -> None:
    api = Api(sandbox.api_url)
    v1 = api.get(action="query", prop="info", titles="Nowhere|Bad{title", inprop="protection",
                 indexpageids="").json()["query"]
    assert v1["pageids"] == ["-1", "-2"]
    pages = v1["pages"]
    assert pages["-1"]["missing"] == "" and pages["-1"]["title"] == "Nowhere"
    assert pages["-1"]["restrictiontypes"] == ["create"]
    assert pages["-2"]["invalid"] == "" and "missing" not in pages["-2"]
    v2 = api.get(action="query", prop="info", titles="Nowhere", formatversion="2").json()["query"]
    assert v2["pages"][0]["missing"] is True


def test_parse_text_and_page(sandbox: Sandbox) -> None:
    api = Api(sandbox.api_url)
    html = api.post(action="parse", text="== Titre ==\n'''gras''' <script>x</script> [[Q1|un lien]]",
                    contentmodel="wikitext").json()["parse"]["text"]["*"]
    assert "<h2>Titre</h2>" in html and "<b>gras</b>" in html and "<script>" not in html
    assert 'href="/w/index.php/Q1"' in html
    admin = logged_in(sandbox, sandbox.admin)
    admin.post(action="edit", title="Page", text="* un\n* deux", token=admin.csrf())
    parsed = admin.get(action="parse", page="Page", formatversion="2").json()["parse"]
    assert parsed["title"] == "Page" and "<li>deux</li>" in parsed["text"]
    assert error_code(admin.get(action="parse", page="Pas là")) == "missingtitle"


def test_generator_templates_lists_transcluded_pages(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    token = admin.csrf()
    admin.post(action="edit", title="Template:Bots", text="ok", token=token)
    admin.post(action="edit", title="Avec modèles", text="{{bots|deny=x}} {{Absent}} {{#if:a|b}}", token=token)
    params = {"action": "query", "generator": "templates", "prop": "info|imageinfo|categoryinfo",
              "gtllimit": "5000", "iilimit": "max", "indexpageids": "", "meta": "userinfo",
              "uiprop": "blockinfo|hasmsg"}
    body = admin.get(titles="Avec modèles", **params).json()
    titles = sorted(p["title"] for p in body["query"]["pages"].values())
    assert titles == ["Template:Absent", "Template:Bots"]
    assert body["limits"] == {"imageinfo": 5000}
    none = admin.get(titles="Template:Bots", **params).json()
    assert "pages" not in none["query"] and none["query"]["userinfo"]["name"] == "Admin"


def test_delete_needs_the_right_and_hides_the_page(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    plain = logged_in(sandbox, sandbox.plain)
    token = admin.csrf()
    admin.post(action="edit", title="À effacer", text="x", token=token)
    assert error_code(plain.post(action="delete", title="À effacer", token=plain.csrf())) == "permissiondenied"
    done = admin.post(action="delete", title="À effacer", reason="test", token=token).json()
    assert done["delete"]["title"] == "À effacer" and done["delete"]["reason"] == "test"
    assert isinstance(done["delete"]["logid"], int)
    gone = admin.get(action="query", prop="info", titles="À effacer").json()["query"]["pages"]
    assert "missing" in next(iter(gone.values()))
    assert error_code(admin.post(action="delete", title="À effacer", token=token)) == "missingtitle"


# ---- list=usercontribs ------------------------------------------------------------------------------------------
def test_usercontribs_newest_first_with_continuation(sandbox: Sandbox) -> None:
    admin = logged_in(sandbox, sandbox.admin)
    token = admin.csrf()
    for i in range(3):
        admin.post(action="edit", title=f"Page {i}", text="x" * (i + 1), summary=f"s{i}", token=token)
    admin.post(action="edit", title="Page 0", text="xxxxx", summary="grow", token=token)
    admin.post(action="edit", title="Help:Aide", text="aide", token=token)
    params = {"action": "query", "list": "usercontribs", "ucuser": "Admin",
              "ucprop": "ids|title|timestamp|comment|sizediff|flags"}
    first = admin.get(uclimit="2", **params).json()
    contribs = first["query"]["usercontribs"]
    assert [c["title"] for c in contribs] == ["Help:Aide", "Page 0"]
    assert contribs[1]["comment"] == "grow" and contribs[1]["sizediff"] == 4 and contribs[1]["top"] == ""
    assert contribs[0]["new"] == ""
    rest = admin.get(uclimit="10", uccontinue=first["continue"]["uccontinue"], **params).json()
    assert [c["title"] for c in rest["query"]["usercontribs"]] == ["Page 2", "Page 1", "Page 0"]
    assert "continue" not in rest
    assert "top" not in rest["query"]["usercontribs"][2]
    only_help = admin.get(ucnamespace="12", **params).json()["query"]["usercontribs"]
    assert [c["ns"] for c in only_help] == [12]
    assert admin.get(action="query", list="usercontribs", ucuser="Plainuser").json()["query"] == \
        {"usercontribs": []}
    assert error_code(admin.get(action="query", list="usercontribs")) == "missingparam"
    assert error_code(admin.get(uclimit="lots", **params)) == "badinteger"


# ---- paraminfo, unknown action, internal errors, request log ------------------------------------------------------
def test_paraminfo_lists_the_actions_that_really_answer(sandbox: Sandbox) -> None:
    body = Api(sandbox.api_url).post(action="paraminfo", modules="main|paraminfo|query").json()
    modules = {m["path"]: m for m in body["paraminfo"]["modules"]}
    assert set(modules) == {"main", "paraminfo", "query"}
    action = next(p for p in modules["main"]["parameters"] if p["name"] == "action")
    assert set(action["type"]) == set(sandbox.app.actions) == set(action["submodules"])
    query_params = {p["name"]: p for p in modules["query"]["parameters"]}
    assert {"prop", "list", "meta"} <= set(query_params)
    assert sandbox.running.url in modules["main"]["licenselink"]
    tokens = Api(sandbox.api_url).post(action="paraminfo", modules="query+tokens|edit|nope").json()
    paths = [m["path"] for m in tokens["paraminfo"]["modules"]]
    assert paths == ["query+tokens", "edit"]
    assert tokens["paraminfo"]["modules"][1]["mustbeposted"] == ""
    assert "nope" in tokens["warnings"]["paraminfo"]["*"]


def test_unknown_action_and_internal_errors_are_api_errors(sandbox: Sandbox) -> None:
    api = Api(sandbox.api_url)
    r = api.get(action="wbdoesnotexist")
    assert r.status_code == 200 and error_code(r) == "badvalue"
    assert r.json()["error"]["info"] == 'Unrecognized value for parameter "action": wbdoesnotexist.'

    def broken(req):  # a handler bug must not become a 500 with a traceback
        raise KeyError("boom")

    sandbox.app.actions["broken"] = broken
    r = api.get(action="broken")
    assert r.status_code == 200 and error_code(r) == "internal_api_error_KeyError"
    assert "Traceback" not in r.text
    assert api.get(action="help").json()["help"]["mime"] == "text/html"


def test_read_with_a_token_is_warned_not_refused(sandbox: Sandbox) -> None:
    body = Api(sandbox.api_url).post(action="query", meta="userinfo", token="+\\").json()
    assert body["warnings"]["main"]["*"] == "Unrecognized parameter: token."
    assert body["query"]["userinfo"]["id"] == 0


def test_request_log_has_one_line_per_call_and_no_secrets(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    sb = make_sandbox(tmp_path / "logged", log_path=log)
    try:
        admin = logged_in(sb, sb.admin)
        admin.post(action="edit", title="Journal", text="x", token=admin.csrf())
        admin.get(action="nope")
    finally:
        sb.running.stop()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["action"] for line in lines] == ["query", "login", "query", "edit", "nope"]
    assert lines[3]["user"] == "Admin" and lines[3]["status"] == 200 and lines[3]["fault"] is None
    assert lines[4]["error"] == "badvalue"
    assert all({"ms", "params", "method", "t"} <= set(line) for line in lines)
    text = log.read_text(encoding="utf-8")
    assert sb.admin.password not in text and "lgpassword" not in text and '"token"' not in text

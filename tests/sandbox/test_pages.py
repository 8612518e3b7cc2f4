"""The sandbox's HTML page per entity: the links of review sheets and search results open it."""

from __future__ import annotations

import json

import requests
from conftest import RawApi, Sandbox


def test_entity_page_shows_labels_and_linked_items(kb_sandbox: Sandbox) -> None:
    base = kb_sandbox.api_url.removesuffix("/w/api.php")
    page = requests.get(f"{base}/wiki/Q900272", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Bibliothèque municipale de Rouyn-Noranda" in page.text
    assert ">Rouyn-Noranda</a> (Q900141)" in page.text  # an item value, named by its label
    assert "(P131)" in page.text
    same = requests.get(f"{base}/w/index.php/Item:Q900272", timeout=30)  # the url wbsearchentities gives
    assert same.status_code == 200 and same.text == page.text
    assert requests.get(f"{base}/wiki/Q999999999", timeout=30).status_code == 404


def test_labels_from_the_public_are_escaped(sandbox: Sandbox) -> None:
    api = RawApi(sandbox.api_url)
    assert api.login(sandbox.admin)["login"]["result"] == "Success"
    data = {"labels": {"fr": {"language": "fr", "value": "<script>alert(1)</script>"}},
            "descriptions": {"fr": {"language": "fr", "value": '"><img src=x onerror=alert(2)>'}}}
    created = api.post(action="wbeditentity", new="item", data=json.dumps(data), token=api.csrf()).json()
    qid = created["entity"]["id"]
    page = requests.get(sandbox.api_url.removesuffix("/w/api.php") + f"/wiki/{qid}", timeout=30).text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

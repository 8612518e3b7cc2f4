"""classify_answer over every answer recorded from a real MediaWiki 1.39 + Wikibase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wikiclub.adapters.mwerrors import classify_answer, parse_retry_after
from wikiclub.errors import (
    ApiError,
    BadTokenError,
    EditConflictError,
    ModificationFailedError,
    NoSuchEntityError,
    NotLoggedInError,
    PermissionDeniedError,
    RetryableError,
    TransportError,
)

FIXTURES = Path(__file__).parent / "fixtures" / "wikibase-api"

# Every recorded error answer and the class it must become. A fixture with an error that is not
# listed here fails test_every_error_fixture_is_in_the_table, so new recordings get classified.
EXPECTED = {
    "assert-bot-failed": NotLoggedInError,
    "assert-user-failed-anon": NotLoggedInError,
    "edit-ratelimited-core": RetryableError,
    "maxlag-error": RetryableError,
    "maxlag-error-formatversion2": RetryableError,
    "unknown-action": ApiError,
    "wbcreateclaim-invalid-property-id": ApiError,
    "wbcreateclaim-invalid-quantity": ApiError,
    "wbcreateclaim-invalid-time": ApiError,
    "wbcreateclaim-invalid-url": ModificationFailedError,
    "wbcreateclaim-invalid-value-item-as-string": ApiError,
    "wbcreateclaim-malformed-property-id": ApiError,
    "wbcreateclaim-nonexistent-item-value": ModificationFailedError,
    "wbcreateclaim-nonexistent-property": NoSuchEntityError,
    "wbcreateclaim-string-too-long": ModificationFailedError,
    "wbcreateredirect-origin-not-empty": ApiError,
    "wbeditentity-anon-assert-user": NotLoggedInError,
    "wbeditentity-anon-badtoken": BadTokenError,
    "wbeditentity-anon-permissiondenied": PermissionDeniedError,
    "wbeditentity-badtoken-errorformat-plaintext": BadTokenError,
    "wbeditentity-badtoken": BadTokenError,
    "wbeditentity-baserevid-nonexistent": ApiError,
    "wbeditentity-claim-invalid-monolingual-language": ModificationFailedError,
    "wbeditentity-claim-nonexistent-property": ModificationFailedError,
    "wbeditentity-claim-wrong-value-type": ModificationFailedError,
    "wbeditentity-editconflict-errorformat-plaintext": EditConflictError,
    "wbeditentity-editconflict": EditConflictError,
    "wbeditentity-get-method": ApiError,
    "wbeditentity-invalid-tag": ApiError,
    "wbeditentity-new-item-bad-json": ApiError,
    "wbeditentity-new-item-id-and-new": ApiError,
    "wbeditentity-new-item-invalid-language": ApiError,
    "wbeditentity-new-item-label-description-conflict": ModificationFailedError,
    "wbeditentity-new-property-label-conflict": ModificationFailedError,
    "wbeditentity-new-property-missing-datatype": ApiError,
    "wbeditentity-new-property-unknown-datatype": ApiError,
    "wbeditentity-nonexistent-entity": NoSuchEntityError,
    "wbeditentity-notoken": ApiError,
    "wbgetentities-invalid-id": NoSuchEntityError,
    "wbgetentities-no-ids": ApiError,
    "wbgetentities-sites-titles-unknown-site": ApiError,
    "wbgetentities-too-many-ids": ApiError,
    "wbmergeitems-conflict": ApiError,
    "wbparsevalue-quantity-invalid": ApiError,
    "wbremoveclaims-already-removed": ApiError,
    "wbsearchentities-bad-language": ApiError,
    "wbsetclaim-bad-guid-prefix": NoSuchEntityError,
    "wbsetdescription-ratelimited": RetryableError,
    "wbsetlabel-editconflict": EditConflictError,
    "wbsetreference-invalid-statement-guid": ApiError,
    "wbsetreference-nonexistent-statement": ApiError,
    "wbsetsitelink-unknown-site": ApiError,
    # seen on the real wiki outside record.py (fixtures/wikibase-api/observed/)
    "observed/wbeditentity-new-item-idgenerator-ratelimited": RetryableError,
    "observed/wbeditentity-label-equals-description": ModificationFailedError,
}


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def classify_fixture(record: dict):  # noqa: ANN201
    return classify_answer(record["http_status"], record["response_headers"], record["response"])


def all_fixtures() -> list[str]:
    return sorted([p.stem for p in FIXTURES.glob("*.json")] +
                  [f"observed/{p.stem}" for p in (FIXTURES / "observed").glob("*.json")])


@pytest.mark.parametrize("name", all_fixtures())
def test_fixture_classification(name: str) -> None:
    record = load(name)
    error = classify_fixture(record)
    expected = EXPECTED.get(name)
    if expected is None:
        assert error is None, f"{name}: unexpected {error!r}"
        return
    assert type(error) is expected
    code = (record["response"].get("error") or record["response"]["errors"][0])["code"]
    assert error.code == code
    assert error.info  # the wiki's words are kept for the user
    assert error.hint


def test_every_error_fixture_is_in_the_table() -> None:
    with_errors = {n for n in all_fixtures() if {"error", "errors"} & set(load(n)["response"])}
    assert with_errors == set(EXPECTED)
    assert len(with_errors) > 40


def test_rate_limited_creation_is_a_rate_limit_without_retry_after() -> None:
    """The real wiki's answer to a creation over the id generator's limit: the code and the header say
    no-automatic-entity-id, the throttle text is only inside the message's parameter, no Retry-After."""
    record = load("observed/wbeditentity-new-item-idgenerator-ratelimited")
    assert "Retry-After" not in record["response_headers"]
    message = record["response"]["error"]["messages"][0]
    assert message["name"] == "wikibase-api-no-automatic-entity-id"
    assert "too many times" in message["parameters"][0]
    error = classify_fixture(record)
    assert isinstance(error, RetryableError) and error.data["rate_limited"] is True
    assert error.retry_after is None and error.code == "no-automatic-entity-id"


def test_label_equal_to_description_is_a_modification_failure_naming_the_language() -> None:
    error = classify_fixture(load("observed/wbeditentity-label-equals-description"))
    assert isinstance(error, ModificationFailedError)
    assert error.messages[0]["parameters"] == ["fr"]
    assert "can not have the same value" in error.info


def test_retry_after_and_lag_kept() -> None:
    error = classify_fixture(load("maxlag-error"))
    assert error.retry_after == 5.0 and error.data["lag"] == 1
    error = classify_fixture(load("maxlag-error-formatversion2"))
    assert error.retry_after == 5.0 and error.data["lag"] == 1


def test_maxlag_without_header_waits_at_least_five_seconds() -> None:
    record = load("maxlag-error")
    error = classify_answer(200, {}, record["response"])
    assert isinstance(error, RetryableError) and error.retry_after == 5.0


def test_label_description_conflict_names_the_existing_item() -> None:
    error = classify_fixture(load("wbeditentity-new-item-label-description-conflict"))
    assert error.message_names() == ["wikibase-validator-label-with-description-conflict"]
    assert error.data["conflicts"] == [{
        "message": "wikibase-validator-label-with-description-conflict",
        "entity": "Q2", "label": "Douglas Adams", "language": "en"}]


def test_property_label_conflict_is_a_modification_failure_with_details() -> None:
    error = classify_fixture(load("wbeditentity-new-property-label-conflict"))
    assert error.data["conflicts"][0]["entity"] == "P1"


def test_throttled_failed_save_is_retryable_not_a_modification_failure() -> None:
    error = classify_fixture(load("wbsetdescription-ratelimited"))
    assert isinstance(error, RetryableError)
    assert "actionthrottledtext" in error.message_names()


def test_plaintext_editconflict_keeps_messages() -> None:
    error = classify_fixture(load("wbeditentity-editconflict-errorformat-plaintext"))
    assert error.message_names() == ["wikibase-api-editconflict", "edit-conflict"]


def test_throttle_seen_through_header_only() -> None:
    # errorformat=plaintext may not carry the message list: the header still says "ratelimited".
    body = {"errors": [{"code": "failed-save", "text": "The save has failed."}]}
    error = classify_answer(200, {"MediaWiki-API-Error": "failed-save, ratelimited"}, body)
    assert isinstance(error, RetryableError)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_http_overload_is_retryable(status: int) -> None:
    error = classify_answer(status, {"Retry-After": "7"}, "<html>busy</html>")
    assert isinstance(error, RetryableError)
    assert error.http_status == status and error.retry_after == 7.0


def test_non_json_and_http_errors_are_transport_errors() -> None:
    assert isinstance(classify_answer(200, {}, "<html>"), TransportError)
    error = classify_answer(404, {}, None, url="http://x/w/api.php")
    assert isinstance(error, TransportError) and error.http_status == 404
    assert "api.php" in str(error)


def test_success_is_none() -> None:
    assert classify_fixture(load("wbgetentities-missing")) is None
    assert classify_fixture(load("login-wrong-password")) is None  # a login result, not an API error


def test_retry_after_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None

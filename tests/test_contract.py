"""The OpenAPI document tells the truth (issue 13, rule 10).

Schemathesis reads the checked-in ``openapi/openapi.json`` (equal to the generated one, see
test_openapi.py), generates requests for every operation (examples, coverage and fuzzing
phases, valid and invalid data) and runs every check it has on each answer: no 5xx,
documented status codes, response bodies and headers as declared, invalid data rejected,
valid data accepted, authentication enforced, ``Allow`` on 405. The app runs behind a real
uvicorn on a database of its own, of the suite's kind (SQLite, or PostgreSQL with
CAPMATCH_TEST_DATABASE_URL), with a partner key (on objects of its own and on generated
ids) and with the admin key.

A check that fails fails the test, except the failures in ``BY_DESIGN``: requests the
schema cannot tell apart from valid ones because the server judges them against state or
another field. Each entry says why; the answer must still be the documented 4xx problem.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData

from tests.fixtures import ADMIN_KEY
from tests.fixtures.live import Server, live_server

SPEC = json.loads((Path(__file__).parents[1] / "openapi" / "openapi.json").read_text())
schema = schemathesis.openapi.from_dict(SPEC)
schema.config.checks.update(included_check_names=["all"])
# Bounded: every operation, every phase, a few dozen requests each; derandomized so a red
# run is the same on a rerun (a new failure shows up when the code or document changes).
CONTRACT_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _problem(content: bytes) -> tuple[str, str]:
    """(problem type, detail) of an answer, empty when it is not a problem document."""
    try:
        body = json.loads(content)
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("type", "")), str(body.get("detail", ""))


_CODE_KINDS = ("skill", "product", "certification")
_VOCABULARY = (
    "codes have a form (the pattern) and a vocabulary (the taxonomy, replaceable by the "
    "operator): a well-formed code that is not in it is a 422 naming the closest codes"
)
# (problem type suffix, detail fragment) -> why a schema-valid request is refused by design.
BY_DESIGN: dict[tuple[str, str], str] = {
    ("http-error", "Too many fields. Maximum number of fields is"): (
        "an import upload is one multipart field, `file`; a form of more than ten fields is "
        "refused by the multipart parser (400) before it is read"
    ),
    ("precondition-failed", "does not match the current ETag"): (
        "If-Match carries the ETag the client read; any other value is a 412 (any string "
        "is schema-valid)"
    ),
    ("validation-error", ": not a cursor"): (
        "cursors (`cursor`, the event feed's `after`) are opaque tokens the API issued; a "
        "made-up one is a 422 naming the parameter"
    ),
    ("validation-error", "lat, lon and radius_km go together"): (
        "the near filter needs all three query parameters; OpenAPI cannot say that "
        "parameters depend on each other"
    ),
    ("validation-error", "lies in the past"): (
        "dates are judged against today (needed_by, available_until), which a schema cannot"
    ),
    ("validation-error", "Idempotency-Key: this key was already used"): (
        "an Idempotency-Key names one request; reused with another body it is a 422"
    ),
    ("validation-error", "required when acting with a partner key"): (
        "organization_id is required with a partner key and implied by an organisation key: "
        "it depends on the caller"
    ),
    ("validation-error", "location: coordinates are needed"): (
        "an organisation needs coordinates from location or from a resolvable address "
        "(one of two fields, and the gazetteer decides)"
    ),
    ("validation-error", "location: required unless organization_id is given"): (
        "a search needs a location or an organisation to take it from (one of two fields)"
    ),
    ("validation-error", "cannot engage its own offer"): (
        "an organisation is never matched with itself (rule 4): state, not schema"
    ),
    **{("validation-error", f": unknown {kind} '"): _VOCABULARY for kind in _CODE_KINDS},
    ("validation-error", "is not in the gazetteer"): (
        "an address without coordinates is placed by its postal code; one the gazetteer does "
        "not know is a 422 asking for coordinates (data, not schema)"
    ),
    ("validation-error", "name at least one skill or product"): (
        "a request needs skills or products, either list may be empty: a rule across fields"
    ),
    ("validation-error", "is listed twice"): (
        "a certification appears once per organisation; JSON Schema's uniqueItems compares "
        "whole items, not their code"
    ),
    **dict.fromkeys(
        [
            ("validation-error", "required when status is in_progress"),
            ("validation-error", "only a certification in progress has an expected date"),
            ("validation-error", "a certification in progress has no expiry yet"),
        ],
        "a certification's expected_by goes with status in_progress and valid_until with "
        "held (status defaults to held): a rule across the fields of one item",
    ),
    ("validation-error", "give either request_ids or filter"): (
        "an allocation takes its requests by id or by filter, exactly one of the two: a rule "
        "across fields"
    ),
    ("validation-error", "weights: at least one weight must be greater than 0"): (
        "each weight may be 0, not all of them: a rule across the fields of weights"
    ),
    ("validation-error", "url: "): (
        "the SSRF guard judges a webhook URL against the deployment (http and private "
        "addresses only in development) and what its host resolves to"
    ),
    ("validation-error", "unknown topic '"): _VOCABULARY,
    ("validation-error", "give a date (YYYY-MM-DD) or an RFC 3339 date-time"): (
        "`from` and `to` take a date or a date-time; the pattern admits a month 13 or an hour "
        "25, which the calendar refuses"
    ),
    ("validation-error", "unknown time zone"): (
        "a time zone is a name of the IANA zone database, which decides (as the vocabulary "
        "decides codes)"
    ),
    **dict.fromkeys(
        [
            ("validation-error", "ends_at: must not be before starts_at"),
            ("validation-error", "an event lasts at most 31 days"),
            ("validation-error", "to: must not be before from"),
        ],
        "an event's end follows its start, and a list's `to` its `from`: rules across fields",
    ),
    ("validation-error", "must lie between 1970 and 2200"): (
        "an event's times lie between 1970 and 2200 (in every zone's offset range); a "
        "date-time format cannot state a range"
    ),
    ("validation-error", " feed only"): (
        "a subscription's `region` filter is the calendar's and `kind` the notices': a rule "
        "across fields"
    ),
    ("validation-error", "must not contain the NUL character"): (
        "rule 6: NUL is refused in every string (422); the document does not repeat that "
        "as a pattern on each of them"
    ),
}


def _by_design(failure: Failure, status: int, content: bytes) -> bool:
    if not isinstance(failure, RejectedPositiveData) or status not in (400, 412, 422):
        return False
    problem_type, detail = _problem(content)
    return any(problem_type.endswith(slug) and fragment in detail for slug, fragment in BY_DESIGN)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("contract"), "contract") as running:
        yield running


def _post(client: httpx.Client, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def market(server: Server) -> dict[str, str]:
    """A partner of its own for each test (a test may revoke its key or deactivate it) with
    two members, an offer, a request and a hold: ids for the path parameters."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        partner = _post(client, "/v1/partners", ADMIN_KEY, {"name": "Contract", "slug": _slug()})
        key = partner["api_key"]
        place = {"location": {"lat": 48.49, "lon": 9.21}}
        maker = _post(
            client, "/v1/organizations", key, {"name": "Weberei", "kind": "both", **place}
        )
        buyer = _post(
            client, "/v1/organizations", key, {"name": "Klinik", "kind": "buyer", **place}
        )
        offer = _post(
            client,
            "/v1/offers",
            key,
            {
                "organization_id": maker["id"],
                "title": "Sewing line",
                "skills": ["textile.sewing"],
                "capacity": {"per_week": 1000},
                "available_until": "2099-12-31",
            },
        )
        request = _post(
            client,
            "/v1/requests",
            key,
            {
                "organization_id": buyer["id"],
                "title": "Masks",
                "skills": ["textile.sewing"],
                "quantity": 500,
                "needed_by": "2099-06-30",
            },
        )
        engagement = _post(
            client,
            f"/v1/requests/{request['id']}/engagements",
            key,
            {"offer_id": offer["id"], "quantity": 100},
        )
    return {
        "key": key,
        "partner_id": partner["id"],
        "key_id": partner["api_key_id"],
        "organization_id": buyer["id"],
        "offer_id": offer["id"],
        "request_id": request["id"],
        "engagement_id": engagement["id"],
        "code": "iso-13485",
    }


_slugs = iter(range(10**9))


def _slug() -> str:
    return f"contract-{threading.get_ident() % 10_000}-{next(_slugs)}"


Run = Callable[[Any], None]


def _asks_for_key(case: Any) -> bool:
    """False for a negative case whose invalid part is the missing Authorization header:
    adding the key would send a request other than the one the checks judge (schemathesis
    then calls an unknown query parameter, which the API ignores, an accepted invalid one)."""
    meta = case.meta
    header = meta.components.get(ParameterLocation.HEADER) if meta is not None else None
    if header is None or not header.mode.is_negative:
        return True
    return "authorization" in {name.lower() for name in case.headers or {}}


@pytest.fixture(params=["partner-own-ids", "partner-generated-ids", "admin-own-ids"])
def run(request: pytest.FixtureRequest, server: Server, market: dict[str, str]) -> Run:
    role, _, ids = request.param.partition("-")
    key = market["key"] if role == "partner" else ADMIN_KEY

    def call(case: Any) -> None:
        if ids == "own-ids":
            for name in list(case.path_parameters or {}):
                if name in market:
                    case.path_parameters[name] = market[name]
        # The key goes only where the document asks for one (not to probes and metrics).
        secured = case.operation.definition.raw.get("security", SPEC["security"])
        headers = {"Authorization": f"Bearer {key}"} if secured and _asks_for_key(case) else {}
        # A generous timeout: under coverage on a slow CI machine a request can pass 10 s.
        response = case.call(base_url=server.url, headers=headers, timeout=60)
        try:
            case.validate_response(
                response, headers=headers, transport_kwargs={"base_url": server.url}
            )
        except FailureGroup as group:
            unexpected = [
                failure
                for failure in group.exceptions
                if not _by_design(failure, response.status_code, response.content)
            ]
            if unexpected:
                raise FailureGroup(unexpected, group.message) from None

    return call


@schema.parametrize()
@CONTRACT_SETTINGS
def test_every_operation_keeps_its_contract(case: Any, run: Run) -> None:
    run(case)


def test_by_design_failures_are_recognised_narrowly() -> None:
    def rejected(status: int) -> RejectedPositiveData:
        return RejectedPositiveData(
            operation="GET /v1/offers", message="", status_code=status, allowed_statuses=[]
        )

    cursor = json.dumps(
        {"type": "urn:capmatch:problem:validation-error", "detail": "cursor: not a cursor"}
    ).encode()
    assert _by_design(rejected(422), 422, cursor)
    assert not _by_design(rejected(500), 500, cursor)
    other = json.dumps(
        {"type": "urn:capmatch:problem:validation-error", "detail": "title: too long"}
    ).encode()
    assert not _by_design(rejected(422), 422, other)
    assert not _by_design(rejected(422), 422, b"not json")

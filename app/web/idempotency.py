"""``Idempotency-Key`` on every POST, atomic with the request's own transaction.

The key is claimed by inserting a row inside the request's own transaction
before the endpoint runs; the successful response is written into that row just
before the commit. So the object and the stored response commit together, and a
concurrent duplicate either waits on the row (PostgreSQL unique index, SQLite
write lock) and then replays, or finds the finished row. Errors roll the claim
back with everything else, so a failed call can be retried with the same key.
A response that carries a secret shown once is stored as the 409 problem a replay
answers (``app.web.secrets``), never as its body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Header, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.core.db import SessionDep
from app.core.erasure import PersonalDataErased
from app.core.errors import PROBLEM_MEDIA_TYPE, Conflict, InvalidInput
from app.models import IdempotencyRecord
from app.web.secrets import ShownOnce, already_issued_response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_STORED_HEADERS = ("content-type", "etag", "location")


@dataclass(frozen=True, slots=True)
class Claim:
    scope: str
    key: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: bytes
    headers: dict[str, str]


class IdempotentReplay(Exception):
    """Raised to short-circuit a request whose key already has a stored response.

    It carries a plain copy: the session is rolled back before the handler runs.
    """

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replay")
        self.stored = stored


async def _fingerprint(request: Request) -> str:
    try:
        # A JSON body comes parsed already (web.json_body); others are parsed here or
        # fingerprinted as bytes.
        parsed = await request.json()
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = await request.body()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), request.url.query.encode()):
        digest.update(part + b"\x00")
    digest.update(canonical)
    return digest.hexdigest()


async def _find(session: AsyncSession, scope: str, key: str) -> IdempotencyRecord | None:
    statement = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _replay_or_reject(record: IdempotencyRecord, fingerprint: str, request: Request) -> None:
    if record.fingerprint != fingerprint:
        raise InvalidInput.at(
            HEADER, "this key was already used with a different request; use a new key"
        )
    if record.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still in progress.")
    body = record.response_body or b""
    headers = dict(record.response_headers or {})
    if headers.get("content-type") == PROBLEM_MEDIA_TYPE:
        # A stored problem (a key issued already) names the request that replays it, as
        # every problem does: its request_id matches this response's X-Request-ID.
        problem = json.loads(body)
        problem.pop("request_id", None)
        if (request_id := getattr(request.state, "request_id", None)) is not None:
            problem["request_id"] = request_id
        body = json.dumps(problem, separators=(",", ":")).encode()
    raise IdempotentReplay(
        StoredResponse(status_code=record.status_code, body=body, headers=headers)
    )


class Caller(Protocol):
    """Who is calling, as far as idempotency cares: keys are scoped per calling API key."""

    @property
    def key_id(self) -> str: ...


CallerDependency = Callable[..., Awaitable[Caller]]


def idempotency_claim(caller: CallerDependency) -> Callable[..., Awaitable[None]]:
    """The dependency that claims a POST's ``Idempotency-Key`` for the key ``caller`` names.

    ``caller`` is the app's authentication dependency (FastAPI runs it once per request,
    so the endpoint's own ``Depends`` on it costs nothing more): 401 comes before any
    idempotency bookkeeping, and this plumbing knows nothing of how keys are verified.
    """

    async def claim_idempotency_key(
        request: Request,
        session: SessionDep,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias=HEADER,
                min_length=1,
                max_length=255,
                description="Makes the POST safe to retry: a replay returns the first response.",
            ),
        ] = None,
        # A default, not an Annotated type: annotations are strings here and FastAPI
        # could not resolve the local ``caller`` from one.
        principal: Caller = Depends(caller),
    ) -> None:
        if idempotency_key is None:
            return
        await _claim(request, session, scope=principal.key_id, key=idempotency_key)

    return claim_idempotency_key


async def _claim(request: Request, session: AsyncSession, *, scope: str, key: str) -> None:
    fingerprint = await _fingerprint(request)
    ttl = timedelta(hours=request.app.state.settings.idempotency_ttl_hours)
    existing = await _find(session, scope, key)
    if existing is not None and existing.created_at < utcnow() - ttl:
        await session.delete(existing)
        await session.flush()
        existing = None
    if existing is not None:
        _replay_or_reject(existing, fingerprint, request)
    try:
        async with session.begin_nested():
            session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint))
    except IntegrityError:
        # A concurrent request with the same key committed first: replay its answer.
        winner = await _find(session, scope, key)
        if winner is None:
            raise Conflict(
                "A concurrent request with this Idempotency-Key failed; retry."
            ) from None
        _replay_or_reject(winner, fingerprint, request)
    request.state.idempotency_claim = Claim(scope=scope, key=key)


async def store_response(
    request: Request, response: Response, *, shown_once: type[ShownOnce] | None = None
) -> None:
    """Write a successful response into this request's claim row (if it has one).

    ``shown_once``: the route's response model holds a secret; the row keeps the 409
    problem a replay answers instead of the body, so the secret is never stored.
    """
    claim: Claim | None = getattr(request.state, "idempotency_claim", None)
    if claim is None or not 200 <= response.status_code < 300:
        return
    if shown_once is not None:
        response = already_issued_response(request, shown_once, response)
    session: AsyncSession = request.state.session
    record = await session.get(IdempotencyRecord, (claim.scope, claim.key))
    if record is None:  # pragma: no cover - the claim row is in this very transaction
        return
    record.status_code = response.status_code
    record.response_body = bytes(response.body)
    record.response_headers = {
        name: value for name, value in response.headers.items() if name in _STORED_HEADERS
    }
    await session.flush()


def replay_response(stored: StoredResponse) -> Response:
    headers = {**stored.headers, REPLAYED_HEADER: "true"}
    media_type = headers.pop("content-type", None)
    return Response(
        content=stored.body, status_code=stored.status_code, headers=headers, media_type=media_type
    )


async def purge_expired(session: AsyncSession, *, older_than: datetime) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_answers_about(session: AsyncSession, erased: PersonalDataErased) -> None:
    """Stored answers that name the erased organisation are deleted: a replay would
    otherwise hand its contact persons' data out again (their keys expire within a day
    anyway; a replay after this answers as a new request would)."""
    marker = erased.organization_id.encode()
    rows = await session.execute(
        select(IdempotencyRecord.scope, IdempotencyRecord.key, IdempotencyRecord.response_body)
    )
    doomed = [(scope, key) for scope, key, body in rows if body is not None and marker in body]
    for scope, key in doomed:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
    erased.count("idempotency_records", len(doomed))

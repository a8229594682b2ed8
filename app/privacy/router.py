"""GET /v1/organizations/{id}/personal-data: GDPR Art. 15 (access) and 20 (portability)."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.dates import utcnow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.organizations.erasure import get_data_subject
from app.privacy import service

router = domain_router("/organizations", tags=["organizations"])


@router.get(
    "/{organization_id}/personal-data",
    responses={
        200: {
            "description": "Every stored item about the organisation, as one JSON document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **problem_responses(401, 404, 422, 503),
    },
)
async def personal_data(
    organization_id: str, session: SessionDep, principal: AnyAuth, response: Response
) -> dict[str, Any]:
    """Everything capmatch stores about an organisation and its contact persons, as one
    JSON document (GDPR Art. 15/20): the organisation, its API keys (never the secrets),
    offers, requests, engagements with their messages, saved searches, webhook endpoints
    (never the secrets) and the events about it. Its partner, itself or the operator."""
    organization = await get_data_subject(
        session, principal=principal, organization_id=organization_id
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="personal-data-{organization.id}.json"'
    )
    return await service.personal_data(session, organization=organization, exported_at=utcnow())

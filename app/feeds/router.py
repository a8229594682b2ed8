"""Feed subscriptions: read-only links to the calendar (.ics) and the notices (Atom)."""

from __future__ import annotations

from fastapi import Request, Response, status

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep, to_page
from app.feeds import service
from app.feeds.schemas import SubscriptionCreate, SubscriptionCreated, SubscriptionOut
from app.taxonomy.dependencies import TaxonomyDep

router = domain_router("/calendar-subscriptions", tags=["calendar"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionCreated,
    responses=problem_responses(401, 409, 413, 422, 503),
)
async def create_subscription(
    session: SessionDep,
    principal: AnyAuth,
    request: Request,
    taxonomy: TaxonomyDep,
    data: SubscriptionCreate | None = None,
) -> SubscriptionCreated:
    """A link for calendar apps (or, with `feed: notices`, feed readers), which cannot send
    headers: the token in its URL reads that one feed as your key would, with the stored
    filters, until you revoke it or your key stops working. The token is shown once. The
    body is optional: without one, the whole calendar."""
    return await service.create_subscription(
        session,
        principal=principal,
        data=data or SubscriptionCreate(),
        taxonomy=taxonomy,
        base_url=str(request.base_url),
    )


@router.get("", response_model=Page[SubscriptionOut], responses=problem_responses(401, 422, 503))
async def list_subscriptions(
    session: SessionDep, principal: AnyAuth, page: PageDep
) -> Page[SubscriptionOut]:
    """The links this key made, newest first (tokens are never shown again)."""
    result = await service.list_subscriptions(session, principal=principal, page=page)
    return to_page(result, SubscriptionOut)


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    responses=problem_responses(401, 404, 422, 503),
)
async def get_subscription(
    subscription_id: str, session: SessionDep, principal: AnyAuth
) -> SubscriptionOut:
    """Read one link this key made."""
    found = await service.get_subscription(
        session, principal=principal, subscription_id=subscription_id
    )
    return SubscriptionOut.model_validate(found)


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404, 422, 503),
)
async def revoke_subscription(
    subscription_id: str, session: SessionDep, principal: AnyAuth
) -> Response:
    """Revoke the link: its token stops working at once."""
    await service.revoke_subscription(session, principal=principal, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Who reads a feed: a ``?token=`` from a subscription, or an API key in the header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request

from app.auth.dependencies import authenticate
from app.core.config import Settings
from app.core.db import SessionDep
from app.feeds.schemas import FeedName
from app.feeds.service import FeedReader, reader_for_token

TokenQuery = Annotated[
    str | None,
    Query(
        max_length=100,
        description="A feed token (POST /v1/calendar-subscriptions), for apps that cannot "
        "send an Authorization header",
    ),
]


def reader_of(feed: FeedName) -> Callable[..., Awaitable[FeedReader]]:
    async def reader(request: Request, session: SessionDep, token: TokenQuery = None) -> FeedReader:
        if token is None:
            return FeedReader(principal=await authenticate(request, session))
        settings: Settings = request.app.state.settings
        reader = await reader_for_token(
            session, token=token, feed=feed, admin_enabled=settings.admin_api_key is not None
        )
        request.state.principal = reader.principal
        return reader

    return reader


CalendarReader = Annotated[FeedReader, Depends(reader_of("calendar"))]
NoticesReader = Annotated[FeedReader, Depends(reader_of("notices"))]

"""Per kind: how an import finds, creates and updates an object, through its domain's
service, so every rule, tenancy check and event of the API applies to imported rows too."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today
from app.core.errors import AppError
from app.market.external_refs import HoldersLookup
from app.market.writing import Writing
from app.models import CapacityRequest, Offer, Organization
from app.offers import creation as offer_creation
from app.offers import service as offers
from app.offers.schemas import OfferCreate, OfferOut, OfferUpdate
from app.organizations import acting
from app.organizations import service as organizations
from app.organizations.schemas import OrganizationCreate, OrganizationOut, OrganizationUpdate
from app.requests import creation as request_creation
from app.requests import service as requests
from app.requests.schemas import RequestCreate, RequestOut, RequestUpdate
from app.tabular.columns import Kind
from app.taxonomy.vocabulary import Taxonomy


class Target:
    """What the engine asks of a kind; one subclass per kind."""

    noun: str
    model: type[Any]  # the mapped class of the rows it writes
    create_model: type[BaseModel]
    update_model: type[BaseModel]

    # Whether new rows are created a chunk at a time (``create_many``); organisations are
    # not: each new one is a duplicate candidate for the file's later rows.
    batches = False

    async def id_of_ref(self, session: AsyncSession, partner_id: str, ref: str) -> str | None:
        raise NotImplementedError

    async def ids_of_refs(
        self, session: AsyncSession, partner_id: str, refs: Collection[str]
    ) -> dict[str, str]:
        raise NotImplementedError

    async def owned(self, session: AsyncSession, principal: Principal, object_id: str) -> Any:
        raise NotImplementedError

    async def owned_many(
        self, session: AsyncSession, principal: Principal, object_ids: Collection[str]
    ) -> dict[str, Any]:
        """The objects among ``object_ids`` that ``principal`` may change."""
        raise NotImplementedError

    async def create_many(
        self,
        session: AsyncSession,
        principal: Principal,
        items: Sequence[Any],
        taxonomy: Taxonomy,
        writing: Writing,
        holders_of: HoldersLookup,
    ) -> list[Any | AppError]:
        """New objects through the domain's create (``writing``: ``app.market.writing``;
        ``holders_of``: the references in use as the import knows them)."""
        raise NotImplementedError

    def out(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    async def create(
        self, session: AsyncSession, principal: Principal, data: Any, taxonomy: Taxonomy
    ) -> Any:
        raise NotImplementedError

    async def update(
        self, session: AsyncSession, principal: Principal, obj: Any, data: Any, taxonomy: Taxonomy
    ) -> Any:
        raise NotImplementedError


class Organizations(Target):
    noun = "organisation"
    model = Organization
    create_model: type[BaseModel] = OrganizationCreate
    update_model: type[BaseModel] = OrganizationUpdate

    async def id_of_ref(self, session: AsyncSession, partner_id: str, ref: str) -> str | None:
        return await organizations.id_of_external_ref(session, partner_id=partner_id, ref=ref)

    async def owned(self, session: AsyncSession, principal: Principal, object_id: str) -> Any:
        return await organizations.get_organization(
            session, principal=principal, organization_id=object_id, for_write=True
        )

    def out(self, obj: Any) -> dict[str, Any]:
        return OrganizationOut.of(obj).model_dump(mode="json")

    async def create(
        self, session: AsyncSession, principal: Principal, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await organizations.create_organization(
            session, principal=principal, data=data, taxonomy=taxonomy
        )

    async def update(
        self, session: AsyncSession, principal: Principal, obj: Any, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await organizations.update_organization(
            session, organization=obj, data=data, if_match=None, taxonomy=taxonomy
        )


class Offers(Target):
    noun = "offer"
    model = Offer
    create_model: type[BaseModel] = OfferCreate
    update_model: type[BaseModel] = OfferUpdate

    async def id_of_ref(self, session: AsyncSession, partner_id: str, ref: str) -> str | None:
        return await offers.id_of_external_ref(session, partner_id=partner_id, ref=ref)

    async def owned(self, session: AsyncSession, principal: Principal, object_id: str) -> Any:
        return await offers.get_owned_offer(session, principal=principal, offer_id=object_id)

    batches = True

    async def ids_of_refs(
        self, session: AsyncSession, partner_id: str, refs: Collection[str]
    ) -> dict[str, str]:
        return await offers.ids_of_external_refs(session, partner_id=partner_id, refs=refs)

    async def owned_many(
        self, session: AsyncSession, principal: Principal, object_ids: Collection[str]
    ) -> dict[str, Any]:
        return await offers.owned_offers(session, principal=principal, offer_ids=object_ids)

    async def create_many(
        self,
        session: AsyncSession,
        principal: Principal,
        items: Sequence[Any],
        taxonomy: Taxonomy,
        writing: Writing,
        holders_of: HoldersLookup,
    ) -> list[Any | AppError]:
        created = await offer_creation.create_offers(
            session,
            principal=principal,
            items=items,
            taxonomy=taxonomy,
            writing=writing,
            holders_of=holders_of,
        )
        return list(created)

    def out(self, obj: Any) -> dict[str, Any]:
        return OfferOut.of(obj, on=today()).model_dump(mode="json")

    async def create(
        self, session: AsyncSession, principal: Principal, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await offer_creation.create_offer(
            session, principal=principal, data=data, taxonomy=taxonomy
        )

    async def update(
        self, session: AsyncSession, principal: Principal, obj: Any, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await offers.update_offer(
            session, principal=principal, offer=obj, data=data, if_match=None, taxonomy=taxonomy
        )


class Requests(Target):
    noun = "request"
    model = CapacityRequest
    create_model: type[BaseModel] = RequestCreate
    update_model: type[BaseModel] = RequestUpdate

    async def id_of_ref(self, session: AsyncSession, partner_id: str, ref: str) -> str | None:
        return await requests.id_of_external_ref(session, partner_id=partner_id, ref=ref)

    async def owned(self, session: AsyncSession, principal: Principal, object_id: str) -> Any:
        return await requests.get_owned_request(session, principal=principal, request_id=object_id)

    batches = True

    async def ids_of_refs(
        self, session: AsyncSession, partner_id: str, refs: Collection[str]
    ) -> dict[str, str]:
        return await requests.ids_of_external_refs(session, partner_id=partner_id, refs=refs)

    async def owned_many(
        self, session: AsyncSession, principal: Principal, object_ids: Collection[str]
    ) -> dict[str, Any]:
        return await requests.owned_requests(session, principal=principal, request_ids=object_ids)

    async def create_many(
        self,
        session: AsyncSession,
        principal: Principal,
        items: Sequence[Any],
        taxonomy: Taxonomy,
        writing: Writing,
        holders_of: HoldersLookup,
    ) -> list[Any | AppError]:
        created = await request_creation.create_requests(
            session,
            principal=principal,
            items=items,
            taxonomy=taxonomy,
            writing=writing,
            holders_of=holders_of,
        )
        return list(created)

    def out(self, obj: Any) -> dict[str, Any]:
        return RequestOut.of(obj, on=today()).model_dump(mode="json")

    async def create(
        self, session: AsyncSession, principal: Principal, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await request_creation.create_request(
            session, principal=principal, data=data, taxonomy=taxonomy
        )

    async def update(
        self, session: AsyncSession, principal: Principal, obj: Any, data: Any, taxonomy: Taxonomy
    ) -> Any:
        return await requests.update_request(
            session, principal=principal, request=obj, data=data, if_match=None, taxonomy=taxonomy
        )


TARGETS: dict[Kind, Target] = {
    "organizations": Organizations(),
    "offers": Offers(),
    "requests": Requests(),
}


async def organizations_of_refs(
    session: AsyncSession, partner_id: str, refs: Collection[str]
) -> dict[str, str]:
    return await acting.ids_of_external_refs(session, partner_id=partner_id, refs=refs)


async def organization_of_ref(session: AsyncSession, partner_id: str, ref: str) -> str | None:
    return await organizations.id_of_external_ref(session, partner_id=partner_id, ref=ref)


async def organization_places(session: AsyncSession, partner_id: str) -> list[Any]:
    return list(await organizations.places_of_partner(session, partner_id))


def same(new: Any, current: Any) -> bool:
    """Whether a value a row gives equals the object's (numbers by value, code lists as
    sets, nested objects by the keys the row gives)."""
    if isinstance(new, dict) and isinstance(current, dict):
        return all(same(value, current.get(key)) for key, value in new.items())
    if isinstance(new, list) and isinstance(current, list):
        if all(isinstance(item, str) for item in new + current):
            return set(new) == set(current)
        return len(new) == len(current) and all(map(same, new, current))
    if isinstance(new, int | float) and isinstance(current, int | float):
        return not isinstance(new, bool) and abs(float(new) - float(current)) < 1e-9
    return bool(new == current)

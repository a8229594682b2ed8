"""GET /v1/organizations/{id}/personal-data (GDPR Art. 15/20): every stored item about an
organisation and its contact persons as one JSON document, for its partner, itself and
the operator only; never a secret."""

from __future__ import annotations

import json

import httpx

from tests.engagements.support import engaged, make_deal
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, make_request


async def test_the_document_holds_everything_about_the_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)  # a1 offers, b1 asks
    own_request = await make_request(client, market.a1)
    engagement = await engaged(client, deal, 100)
    message = await client.post(
        f"/v1/engagements/{engagement['id']}/messages",
        json={"text": "Lieferung ab Montag möglich."},
        headers=deal.seller,
    )
    assert message.status_code == 201
    hook = await client.post(
        "/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hooks", "event_types": ["offer.*"]},
        headers=market.a1.headers,
    )
    assert hook.status_code == 201

    response = await client.get(
        f"/v1/organizations/{market.a1.id}/personal-data", headers=market.a.headers
    )
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["Content-Disposition"]
    document = response.json()
    assert document["organization"]["id"] == market.a1.id
    assert document["organization"]["contact"]["email"] == "a@example.org"
    assert [offer["id"] for offer in document["offers"]] == [deal.offer["id"]]
    assert [request["id"] for request in document["requests"]] == [own_request["id"]]
    [shown] = document["engagements"]
    assert shown["id"] == engagement["id"]
    assert [m["text"] for m in shown["messages"]] == ["Lieferung ab Montag möglich."]
    assert [key["organization_id"] for key in document["api_keys"]] == [market.a1.id]
    assert [e["url"] for e in document["webhook_endpoints"]] == ["http://127.0.0.1:9/hooks"]
    kinds = {event["type"] for event in document["events"]}
    assert {"organization.created", "offer.created", "engagement.created"} <= kinds
    # Nothing of another organisation's own, and no secret.
    assert market.a2.id not in json.dumps(document["offers"] + document["requests"])
    text = json.dumps(document)
    assert market.a1.key not in text
    assert hook.json()["secret"] not in text
    assert "whsec_" not in text


async def test_its_partner_itself_and_the_operator_may_read_it_nobody_else(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}/personal-data"
    for allowed in (market.a.headers, market.a1.headers, ADMIN):
        assert (await client.get(url, headers=allowed)).status_code == 200
    for outsider in (market.b.headers, market.a2.headers, market.b1.headers):
        assert_problem(await client.get(url, headers=outsider), 404)
    assert_problem(await client.get(url), 401)

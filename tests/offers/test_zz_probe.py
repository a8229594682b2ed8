import httpx
from tests.fixtures.factories import Market

async def test_probe(client: httpx.AsyncClient, market: Market) -> None:
    for content, ct in [(b'{"title": "broken', "application/json"), (b"[]", "application/json"), (b"null","application/json"), (b"title=x","application/x-www-form-urlencoded"), (b"title: x","text/plain"), (b'{"title":"x"}', None)]:
        h = dict(market.a.headers)
        if ct: h["Content-Type"]=ct
        r = await client.post("/v1/offers", content=content, headers=h)
        print(ct, content, r.status_code, r.json())
    r = await client.get("/v1/offers?status=bogus", headers=market.a.headers)
    print(r.json())

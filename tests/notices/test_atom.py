"""GET /v1/notices.atom: an RFC 4287 feed of what the caller may read, by key or by token."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import httpx

from app.notices.markdown import render_markdown
from tests.feeds.support import subscribe
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import Market
from tests.notices.support import post_notice

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml"
    root = ET.fromstring(response.content)  # noqa: S314 (the app's own output, in a test)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated.
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    datetime.fromisoformat(root.findtext(f"{ATOM}updated") or "")
    (self_link,) = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("type") == "application/atom+xml"
    for entry in root.findall(f"{ATOM}entry"):
        # 4.1.2: an entry has one id, title and updated; and an author when the feed has none.
        for name in ("id", "title", "updated", "published"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
    return root


def _entries(root: ET.Element) -> dict[str, ET.Element]:
    prefix = "urn:capmatch:notice:"
    found = {}
    for entry in root.findall(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id") or ""
        assert entry_id.startswith(prefix)
        found[entry_id.removeprefix(prefix)] = entry
    return found


def _self(root: ET.Element) -> str:
    (link,) = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    return link.get("href") or ""


async def _get(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any
) -> ET.Element:
    return _feed(await client.get("/v1/notices.atom", params=params, headers=headers))


async def test_entries_show_the_notice(client: httpx.AsyncClient, market: Market) -> None:
    notice = await post_notice(
        client,
        market.a1,
        links=[{"url": "https://example.org/call", "title": "Call"}],
        topics=["mask.surgical", "en-14683"],
    )
    bare = await post_notice(client, market.a2, links=[], topics=[], title="No links <here>")

    root = await _get(client, market.b1.headers)
    assert root.findtext(f"{ATOM}id") == "urn:capmatch:notices:all"
    assert _self(root) == "http://capmatch.test/v1/notices.atom"
    entries = _entries(root)
    assert list(entries) == [bare["id"], notice["id"]]  # newest first
    entry = entries[notice["id"]]
    assert entry.findtext(f"{ATOM}title") == notice["title"]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == notice["organization_name"]
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "html"
    assert content.text == notice["body_html"] == render_markdown(notice["body"])
    (link,) = entry.findall(f"{ATOM}link")
    assert (link.get("href"), link.get("rel")) == ("https://example.org/call", "alternate")
    categories = [(c.get("term"), c.get("label")) for c in entry.findall(f"{ATOM}category")]
    assert categories == [
        ("mask.surgical", "Surgical mask"),
        ("en-14683", "EN 14683 medical face masks"),
    ]
    updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
    assert updated == datetime.fromisoformat(notice["updated_at"].replace("Z", "+00:00"))
    newest = datetime.fromisoformat(root.findtext(f"{ATOM}updated") or "")
    assert newest == datetime.fromisoformat(bare["updated_at"].replace("Z", "+00:00"))

    fallback = entries[bare["id"]]
    assert fallback.findtext(f"{ATOM}title") == "No links <here>"
    (own,) = fallback.findall(f"{ATOM}link")
    assert own.get("href") == f"http://capmatch.test/v1/notices/{bare['id']}"


async def test_entries_are_what_the_caller_may_read(
    client: httpx.AsyncClient, market: Market
) -> None:
    shared = await post_notice(client, market.a1)
    network = await post_notice(client, market.a1, visibility="network")
    draft = await post_notice(client, market.a1, status="draft")
    theirs = await post_notice(client, market.b1, kind="funding")

    assert set(_entries(await _get(client, market.b1.headers))) == {shared["id"], theirs["id"]}
    assert set(_entries(await _get(client, market.a2.headers))) == {
        shared["id"],
        network["id"],
        theirs["id"],
    }
    assert set(_entries(await _get(client, market.a1.headers, status="draft"))) == {draft["id"]}
    assert set(_entries(await _get(client, market.b.headers, status="draft"))) == set()
    # One partner's notices, the shared pool, a kind, the newest few.
    assert set(_entries(await _get(client, market.b.headers, partner_id=market.a.id))) == {
        shared["id"]
    }
    assert set(_entries(await _get(client, market.a.headers, visibility="shared"))) == {
        shared["id"],
        theirs["id"],
    }
    assert list(_entries(await _get(client, market.a.headers, kind="funding"))) == [theirs["id"]]
    assert list(_entries(await _get(client, market.a.headers, limit=1))) == [theirs["id"]]
    assert_invalid(
        await client.get("/v1/notices.atom", params={"limit": 0}, headers=market.a.headers),
        "limit",
    )
    assert_invalid(
        await client.get("/v1/notices.atom", params={"topic": "x.y"}, headers=market.a.headers),
        "topic",
    )
    assert_problem(await client.get("/v1/notices.atom"), 401)


async def test_published_drafts_come_first_and_ids_are_stable(
    client: httpx.AsyncClient, market: Market
) -> None:
    draft = await post_notice(client, market.a1, status="draft")
    later = await post_notice(client, market.a1)
    published = await client.patch(
        f"/v1/notices/{draft['id']}", json={"status": "published"}, headers=market.a.headers
    )
    assert published.status_code == 200
    assert list(_entries(await _get(client, market.a.headers))) == [draft["id"], later["id"]]

    empty = await _get(client, market.a.headers, kind="standard")
    assert _entries(empty) == {}
    one = await _get(client, market.a.headers, kind="funding", topic="mask")
    same = await _get(client, market.b.headers, topic="MASK", kind="funding")
    other = await _get(client, market.a.headers, kind="funding")
    feed_ids = [root.findtext(f"{ATOM}id") for root in (one, same, other)]
    assert feed_ids[0] == feed_ids[1] != feed_ids[2]
    assert all(str(feed_id).startswith("urn:capmatch:notices:") for feed_id in feed_ids)
    assert "kind funding" in (other.findtext(f"{ATOM}title") or "")


async def test_a_token_reads_the_feed_with_its_filters(
    client: httpx.AsyncClient, market: Market
) -> None:
    funding = await post_notice(client, market.a1, kind="funding", visibility="network")
    standard = await post_notice(client, market.b1, kind="standard")
    hidden = await post_notice(client, market.b1, kind="funding", visibility="network")

    subscription = await subscribe(
        client, market.a2.headers, feed="notices", filters={"kind": "funding"}
    )
    url = subscription["url"]
    assert url.startswith("http://capmatch.test/v1/notices.atom?token=")
    root = _feed(await client.get(url))
    # As a2 would see it: its network's funding call, not b1's network one.
    assert list(_entries(root)) == [funding["id"]]
    assert hidden["id"] not in _entries(root)
    assert _self(root) == "http://capmatch.test/v1/notices.atom"
    # A parameter given overrides the stored filter.
    overridden = _feed(await client.get(f"{url}&kind=standard"))
    assert list(_entries(overridden)) == [standard["id"]]
    assert "token" not in _self(overridden)
    assert _self(overridden).endswith("?kind=standard")
    same = await _get(client, market.a2.headers, kind="funding")
    assert same.findtext(f"{ATOM}id") == root.findtext(f"{ATOM}id")

    revoked = await client.delete(
        f"/v1/calendar-subscriptions/{subscription['id']}", headers=market.a2.headers
    )
    assert revoked.status_code == 204
    assert_problem(await client.get(url), 401)


async def test_other_tokens_do_not_read_the_notices(
    client: httpx.AsyncClient, market: Market
) -> None:
    calendar = await subscribe(client, market.a.headers, feed="calendar")
    token = calendar["token"]
    assert_problem(await client.get("/v1/notices.atom", params={"token": token}), 401)
    assert_problem(await client.get("/v1/notices.atom", params={"token": "cmf_nope"}), 401)
    assert_problem(await client.get("/v1/notices.atom", params={"token": "nope"}), 401)
    notices = await subscribe(client, market.a.headers, feed="notices")
    # A notices token reads the notices' feed only: not the calendar, not the API.
    assert_problem(await client.get("/v1/calendar.ics", params={"token": notices["token"]}), 401)
    assert_problem(
        await client.get("/v1/notices", headers={"Authorization": f"Bearer {notices['token']}"}),
        401,
    )


async def test_text_xml_cannot_carry_is_left_out(client: httpx.AsyncClient, market: Market) -> None:
    notice = await post_notice(
        client, market.a1, title="Bell\u0007 and form feed\u000c", body="Tab\tand\u0001 **bold**"
    )
    entry = _entries(await _get(client, market.a.headers))[notice["id"]]
    assert entry.findtext(f"{ATOM}title") == "Bell and form feed"
    assert "<strong>bold</strong>" in (entry.findtext(f"{ATOM}content") or "")


async def test_an_unchanged_feed_answers_304(client: httpx.AsyncClient, market: Market) -> None:
    notice = await post_notice(client, market.a1)
    first = await client.get("/v1/notices.atom", headers=market.b.headers)
    tag = first.headers["etag"]
    same = await client.get("/v1/notices.atom", headers={**market.b.headers, "If-None-Match": tag})
    assert same.status_code == 304
    assert same.content == b""
    await client.patch(
        f"/v1/notices/{notice['id']}",
        json={"title": "Partners still wanted"},
        headers=market.a.headers,
    )
    changed = await client.get(
        "/v1/notices.atom", headers={**market.b.headers, "If-None-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag

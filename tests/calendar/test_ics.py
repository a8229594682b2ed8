"""The calendar as iCalendar: parses, keeps a validator's rules, carries changes and
cancellations, and reads with a subscription's token where a calendar app cannot send
headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from icalendar import Calendar

from tests.calendar.support import post_event
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import Market

ICS = "/v1/calendar.ics"


def parse(response: httpx.Response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def vevents(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def assert_valid_ics(raw: bytes) -> None:
    """RFC 5545 rules a calendar validator checks (icalendar.org's, for one): CRLF line
    ends, lines folded at 75 octets, one VCALENDAR with PRODID and VERSION:2.0, every
    VEVENT with UID, DTSTAMP and DTSTART, DTEND after DTSTART, and a VTIMEZONE for every
    TZID used."""
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-1] == b"END:VCALENDAR"
    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"])
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    uids = []
    event: Any
    for event in calendar.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART"):
            assert name in event, name
        uids.append(str(event["UID"]))
        start, end = event["DTSTART"], event["DTEND"]
        assert end.dt >= start.dt
        for prop in (start, end):
            if "TZID" in prop.params:
                assert prop.params["TZID"] in zones
        assert event["DTSTAMP"].dt.tzinfo is not None
    assert len(uids) == len(set(uids))


async def test_one_vevent_per_visible_event(client: httpx.AsyncClient, market: Market) -> None:
    shared = await post_event(client, market.a1)
    network = await post_event(client, market.a1, visibility="network", language=None)
    other = await post_event(client, market.b1, visibility="network", location="Messe Erfurt")
    response = await client.get(ICS, headers=market.a2.headers)
    assert_valid_ics(response.content)
    calendar = parse(response)
    found = vevents(calendar)
    assert set(found) == {f"{shared['id']}@capmatch", f"{network['id']}@capmatch"}
    event = found[f"{shared['id']}@capmatch"]
    assert str(event["SUMMARY"]) == shared["title"]
    assert event["SUMMARY"].params["LANGUAGE"] == "de"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2027, 1, 20, 14, 30, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == shared["registration_url"]
    assert str(event["LOCATION"]) == shared["online_url"]
    assert "mask.surgical" in event["CATEGORIES"].cats
    assert "Registration: https://place2tex.example/register" in str(event["DESCRIPTION"])
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {"Europe/Berlin"}
    theirs = vevents(parse(await client.get(ICS, headers=market.b1.headers)))
    assert set(theirs) == {f"{shared['id']}@capmatch", f"{other['id']}@capmatch"}
    assert str(theirs[f"{other['id']}@capmatch"]["LOCATION"]) == "Messe Erfurt"


async def test_changes_and_cancellations_reach_subscribers(
    client: httpx.AsyncClient, market: Market
) -> None:
    event = await post_event(client, market.a1)
    uid = f"{event['id']}@capmatch"
    before = vevents(parse(await client.get(ICS, headers=market.b.headers)))[uid]
    await client.patch(
        f"/v1/calendar-events/{event['id']}",
        json={
            "title": "Webinar moved",
            "starts_at": "2027-01-21T14:00:00+01:00",
            "ends_at": "2027-01-21T15:00:00+01:00",
        },
        headers=market.a.headers,
    )
    after = vevents(parse(await client.get(ICS, headers=market.b.headers)))[uid]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["DTSTAMP"].dt >= before["DTSTAMP"].dt
    assert str(after["SUMMARY"]) == "Webinar moved"
    await client.delete(f"/v1/calendar-events/{event['id']}", headers=market.a.headers)
    raw = await client.get(ICS, headers=market.b.headers)
    assert_valid_ics(raw.content)
    cancelled = vevents(parse(raw))[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == int(after["SEQUENCE"]) + 1
    # The list hides it, the feed keeps it until it is history.
    listed = await client.get("/v1/calendar-events", headers=market.b.headers)
    assert listed.json()["data"] == []
    only_scheduled = await client.get(ICS, params={"status": "scheduled"}, headers=market.b.headers)
    assert vevents(parse(only_scheduled)) == {}


async def test_filters_per_partner_and_topic(client: httpx.AsyncClient, market: Market) -> None:
    masks = await post_event(client, market.a1, topics=["mask.surgical"])
    sewing = await post_event(
        client, market.b1, topics=["textile.sewing"], timezone="Europe/Zurich"
    )
    headers = market.a.headers
    by_topic = vevents(parse(await client.get(ICS, params={"topic": "mask"}, headers=headers)))
    assert set(by_topic) == {f"{masks['id']}@capmatch"}
    by_partner = await client.get(ICS, params={"partner_id": market.b.id}, headers=headers)
    assert_valid_ics(by_partner.content)
    calendar = parse(by_partner)
    assert set(vevents(calendar)) == {f"{sewing['id']}@capmatch"}
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {"Europe/Zurich"}
    assert_invalid(await client.get(ICS, params={"topic": "nope.nope"}, headers=headers), "topic")
    empty = await client.get(ICS, params={"partner_id": "par_none"}, headers=headers)
    assert_valid_ics(empty.content)


async def test_without_a_key_or_token_it_is_401(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(ICS), 401)
    assert_problem(await client.get(ICS, params={"token": "cmf_unknown"}), 401)
    assert_problem(await client.get(ICS, params={"token": "cmp_not_a_feed_token"}), 401)


async def test_an_unchanged_calendar_answers_304(client: httpx.AsyncClient, market: Market) -> None:
    event = await post_event(client, market.a1)
    first = await client.get(ICS, headers=market.b.headers)
    tag = first.headers["etag"]
    again = await client.get(ICS, headers={**market.b.headers, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    await client.patch(
        f"/v1/calendar-events/{event['id']}", json={"title": "Moved"}, headers=market.a.headers
    )
    changed = await client.get(ICS, headers={**market.b.headers, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag

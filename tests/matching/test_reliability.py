"""Trust from history (API.md): the reliability factor from a seller's track record, its
prior, its monotonicity, and its effect on the score (fast path and reference agree)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.reliability import NEWCOMER, PRIOR_MEAN, TrackRecord, track_record
from app.matching.scoring import score_offers
from app.matching.values import FACTORS, OfferRecord, Want
from tests.matching.support import (
    HAMBURG,
    TAXONOMY,
    TRACKS,
    make_offer,
    make_want,
    matching_pairs,
    only,
    rank,
)

PROPERTY = settings(max_examples=75, deadline=None)
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_a_newcomer_sits_exactly_at_the_prior_mean() -> None:
    assert NEWCOMER.reliability == PRIOR_MEAN == 0.75
    assert rank(make_want(), [make_offer()])[0].breakdown["reliability"] == 0.75


def test_the_record_moves_it_and_it_never_reaches_0_or_1() -> None:
    good = TrackRecord(fulfilled=12, failed=1, answered_fast=13)
    bad = TrackRecord(failed=20, lapsed=20)
    assert good.reliability == pytest.approx((3 + 12 + 0.25 * 13) / (4 + 13 + 0.25 * 13))
    assert 0.0 < bad.reliability < 0.15
    assert 0.85 < good.reliability < 1.0


@PROPERTY
@given(TRACKS)
def test_one_more_fulfilled_engagement_never_lowers_it(track: TrackRecord) -> None:
    better = replace(track, fulfilled=track.fulfilled + 1)
    assert 0.0 < track.reliability < 1.0
    assert better.reliability >= track.reliability
    assert replace(track, failed=track.failed + 1).reliability <= track.reliability
    assert replace(track, answered_fast=track.answered_fast + 1).reliability >= track.reliability
    assert replace(track, lapsed=track.lapsed + 1).reliability <= track.reliability


@PROPERTY
@given(matching_pairs(), TRACKS)
def test_one_more_fulfilled_engagement_never_lowers_the_score(
    pair: tuple[Want, OfferRecord], track: TrackRecord
) -> None:
    want, offer = pair
    before = only(want, replace(offer, track=track))
    assume(before is not None)
    assert before is not None
    after = only(want, replace(offer, track=replace(track, fulfilled=track.fulfilled + 1)))
    assert after is not None
    assert after.score >= before.score
    assert after.breakdown["reliability"] >= before.breakdown["reliability"]
    assert after.breakdown["reliability"] > before.breakdown["reliability"]


def test_reasons_count_the_deals_in_english_and_german() -> None:
    offer = make_offer(track=TrackRecord(fulfilled=12, failed=1, answered_fast=13))
    assert "fulfilled 12 of 13 engagements" in rank(make_want(), [offer])[0].reasons
    german = rank(make_want(), [offer], language="de")[0].reasons
    assert "hat 12 von 13 Aufträgen erfüllt" in german


def test_a_reliable_seller_ranks_above_an_unknown_one_other_things_equal() -> None:
    known = make_offer("o2", track=TrackRecord(fulfilled=5, answered_fast=5))
    unknown = make_offer("o1")
    assert [m.offer_id for m in rank(make_want(), [unknown, known])] == ["o2", "o1"]


def test_the_track_record_counts_outcomes_and_answers() -> None:
    hours = [timedelta(hours=h) for h in range(200)]
    rows = [
        ("fulfilled", T0, T0 + hours[50], T0 + hours[100]),  # fulfilled: counts as fast
        ("cancelled", T0, T0 + hours[30], T0 + hours[40]),  # answered late, then failed
        ("cancelled", T0, None, T0 + hours[1]),  # withdrawn by the buyer before an answer
        ("declined", T0, None, T0 + hours[3]),  # answered fast: a no is an answer
        ("expired", T0, None, None),  # never answered
        ("accepted", T0, T0 + hours[25], None),  # answered late, still running
    ]
    assert track_record(rows) == TrackRecord(
        fulfilled=1, failed=1, answered_fast=2, answered_late=2, lapsed=1
    )
    assert track_record([]) == NEWCOMER


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, datetime, datetime | None, datetime | None]]:
    statuses = st.sampled_from(["fulfilled", "cancelled", "declined", "expired", "accepted"])
    rows: list[tuple[str, datetime, datetime | None, datetime | None]] = []
    for _ in range(draw(st.integers(0, 12))):
        status = draw(statuses)
        answered = T0 + timedelta(hours=draw(st.integers(0, 72)))
        accepted = answered if status in ("fulfilled", "accepted") or draw(st.booleans()) else None
        rows.append((status, T0, accepted if status != "declined" else None, answered))
    return rows


@PROPERTY
@given(histories(), st.integers(0, 72))
def test_fulfilling_an_accepted_engagement_never_lowers_it(
    rows: list[tuple[str, datetime, datetime | None, datetime | None]], hours: int
) -> None:
    """One more engagement fulfilled, however late its hold was answered: above the history
    without it, and above the same engagement accepted and still running."""
    accepted_at = T0 + timedelta(hours=hours)
    running = track_record([*rows, ("accepted", T0, accepted_at, None)])
    done = track_record([*rows, ("fulfilled", T0, accepted_at, accepted_at)])
    assert done.reliability >= running.reliability
    assert done.reliability > track_record(rows).reliability


def test_a_groups_bound_takes_its_most_reliable_member() -> None:
    """Ranked by reliability alone: the most reliable seller shares its group (same place)
    with an unreliable one; a bound from the weaker member would stop the search before
    it, once the other group (two newcomers, 0.75) was scored."""
    want = make_want(
        weights=dict.fromkeys(FACTORS, 0.0) | {"reliability": 1.0}, max_distance_km=None
    )
    offers = [
        make_offer("o-low", track=TrackRecord(failed=20, lapsed=20)),
        make_offer("o-high", track=TrackRecord(fulfilled=40, answered_fast=40)),
        make_offer("o-new-1", lat=HAMBURG[0], lon=HAMBURG[1]),
        make_offer("o-new-2", lat=HAMBURG[0], lon=HAMBURG[1]),
    ]
    candidates = build_candidates(offers, leaf_size=2)
    groups = [
        sorted(candidates.offer_ids(candidates.leaves.rows[start:end].astype(np.int64)))
        for start, end in itertools.pairwise(candidates.leaves.start.tolist())
    ]
    assert sorted(groups) == [["o-high", "o-low"], ["o-new-1", "o-new-2"]]
    best = score_offers(want, candidates, TAXONOMY, limit=1, batch_rows=1)
    assert [m.offer_id for m in best] == ["o-high"]
    assert [m.offer_id for m in rank(want, offers, limit=1)] == ["o-high"]

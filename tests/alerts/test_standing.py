"""An offer's standing (rank and match) is what the full ranking shows for it, in the
index's base and delta, with ties, viewers and excluded offers (the alerts' payload)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.demand import RequestRecord
from app.matching.demand_index import RequestIndex
from app.matching.index import MatchIndex
from app.matching.values import OfferRecord, Viewer, Want
from tests.matching.support import (
    ORGANIZATIONS,
    TAXONOMY,
    TODAY,
    demand,
    make_offer,
    make_want,
    markets,
)


def _check(index: MatchIndex, want: Want, **options: object) -> None:
    ranked = index.search(want, TAXONOMY, limit=1_000, **options)  # type: ignore[arg-type]
    for rank, match in enumerate(ranked, 1):
        found = index.standing(
            want,
            TAXONOMY,
            offer_id=match.offer_id,
            score=match.score,
            limit=1_000,
            **options,  # type: ignore[arg-type]
        )
        assert found == (rank, match)


@settings(max_examples=40, deadline=None)
@given(markets(), st.integers(0, 2**32 - 1))
def test_standing_is_the_place_in_the_ranking(
    market: tuple[Want, list[OfferRecord]], seed: int
) -> None:
    want, offers = market
    named = [replace(offer, id=f"off_01{i:04d}") for i, offer in enumerate(offers)]
    half = len(named) // 2
    index = MatchIndex(named[:half])
    index.apply({offer.id: offer for offer in named[half:]})  # a delta too
    _check(index, want)
    _check(index, want, viewer=Viewer(partner_id="p1"))
    excluded = [offer.id for offer in named[seed % 3 :: 3]]
    _check(index, want, excluded=excluded)


def test_ties_are_broken_by_id_across_base_and_delta() -> None:
    twins = [make_offer(f"off_01twin{i}") for i in range(4)]
    index = MatchIndex(twins[::2])
    index.apply({offer.id: offer for offer in twins[1::2]})
    want = make_want()
    _check(index, want)
    [first, *_] = index.search(want, TAXONOMY, limit=4)
    assert index.standing(want, TAXONOMY, offer_id="off_01twin3", score=first.score, limit=10) == (
        4,
        index.search(want, TAXONOMY, limit=4)[3],
    )
    assert index.standing(want, TAXONOMY, offer_id="off_01none", score=0.5, limit=10) is None


@settings(max_examples=40, deadline=None)
@given(demand(), st.integers(0, 2**32 - 1))
def test_a_request_standing_is_its_place_in_the_offer_ranking(
    market: tuple[OfferRecord, list[RequestRecord]], seed: int
) -> None:
    offer, requests = market
    named = [replace(request, id=f"req_01{i:04d}") for i, request in enumerate(requests)]
    half = len(named) // 2
    index = RequestIndex(named[:half])
    index.apply({request.id: request for request in named[half:]})
    for options in (
        {},
        {"viewer": Viewer(partner_id="p1")},
        {"exclude_organization": ORGANIZATIONS[seed % 3]},
    ):
        ranked = index.search(offer, TAXONOMY, today=TODAY, limit=1_000, **options)
        for rank, match in enumerate(ranked, 1):
            found = index.standing(
                offer,
                TAXONOMY,
                request_id=match.request_id,
                score=match.score,
                today=TODAY,
                limit=1_000,
                **options,
            )
            assert found == (rank, match)

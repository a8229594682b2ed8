"""The live offer index: excluded offers (an organisation's own) in its base and its layers
of changes, and changes in batches over the layers."""

from __future__ import annotations

from dataclasses import replace
from random import Random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.index import MatchIndex
from app.matching.values import HeldCertification, OfferRecord, Want
from tests.matching.support import TAXONOMY, day, make_offer, make_want, markets


def ids(index: MatchIndex, *, limit: int = 20, excluded: tuple[str, ...] = ()) -> list[str]:
    return [m.offer_id for m in index.search(make_want(), TAXONOMY, limit=limit, excluded=excluded)]


def test_excluded_offers_are_left_out_of_base_and_delta() -> None:
    offers = [make_offer(f"off_01base{i}", capacity_per_week=1_000 * (i + 1)) for i in range(4)]
    index = MatchIndex(offers)
    everything = ids(index)
    assert sorted(everything) == sorted(o.id for o in offers)
    assert ids(index, excluded=("off_01base1", "off_01base3")) == [
        i for i in everything if i not in {"off_01base1", "off_01base3"}
    ]
    # a newer version of base2 lives in the delta; a new offer too
    index.apply(
        {
            "off_01base2": replace(offers[2], capacity_per_week=9_000),
            "off_01delta": make_offer("off_01delta"),
        }
    )
    assert "off_01base2" in ids(index)
    left = ids(index, excluded=("off_01base2", "off_01delta", "off_01unknown", "elsewhere"))
    assert sorted(left) == ["off_01base0", "off_01base1", "off_01base3"]
    # a page is filled from what is left: nothing excluded takes a place
    assert (
        ids(index, excluded=("off_01base0",), limit=2)
        == [i for i in ids(index) if i != "off_01base0"][:2]
    )


def test_rows_of_finds_only_ids_the_candidates_hold() -> None:
    candidates = build_candidates(
        [make_offer(offer_id) for offer_id in ("off_01a", "off_01b", "off_01c")]
    )
    assert candidates.id_prefix == "off_01"
    rows = candidates.rows_of(["off_01c", "off_01a", "off_01ab", "off_01cc", "off_02a", "off_01"])
    assert sorted(candidates.offer_ids(rows)) == ["off_01a", "off_01c"]
    assert candidates.rows_of([]).size == 0
    assert build_candidates([]).rows_of(["off_01a"]).size == 0
    assert np.array_equal(candidates.rows_of(["off_01b"]), np.array([candidates.row_of("off_01b")]))


def test_the_index_gives_an_offers_certifications_as_it_holds_them() -> None:
    held = {
        "iso-13485": HeldCertification(valid_until=day(30), verified=True),
        "ce.mdr": HeldCertification(valid_until=None, verified=False),
    }
    base = make_offer("off_01cert", certifications=held)
    index = MatchIndex([base, make_offer("off_01none")])
    assert index.certifications_of("off_01cert") == held
    assert index.certifications_of("off_01none") == {}
    assert index.certifications_of("off_01unknown") is None
    newer = {"en-14683": HeldCertification(valid_until=day(5), verified=True)}
    index.apply({"off_01cert": replace(base, certifications=newer), "off_01none": None})
    assert index.certifications_of("off_01cert") == newer
    assert index.certifications_of("off_01none") is None  # no longer held


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets(), st.randoms(use_true_random=False), st.sampled_from([(1,), (2, 5), (1, 2, 4)]))
def test_changes_in_batches_over_the_layers_search_as_a_fresh_index(
    market: tuple[Want, list[OfferRecord]], random: Random, caps: tuple[int, ...]
) -> None:
    """Whatever layer a change lands in (the base masked, an older row superseded by a
    recent one, a withdrawal), the live index ranks, and stands, as one built afresh
    from the records as they are now."""
    want, records = market
    index = MatchIndex(records[: len(records) // 2], caps=caps)
    current: dict[str, OfferRecord | None] = {r.id: r for r in records[: len(records) // 2]}
    changes: list[tuple[str, OfferRecord | None]] = []
    for record in records:
        for _ in range(random.randint(1, 3)):
            fate = random.choice(["write", "write", "withdraw"])
            moved = replace(record, lat=record.lat + random.uniform(-2, 2))
            changes.append((record.id, moved if fate == "write" else None))
    while changes:
        size = random.randint(1, 5)
        batch = dict(changes[:size])  # a record written twice in a batch: its last write
        changes = changes[size:]
        index.apply(batch)
        current.update(batch)
    fresh = MatchIndex([record for record in current.values() if record is not None])
    assert index.search(want, TAXONOMY, limit=50) == fresh.search(want, TAXONOMY, limit=50)
    assert len(index) == len(fresh)
    for match in fresh.search(want, TAXONOMY, limit=5):
        assert index.standing(
            want, TAXONOMY, offer_id=match.offer_id, score=match.score, limit=50
        ) == fresh.standing(want, TAXONOMY, offer_id=match.offer_id, score=match.score, limit=50)

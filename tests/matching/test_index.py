"""The live offer index: excluded offers (an organisation's own) in its base and its delta."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.matching.candidates import build_candidates
from app.matching.index import MatchIndex
from app.matching.values import HeldCertification
from tests.matching.support import TAXONOMY, day, make_offer, make_want


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

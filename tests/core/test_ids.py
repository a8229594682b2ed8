from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.core.ids import new_id


def test_ids_are_prefixed_and_crockford_base32() -> None:
    assert re.fullmatch(r"off_[0-9A-HJKMNP-TV-Z]{26}", new_id("off"))


def test_ids_made_in_a_burst_sort_in_creation_order() -> None:
    ids = [new_id("req") for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


@given(st.sampled_from(["par", "org", "off", "req", "key"]))
def test_every_prefix_gives_a_fixed_length(prefix: str) -> None:
    assert len(new_id(prefix)) == len(prefix) + 27

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import ids
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


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_the_encoding_is_crockford_base32_of_the_128_bits(value: int) -> None:
    expected = ""
    for _ in range(26):
        expected = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[value & 31] + expected
        value >>= 5
    assert ids.encode(value_of(expected)) == expected


def value_of(identifier: str) -> int:
    return _value(f"x_{identifier}")


def _value(identifier: str) -> int:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = 0
    for char in identifier.split("_", 1)[1]:
        value = value * 32 + alphabet.index(char)
    return value


def test_ids_of_one_millisecond_count_up_and_a_new_one_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [4_102_444_800.0]  # 2100-01-01, later than any id made so far
    monkeypatch.setattr(time, "time", lambda: now[0])
    # Put the clock of later ids back afterwards (they would count up from 2100 otherwise).
    monkeypatch.setattr(ids, "_last_value", ids._last_value)
    first, second = new_id("off"), new_id("off")
    assert _value(second) == _value(first) + 1
    assert _value(first) >> 80 == 4_102_444_800_000
    now[0] += 0.002
    third = new_id("off")
    assert _value(third) >> 80 == 4_102_444_800_002

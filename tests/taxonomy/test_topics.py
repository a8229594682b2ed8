"""Topics: any kind of code, the hierarchy in filters, how a topic fits a code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import InvalidInput
from app.taxonomy.loading import load_taxonomy
from app.taxonomy.topics import (
    check_topic_filter,
    check_topics,
    closeness,
    roots,
    topic_fit,
    topic_terms,
)

segment = st.sampled_from(["mask", "textile", "sewing", "surgical", "iir", "a", "b"])
codes = st.lists(segment, min_size=1, max_size=4).map(".".join)


@given(codes, codes)
def test_closeness_is_symmetric_and_one_only_for_the_same_code(a: str, b: str) -> None:
    assert closeness(a, b) == closeness(b, a)
    assert 0 <= closeness(a, b) <= 1
    assert (closeness(a, b) == 1) == (a == b)


@given(codes, codes)
def test_codes_on_different_lines_do_not_fit(a: str, b: str) -> None:
    related = a == b or a.startswith(b + ".") or b.startswith(a + ".")
    assert (closeness(a, b) > 0) == related


def test_closeness_is_the_share_of_common_segments() -> None:
    assert closeness("mask", "mask.surgical") == 0.5
    assert closeness("mask.surgical.iir", "mask.surgical") == pytest.approx(2 / 3)
    assert closeness("textile.knitting", "textile.sewing") == 0
    assert closeness("masks", "mask") == 0  # a prefix of text is not a parent


@given(st.lists(codes, max_size=5), st.lists(codes, max_size=5))
def test_a_fit_is_its_best_topic(topics: list[str], wanted: list[str]) -> None:
    fit = topic_fit(topics, wanted)
    best = max((closeness(t, w) for t in topics for w in wanted), default=0.0)
    assert fit.relevance == best
    assert all(any(closeness(t, w) > 0 for w in wanted) for t in fit.matched)
    assert len(fit.matched) == len(set(fit.matched))
    # The coarse SQL cut never drops a fitting topic.
    if fit.relevance > 0:
        assert set(roots(wanted)) & set(roots(topics))


@given(st.lists(codes, max_size=5))
def test_terms_hold_every_ancestor(topics: list[str]) -> None:
    terms = set(topic_terms(topics))
    for topic in topics:
        parts = topic.split(".")
        assert all(".".join(parts[: i + 1]) in terms for i in range(len(parts)))


def test_known_codes_of_every_kind_pass_and_unknown_ones_are_named() -> None:
    taxonomy = load_taxonomy()
    check_topics(taxonomy, ["textile.sewing", "mask.surgical", "en-14683"])
    with pytest.raises(InvalidInput) as caught:
        check_topics(taxonomy, ["textile.sewing", "mask.surgicall"])
    errors = caught.value.errors or []
    assert [error.field for error in errors] == ["topics[1]"]
    assert "mask.surgical" in errors[0].message
    check_topic_filter(taxonomy, None)
    with pytest.raises(InvalidInput) as filtered:
        check_topic_filter(taxonomy, "nope")
    assert [error.field for error in filtered.value.errors or []] == ["topic"]

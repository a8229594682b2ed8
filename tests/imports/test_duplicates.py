"""Name normalisation and blocking of suspected duplicate organisations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.imports.duplicates import DuplicateIndex, Known, normalise_name

FORMS = ["GmbH", "GmbH & Co. KG", "AG", "UG (haftungsbeschränkt)", "e.K.", "KG", "OHG", "e. V."]


@pytest.mark.parametrize("form", FORMS)
def test_legal_forms_case_punctuation_and_umlauts(form: str) -> None:
    assert normalise_name(f"Müller-Weberei {form}") == "mueller weberei"
    assert normalise_name(f"MUELLER WEBEREI, {form.upper()}") == "mueller weberei"


@given(st.sampled_from(["Strickerei", "Weberei", "Näherei", "Färberei"]), st.sampled_from(FORMS))
def test_normalising_is_idempotent(base: str, form: str) -> None:
    once = normalise_name(f"{base} Süd {form}")
    assert normalise_name(once) == once
    assert once == normalise_name(f"{base.upper()} SUED")


def test_blocking_by_postal_code_and_distance() -> None:
    index = DuplicateIndex()
    index.add(Known("mueller weberei", "72764", 48.4931, 9.2125, "org_1"))
    same_code = index.best("mueller weberei", postal_code="72764", lat=None, lon=None)
    assert same_code is not None
    assert same_code.of.organization_id == "org_1"
    near = index.best("mueller weberai", postal_code="99999", lat=48.4960, lon=9.2125)
    assert near is not None
    assert 0.9 <= near.similarity < 1
    assert index.best("mueller weberei", postal_code="99999", lat=48.6, lon=9.2125) is None
    assert index.best("ganz andere", postal_code="72764", lat=None, lon=None) is None

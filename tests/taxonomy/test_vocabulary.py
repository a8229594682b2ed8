"""The vocabulary: loading, hierarchy, relations, similarity rules and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.taxonomy.codes import CodeKind, ancestors
from app.taxonomy.loading import load_taxonomy
from app.taxonomy.schemas import preferred_language
from app.taxonomy.vocabulary import (
    FAMILY_CREDIT,
    KINDS,
    PARENT_CREDIT,
    SIBLING_CREDIT,
    VIA_PRODUCT_CREDIT,
    Taxonomy,
    TaxonomyError,
)

TAXONOMY = load_taxonomy()


def extended(tmp_path: Path, text: str) -> Taxonomy:
    path = tmp_path / "operator.yaml"
    path.write_text(text, encoding="utf-8")
    return load_taxonomy(path)


# --- contents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("skill", "textile.sewing"),
        ("skill", "textile.nonwoven.meltblown"),
        ("skill", "textile.nonwoven.spunbond"),
        ("skill", "plastics.injection-moulding"),
        ("skill", "additive.sls"),
        ("skill", "metal.cnc-machining"),
        ("skill", "cleanroom.iso-7"),
        ("skill", "sterilisation.eo"),
        ("skill", "packaging.sterile-barrier"),
        ("skill", "testing.biocompatibility"),
        ("skill", "logistics.warehousing"),
        ("product", "mask.surgical"),
        ("product", "mask.surgical.type-iir"),
        ("product", "mask.community"),
        ("product", "mask.ffp2"),
        ("product", "gown.surgical"),
        ("product", "coverall.infective-agents"),
        ("product", "glove.medical"),
        ("product", "test-kit.swab"),
        ("certification", "iso-13485"),
        ("certification", "en-14683"),
        ("certification", "iso-9001"),
        ("certification", "en-149"),
        ("certification", "oeko-tex-100"),
        ("certification", "ce.mdr"),
        ("certification", "ce.ppe"),
    ],
)
def test_contract_codes_exist(kind: CodeKind, code: str) -> None:
    assert (kind, code) in TAXONOMY


@pytest.mark.parametrize("kind", KINDS)
def test_every_term_has_a_known_parent_and_both_labels(kind: CodeKind) -> None:
    for code, term in TAXONOMY.terms[kind].items():
        assert term.parent is None or term.parent in TAXONOMY.terms[kind], code
        assert term.label_en, code
        assert term.label_de, code
        assert term.description, code
        assert not term.deprecated


def test_codes_are_listed_parents_first() -> None:
    codes = TAXONOMY.codes("skill")
    for index, code in enumerate(codes):
        parent = TAXONOMY.terms["skill"][code].parent
        assert parent is None or codes.index(parent) < index


def test_hierarchy_lookups() -> None:
    assert "textile.sewing" in TAXONOMY.children("skill", "textile")
    assert "textile.sewing.medical" not in TAXONOMY.children("skill", "textile")
    assert "textile.sewing.medical" in TAXONOMY.descendants("skill", "textile")
    assert "mask" in TAXONOMY.children("product", None)
    assert TAXONOMY.get("product", "mask.surgical") is not None
    assert TAXONOMY.get("product", "mask.surgica") is None
    assert ("product", "textile.sewing") not in TAXONOMY


def test_products_inherit_relations_from_ancestors_and_variants() -> None:
    assert "en-14683" in TAXONOMY.product_certifications("mask.surgical.type-iir")
    assert "textile.nonwoven.meltblown" in TAXONOMY.product_skills("mask.surgical.type-iir")
    # a request for "mask" is reached through any mask's skills
    assert {"textile.sewing", "textile.ultrasonic-welding"} <= TAXONOMY.product_skills("mask")
    assert "en-149" in TAXONOMY.product_certifications("mask")
    assert "en-149" not in TAXONOMY.product_certifications("mask.surgical")


def test_the_taxonomy_is_loaded_once_per_file(tmp_path: Path) -> None:
    assert load_taxonomy() is load_taxonomy(None)
    (tmp_path / "sub").mkdir()
    (tmp_path / "extra.yaml").write_text("skills: {}\n", encoding="utf-8")
    first = load_taxonomy(tmp_path / "extra.yaml")
    assert load_taxonomy(tmp_path / "sub" / ".." / "extra.yaml") is first
    assert first is not load_taxonomy()


# --- similarity rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "offered", "expected"),
    [
        ("textile.sewing", "textile.sewing", 1.0),  # same
        ("textile", "textile.sewing", 1.0),  # offered more specific
        ("textile", "textile.sewing.medical", 1.0),
        ("textile.sewing", "textile", PARENT_CREDIT),  # offered one level more general
        ("textile.sewing.medical", "textile", PARENT_CREDIT / 2),  # two levels
        ("textile.cutting", "textile.sewing", SIBLING_CREDIT),  # sibling
        ("textile.sewing.medical", "textile.cutting", FAMILY_CREDIT),  # same family only
        ("textile.sewing", "metal.welding", 0.0),  # unrelated
        ("textile", "metal", 0.0),  # different roots are never siblings
        ("textile.sewin", "textile.sewing", 0.0),  # unknown
        ("textile.sewing", "textile.sewin", 0.0),
    ],
)
def test_similarity_rules(wanted: str, offered: str, expected: float) -> None:
    assert TAXONOMY.similarity(wanted, offered) == pytest.approx(expected)


def test_transfers_are_directed_and_inherited() -> None:
    upholstery, medical = "textile.sewing.upholstery", "textile.sewing.medical"
    assert TAXONOMY.similarity(medical, upholstery) == pytest.approx(0.7)
    # the reverse has no transfer: only the sibling credit
    assert TAXONOMY.similarity(upholstery, medical) == pytest.approx(SIBLING_CREDIT)
    technical = "plastics.injection-moulding.technical"
    assert TAXONOMY.similarity("plastics.injection-moulding.medical", technical) == 0.7
    # a class 7 cleanroom serves a class 8 requirement, not the reverse
    assert TAXONOMY.similarity("cleanroom.iso-8", "cleanroom.iso-7") == 1.0
    assert TAXONOMY.similarity("cleanroom.iso-7", "cleanroom.iso-8") == SIBLING_CREDIT
    # a transfer to a family reaches its members
    assert TAXONOMY.similarity("additive.sla", "plastics.injection-moulding.technical") == 0.2


def test_product_and_certification_similarity_use_their_own_hierarchy() -> None:
    assert TAXONOMY.similarity("mask", "mask.ffp2", kind="product") == 1.0
    assert TAXONOMY.similarity("mask.ffp2", "mask.ffp3", kind="product") == SIBLING_CREDIT
    assert TAXONOMY.similarity("ce", "ce.mdr", kind="certification") == 1.0
    assert TAXONOMY.similarity("ce.mdr", "ce", kind="certification") == PARENT_CREDIT
    assert TAXONOMY.similarity("iso-13485", "iso-9001", kind="certification") == 0.0
    assert TAXONOMY.similarity("mask", "mask", kind="skill") == 0.0  # not a skill


def test_cross_similarity_goes_through_the_skills_that_make_a_product() -> None:
    def cross(wanted: str, offered: str, wanted_kind: CodeKind, offered_kind: CodeKind) -> float:
        return TAXONOMY.cross_similarity(
            wanted, offered, wanted_kind=wanted_kind, offered_kind=offered_kind
        )

    # a request naming only a product matches an offer naming only a skill ...
    assert cross("gown.surgical", "textile.sewing.medical", "product", "skill") == pytest.approx(
        VIA_PRODUCT_CREDIT
    )
    # ... through cross-industry transfer too (upholstery sewer -> gowns)
    assert cross("gown.surgical", "textile.sewing.upholstery", "product", "skill") == (
        pytest.approx(VIA_PRODUCT_CREDIT * 0.7)
    )
    # ... and the reverse: a wanted skill against an offered product
    assert cross("textile.sewing", "gown.surgical", "skill", "product") == pytest.approx(
        VIA_PRODUCT_CREDIT
    )
    assert cross("metal.welding", "mask.surgical", "skill", "product") == 0.0
    assert cross("mask.surgical", "mask.surgical", "product", "product") == 1.0
    assert cross("en-14683", "mask.surgical", "certification", "product") == 0.0
    assert cross("mask.nope", "textile.sewing", "product", "skill") == 0.0


KIND_CODES = st.sampled_from(KINDS).flatmap(
    lambda kind: st.tuples(
        st.just(kind), st.sampled_from(TAXONOMY.codes(kind)), st.sampled_from(TAXONOMY.codes(kind))
    )
)
ANY_TEXT = st.text(alphabet="abcdefgstxil.-", max_size=30)


@given(KIND_CODES)
def test_similarity_is_in_the_unit_interval(triple: tuple[CodeKind, str, str]) -> None:
    kind, wanted, offered = triple
    assert 0.0 <= TAXONOMY.similarity(wanted, offered, kind=kind) <= 1.0


@given(ANY_TEXT, ANY_TEXT)
def test_similarity_of_arbitrary_text_is_in_the_unit_interval(wanted: str, offered: str) -> None:
    assert 0.0 <= TAXONOMY.similarity(wanted, offered) <= 1.0


@given(KIND_CODES)
def test_a_code_fully_serves_itself_and_its_ancestors(triple: tuple[CodeKind, str, str]) -> None:
    kind, code, _ = triple
    assert TAXONOMY.similarity(code, code, kind=kind) == 1.0
    for ancestor in ancestors(code):
        assert TAXONOMY.similarity(ancestor, code, kind=kind) == 1.0
    for descendant in TAXONOMY.descendants(kind, code):
        assert TAXONOMY.similarity(code, descendant, kind=kind) == 1.0


@given(KIND_CODES)
def test_a_more_general_offer_never_serves_fully(triple: tuple[CodeKind, str, str]) -> None:
    kind, code, _ = triple
    for ancestor in ancestors(code)[:-1]:
        assert TAXONOMY.similarity(code, ancestor, kind=kind) < 1.0


@given(st.sampled_from(KINDS), st.sampled_from(KINDS), ANY_TEXT, ANY_TEXT)
def test_cross_similarity_is_in_the_unit_interval(
    wanted_kind: CodeKind, offered_kind: CodeKind, wanted: str, offered: str
) -> None:
    value = TAXONOMY.cross_similarity(
        wanted, offered, wanted_kind=wanted_kind, offered_kind=offered_kind
    )
    assert 0.0 <= value <= 1.0


# --- validation -------------------------------------------------------------------------


def test_closest_suggests_the_typo_first() -> None:
    assert TAXONOMY.closest("skill", "textile.sewin")[0] == "textile.sewing"
    assert TAXONOMY.closest("certification", "iso-1348")[0] == "iso-13485"
    assert len(TAXONOMY.closest("product", "mask.surgical.typ-iir", n=2)) == 2


def test_validate_names_field_and_closest_codes() -> None:
    errors = TAXONOMY.validate("skill", ["textile.sewing", "textile.sewin"], field="skills")
    assert [e.field for e in errors] == ["skills[1]"]
    assert errors[0].message.startswith("unknown skill 'textile.sewin'; closest: textile.sewing")
    errors = TAXONOMY.validate("certification", ["iso-1"], field="certs", item_suffix=".code")
    assert errors[0].field == "certs[0].code"
    assert TAXONOMY.validate("product", ["mask.surgical", "mask"], field="products") == []


# --- the operator's file ----------------------------------------------------------------


def test_operator_file_adds_codes_labels_relations_and_deprecates(tmp_path: Path) -> None:
    taxonomy = extended(
        tmp_path,
        """
skills:
  textile.sewing.leather: {label_en: Leather sewing, label_de: Ledernähen}
  textile.cutting: {deprecated: true, replaced_by: textile.sewing}
  textile.embroidery: {label_de: Sticken}
products:
  bag: {label_en: Bags}
products_made_with:
  bag: {skills: [textile.sewing.leather]}
skill_transfers:
  - {from: textile.sewing.leather, to: textile.sewing.medical, strength: 0.5}
""",
    )
    leather = taxonomy.get("skill", "textile.sewing.leather")
    assert leather is not None
    assert leather.label_de == "Ledernähen"
    bag = taxonomy.get("product", "bag")
    assert bag is not None
    assert bag.label_de == "Bags"
    embroidery = taxonomy.get("skill", "textile.embroidery")
    assert embroidery is not None
    assert embroidery.label_en == "Embroidery"
    assert embroidery.label_de == "Sticken"
    assert taxonomy.similarity("textile.sewing.medical", "textile.sewing.leather") == 0.5
    assert taxonomy.product_skills("bag") == {"textile.sewing.leather"}
    # nothing of the built-in vocabulary is lost
    assert set(TAXONOMY.codes("skill")) < set(taxonomy.codes("skill"))
    cutting = taxonomy.get("skill", "textile.cutting")
    assert cutting is not None
    assert cutting.deprecated
    # a deprecated code stays valid where it is kept, is refused as new, is not suggested
    assert (
        taxonomy.validate("skill", ["textile.cutting"], field="s", keep={"textile.cutting"}) == []
    )
    [error] = taxonomy.validate("skill", ["textile.cutting"], field="s")
    assert error.message == "skill 'textile.cutting' is deprecated; use textile.sewing"
    assert "textile.cutting" not in taxonomy.closest("skill", "textile.cuttin")
    assert taxonomy.similarity("textile.cutting", "textile.cutting") == 1.0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("skills:\n  nope.child: {label_en: X}\n", "has no parent nope"),
        ("skills:\n  Bad Code: {label_en: X}\n", "not a valid skill code"),
        ("skills:\n  newthing: {label_de: X}\n", "needs label_en"),
        ("skills:\n  newthing: {label_en: X, colour: red}\n", "unknown keys"),
        ("remove:\n  - textile.sewing\n", "unknown sections remove"),
        ("skill_transfers:\n  - {from: metal, to: textile, strength: 1.5}\n", "outside [0, 1]"),
        ("skill_transfers:\n  - {from: metal, to: wood, strength: 0.5}\n", "unknown skill wood"),
        ("products_made_with:\n  mask: {skills: [knitting]}\n", "unknown skill knitting"),
        ("- just a list\n", "must be a mapping"),
        ("skills: [unbalanced\n", "cannot read"),
        ("skills: [textile.leather]\n", "skills must be a mapping of code -> entry"),
        ("skills:\n  newthing: Leather\n", "skill newthing must be a mapping"),
        ("skills:\n  newthing: {label_en: X, label_de: [X]}\n", "must be text"),
        ("skills:\n  textile.cutting: {deprecated: later}\n", "deprecated must be true/false"),
        (
            "skills:\n  textile.cutting: {deprecated: true, replaced_by: textile.gone}\n",
            "replaced by unknown textile.gone",
        ),
        ("products_made_with:\n  mask: [textile.sewing]\n", "products_made_with.mask is malformed"),
        (
            "products_made_with:\n  mask: {skills: [textile.sewing], steps: 3}\n",
            "products_made_with.mask is malformed",
        ),
        ("products_made_with:\n  rocket: {skills: [textile.sewing]}\n", "unknown product rocket"),
        ("skill_transfers:\n  - {from: metal, to: textile}\n", "needs from, to and strength"),
        ("skill_transfers:\n  - {from: metal, to: textile, strength: high}\n", "a number"),
        ("skill_transfers:\n  - {from: metal, to: textile, strength: true}\n", "a number"),
    ],
)
def test_a_malformed_operator_file_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(TaxonomyError, match=problem.replace("[", r"\[")):
        extended(tmp_path, text)


def test_an_empty_operator_file_leaves_the_vocabulary_as_built_in(tmp_path: Path) -> None:
    taxonomy = extended(tmp_path, "# nothing to add yet\n")
    for kind in KINDS:
        assert taxonomy.terms[kind] == TAXONOMY.terms[kind]


def test_a_code_deprecated_without_replacement_cannot_be_added(tmp_path: Path) -> None:
    taxonomy = extended(tmp_path, "skills:\n  textile.cutting: {deprecated: true}\n")
    [error] = taxonomy.validate("skill", ["textile.cutting"], field="skills")
    assert error.field == "skills[0]"
    assert error.message.startswith("skill 'textile.cutting' is deprecated and cannot be added")
    # Without a replacement to name, the closest current codes are suggested instead.
    assert "; closest: " in error.message
    assert "textile.cutting" not in error.message.partition("; closest: ")[2]


def test_a_missing_operator_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.yaml")


# --- Accept-Language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("de", "de"),
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-GB,de;q=0.5", "en"),
        ("en;q=0.5, de;q=0.9", "de"),
        ("fr-FR, de;q=0.3", "de"),
        ("fr", "en"),
        ("de;q=0", "en"),
        ("de;q=abc, en", "en"),
        ("*", "en"),
    ],
)
def test_preferred_language(header: str | None, language: str) -> None:
    assert preferred_language(header) == language

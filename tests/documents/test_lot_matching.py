from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.documents.lot_matching import best_lot, normalise_lot, rank_lots


def test_normalise() -> None:
    assert normalise_lot(" lot# ab-12 3") == "AB123"
    assert normalise_lot("Batch No.: X-77/1") == "X771"
    assert normalise_lot("L1234-56") == "L123456"  # a letter that is part of the code stays


def test_ranking_exact_then_normalised_then_lookalike() -> None:
    ranked = rank_lots("AB-1O23", ["ab1023", "AB-1O23", "AB1O23", "ZZ999"])
    assert [m.kind for m in ranked] == ["exact", "normalised", "confusable"]
    assert [m.candidate for m in ranked] == ["AB-1O23", "AB1O23", "ab1023"]


def test_lookalikes_both_ways() -> None:
    assert best_lot("I0O1", ["1001"]) is not None
    assert best_lot("SB-8", ["58-B"]) is not None
    assert best_lot("AB123", ["AB1234"]) is None


lots = st.text(alphabet="ABCDEFGHJKMNPRTUVWXY0123456789", min_size=3, max_size=12)


@given(lots, st.sampled_from(["", " ", "-", "/"]), st.booleans())
def test_formatting_variants_always_match(code: str, separator: str, lower: bool) -> None:
    variant = separator.join([code[: len(code) // 2], code[len(code) // 2 :]])
    variant = variant.lower() if lower else variant
    match = best_lot(variant, [code, "UNRELATED1"])
    assert match is not None and match.candidate == code

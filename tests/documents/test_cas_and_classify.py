from __future__ import annotations

from app.documents.cas import cas_is_valid, find_cas
from app.documents.classify import classify
from app.documents.text_quality import is_usable, text_layer_score


def test_cas_check_digit() -> None:
    assert cas_is_valid("7732-18-5")
    assert cas_is_valid("64-17-5")
    assert not cas_is_valid("7732-18-4")
    assert [c for c, _, _ in find_cas("Water 7732-18-5, EC 231-791-2, bad 64-17-6")] == ["7732-18-5"]


def test_classify() -> None:
    sds = "SAFETY DATA SHEET\nSECTION 1. IDENTIFICATION\nSECTION 2. HAZARDS IDENTIFICATION\nSignal word Danger H225"
    coa = "CERTIFICATE OF ANALYSIS\nLot No. 123\nTest Specification Result\nAssay 99.1 %"
    assert classify(sds).kind == "sds"
    assert classify(coa).kind == "coa"
    other = classify("Invoice 12345 total due 300 EUR")
    assert other.kind == "other"


def test_garbled_text_layer_is_detected() -> None:
    good = ["Certificate", "of", "Analysis", "Product", "Name", "Malic", "Acid", "Lot", "QX40017", "pH", "3.1"]
    # a font without a Unicode map turns words into a consistent substitution like this
    cipher = ["QRQ4{{PRS7T", "W{{Z7}}X", "]\\]^^", "XX{{7", "##@@WW"] * 2
    cids = ["(cid:12)(cid:40)(cid:7)"] * 12
    assert is_usable(good)
    assert not is_usable(cipher)
    assert text_layer_score(cids) == 0.0

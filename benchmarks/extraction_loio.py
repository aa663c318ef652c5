"""Leave-one-issuer-out on the shared corpus: does a reading rule help documents it was not
written for?

    .venv/bin/python -m benchmarks.extraction_loio [--corpus DIR] [--rules-table]

Lotproof's reader is made of hand-written rules, not fitted weights, so "tune on the others"
means *choose the rules on the others*. Every named rule in ``app/documents/rules.py`` is
switched off in turn and every document re-read; a rule's worth on a document is the change in
(fields and sample rows right) minus (scalar fields wrong with confidence >= 0.9). For each
issuer, the rules whose worth summed over the *other* issuers is not positive are switched off
and that issuer's documents are scored so: a rule that helps only the issuer it was written for
does not count for that issuer. The all-in figure (every rule on) is printed beside it.

An issuer is the company that printed the document; the two Confident Cannabis template reports
count as one issuer. Documents are read once (PDFium/OCR) and cached under
``~/.cache/lotproof-benchmarks`` keyed by the file and the reading code; lines are grouped again
for each rule set, so rules that act on words (letter spacing, run-together text) are measured
too. Rules not in the registry (older, unnamed ones) are always on: this measures the named
rules, not the whole reader.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.documents import rules
from app.documents.extract import interpret
from app.documents.limits import Budget, Limits
from app.documents.lines import group_lines
from app.documents.model import Document
from app.documents.reading import read_document
from benchmarks.extraction_common import parallel_map, pct
from benchmarks.extraction_corpus import DocumentScore, default_corpus, score_document

_SAME_ISSUER = {"infinite-chemical": "cblabs"}  # both the Confident Cannabis template
_READING_CODE = ("reading.py", "text_layer.py", "ocr.py", "deskew.py", "rulings.py",
                 "images.py", "text_quality.py", "pdf_safety.py", "sniff.py", "model.py")
CACHE = Path.home() / ".cache" / "lotproof-benchmarks" / "documents"


def issuer(name: str) -> str:
    stem = Path(name).stem.split("_")[0]
    if stem in ("de", "ko"):  # language prefix: "de_exxonmobil_..."
        stem = Path(name).stem.split("_")[1]
    return _SAME_ISSUER.get(stem, stem)


def _code_hash() -> str:
    folder = Path(__file__).resolve().parents[1] / "app" / "documents"
    digest = hashlib.sha256()
    for name in _READING_CODE:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _read(path: str) -> Document:
    data = Path(path).read_bytes()
    key = hashlib.sha256(data).hexdigest()[:24] + "-" + _code_hash()
    cached = CACHE / f"{key}.pickle"
    if cached.exists():
        document: Document = pickle.loads(cached.read_bytes())
        return document
    limits = Limits()
    document = read_document(data, Path(path).name, limits=limits,
                             budget=Budget(Path(path).name, limits, None))
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps(document))
    return document


def _score(item: tuple[str, str, dict[str, Any], frozenset[str]]) -> DocumentScore:
    name, path, label, off = item
    document = _read(path)
    with rules.disabled(off):
        for page in document.pages:
            page.lines = group_lines(page.words)
        got = interpret(document, name).to_json_dict()
    return score_document(name, label, got)


def _worth(score: DocumentScore) -> int:
    return score.right - len(score.confident_wrong)


def _run(items: list[tuple[str, str, dict[str, Any]]], configs: Iterable[frozenset[str]]
         ) -> dict[frozenset[str], dict[str, DocumentScore]]:
    configs = list(configs)
    jobs = [(name, path, label, off) for off in configs for name, path, label in items]
    scores = parallel_map(_score, jobs)
    out: dict[frozenset[str], dict[str, DocumentScore]] = {off: {} for off in configs}
    for (name, _, _, off), score in zip(jobs, scores, strict=True):
        out[off][name] = score
    return out


def _summary(scores: dict[str, DocumentScore]) -> tuple[str, str, str]:
    fields_right = sum(sum(s.fields.values()) for s in scores.values())
    fields_total = sum(len(s.fields) for s in scores.values())
    right = sum(s.right for s in scores.values())
    total = sum(s.total for s in scores.values())
    wrong = sum(len(s.confident_wrong) for s in scores.values())
    scalar = sum(s.scalar for s in scores.values())
    return (f"{pct(fields_right, fields_total)} ({fields_right}/{fields_total})",
            f"{pct(right, total)} ({right}/{total})",
            f"{wrong} of {scalar} ({pct(wrong, scalar)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    args = parser.parse_args()
    labels_path = args.corpus / "labels.json"
    if not labels_path.exists():
        print(f"corpus not found at {args.corpus}; skipping (set LOTPROOF_CORPUS to run)")
        return
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    items = [(name, str(args.corpus / name), labels[name]) for name in sorted(labels)]
    parallel_map(_read, [path for _, path, _ in items])  # fill the cache once

    all_on: frozenset[str] = frozenset()
    configs = [all_on, *(frozenset({rule}) for rule in rules.RULES)]
    runs = _run(items, configs)
    issuers = sorted({issuer(name) for name, _, _ in items})
    worth: dict[str, dict[str, int]] = {}  # rule -> issuer -> worth of having it on
    for rule in rules.RULES:
        worth[rule] = {who: 0 for who in issuers}
        for name, _, _ in items:
            worth[rule][issuer(name)] += (_worth(runs[all_on][name])
                                          - _worth(runs[frozenset({rule})][name]))

    dropped: dict[str, frozenset[str]] = {}
    for who in issuers:
        dropped[who] = frozenset(
            rule for rule in rules.RULES
            if sum(v for other, v in worth[rule].items() if other != who) <= 0
        )
    loio_jobs = [(name, path, label, dropped[issuer(name)]) for name, path, label in items]
    loio = dict(zip([name for name, _, _ in items], parallel_map(_score, loio_jobs), strict=True))

    all_in = _summary(runs[all_on])
    left_out = _summary(loio)
    print("\nAll-in (every rule on) against leave-one-issuer-out")
    for measure, a, b in (("fields right (excl. rows)", all_in[0], left_out[0]),
                          ("fields and sample rows right", all_in[1], left_out[1]),
                          ("scalar fields wrong at >= 0.9", all_in[2], left_out[2])):
        print(f"  {measure:<30} all-in {a:<22} left out {b}")
    print("\nWhat each named rule is worth (right minus confident wrong), by issuer")
    for rule in rules.RULES:
        helped = sorted(f"{who} +{v}" for who, v in worth[rule].items() if v > 0)
        hurt = sorted(f"{who} {v}" for who, v in worth[rule].items() if v < 0)
        print(f"  {rule:<16} helps {', '.join(helped) or '-'}; hurts {', '.join(hurt) or '-'}")
    print("\nIssuers scored without some rules (the rule helps no other issuer):")
    for who in issuers:
        kept_for_others = {r for r in dropped[who] if worth[r][who] != 0}
        if kept_for_others:
            print(f"  {who}: without {', '.join(sorted(kept_for_others))}")
    for title, off in (("every rule on", all_on), ("calibration off", frozenset({"calibration"}))):
        sure = sum(s.confident_right for s in runs[off].values())
        scalar = sum(s.scalar for s in runs[off].values())
        wrong = sum(len(s.confident_wrong) for s in runs[off].values())
        print(f"  scalar fields right at >= 0.9, {title}: {sure} of {scalar} (wrong: {wrong})")
    changed = [name for name in loio if _worth(loio[name]) != _worth(runs[all_on][name])]
    print(f"\n{len(changed)} documents score differently left out: {', '.join(changed) or '-'}")


if __name__ == "__main__":
    main()

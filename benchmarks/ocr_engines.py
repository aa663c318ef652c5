"""Tesseract (the project's OCR) against RapidOCR on scanned documents, through `interpret`.

    .venv/bin/python -m benchmarks.ocr_engines [--corpus DIR] [--seeds 10] [--engine-python PY]

RapidOCR is not a project dependency: it lives in its own virtualenv, outside the repo, and
runs there as a subprocess that receives page images and answers with JSON text boxes, so the
project venv stays clean. Either package works; the models are inside both wheels:

    # 3.x: PP-OCRv6 small det/rec (multilingual, Latin spacing right), 32 MB of ONNX
    python3.11 -m venv /work/ocr-venv3
    /work/ocr-venv3/bin/pip install rapidocr==3.10.0 onnxruntime      # venv about 430 MB
    .venv/bin/python -m benchmarks.ocr_engines --engine-python /work/ocr-venv3/bin/python

    # 1.x: PP-OCRv4 Chinese det/rec (drops many spaces in Latin text: see --respace), 16 MB
    python3.11 -m venv /work/ocr-venv
    /work/ocr-venv/bin/pip install rapidocr_onnxruntime==1.4.4         # venv about 520 MB

(the default --engine-python is /work/ocr-venv/bin/python, or LOTPROOF_OCR_PYTHON). The worker
runs with HF_HUB_OFFLINE=1, no proxy variables and, where `unshare --net` works (root), in a
network namespace with no interfaces: it cannot download anything. ``--max-side 3400`` keeps
a 300 dpi page whole (RapidOCR's default 2000 shrinks it to about 180 dpi).

What is measured
  1. Corpus (../shared/corpus or LOTPROOF_CORPUS): the files named `_scan` or `_badtext`. Each
     is read by the normal pipeline (`read_document`, Tesseract); the pages it OCR'd are then
     read again by RapidOCR: rendered by the project's own helper at 300 dpi, the same
     autocontrast and deskew as app/documents/ocr.py (orientation: the quarter turns Tesseract
     chose), one box a line split into words by character count, lines by `group_lines`.
     Both Documents go through `interpret` and `benchmarks.extraction_corpus.score_document`.
  2. Synthetic scans (tests/documents/generator, seeds from 430000, modes scan and fax, PDF):
     field accuracy with the generator's truth (`scoring.score`) and word-level reading: the
     same seed without `scan` is the very PDF that was rasterised, so its text layer gives the
     words printed on each page; recall / precision count the words read (multiset per page).

Seconds per page cover the OCR of a page image (preparation, deskew, recognition; for
RapidOCR also the hand-over to the worker), not the rendering, which both share. Both engines
run one thread (Tesseract with OMP_THREAD_LIMIT=1, as the app does; RapidOCR --threads 1),
one after the other. The corpus documents are never copied; only --dump writes page texts,
to a folder you name (keep it outside the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from app.documents.deskew import estimate_skew
from app.documents.errors import DocumentError
from app.documents.extract import interpret
from app.documents.images import iter_frames, open_image
from app.documents.limits import Budget, Limits
from app.documents.lines import group_lines
from app.documents.model import Document, Page, PageFrame, Word
from app.documents.ocr import prepare
from app.documents.reading import PDFIUM_LOCK, _open_pdfium, _render, read_document
from app.documents.rulings import remove_rulings
from app.documents.sniff import sniff
from benchmarks.extraction_common import pct
from benchmarks.extraction_corpus import default_corpus, score_document
from tests.documents.generator import generate
from tests.documents.generator.scoring import Tally, score

SYNTHETIC_SEED = 430_000
SYNTHETIC_MODES = ("scan", "fax")
DEFAULT_ENGINE_PYTHON = "/work/ocr-venv/bin/python"
#: a generous time budget: the comparison is about reading, not about the 120 s cut-off
LIMITS = Limits(seconds=1800.0)

# The worker, run by the engine's interpreter: one JSON request a line on stdin (a .npy page
# image), one JSON answer a line on the original stdout; anything the library prints goes to
# stderr. The first answer describes the installed package and its model files.
WORKER_SOURCE = r'''
import json, os, sys, time
protocol = sys.stdout
sys.stdout = sys.stderr
threads, max_side, respace = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
import statistics
import numpy as np
from importlib import metadata
try:  # the 1.x package, models PP-OCRv4 (Chinese + Latin) in the wheel
    import rapidocr_onnxruntime as package
    from rapidocr_onnxruntime import RapidOCR
    started = time.perf_counter()
    engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1,
                      max_side_len=max_side)
    name = "rapidocr_onnxruntime"
except ImportError:  # the 3.x package, default models PP-OCRv6 small (multilingual) in the wheel
    import rapidocr as package
    from rapidocr import RapidOCR
    started = time.perf_counter()
    engine = RapidOCR(params={
        "Global.max_side_len": max_side, "Global.log_level": "warning",
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })
    name = "rapidocr"
    respace = False
package_dir = os.path.dirname(package.__file__)
models = []
for root, _, files in os.walk(package_dir):
    models += [(os.path.relpath(os.path.join(root, f), package_dir),
                os.path.getsize(os.path.join(root, f))) for f in files if f.endswith(".onnx")]


def respaced(text, info):
    # the Chinese PP-OCRv4 recogniser often drops spaces in Latin text; the CTC columns of the
    # characters show a wider step across a space: put one back where the step is >= 1.5
    # times the line's median step (and >= 5 columns of the 48-pixel-high line image)
    chars = [c for word in info[1] for c in word]
    cols = [c for word in info[2] for c in word]
    if len(chars) != len(text) or len(chars) < 3:
        return text
    steps = [b - a for a, b in zip(cols, cols[1:])]
    inner = [g for i, g in enumerate(steps) if chars[i] != " " and chars[i + 1] != " "]
    if not inner:
        return text
    limit = max(5, 1.5 * statistics.median(inner))
    out = [chars[0]]
    for i, step in enumerate(steps):
        if step >= limit and chars[i] != " " and chars[i + 1] != " ":
            out.append(" ")
        out.append(chars[i + 1])
    return "".join(out)


if respace:
    recognise = engine.text_rec

    def recognise_respaced(images, return_word_box=False):
        results, elapsed = recognise(images, True)
        return [(respaced(text, info), conf) for text, conf, info in results], elapsed

    engine.text_rec = recognise_respaced
hello = {"package": name, "version": metadata.version(name), "respace": respace,
         "onnxruntime": metadata.version("onnxruntime"), "package_dir": package_dir,
         "models": sorted(models), "init_seconds": time.perf_counter() - started}
protocol.write(json.dumps(hello) + "\n")
protocol.flush()
for line in sys.stdin:
    request = json.loads(line)
    image = np.load(request["path"])
    if image.ndim == 2:
        image = np.ascontiguousarray(np.stack([image] * 3, axis=-1))
    started = time.perf_counter()
    if name == "rapidocr":
        out = engine(image)
        result = [] if out.boxes is None else list(zip(out.boxes.tolist(), out.txts, out.scores))
    else:
        result, _ = engine(image)
    boxes = [{"quad": [[float(x), float(y)] for x, y in quad], "text": text, "score": float(s)}
             for quad, text, s in (result or [])]
    answer = {"boxes": boxes, "seconds": time.perf_counter() - started}
    protocol.write(json.dumps(answer) + "\n")
    protocol.flush()
'''


class RapidOcrWorker:
    """RapidOCR in its own interpreter, fed page images through temporary .npy files."""

    def __init__(
        self, python: str, threads: int, max_side: int, isolate: bool, respace: bool = False
    ) -> None:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS=str(threads))
        command = [python, "-c", WORKER_SOURCE, str(threads), str(max_side), str(int(respace))]
        self.isolated = False
        if isolate and shutil.which("unshare") and os.geteuid() == 0:
            command = ["unshare", "--net", *command]
            self.isolated = True
        self._dir = tempfile.TemporaryDirectory(prefix="lotproof-ocr-bench-")
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.hello: dict[str, Any] = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the RapidOCR worker stopped (see its stderr above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def read(self, image: Image.Image) -> dict[str, Any]:
        path = os.path.join(self._dir.name, "page.npy")
        np.save(path, np.asarray(image.convert("L"), dtype=np.uint8))
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"path": path}) + "\n")
        self._proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)
        self._dir.cleanup()


def _turn(image: Image.Image, quarter_turns: int) -> Image.Image:
    ops = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180,
           3: Image.Transpose.ROTATE_270}
    turns = quarter_turns % 4
    return image if turns == 0 else image.transpose(ops[turns])


def boxes_to_words(boxes: list[dict[str, Any]], to_points: float, number: int) -> list[Word]:
    """One recognised box (usually a line) into words: each word gets the share of the box's
    width that its characters (spaces included) take in the box's text."""
    words: list[Word] = []
    for box in boxes:
        text = str(box["text"])
        if not text.strip():
            continue
        xs = [p[0] for p in box["quad"]]
        ys = [p[1] for p in box["quad"]]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        per_char = (x1 - x0) / len(text)
        confidence = max(0.0, min(float(box["score"]), 1.0))
        for match in re.finditer(r"\S+", text):
            words.append(Word(
                text=match.group(0),
                x0=(x0 + match.start() * per_char) * to_points,
                top=top * to_points,
                x1=(x0 + match.end() * per_char) * to_points,
                bottom=bottom * to_points,
                confidence=confidence,
                method="ocr",
                page=number,
            ))
    return words


def rapid_page(
    worker: RapidOcrWorker, image: Image.Image, number: int, width: float, height: float,
    turns: int, rulings: bool,
) -> tuple[Page, float]:
    """A page read by RapidOCR, prepared like app.documents.ocr does for Tesseract."""
    started = time.perf_counter()
    gray = prepare(image)
    to_points = width / gray.width
    turned = _turn(gray, turns)
    skew = estimate_skew(turned)
    if abs(skew) < 0.2:
        skew = 0.0
    if skew:
        turned = turned.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
    answer = worker.read(remove_rulings(turned) if rulings else turned)
    words = boxes_to_words(answer["boxes"], to_points, number)
    seconds = time.perf_counter() - started
    mean = sum(w.confidence for w in words) / len(words) if words else 0.0
    page = Page(
        number=number, width=width, height=height, method="ocr", words=words,
        lines=group_lines(words), rotation=(turns * 90) % 360, skew=skew, mean_confidence=mean,
        seconds=seconds, frame=PageFrame(gray.width, gray.height, turns, skew, to_points),
    )
    return page, float(answer["seconds"])


def _page_images(data: bytes, filename: str) -> list[tuple[Image.Image, float, float]]:
    """Every page as the image the project would OCR, with its size in points."""
    if sniff(data[:2048]) != "pdf":
        return list(iter_frames(open_image(data, filename, LIMITS), filename, LIMITS))
    out = []
    with PDFIUM_LOCK:
        pdf = _open_pdfium(data, filename)
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    width, height = (float(v) for v in page.get_size())
                    out.append((_render(page, width, height, LIMITS, filename, index + 1),
                                width, height))
                finally:
                    page.close()
        finally:
            pdf.close()
    return out


def read_with_rapidocr(
    data: bytes, filename: str, reference: Document, worker: RapidOcrWorker, rulings: bool
) -> tuple[Document, float]:
    """The document as Tesseract read it, its OCR'd pages read again by RapidOCR; also the
    engine's own seconds (inside the worker) for those pages."""
    images = _page_images(data, filename)
    pages: list[Page] = []
    engine_seconds = 0.0
    for ref, (image, width, height) in zip(reference.pages, images, strict=True):
        if ref.method != "ocr":
            pages.append(ref)
            continue
        page, inner = rapid_page(worker, image, ref.number, width, height,
                                 ref.rotation // 90, rulings)
        pages.append(page)
        engine_seconds += inner
    return Document(filename=filename, kind=reference.kind, pages=pages), engine_seconds


def read_with_tesseract(data: bytes, filename: str) -> Document:
    return read_document(data, filename, limits=LIMITS, budget=Budget(filename, LIMITS, None))


def ocr_seconds(document: Document) -> tuple[int, float]:
    pages = [p for p in document.pages if p.method == "ocr"]
    return len(pages), sum(p.seconds for p in pages)


def _dump(folder: Path | None, stem: str, engine: str, document: Document) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n\f\n".join(f"--- page {p.number} ({p.method})\n{p.text}" for p in document.pages)
    (folder / f"{stem.replace('/', '_')}.{engine}.txt").write_text(text)


@dataclass
class EngineTotals:
    fields_right: int = 0
    fields_total: int = 0
    rows_right: int = 0
    rows_total: int = 0
    confident_wrong: int = 0
    pages: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def per_page(self) -> float:
        return self.seconds / self.pages if self.pages else float("nan")


def run_corpus(
    corpus: Path, worker: RapidOcrWorker, rulings: bool, dump: Path | None
) -> dict[str, EngineTotals] | None:
    labels_path = corpus / "labels.json"
    if not labels_path.exists():
        print(f"corpus not found at {corpus}; skipping (set LOTPROOF_CORPUS to run)")
        return None
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    names = sorted(n for n in labels if "_scan" in n or "_badtext" in n)
    totals = {"tesseract": EngineTotals(), "rapidocr": EngineTotals()}
    print(f"\nCorpus scans and garbled text layers ({len(names)} files)")
    print(f"  {'file':<44} {'OCR pg':>6} | {'Tesseract fields rows s/pg':>27} | "
          f"{'RapidOCR fields rows s/pg':>27}")
    for name in names:
        data = (corpus / name).read_bytes()
        cells = []
        try:
            tess_doc = read_with_tesseract(data, name)
        except DocumentError as exc:
            print(f"  {name:<44} Tesseract failed: {exc}")
            continue
        rapid_doc, _ = read_with_rapidocr(data, name, tess_doc, worker, rulings)
        n_pages = 0
        for engine, document in (("tesseract", tess_doc), ("rapidocr", rapid_doc)):
            _dump(dump, name, engine, document)
            got = interpret(document, name).to_json_dict()
            scored = score_document(name, labels[name], got)
            n_pages, seconds = ocr_seconds(document)
            t = totals[engine]
            f_right, f_total = sum(scored.fields.values()), len(scored.fields)
            r_right, r_total = sum(scored.rows), len(scored.rows)
            t.fields_right += f_right
            t.fields_total += f_total
            t.rows_right += r_right
            t.rows_total += r_total
            t.confident_wrong += len(scored.confident_wrong)
            t.pages += n_pages
            t.seconds += seconds
            t.misses.extend(f"[{engine}] {m}" for m in scored.misses)
            rows = f"{r_right}/{r_total}" if r_total else "-"
            per_page = seconds / n_pages if n_pages else float("nan")
            cells.append(f"{f_right:>6}/{f_total:<3} {rows:>7} {per_page:7.2f}")
        print(f"  {name:<44} {n_pages:>6} | {cells[0]:>27} | {cells[1]:>27}", flush=True)
    for engine, t in totals.items():
        print(f"  TOTAL {engine:<10} fields {t.fields_right}/{t.fields_total} "
              f"({pct(t.fields_right, t.fields_total)}), rows {t.rows_right}/{t.rows_total}, "
              f"confidently wrong {t.confident_wrong}, {t.pages} OCR pages, "
              f"{t.per_page:.2f} s/page")
    return totals


def _tokens(text: str) -> list[str]:
    out = []
    for raw in text.split():
        token = raw.strip(".,;:()[]{}\"'")
        if token:
            out.append(token)
    return out


@dataclass
class Reading:
    truth_words: int = 0
    read_words: int = 0
    matched: int = 0
    matched_folded: int = 0

    def add(self, truth: list[str], read: list[str]) -> None:
        self.truth_words += len(truth)
        self.read_words += len(read)
        self.matched += sum((Counter(truth) & Counter(read)).values())
        self.matched_folded += sum((Counter(t.casefold() for t in truth)
                                    & Counter(r.casefold() for r in read)).values())

    def summary(self) -> str:
        recall = self.matched / self.truth_words if self.truth_words else 0.0
        precision = self.matched / self.read_words if self.read_words else 0.0
        folded = self.matched_folded / self.truth_words if self.truth_words else 0.0
        return (f"word recall {100 * recall:5.1f}% (ignoring case {100 * folded:5.1f}%), "
                f"precision {100 * precision:5.1f}%")


def run_synthetic(
    seeds: int, worker: RapidOcrWorker, rulings: bool, dump: Path | None
) -> None:
    print(f"\nSynthetic scans (seeds {SYNTHETIC_SEED}..{SYNTHETIC_SEED + seeds - 1}, PDF)")
    for mode in SYNTHETIC_MODES:
        tallies = {"tesseract": Tally(), "rapidocr": Tally()}
        reading = {"tesseract": Reading(), "rapidocr": Reading()}
        timing = {"tesseract": [0, 0.0], "rapidocr": [0, 0.0]}
        for seed in range(SYNTHETIC_SEED, SYNTHETIC_SEED + seeds):
            doc = generate(seed, scan=mode, container="pdf")
            clean = generate(seed)  # the same PDF before it was rasterised and degraded
            truth_doc = read_with_tesseract(clean.data, clean.filename)
            assert all(p.method == "text" for p in truth_doc.pages), clean.filename
            tess_doc = read_with_tesseract(doc.data, doc.filename)
            rapid_doc, _ = read_with_rapidocr(doc.data, doc.filename, tess_doc, worker, rulings)
            cells = []
            for engine, document in (("tesseract", tess_doc), ("rapidocr", rapid_doc)):
                _dump(dump, doc.filename, engine, document)
                got = interpret(document, doc.filename).to_json_dict()
                before = sum(tallies[engine].right.values()), sum(tallies[engine].total.values())
                score(doc.truth, got, tallies[engine], doc.filename)
                right = sum(tallies[engine].right.values()) - before[0]
                total = sum(tallies[engine].total.values()) - before[1]
                for truth_page, page in zip(truth_doc.pages, document.pages, strict=True):
                    reading[engine].add(_tokens(" ".join(w.text for w in truth_page.words)),
                                        _tokens(" ".join(w.text for w in page.words)))
                n_pages, seconds = ocr_seconds(document)
                timing[engine][0] += n_pages
                timing[engine][1] += seconds
                cells.append(f"{right:>3}/{total:<3} {seconds / max(n_pages, 1):6.2f}s/pg")
            print(f"  {doc.filename:<40} Tesseract {cells[0]} | RapidOCR {cells[1]}",
                  flush=True)
        print(f"  mode {mode}:")
        for engine, tally in tallies.items():
            pages, seconds = timing[engine]
            print(f"    {engine:<10} fields {100 * tally.overall(exclude=('result_rows',)):5.1f}% "
                  f"rows {100 * tally.accuracy('result_rows'):5.1f}% "
                  f"(incl. rows {100 * tally.overall():5.1f}%)  {reading[engine].summary()}  "
                  f"{seconds / max(pages, 1):.2f} s/page")
        per_field = sorted({n for t in tallies.values() for n in t.total})
        print("    per field (tesseract / rapidocr): " + ", ".join(
            f"{n} {tallies['tesseract'].right[n]}/{tallies['rapidocr'].right[n]} of "
            f"{tallies['tesseract'].total[n]}" for n in per_field))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--seeds", type=int, default=10, help="synthetic seeds per mode")
    parser.add_argument("--engine-python",
                        default=os.environ.get("LOTPROOF_OCR_PYTHON", DEFAULT_ENGINE_PYTHON),
                        help="interpreter that has rapidocr_onnxruntime (or rapidocr 3.x) installed")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    parser.add_argument("--max-side", type=int, default=2000,
                        help="RapidOCR's max_side_len (its default 2000 shrinks a 300 dpi page)")
    parser.add_argument("--rulings", action="store_true",
                        help="remove table rulings before RapidOCR, as the app does for Tesseract")
    parser.add_argument("--respace", action="store_true",
                        help="put back spaces the recogniser dropped (from its CTC columns)")
    parser.add_argument("--no-isolate", action="store_true",
                        help="do not run the worker in a network namespace without network")
    parser.add_argument("--skip", choices=("corpus", "synthetic"), action="append", default=[])
    parser.add_argument("--dump", type=Path, help="write page texts of both engines here")
    parser.add_argument("--verbose", action="store_true", help="print every corpus miss")
    args = parser.parse_args(argv)

    if not Path(args.engine_python).exists():
        print(f"no RapidOCR interpreter at {args.engine_python}; install it as the docstring "
              "says or pass --engine-python")
        return
    started = time.perf_counter()
    worker = RapidOcrWorker(args.engine_python, args.threads, args.max_side,
                            not args.no_isolate, args.respace)
    hello = worker.hello
    models = ", ".join(f"{name} ({size / 1e6:.1f} MB)" for name, size in hello["models"])
    print(f"{hello['package']} {hello['version']} (onnxruntime {hello['onnxruntime']}), "
          f"{args.threads} thread(s), max_side_len {args.max_side}, rulings removed: "
          f"{args.rulings}, respaced: {hello['respace']}; network {'blocked (unshare --net)' if worker.isolated else 'not isolated'}")
    print(f"  models inside the package {hello['package_dir']}: {models}; "
          f"init {hello['init_seconds']:.1f} s")
    jobs: list[tuple[str, Callable[[], Any]]] = []
    if "corpus" not in args.skip:
        jobs.append(("corpus", lambda: run_corpus(args.corpus, worker, args.rulings, args.dump)))
    if "synthetic" not in args.skip:
        jobs.append(("synthetic", lambda: run_synthetic(args.seeds, worker, args.rulings,
                                                        args.dump)))
    try:
        for name, job in jobs:
            job_started = time.perf_counter()
            outcome = job()
            if name == "corpus" and outcome is not None:
                misses = [m for t in outcome.values() for m in t.misses]
                shown = misses if args.verbose else misses[:30]
                print(f"  {len(misses)} corpus misses" + ("" if args.verbose else " (first 30)"))
                for miss in shown:
                    print("   ", miss)
            print(f"  ({name} took {time.perf_counter() - job_started:.0f} s)")
    finally:
        worker.close()
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s", file=sys.stdout)


if __name__ == "__main__":
    main()

"""`python -m benchmarks`: list the benchmarks; `python -m benchmarks NAME [ARGS...]`: run one
(the same as `python -m benchmarks.NAME [ARGS...]`)."""

from __future__ import annotations

import ast
import runpy
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH = 96


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str


def _runnable_source(path: Path) -> Path | None:
    """The file run by `python -m benchmarks.NAME`: a package's __main__.py, or a module with a
    `__main__` block; None for the helpers the benchmarks share."""
    if path.is_dir():
        main = path / "__main__.py"
        return main if main.is_file() and (path / "__init__.py").is_file() else None
    if path.suffix == ".py" and not path.name.startswith("_"):
        return path if '__name__ == "__main__"' in path.read_text(encoding="utf-8") else None
    return None


def _summary(path: Path) -> str:
    """The first sentence (or paragraph) of a module's docstring, on one line."""
    source = path / "__init__.py" if path.is_dir() else path
    doc = ast.get_docstring(ast.parse(source.read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(doc.split("\n\n")[0].split())
    sentence, dot, _rest = paragraph.partition(". ")
    return sentence + ("." if dot else "")


def discover() -> list[Benchmark]:
    found = []
    for path in sorted(HERE.iterdir()):
        if _runnable_source(path) is not None:
            found.append(Benchmark(path.stem if path.is_file() else path.name, _summary(path)))
    return found


def print_list(benchmarks: list[Benchmark]) -> None:
    print("Benchmarks (figures in docs/benchmarks.md):\n")
    width = max(len(b.name) for b in benchmarks)
    for b in benchmarks:
        lines = textwrap.wrap(b.summary, WIDTH - width - 4, break_on_hyphens=False) or [""]
        print(f"  {b.name.ljust(width)}  {lines[0]}")
        for line in lines[1:]:
            print(f"  {' ' * width}  {line}")
    print("\nRun one:  python -m benchmarks NAME [ARGS...]   (NAME --help: its options)")
    print("   or:    make bench BENCH=NAME")


def main(argv: list[str]) -> int:
    benchmarks = discover()
    if not argv or argv[0] in ("-h", "--help", "--list"):
        print_list(benchmarks)
        return 0
    name, args = argv[0], argv[1:]
    if name not in {b.name for b in benchmarks}:
        print(f"python -m benchmarks: no benchmark {name!r}; one of: "
              f"{', '.join(b.name for b in benchmarks)}", file=sys.stderr)
        return 2
    sys.argv = [f"python -m benchmarks.{name}", *args]
    try:
        runpy.run_module(f"benchmarks.{name}", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

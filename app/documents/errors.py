"""The one exception class that document reading raises for bad input."""

from __future__ import annotations


class DocumentError(Exception):
    """A document could not be read: names the file and what is wrong with it."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename
        self.problem = problem
        super().__init__(f"{filename}: {problem}")


class ExtractionCancelled(Exception):
    """The caller's cancel check returned True; raised between pages."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        super().__init__(f"{filename}: extraction cancelled")

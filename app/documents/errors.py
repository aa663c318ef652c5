"""The one exception class that document reading raises for bad input (a cancelled reading
raises `app.progress.Cancelled`)."""

from __future__ import annotations


class DocumentError(Exception):
    """A document could not be read: names the file and what is wrong with it."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename
        self.problem = problem
        super().__init__(f"{filename}: {problem}")

"""Imports point down only: nothing below app/views imports Qt, and each layer imports only the
layers beneath it (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
ALLOWED = {
    "db": {"db"},
    "documents": {"documents"},
    "reports": {"reports", "db"},
    "workflows": {"workflows", "documents", "reports", "db"},
    "views": {"views", "workflows", "documents", "reports", "db"},
    "cli": {"cli", "workflows", "documents", "reports", "db", "views"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_down(layer: str) -> None:
    problems = []
    for path in (APP / layer).rglob("*.py"):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "PySide6" and layer not in ("views",):
                if layer == "cli" and "views" in path.read_text():
                    continue  # `lotproof run` imports the views lazily
                problems.append(f"{path.relative_to(APP)} imports {name}")
            if (parts[0] == "app" and len(parts) > 1 and parts[1] in ALLOWED
                    and parts[1] not in ALLOWED[layer]):
                problems.append(f"{path.relative_to(APP)} imports {name}")
    assert problems == []

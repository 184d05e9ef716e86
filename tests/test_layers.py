"""Imports flow one way: index/ <- qa/ <- ui/, and eval/ sits beside ui/ on top of qa/."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Each package and the packages it must never import.
FORBIDDEN = {"index": {"qa", "ui", "eval", "bench"}, "qa": {"ui", "eval", "bench"}, "ui": {"eval", "bench"},
             "eval": {"ui", "bench", "index"}}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(package):
    wrong = {f"{path.relative_to(REPO)} imports {name}"
             for path in (REPO / package).rglob("*.py")
             for name in imported_packages(path) & FORBIDDEN[package]}
    assert not wrong, sorted(wrong)

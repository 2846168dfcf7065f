"""The layout's size rules (STYLE.md, "Layout"): a module past 800 lines or a function past
120 is a room that wants a wall. Migrations, tests and development data are left out;
the layers and cycles are import-linter's (pyproject.toml, `lint-imports` in `make test`)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["campaign", "orgs", "pledges", "reviews"]
MODULE_LINES = 800
FUNCTION_LINES = 120


def production_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts or parts[:2] == ("campaign", "devdata"):
                continue
            found.append(path)
    return found


def test_the_walk_finds_the_production_code():
    names = {str(path.relative_to(ROOT)) for path in production_modules()}
    assert {"campaign/settings.py", "orgs/scoping.py", "pledges/models.py", "reviews/models.py"} <= names
    assert not any("/tests/" in name or "/migrations/" in name or "devdata" in name for name in names)


@pytest.mark.parametrize("path", production_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_production_module_is_small_enough(path):
    source = path.read_text()
    assert len(source.splitlines()) <= MODULE_LINES, f"{path.name} is over {MODULE_LINES} lines: split it into a room"
    long_functions = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > FUNCTION_LINES
    ]
    assert not long_functions, f"over {FUNCTION_LINES} lines: {', '.join(long_functions)}"

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


def _is_view_module(path: Path) -> bool:
    return path.name == "views.py" or path.parent.name == "views"


def _imported_modules(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


VIEW_MODULES = [path for path in production_modules() if _is_view_module(path)]


def test_the_walk_finds_the_view_modules():
    assert len(VIEW_MODULES) > 15


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_view_module_holds_views_only(path):
    """Forms live in forms modules, URL patterns in urls modules, and shared view helpers
    in public modules: a view module imports no other view module (STYLE.md, "Layout")."""
    tree = ast.parse(path.read_text())
    forms = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith(("Form", "FormSet")) for base in node.bases)
    ]
    assert not forms, f"forms belong in a forms module: {forms}"
    patterns = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "urlpatterns" for target in node.targets)
    ]
    assert not patterns, "URL patterns belong in the urls module"
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    other_views = [
        name
        for name in _imported_modules(tree)
        if name != own and name.split(".")[0] in APPS and ("views" in name.split(".")[1:])
    ]
    assert not other_views, f"imports another view module: {other_views}"


@pytest.mark.parametrize(
    "path",
    [path for path in production_modules() if not path.name.endswith("urls.py")],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_url_patterns_are_declared_in_urls_modules_only(path):
    assert "urlpatterns =" not in path.read_text(), "URL patterns belong in a urls module"

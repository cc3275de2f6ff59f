"""The shape of the code: dependencies point one way (team -> twofactor -> accounts), reads and
models never import the actions, and no import hides inside a function to dodge a cycle."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "twofactor", "team")
# What each app may import from the others (below it).
MAY_IMPORT = {"accounts": set(), "twofactor": {"accounts"}, "team": {"accounts", "twofactor"}}
READ_MODULES = ("models", "selectors", "status")
# AppConfig.ready() is where Django wants cross-app wiring; nothing else imports late.
LATE_IMPORTS_ALLOWED = {"accounts/apps.py", "twofactor/apps.py", "team/apps.py"}


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """``(module, inside_a_function)`` for every import of ``path``, relative ones resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    if path.name == "__init__.py":
        package = path.relative_to(ROOT).parts[:-1]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = ".".join(package[: len(package) - child.level + 1])
                    module = f"{base}.{child.module}" if child.module else base
                else:
                    module = child.module
                found.append((module, in_function))
                # "from . import services" names a module too.
                found.extend((f"{module}.{alias.name}", in_function) for alias in child.names)
            visit(child, nested)

    visit(ast.parse(path.read_text()), False)
    return found


def label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_check_sees_imports_of_every_form():
    """The checker itself: absolute, relative and late imports are all found."""
    path = ROOT / "twofactor" / "views" / "setup.py"
    found = {module for module, _late in imports_of(path)}
    assert {"accounts.passwords", "twofactor.services.authenticators", "twofactor.flows"} <= found
    late = {module for module, is_late in imports_of(ROOT / "twofactor" / "apps.py") if is_late}
    assert "accounts.hooks" in late


@pytest.mark.parametrize("path", list(modules()), ids=label)
def test_dependencies_point_one_way(path):
    app = label(path).split("/")[0]
    forbidden = set(APPS) - MAY_IMPORT[app] - {app}
    wrong = [module for module, _late in imports_of(path) if module.split(".")[0] in forbidden]
    assert wrong == [], f"{label(path)} imports {wrong}"


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if p.stem in READ_MODULES or p.parent.name == "selectors"],
    ids=label,
)
def test_models_and_selectors_never_import_services(path):
    wrong = [module for module, _late in imports_of(path) if ".services" in f".{module}"]
    assert wrong == [], f"{label(path)} imports {wrong}"


@pytest.mark.parametrize("path", list(modules()), ids=label)
def test_no_import_hides_inside_a_function(path):
    if label(path) in LATE_IMPORTS_ALLOWED:
        return
    late = [module for module, is_late in imports_of(path) if is_late]
    assert late == [], f"{label(path)} imports {late} inside a function"

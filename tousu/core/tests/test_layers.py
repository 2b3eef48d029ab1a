"""Imports point down (STYLE §1): the lower packages never import the complaint lifecycle or a face.

Every module is parsed, not imported, so an import inside a function counts as much as one at the
top. Tests are left out: a package's tests may drive the whole system.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TOUSU = Path(__file__).resolve().parents[2]
LOWER = ("presets", "calendar", "accounts", "core")
# What the lower packages must not import: the lifecycle, what is built on it, and the faces.
ABOVE = ("tousu.complaints", "tousu.ledger", "tousu.api", "tousu.web", "tousu.portal", "tousu.cli")
# The calendar is pure working-day arithmetic over its own tables (STYLE §1).
CALENDAR_MAY_USE = ("tousu.calendar", "tousu.core")


def modules(root: Path, package: str) -> list[Path]:
    return sorted(p for p in (root / package).rglob("*.py") if "tests" not in p.relative_to(root).parts)


def imported(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in ``path``, relative ones resolved, ``import_module("…")``
    and ``__import__("…")`` with a literal name included."""
    package_parts = ["tousu", *path.relative_to(root).parts[:-1]]  # the package ``from .`` means
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package_parts[: len(package_parts) - node.level + 1], *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]  # from pkg import module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations(root: Path) -> list[str]:
    """Every import that points the wrong way under ``root`` (a ``tousu`` package directory)."""
    found: dict[str, str] = {}  # one per import statement: ``from a import b, c`` names a once
    for package in LOWER:
        for path in modules(root, package):
            for line, module in imported(path, root):
                where = f"{path.relative_to(root.parent)}:{line}"
                if where in found:
                    continue
                if _within(module, ABOVE):
                    found[where] = f"{where} imports {module}"
                elif package == "calendar" and module.startswith("tousu") and not _within(module, CALENDAR_MAY_USE):
                    found[where] = f"{where} imports {module}: the calendar uses only itself and core"
    return list(found.values())


def test_lower_packages_never_import_the_lifecycle_or_a_face() -> None:
    assert violations(TOUSU) == []


@pytest.mark.parametrize(
    "source, wrong",
    [
        ("from tousu.complaints.models import Complaint\n", "tousu.complaints.models"),
        ("def f():\n    from tousu import complaints\n", "tousu.complaints"),
        ("import tousu.web.views\n", "tousu.web.views"),
        ("from importlib import import_module\nimport_module('tousu.api.api')\n", "tousu.api.api"),
    ],
)
def test_it_finds_imports_at_any_depth(tmp_path: Path, source: str, wrong: str) -> None:
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "leak.py").write_text(source, encoding="utf-8")
    assert any(v.endswith(f"imports {wrong}") for v in violations(tmp_path))


def test_it_resolves_relative_imports(tmp_path: Path) -> None:
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "store.py").write_text(
        "from ..accounts import models\nfrom . import workdays\n", encoding="utf-8"
    )
    assert violations(tmp_path) == [
        f"{tmp_path.name}/calendar/store.py:1 imports tousu.accounts: the calendar uses only itself and core"
    ]

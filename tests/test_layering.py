"""The import arrows of DESIGN.md §1: core and db never import Qt; only the UI and scan's thin
adapter import PySide6; only the server itself imports kiosk.server; the server never imports
the UI, the scanner or the device's database layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
QT_ALLOWED = {"kiosk/scan/qt_adapter.py"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[tuple[str, set[str]]]:
    return [
        (str(p.relative_to(PACKAGE.parent)), imports_of(p)) for p in sorted(PACKAGE.rglob("*.py"))
    ]


def uses(imported: set[str], prefix: str) -> list[str]:
    return sorted(n for n in imported if n == prefix or n.startswith(prefix + "."))


@pytest.mark.parametrize(
    ("path", "imported"), modules(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_layering(path: str, imported: set[str]) -> None:
    area = path.split("/")[1] if path.count("/") > 1 else ""
    qt = uses(imported, "PySide6")
    if area != "ui" and path not in QT_ALLOWED:
        assert not qt, f"{path} imports Qt: {qt}"
    if area != "server":
        assert not uses(imported, "kiosk.server"), f"{path} imports the server"
    if area == "core":
        allowed = ("kiosk.core", "nacl")
        foreign = [n for n in imported if n.startswith("kiosk.") and not n.startswith(allowed)]
        assert not foreign, f"core module {path} imports {foreign}"
        assert not uses(imported, "sqlalchemy"), f"{path} imports SQLAlchemy"
    if area == "db":
        foreign = (
            uses(imported, "kiosk.ui") + uses(imported, "kiosk.scan") + uses(imported, "kiosk.sync")
        )
        assert not foreign, f"db module {path} imports {foreign}"
    if area == "server":
        banned = (
            uses(imported, "kiosk.ui") + uses(imported, "kiosk.scan") + uses(imported, "kiosk.db")
        )
        assert not banned, f"server module {path} imports {banned}"
    if area in {"sync", "scan", "printing"}:
        assert not uses(imported, "kiosk.ui"), f"{path} imports the UI"


def test_the_rule_has_teeth(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport kiosk.server.app\n")
    assert uses(imports_of(bad), "PySide6") == ["PySide6.QtCore"]
    assert uses(imports_of(bad), "kiosk.server") == ["kiosk.server.app"]

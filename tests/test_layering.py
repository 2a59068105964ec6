"""The import arrows of DESIGN.md §1: core and db never import Qt; only the UI and scan's thin
adapter import PySide6; only the server itself imports kiosk.server; the server never imports
the UI, the scanner or the device's database layer; the shared SQL module kiosk/sql.py imports
only the standard library, SQLAlchemy, Alembic and the shared error type (kiosk.core.errors),
and core, sync, scan, printing and the UI never import it (db and the server do). And no
module of kiosk/ is in an import cycle, function-level imports included."""

from __future__ import annotations

import ast
import sys
from collections import deque
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
QT_ALLOWED = {"kiosk/scan/qt_adapter.py"}
SQL_MODULE = "kiosk/sql.py"
SQL_MAY_IMPORT = frozenset(sys.stdlib_module_names) | {"sqlalchemy", "alembic"}
SQL_MAY_IMPORT_OF_KIOSK = "kiosk.core.errors"  # the one error type every layer shares
NO_SQL_AREAS = {"core", "sync", "scan", "printing", "ui"}


def imports_of(path: Path, package: str = "") -> set[str]:
    """Every module `path` imports, at any depth (function-level imports too), by absolute
    name; `from a import b` names `a` and `a.b` (b may be a module). Relative imports are
    resolved against `package` (ignored without one)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            elif package:
                parent = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = ".".join(filter(None, (parent, node.module)))
            else:
                continue
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
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
    if area in NO_SQL_AREAS:
        assert not uses(imported, "kiosk.sql"), f"{path} imports the shared SQL module"
    if path == SQL_MODULE:
        foreign = sorted(
            n
            for n in imported
            if n.split(".")[0] not in SQL_MAY_IMPORT and not uses({n}, SQL_MAY_IMPORT_OF_KIOSK)
        )
        assert not foreign, (
            f"{path} may import only stdlib, SQLAlchemy, Alembic, kiosk.core.errors: {foreign}"
        )


def test_the_shared_sql_module_is_checked() -> None:
    """The rule above runs on kiosk/sql.py, and would catch a kiosk import there."""
    assert SQL_MODULE in dict(modules())
    assert "kiosk" not in SQL_MAY_IMPORT and "sqlite3" in SQL_MAY_IMPORT


def test_the_rule_has_teeth(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport kiosk.server.app\n")
    assert uses(imports_of(bad), "PySide6") == ["PySide6.QtCore", "PySide6.QtCore.QObject"]
    assert uses(imports_of(bad), "kiosk.server") == ["kiosk.server.app"]
    late = tmp_path / "late.py"
    late.write_text("def f() -> None:\n    from kiosk import sql\n")
    assert uses(imports_of(late), "kiosk.sql") == ["kiosk.sql"]


# -- import cycles -----------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of `root` it imports, at any depth, with the packages Python
    runs on the way (importing a.b.c runs a and a.b first)."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for imported in imports_of(path, package):
            parts = imported.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a closed path, a -> b -> a) for each group of modules that import each
    other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while (w := stack.pop()) != v:
                group.add(w)
            groups.append(group | {v})

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(_a_cycle(graph, g) for g in groups if len(g) > 1)


def _a_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from the group's first module back to itself."""
    start = min(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v] & group):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if w not in came_from:
                came_from[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group has one


def test_no_import_cycles() -> None:
    found = import_cycles(import_graph())
    assert not found, "import cycles in kiosk/:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_cycle_check_has_teeth(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import pkg.sub.b\n")
    (pkg / "sub" / "b.py").write_text("from .c import x\n")
    (pkg / "sub" / "c.py").write_text("def f():\n    from pkg import a  # late, still a cycle\n")
    (pkg / "d.py").write_text("from pkg import a\n")
    assert import_cycles(import_graph(pkg)) == [["pkg.a", "pkg.sub.b", "pkg.sub.c", "pkg.a"]]
    (pkg / "sub" / "c.py").write_text("x = 1\n")
    assert import_cycles(import_graph(pkg)) == []

"""The layout the code has is the layout docs/architecture.md draws.

The document's table of rooms is read here and every import of every module in `conformance/`
(module level and inside functions) is held against it: a room imports only the rooms its row
names. A room in the code that the document lacks, or a row for a room that is gone, fails too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "conformance"
DOCUMENT = ROOT / "docs" / "architecture.md"
_ROW = re.compile(r"^\|\s*`(?P<room>[a-z0-9_]+)/?`\s*\|(?P<job>[^|]*)\|(?P<imports>[^|]*)\|\s*$")


def drawn_rooms() -> dict[str, set[str]]:
    """room -> the rooms it may import, from the document's table."""
    rooms: dict[str, set[str]] = {}
    for line in DOCUMENT.read_text().splitlines():
        match = _ROW.match(line)
        if match:
            names = set(re.findall(r"`([a-z0-9_]+)/?`", match["imports"]))
            rooms[match["room"]] = names
    return rooms


def room_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def imported_rooms(path: Path) -> set[str]:
    """The rooms of conformance that the module at `path` imports, anywhere in it."""
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(("conformance", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside its own room
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = [module] if module != "conformance" else [_from_package(a.name) for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "conformance" and len(parts) > 1:
                found.add(parts[1])
    return found


def _from_package(name: str) -> str:
    """`from conformance import X`: a room when X is one, else a name of the package's __init__."""
    is_room = (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()
    return f"conformance.{name}" if is_room else "conformance.__init__"


def code_rooms() -> set[str]:
    return {room_of(p) for p in PACKAGE.rglob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }


def test_every_room_of_the_code_is_drawn() -> None:
    drawn, present = set(drawn_rooms()), code_rooms()
    assert not present - drawn, f"rooms docs/architecture.md does not draw: {sorted(present - drawn)}"
    assert not drawn - present, f"rooms drawn that the code no longer has: {sorted(drawn - present)}"


def test_each_room_imports_only_what_its_row_allows() -> None:
    allowed = drawn_rooms()
    breaches = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = room_of(path)
        for other in sorted(imported_rooms(path) - {room, "__init__"} - allowed.get(room, set())):
            breaches.append(f"{path.relative_to(ROOT)} ({room}) imports {other}")
    assert not breaches, "imports the architecture does not allow:\n" + "\n".join(breaches)


def test_the_reference_server_and_the_checks_keep_their_walls() -> None:
    # DESIGN.md's walls, stated again here so that no edit of the table can drop them.
    allowed = drawn_rooms()
    assert allowed["reference"] == set(), "the reference server imports nothing of the suite"
    assert "reference" not in allowed["checks"], (
        "checks are black-box: they never import the reference server"
    )
    assert "reference" not in allowed["judges"] and "http" not in allowed["judges"], (
        "judges never send requests"
    )

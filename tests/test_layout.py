"""The platform knows nothing of the domain: crisis_api never imports incidents."""

import ast
from pathlib import Path

PLATFORM = Path(__file__).resolve().parent.parent / "crisis_api"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_crisis_api_does_not_import_incidents():
    offenders = {
        str(path.relative_to(PLATFORM.parent)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] == "incidents"
        )
        for path in PLATFORM.rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}

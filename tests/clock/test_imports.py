"""The clock package's private modules import each other in one direction only."""

from __future__ import annotations

import ast
import unittest
from pathlib import Path

import asynctoolkit.clock

_PACKAGE = "asynctoolkit.clock"
_FOLDER = Path(asynctoolkit.clock.__file__).parent


def _imports_of(path: Path) -> set[str]:
    """The sibling private modules ``path`` imports, typing-only imports included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == _PACKAGE:
                names.update(alias.name for alias in node.names)
            elif node.module.startswith(_PACKAGE + "."):
                names.add(node.module.removeprefix(_PACKAGE + "."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(_PACKAGE + "."):
                    names.add(alias.name.removeprefix(_PACKAGE + "."))
    return {name for name in names if name.startswith("_")}


class ImportOrderTest(unittest.TestCase):
    def test_no_private_module_imports_one_that_imports_it_back(self) -> None:
        graph = {path.stem: _imports_of(path) for path in _FOLDER.glob("_*.py")}
        graph.pop("__init__", None)

        def reaches(start: str, goal: str, seen: set[str]) -> bool:
            for name in graph.get(start, ()):
                if name == goal or (name not in seen and reaches(name, goal, seen | {name})):
                    return True
            return False

        circles = sorted(name for name in graph if reaches(name, name, {name}))
        self.assertEqual(circles, [], f"import circles among {_PACKAGE}'s modules: {graph}")


if __name__ == "__main__":
    unittest.main()

"""The package's shape: short functions, no import cycle, no module reaching into another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "eastwest"
MODULES = {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.glob("*.py"))}
MAX_FUNCTION_LINES = 80


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    """(module, name) for every eastwest import in a module, late (inside functions) ones included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "eastwest":
            for alias in node.names:
                if node.module == "eastwest":
                    found.append((alias.name, ""))
                else:
                    found.append((node.module.split(".")[1], alias.name))
        elif isinstance(node, ast.Import):
            found += [(a.name.split(".")[1], "") for a in node.names if a.name.startswith("eastwest.")]
    return found


def test_no_function_is_longer_than_one_reads_at_once():
    long = [
        f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for module, tree in MODULES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_no_import_cycle():
    graph = {module: {name for name, _ in _imports(tree) if name in MODULES} for module, tree in MODULES.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [" → ".join(found) for module in graph if (found := cycle_from(module))]
    assert cycles == []


def test_no_module_uses_another_modules_private_names():
    reaching = []
    for module, tree in MODULES.items():
        reaching += [f"{module} imports {source}.{name}" for source, name in _imports(tree) if name.startswith("_")]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in MODULES
                and node.value.id != module
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                reaching.append(f"{module} uses {node.value.id}.{node.attr}")
    assert sorted(set(reaching)) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_is_for(module):
    assert ast.get_docstring(MODULES[module]) or module == "__init__", module

"""The `gtm` package's floors: every import goes down (or stays inside its own floor), and no module imports
itself through a cycle.

``python -m tools.import_floors [--package DIR]`` prints each upward import and each cycle, and exits 1 when
there is one. Every import counts, including those inside functions (they are arrows all the same).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "scripts" / "gtm"

# Floor of each top-level part of the package, bottom first. A module may import modules of a lower floor,
# and of its own part; two parts on one floor do not import each other.
FLOORS: dict[str, int] = {
    "__init__": 0,
    "settings": 0,
    "warehouse": 1,
    "transform": 1,
    "sources": 2,
    "outputs": 3,
    "orchestration": 3,
    "cli": 4,
}


def module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, is_package: bool) -> set[str]:
    """Every `gtm` module ``path`` imports (absolute or relative, at any depth of the code)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # `from gtm.x import y` may name a submodule y.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "gtm" or m.startswith("gtm.")}


def package_graph(package_dir: Path) -> dict[str, set[str]]:
    paths = {module_name(p, package_dir): p for p in sorted(package_dir.rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        targets = imports_of(path, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = part(source), part(target)
            if a == b or b == "__init__":
                continue
            if a not in FLOORS or b not in FLOORS:
                problems.append(f"{source} -> {target}: {a if a not in FLOORS else b} has no floor in FLOORS")
            elif FLOORS[b] >= FLOORS[a]:
                problems.append(
                    f"{source} (floor {FLOORS[a]}, {a}) imports {target} (floor {FLOORS[b]}, {b}): "
                    "imports go down only"
                )
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package's __init__ importing its own submodules is not a cycle between parts.
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def check(package_dir: Path = PACKAGE_DIR) -> list[str]:
    graph = package_graph(package_dir)
    problems = upward_imports(graph)
    problems += [f"import cycle: {' <-> '.join(component)}" for component in cycles(graph)]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.import_floors", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--package", type=Path, default=PACKAGE_DIR, help="package folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    problems = check(args.package)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        graph = package_graph(args.package)
        edges = sum(len(targets) for targets in graph.values())
        print(f"import floors: {len(graph)} modules, {edges} imports, no upward import, no cycle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

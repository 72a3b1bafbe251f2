"""The import graph of greentour's four packages, read from the source with ``ast``.

Run ``python scripts/import_graph.py`` for the figures (import circles, the largest modules in
lines, imports inside functions); ``tests/test_imports.py`` enforces the allowed arrows with the
same functions (see docs/architecture.md):

- ``routing`` and ``forecasting`` import neither ``greentour`` nor ``web`` nor Flask or the store,
  and not each other;
- ``greentour`` (the spine) imports neither ``web`` nor Flask, Werkzeug or waitress;
- no import circles between modules, counting imports inside functions too (they run as well).

Nothing is imported or executed: the files are parsed as text, so the figures also hold for code
that cannot be imported here.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("greentour", "routing", "forecasting", "web")


@dataclass(frozen=True)
class Import:
    """One import statement's target, seen from the importing module.

    ``target`` is a project module (the most specific one the statement names) or, for a
    third-party or standard-library import, the module named (``werkzeug.security``).
    ``in_function`` is true inside a function or method body; ``typing_only`` inside
    ``if TYPE_CHECKING:`` (never executed).
    """

    source: str
    target: str
    line: int
    in_function: bool
    typing_only: bool
    internal: bool


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name → file for every ``.py`` file of the four packages under ``root``."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> tuple[str, bool]:
    """The most specific project module a dotted name lies in, or the name itself outside."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate, True
    return name, False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _exported(package: str, modules: dict[str, Path]) -> set[str]:
    """The names in a project package's ``__all__`` (``routing.solve`` is then the function
    the package exports, not the module of that name)."""
    path = modules.get(package)
    if path is None or path.name != "__init__.py":
        return set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)}
    return set()


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in one module's file, resolved against ``modules``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(name: str, node: ast.stmt, in_function: bool, typing_only: bool) -> None:
        target, internal = _resolve(name, modules)
        found.append(Import(module, target, node.lineno, in_function, typing_only, internal))

    def visit(node: ast.AST, in_function: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child, in_function, typing_only)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = package.split(".")
                    if child.level > 1:
                        base_parts = base_parts[: len(base_parts) - (child.level - 1)]
                    base = ".".join(base_parts)
                    base = f"{base}.{child.module}" if child.module else base
                else:
                    base = child.module or ""
                exported = _exported(base, modules)
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    is_module = full in modules and alias.name not in exported
                    add(full if is_module else base, child, in_function, typing_only)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True, typing_only)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), in_function, typing_only)
            else:
                visit(child, in_function, typing_only)

    visit(tree, False, False)
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    """The imports of every project module under ``root``."""
    modules = project_modules(root)
    return [imp for module, path in modules.items() for imp in imports_of(module, path, modules)]


def runtime_graph(imports: Iterable[Import]) -> dict[str, set[str]]:
    """Project module → project modules it imports when it runs (functions included)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set())
        if imp.internal and not imp.typing_only and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of two or more modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def connect(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups)


def statements_inside_functions(imports: Iterable[Import]) -> list[Import]:
    """One entry per import statement inside a function body (the first name it imports)."""
    seen: dict[tuple[str, int], Import] = {}
    for imp in imports:
        if imp.in_function:
            seen.setdefault((imp.source, imp.line), imp)
    return [seen[key] for key in sorted(seen)]


def top_package(module: str) -> str:
    """``greentour.planning.travel`` → ``greentour``."""
    return module.split(".")[0]


def module_lines(root: Path = ROOT) -> list[tuple[int, str]]:
    """(lines, module) for every project module, longest first."""
    sized = [
        (len(path.read_text(encoding="utf-8").splitlines()), module)
        for module, path in project_modules(root).items()
    ]
    return sorted(sized, key=lambda item: (-item[0], item[1]))


def main(argv: list[str] | None = None) -> int:
    """Print the figures: circles, largest modules, imports inside functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository folder")
    parser.add_argument("--most", type=int, default=10, help="how many largest modules to list")
    parser.add_argument("--list", action="store_true", help="list every import inside a function")
    args = parser.parse_args(argv)

    imports = all_imports(args.root)
    groups = circles(runtime_graph(imports))
    print(f"modules: {len(project_modules(args.root))}")
    print(f"import circles: {len(groups)}")
    for group in groups:
        print("  " + " <-> ".join(group))
    print(f"largest modules (lines, top {args.most}):")
    for lines, module in module_lines(args.root)[: args.most]:
        print(f"  {lines:5d}  {module}")
    inside = statements_inside_functions(imports)
    internal = [imp for imp in inside if imp.internal]
    print(
        f"import statements inside functions: {len(inside)} "
        f"(of project modules: {len(internal)}, of other packages: {len(inside) - len(internal)})"
    )
    if args.list:
        for imp in inside:
            print(f"  {imp.source}:{imp.line} -> {imp.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""No import circle between files of bot/, intents/, rulebook/ or provisioners/ (read with ast).

The graph has an edge a -> b when module a imports module b at the top or inside a function (a
lazy import still runs, only later); imports under `if TYPE_CHECKING:` never run and do not count.
`from pkg import name` points at the module pkg.name where there is one, else at pkg. Importing a
submodule also runs its package's __init__, but Python allows that by design (the package is
already in sys.modules), so that implicit edge is left out: only what a file names counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "intents", "rulebook", "provisioners")

# Circles that are known and accepted, each as the sorted tuple of its modules, with the reason.
# Empty: every circle has been broken. A new entry needs a reason a reviewer would accept.
ALLOWED_CYCLES: dict[tuple[str, ...], str] = {}


def module_files(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    files = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for branch in child.orelse:  # the `else:` of a TYPE_CHECKING block does run
                yield from _import_nodes_of(branch)
            continue
        yield from _import_nodes_of(child)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node)


def imported_names(source: str, package: str) -> set[str]:
    """Every dotted name the source imports; `package` is the one relative imports start from."""
    names: set[str] = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(files: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges = set()
        for name in imported_names(path.read_text(encoding="utf-8"), package):
            while name and name not in files:  # `from pkg import name` where name is no module
                name = name.rpartition(".")[0]
            if name and name != module:
                edges.add(name)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module, as one circle through it."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(module: str) -> None:  # Tarjan; the graph is a few hundred modules deep at most
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return [_circle_through(group, graph) for group in groups]


def _circle_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, to name in the failure."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module] & group):
                if target == start:
                    return [*paths[module], start]
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{sorted(group)} is no circle")  # Tarjan groups always are one


def test_no_import_circle_between_files() -> None:
    found = cycles(import_graph(module_files()))
    unexplained = [circle for circle in found if tuple(sorted(set(circle))) not in ALLOWED_CYCLES]
    assert unexplained == [], "import circles: " + "; ".join(" -> ".join(c) for c in unexplained)


def test_every_allowed_circle_still_exists() -> None:
    # A stale entry would let the same circle come back unnoticed.
    found = {tuple(sorted(set(circle))) for circle in cycles(import_graph(module_files()))}
    assert set(ALLOWED_CYCLES) <= found


def test_the_slack_emulator_imports_nothing_from_the_bot() -> None:
    # It is a stand-in for Slack: it must not be able to lean on what it tests.
    graph = import_graph(module_files())
    outside = {
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.startswith("bot.devtools.slack_emulator")
        for target in targets
        if not target.startswith("bot.devtools.slack_emulator")
    }
    assert outside == set()


def test_tests_share_helpers_only_through_tests_support() -> None:
    # Another package's conftest or test module is no library: moving or renaming it would break
    # tests elsewhere. Shared helpers live in tests/support/ (fixtures there load as plugins).
    borrowed = set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        package = ".".join(path.parent.relative_to(ROOT).parts)
        for name in imported_names(path.read_text(encoding="utf-8"), package):
            if name.startswith("tests.") and not name.startswith(("tests.support.", f"{package}.")):
                borrowed.add(f"{path.relative_to(ROOT)} imports {name}")
    assert borrowed == set()


def _write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return module_files(root, ["pkg"])


def test_a_circle_through_a_function_level_import_is_named(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "def later():\n    from . import c\n",
            "pkg/c.py": "import pkg.a\n",
        },
    )
    assert cycles(import_graph(files)) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_type_checking_imports_close_no_circle(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": (
                "import typing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.a import x\n"
                "if typing.TYPE_CHECKING:\n    import pkg.a\nelse:\n    import json\n"
            ),
        },
    )
    graph = import_graph(files)
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": set()}
    assert cycles(graph) == []


def test_a_name_that_is_no_module_points_at_its_package(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import helper\n",
            "pkg/a.py": "from pkg import helper\n\ndef helper(): ...\n",
        },
    )
    assert cycles(import_graph(files)) == [["pkg", "pkg.a", "pkg"]]

"""The shape of the package, checked from its source: the core stands alone, and no imports go round in circles.

Every `import` in every module of `salesops` counts — at module level, inside
functions, and under `if TYPE_CHECKING:` alike — except in an
`if __name__ == "__main__":` block, which runs only when a file is executed
as a script (then it is the module `__main__`, not part of the package).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "salesops"

# The layers the pure core must not reach: it gets records, settings and today, and
# returns decisions and changes (issue 15 §3).
NOT_FOR_THE_CORE = ("salesops.storage", "salesops.cli", "salesops.reports")


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every module under `root`."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_main_block(node: ast.AST) -> bool:
    """`if __name__ == "__main__":`"""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    sides = {ast.dump(test.left), *(ast.dump(c) for c in test.comparators)}
    return (
        len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and sides
        == {ast.dump(ast.Name("__name__", ast.Load())), ast.dump(ast.Constant("__main__"))}
    )


def _walk(tree: ast.AST):
    """Every node, leaving out the body of `__main__` blocks."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if _is_main_block(node):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def imports(known: dict[str, Path], package: str) -> dict[str, dict[str, int]]:
    """Module → {module of the package it imports: first line}."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges: dict[str, int] = {}
        is_package = path.name == "__init__.py"
        for node in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join([*here, base] if base else here)
                # `from a.b import c` imports the module a.b.c when there is one, else a.b
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
                ]
            for target in targets:
                while target and target not in known:  # `import a.b.c` runs a.b.c (nearest module)
                    target = target.rpartition(".")[0]
                if target.startswith(package) and target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def describe(group: list[str], graph: dict[str, dict[str, int]], known: dict[str, Path]) -> str:
    """The imports inside one cycle, as `file:line imports module` lines."""
    lines = []
    for a in group:
        for b, line in sorted(graph[a].items()):
            if b in group:
                lines.append(f"  {known[a].relative_to(PACKAGE.parent)}:{line} imports {b}")
    return "\n".join(lines)


KNOWN = modules(PACKAGE, "salesops")
GRAPH = imports(KNOWN, "salesops")

# No cycle is tolerated anywhere (the xlsx modules share their helpers through the leaf `xlsx_io`,
# with `storage.xlsx` as their door; the renderers through `render.model`). Should one ever have to
# be listed here for a while, an entry that no longer exists fails the test, so the list only shrinks.
TOLERATED: list[list[str]] = []


def test_the_core_imports_no_storage_cli_or_reports():
    core = [m for m in GRAPH if m == "salesops.core" or m.startswith("salesops.core.")]
    assert "salesops.core.flow" in core and "salesops.core.validate" in core
    wrong = [
        f"{KNOWN[m].relative_to(PACKAGE.parent)}:{line} imports {target}"
        for m in core
        for target, line in GRAPH[m].items()
        if target.startswith(NOT_FOR_THE_CORE)
    ]
    assert not wrong, "the core must not import storage, the CLI or reports:\n" + "\n".join(wrong)


def test_no_import_cycles_in_the_package():
    found = cycles(GRAPH)
    new = [g for g in found if g not in TOLERATED]
    assert not new, "import cycles:\n" + "\n\n".join(describe(g, GRAPH, KNOWN) for g in new)
    gone = [g for g in TOLERATED if g not in found]
    assert not gone, f"these cycles are gone: remove them from TOLERATED: {gone}"


def test_click_is_reached_through_one_module():
    """typer's vendored click is private (`typer._click`): one small module imports it (issue 15 §4)."""
    users = []
    for name, path in KNOWN.items():
        for node in _walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "click" or n.startswith(("click.", "typer._click")) for n in names):
                users.append(name)
    assert sorted(set(users)) == ["salesops.cli.clicklib"]


# ---------------------------------------------------------------- the checker itself


@pytest.fixture
def toy(tmp_path):
    root = tmp_path / "toy"
    (root / "core").mkdir(parents=True)
    for name in ("__init__.py", "core/__init__.py"):
        (root / name).write_text("")

    def make(files: dict[str, str]) -> dict[str, dict[str, int]]:
        for name, text in files.items():
            (root / name).write_text(text)
        return imports(modules(root, "toy"), "toy")

    return make


def test_the_checker_sees_imports_inside_functions_and_type_checking_blocks(toy):
    graph = toy(
        {
            "a.py": "def f():\n    from toy.core import b\n",
            "core/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from toy import a\n",
            "c.py": "from .core.b import x\nimport toy.a\n",
        }
    )
    assert graph["toy.a"] == {"toy.core.b": 2}
    assert graph["toy.core.b"] == {"toy.a": 3}
    assert graph["toy.c"] == {"toy.core.b": 1, "toy.a": 2}
    assert cycles(graph) == [["toy.a", "toy.core.b"]]


def test_the_checker_leaves_out_main_blocks_only(toy):
    graph = toy(
        {
            "a.py": "import toy.b\n",
            "b.py": "if __name__ == '__main__':\n    import toy.a\n",
            "d.py": "if __name__ != '__main__':\n    import toy.a\nelse:\n    import toy.c\n",
            "c.py": "if '__main__' == __name__:\n    pass\nelse:\n    import toy.d\n",
        }
    )
    assert graph["toy.b"] == {} and graph["toy.d"] == {"toy.a": 2, "toy.c": 4}
    assert graph["toy.c"] == {"toy.d": 4}
    assert cycles(graph) == [["toy.c", "toy.d"]]

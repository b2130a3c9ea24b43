"""The import graph of the mgnet package is one-way (issue 16).

Built from the source with :mod:`ast` (nothing is imported, so the test takes well under a
second): every ``import`` and ``from ... import`` statement of every module, at module
level or inside a function, is an edge to the mgnet module it names (``from pkg import
name`` is an edge to the submodule ``pkg.name`` when that is a module, else to ``pkg``).
The test fails on

- any cycle (a strongly connected component of more than one module, or a module that
  imports itself);
- ``mgnet.models`` importing ``mgnet.experiments`` or ``mgnet.analysis`` (physics only);
- ``mgnet.analysis`` importing brian2 or ``mgnet.experiments`` (run files and statistics
  only, so that ``mgnet info`` and the report work without brian2).

Imports made by name at run time (``importlib.import_module``) are not statements and are
not edges: the one such place is the experiment registry's discovery
(:mod:`mgnet.experiments.registry`), which loads the modules that declare an
``EXPERIMENT``.
"""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _package_dirs() -> dict[str, Path]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    dirs = meta["tool"]["setuptools"]["package-dir"]
    return {pkg: REPO / path for pkg, path in dirs.items()}


def _modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the mgnet package."""
    out: dict[str, Path] = {}
    for pkg, root in _package_dirs().items():
        for path in root.rglob("*.py"):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if any(p.startswith(".") or p in ("templates",) for p in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.setdefault(".".join([pkg, *parts]), path)
    return out


def _imports(name: str, path: Path, modules: dict) -> tuple[set[str], set[str]]:
    """(mgnet modules imported, top-level names of other packages imported)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    internal, external = set(), set()

    def add(target: str):
        if target.split(".")[0] != "mgnet":
            external.add(target.split(".")[0])
            return
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target:
            internal.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "__future__":
                continue
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                add(sub if sub in modules else mod)
    internal.discard(name)
    return internal, external


def _graph():
    modules = _modules()
    edges, external = {}, {}
    for name, path in modules.items():
        edges[name], external[name] = _imports(name, path, modules)
    return modules, edges, external


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_graph_covers_the_package():
    modules, edges, _ = _graph()
    for name in ("mgnet", "mgnet.models.culture", "mgnet.experiments.cli",
                 "mgnet.experiments.runner", "mgnet.analysis.run_file",
                 "mgnet.analysis.figures.memory"):
        assert name in modules
    # function-level imports count: cli imports the runner inside _cmd_run
    assert "mgnet.experiments.runner" in edges["mgnet.experiments.cli"]


def test_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    _, edges, _ = _graph()
    cycles = _cycles(edges)
    detail = "; ".join(
        " <-> ".join(c) + " [" + ", ".join(f"{a}->{b}" for a in c for b in sorted(edges[a])
                                           if b in c) + "]" for c in cycles)
    assert not cycles, f"import cycles: {detail}"


def test_layers():
    _, edges, external = _graph()
    bad = []
    for name, targets in edges.items():
        if name.startswith("mgnet.models"):
            bad += [f"{name} -> {t}" for t in targets
                    if t.startswith(("mgnet.experiments", "mgnet.analysis"))]
        if name.startswith("mgnet.analysis"):
            bad += [f"{name} -> {t}" for t in targets if t.startswith("mgnet.experiments")]
            if "brian2" in external[name]:
                bad.append(f"{name} -> brian2")
    assert not bad, "imports against the layers: " + "; ".join(sorted(bad))

"""Issue 16: no module over 500 lines and no function over 80.

Fast (the sources are parsed, nothing is imported).  A module's size is its number of lines;
a function's is the span from its first decorator (or its ``def``) to its last line, the
docstring included; nested functions and methods count on their own.  The package's folders
(``models/``, ``experiments/``, ``analysis/``, ``src/mgnet/``) and ``benchmarks/`` are
scanned.

:data:`ALLOWED_MODULES` and :data:`ALLOWED_FUNCTIONS` list what is still over the limits and
waits to be split (nothing since the last splits); the list can only shrink: an entry that is back within the limit, or gone,
fails :func:`test_allow_list_has_no_stale_entry` until it is deleted here, and nothing may
be added to it (split the new code instead).
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("models", "experiments", "analysis", "src", "benchmarks")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

#: Modules still over :data:`MAX_MODULE_LINES` (none left; the list stays so that an
#: exception has one place, with its reason).
ALLOWED_MODULES: set[str] = set()

#: Functions still over :data:`MAX_FUNCTION_LINES` (``path::qualified name``; none left).
ALLOWED_FUNCTIONS: set[str] = set()


def _sources() -> list[Path]:
    return [p for d in SCANNED for p in sorted((ROOT / d).rglob("*.py"))]


def _functions(tree: ast.AST, prefix: str = ""):
    """``(qualified name, lines)`` of every function in ``tree``, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield prefix + node.name, node.end_lineno - start + 1
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


@functools.lru_cache(maxsize=1)
def _sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Lines of every scanned module and of every function in them."""
    modules, functions = {}, {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        modules[rel] = len(text.splitlines())
        for name, lines in _functions(ast.parse(text, filename=rel)):
            functions[f"{rel}::{name}"] = max(lines, functions.get(f"{rel}::{name}", 0))
    return modules, functions


def test_the_scan_sees_the_package():
    modules, functions = _sizes()
    assert "analysis/statistics/__init__.py" in modules
    assert "analysis/bursts.py::detect_network_bursts" in functions
    assert len(modules) > 50


def test_no_module_over_the_limit():
    modules, _ = _sizes()
    over = {m: n for m, n in modules.items() if n > MAX_MODULE_LINES and m not in ALLOWED_MODULES}
    assert not over, (f"modules over {MAX_MODULE_LINES} lines (split them into cohesive "
                      f"modules; do not add them to ALLOWED_MODULES): {over}")


def test_no_function_over_the_limit():
    _, functions = _sizes()
    over = {f: n for f, n in functions.items()
            if n > MAX_FUNCTION_LINES and f not in ALLOWED_FUNCTIONS}
    assert not over, (f"functions over {MAX_FUNCTION_LINES} lines (split them; do not add "
                      f"them to ALLOWED_FUNCTIONS): {over}")


def test_allow_list_has_no_stale_entry():
    """The allow-lists only shrink: delete an entry once its module or function is within
    the limit (or gone)."""
    modules, functions = _sizes()
    stale = sorted(m for m in ALLOWED_MODULES if modules.get(m, 0) <= MAX_MODULE_LINES)
    stale += sorted(f for f in ALLOWED_FUNCTIONS if functions.get(f, 0) <= MAX_FUNCTION_LINES)
    assert not stale, f"within the limits now (or gone): remove from the allow-lists: {stale}"


def test_function_measure():
    tree = ast.parse("@dec\ndef f(x):\n    '''doc'''\n    def g():\n        pass\n    return g\n"
                     "class C:\n    def m(self):\n        return 1\n")
    assert dict(_functions(tree)) == {"f": 6, "f.g": 2, "C.m": 2}

#!/usr/bin/env python3
"""Rewrite the old top-level import names to the ``mgnet`` package (issue 16, "One house").

The folders ``models/``, ``experiments/`` and ``analysis/`` are the subpackages
``mgnet.models``, ``mgnet.experiments`` and ``mgnet.analysis`` of one distribution (a
setuptools package-dir mapping in ``pyproject.toml``); nothing generic is importable at the
top of site-packages any more.  This script rewrites every reference to the old names in
the tracked text files of a checkout, so that a branch made before the change can be
brought to the new names mechanically, with the same lines as everywhere else::

    python3 tools/mgnet_imports.py            # rewrite in place, list the changed files
    python3 tools/mgnet_imports.py --check    # change nothing; exit 1 if a file would change
    python3 tools/mgnet_imports.py --diff     # print the rewrite as a unified diff

Only the standard library is needed (run it with any Python >= 3.9, from anywhere inside
the checkout, or pass ``--root``).  It is deterministic and idempotent: a second run
changes nothing.

Rewrites (``P`` is ``models``, ``experiments`` or ``analysis``):

1. ``P.name`` -> ``mgnet.P.name`` wherever ``name`` is a module (``P/name.py``) or
   subpackage (``P/name/``) of the checkout and ``P`` is not preceded by a word character,
   ``.``, ``/`` or ``\\`` (so ``mgnet.models.x``, ``foo.models.x`` and paths such as
   ``docs/notebooks/analysis.ipynb`` stay).  This covers ``from P.x import ...``,
   ``import P.x as y``, ``python -m experiments.cli``, entry points
   (``"experiments.cli:main"``), registry and monkeypatch strings
   (``"analysis.run_file.write_run"``), and references in docstrings and docs.
2. ``from P import ...`` -> ``from mgnet.P import ...`` (anywhere on a line, so also in
   code held in strings and in notebook JSON).
3. A statement ``import P`` -> ``from mgnet import P``; ``import P as y`` ->
   ``import mgnet.P as y``.

Reported, not rewritten (fix by hand; exit status 1 in ``--check`` mode too):
``import P.x`` without ``as`` (it binds ``P``, which ``import mgnet.P.x`` would not) and
``import P, other`` lists.

Files: ``git ls-files`` under the root (tracked files only), with the suffixes in
:data:`SUFFIXES` or the names in :data:`NAMES`; ``tools/`` is skipped (this script and the
equivalence checker describe both layouts on purpose), and so is ``pyproject.toml``
(:data:`SKIP_FILES`: its mapping is written by hand).  Notebooks are rewritten as text,
which keeps their JSON formatting byte for byte.
"""
from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

PACKAGES = ("models", "experiments", "analysis")
SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".cfg", ".ini", ".txt", ".rst", ".yml",
            ".yaml", ".sh", ".pyx", ".py_", ".json"}
NAMES = {"Makefile", "run"}          # run: .ci/run
SKIP_DIRS = ("tools/",)
#: Written by hand (the package-dir mapping, the entry point): a branch that kept the old
#: pyproject.toml then merges the new one without a conflict.
SKIP_FILES = {"pyproject.toml"}

_P = "|".join(PACKAGES)
_DOTTED = re.compile(rf"(?<![\w./\\])({_P})\.(\w+)")
_FROM = re.compile(rf"(?<![\w.])from(\s+)({_P})(\s+import\b)")
_IMPORT_BARE = re.compile(rf"^(\s*)import\s+({_P})\s*(#.*)?$")
_IMPORT_AS = re.compile(rf"^(\s*)import(\s+)({_P})(\s+as\s)")
_IMPORT_SAFE = re.compile(rf"^\s*import\s+({_P})(\.\w+)*\s+as\s+\w+\s*(#.*)?$")
_IMPORT_ANY = re.compile(rf"^\s*import\s+(.*[\s,])?({_P})\b")


def submodules(root: Path) -> dict[str, frozenset[str]]:
    """Module and subpackage names of each package folder of the checkout."""
    out = {}
    for pkg in PACKAGES:
        names = set()
        folder = root / pkg
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(("_", ".")):
                    continue
                if p.is_file() and p.suffix == ".py":
                    names.add(p.stem)
                elif p.is_dir() and (p / "__init__.py").exists():
                    names.add(p.name)
        out[pkg] = frozenset(names)
    return out


def rewrite_line(line: str, mods: dict[str, frozenset[str]]) -> tuple[str, str | None]:
    """(new line, warning or None) for one line of text."""
    if _IMPORT_ANY.match(line) and not (_IMPORT_BARE.match(line) or _IMPORT_SAFE.match(line)):
        return line, "import of an old top-level name that binds it: fix by hand"

    def dotted(m: re.Match) -> str:
        pkg, name = m.group(1), m.group(2)
        return f"mgnet.{pkg}.{name}" if name in mods[pkg] else m.group(0)

    new = _DOTTED.sub(dotted, line)
    new = _FROM.sub(r"from\1mgnet.\2\3", new)
    m = _IMPORT_BARE.match(new)
    if m:
        comment = f"  {m.group(3)}" if m.group(3) else ""
        new = f"{m.group(1)}from mgnet import {m.group(2)}{comment}"
    new = _IMPORT_AS.sub(r"\1import\2mgnet.\3\4", new)
    return new, None


def rewrite_text(text: str, mods) -> tuple[str, list[tuple[int, str, str]]]:
    lines = text.split("\n")
    out, warnings = [], []
    for i, line in enumerate(lines, 1):
        new, warning = rewrite_line(line, mods)
        out.append(new)
        if warning:
            warnings.append((i, warning, line.strip()))
    return "\n".join(out), warnings


def tracked_files(root: Path) -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                                capture_output=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        sys.exit("mgnet_imports: not a git checkout (git ls-files failed)")
    files = []
    for rel in sorted(f for f in listed if f):
        if rel.startswith(SKIP_DIRS) or rel in SKIP_FILES:
            continue
        p = root / rel
        if (p.suffix in SUFFIXES or p.name in NAMES) and p.is_file() and not p.is_symlink():
            files.append(p)
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=None,
                    help="checkout root (default: the git top level of the current folder)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if a file would change or needs a hand fix")
    mode.add_argument("--diff", action="store_true", help="print a unified diff, change nothing")
    args = ap.parse_args(argv)
    root = args.root
    if root is None:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True)
        if top.returncode:
            print("mgnet_imports: not inside a git checkout (pass --root)", file=sys.stderr)
            return 2
        root = Path(top.stdout.strip())
    root = root.resolve()
    mods = submodules(root)
    changed, hand = [], []
    for path in tracked_files(root):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        new, warnings = rewrite_text(text, mods)
        rel = path.relative_to(root).as_posix()
        hand += [(rel, i, w, src) for i, w, src in warnings]
        if new == text:
            continue
        changed.append(rel)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}"))
        elif not args.check:
            path.write_bytes(new.encode("utf-8"))
    for rel, i, w, src in hand:
        print(f"{rel}:{i}: {w}: {src}", file=sys.stderr)
    verb = "would change" if (args.check or args.diff) else "changed"
    print(f"mgnet_imports: {verb} {len(changed)} file(s)"
          + "".join(f"\n  {c}" for c in changed), file=sys.stderr if args.diff else sys.stdout)
    if args.check and (changed or hand):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

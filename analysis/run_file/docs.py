"""The schema tables of ``docs/run-files.md``, generated from :mod:`.schema`.

Each generated table sits between two marker lines::

    <!-- schema:NAME (generated from analysis/run_file/schema.py; ...) -->
    | ... |
    <!-- /schema:NAME -->

where NAME is ``root``, a group of :data:`.schema.GROUPS` that has columns, or
``experiments``.  ``python -m mgnet.analysis.run_file.docs`` rewrites the tables of
``docs/run-files.md`` in place (``--check`` only reports whether they are current;
``tests/test_run_file.py`` runs the check).  Never imports brian2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..markdown import markdown_table
from . import schema

__all__ = ["tables", "render", "DOC"]

#: The document whose tables are generated.
DOC = Path(__file__).resolve().parents[2] / "docs" / "run-files.md"

_BLOCK = re.compile(r"(<!-- schema:(?P<name>[\w-]+) [^\n]*-->\n)(?P<body>.*?)(<!-- /schema:(?P=name) -->)",
                    re.DOTALL)


def _code(text: str) -> str:
    return f"`{text}`"


def _root_table() -> str:
    rows = [[_code(a.name), a.type, a.meaning] for a in schema.ROOT_ATTRIBUTES]
    return markdown_table(rows, ["attribute", "type", "meaning"])


def _meaning(col: schema.Column) -> str:
    parts = [col.meaning]
    if col.check is not None:
        parts.append(schema.CHECKS[col.check])
    if col.required:
        parts.append("**required**")
    return ", ".join(p for p in parts if p)


def _column_table(g: schema.Group) -> str:
    stored = any(c.stored for c in g.columns)
    header = ["column", "dtype", "units on disk", "units in memory", "meaning"] if stored \
        else ["column", "units", "meaning"]
    rows = []
    for col in g.columns:
        name = _code(col.name + ("<phase>" if col.prefix else ""))
        if stored:
            rows.append([name, col.dtype, ", ".join(
                f"{_code(col.stored_unit(v))} (schema {v})" for v in schema.READABLE_SCHEMA_VERSIONS),
                _code(col.unit), _meaning(col)])
        else:
            rows.append([name, _code(col.unit), _meaning(col)])
    return markdown_table(rows, header)


def _experiments_table() -> str:
    rows = [[_code(path), _code(unit), meaning, section.title]
            for section in schema.EXPERIMENT_SECTIONS for path, unit, meaning in section.datasets]
    return markdown_table(rows, ["dataset", "units", "meaning", "written by"])


def tables() -> dict[str, str]:
    """Name -> markdown table, for every generated table."""
    out = {"root": _root_table()}
    out.update({g.name: _column_table(g) for g in schema.GROUPS if g.columns})
    out["experiments"] = _experiments_table()
    return out


def render(text: str) -> str:
    """``text`` with every marked table replaced by its generated version.

    Raises
    ------
    ValueError
        If a marker names an unknown table, or a generated table has no marker.
    """
    generated = tables()
    seen = set()

    def replace(m: re.Match) -> str:
        name = m.group("name")
        if name not in generated:
            raise ValueError(f"docs marker schema:{name} names no schema table "
                             f"(known: {', '.join(generated)})")
        seen.add(name)
        return f"{m.group(1)}{generated[name]}\n{m.group(4)}"

    out = _BLOCK.sub(replace, text)
    missing = set(generated) - seen
    if missing:
        raise ValueError(f"no docs marker for the schema table(s) {', '.join(sorted(missing))}")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mgnet.analysis.run_file.docs",
                                description="Regenerate the schema tables of docs/run-files.md.")
    p.add_argument("--check", action="store_true", help="only report whether they are current")
    p.add_argument("--doc", type=Path, default=DOC)
    args = p.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print(f"{args.doc}: schema tables are out of date; run "
                  "'python -m mgnet.analysis.run_file.docs'", file=sys.stderr)
            return 1
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

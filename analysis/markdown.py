"""Markdown output shared by the reports (issue 16: one table helper).

Pure Python: never imports Brian2.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["md_cell", "markdown_table"]


def md_cell(text: Any) -> str:
    """``text`` as one markdown table cell: ``|`` (which would end the cell early) becomes
    ``/`` and a newline (which would end the row) a space."""
    return str(text).replace("|", "/").replace("\n", " ")


def markdown_table(rows: Sequence[Sequence[Any]], header: Sequence[Any]) -> str:
    """A GitHub-flavoured markdown table: the header row, a ``|---|`` rule and one line per
    row, every cell passed through :func:`md_cell`; no trailing newline.

    The header is written as given (the reports' headers are literals).
    """
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)

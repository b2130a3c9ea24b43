"""The analysis studies, discovered from this package, and what runs over all of them.

Each module of this package (other than :mod:`~mgnet.analysis.studies.base` and names
starting with ``_``) declares one ``STUDY`` (:class:`~mgnet.analysis.studies.base.Study`):
a new study is one new module here plus its tests, and edits no shared list.
:func:`make_figures`, :func:`figure_verdicts`, :data:`DOCS_FIGURES` and
:data:`DOCS_TITLES` are built from :func:`discover`.

Never imports brian2.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from .base import FIGURE_DPI, NOT_JUDGED, NOT_REPRODUCED, REPRODUCED, Study, latest_scale, load_runs

__all__ = ["Study", "discover", "make_figures", "figure_verdicts", "docs_figures",
           "docs_titles", "load_runs", "latest_scale", "FIGURE_DPI", "REPRODUCED",
           "NOT_REPRODUCED", "NOT_JUDGED"]


@functools.lru_cache(maxsize=1)
def discover() -> tuple[Study, ...]:
    """Every study of this package, in report order (:attr:`Study.order`).

    Raises
    ------
    TypeError
        A study module without a ``STUDY`` of type :class:`Study`.
    ValueError
        Two studies with the same name or order.
    """
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        study = getattr(importlib.import_module(f"{__name__}.{info.name}"), "STUDY", None)
        if not isinstance(study, Study):
            raise TypeError(f"{__name__}.{info.name} declares no STUDY of type Study")
        found.append(study)
    for attr in ("name", "order"):
        values = [getattr(s, attr) for s in found]
        if len(set(values)) != len(values):
            raise ValueError(f"two studies share the {attr}: {sorted(map(str, values))}")
    return tuple(sorted(found, key=lambda s: s.order))


def make_figures(results: Path, scale: str | None = None) -> list[Path]:
    """Draw every figure whose run files (at ``scale``; default: the scale of the
    newest run file) exist; return the written paths (study by study, in report order)."""
    results = Path(results)
    scale = scale or latest_scale(results)
    out_dir = results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for study in discover():
        written += study.figures(results, out_dir, scale)
    return written


def figure_verdicts(results: Path, scale: str | None = None,
                    rows: list[dict] | None = None, context: dict | None = None
                    ) -> dict[str, dict]:
    """Whether each figure (and panel, ``file#a`` …) reproduces its paper target, computed
    from the run files with each study's own rules (:attr:`Study.verdicts`).

    Parameters
    ----------
    results : path
    scale : str, optional
        Default: the scale of the newest run file.
    rows : list of dict, optional
        The T1–T9 rows, if already computed (the configuration study's context).
    context : dict, optional
        The report's shared context (see :data:`~mgnet.analysis.studies.base.SectionsFn`).

    Returns
    -------
    dict
        name -> {``status`` (reproduced / not reproduced / partly reproduced / not judged),
        ``label`` (e.g. "T1: not reproduced"), ``detail`` (the failing checks)}.
    """
    results = Path(results)
    scale = scale or latest_scale(results)
    context = dict(context or {})
    if rows is not None:
        context["configuration_rows"] = rows
    out: dict[str, dict] = {}
    for study in discover():
        if study.verdicts is not None:
            out.update(study.verdicts(results, scale, context))
    return out


def docs_figures() -> tuple[str, ...]:
    """The figures copied to ``docs/figures``, in README order."""
    ordered = sorted(discover(), key=lambda s: s.docs_order)
    return tuple(name for s in ordered for name, _ in s.docs_figures)


def docs_titles() -> dict[str, str]:
    """Short title of every README figure copy."""
    return {name: title for s in discover() for name, title in s.docs_figures}

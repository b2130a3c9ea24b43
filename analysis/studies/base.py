"""The typed analysis study interface and the helpers every study shares.

A *study* is what the analysis layer does for one family of experiments: it turns their
run files into report sections, figures and figure verdicts.  Each study lives in its own
module of :mod:`mgnet.analysis.studies` and declares one module-level ``STUDY``; the
report (:mod:`mgnet.analysis.report`) and the README figure copies
(:mod:`mgnet.analysis.docs_figures`) find them with
:func:`mgnet.analysis.studies.discover`, so adding a study edits no shared list.

Never imports brian2.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..run_file import list_runs, read_run

__all__ = ["Study", "load_runs", "latest_scale", "REPRODUCED", "NOT_REPRODUCED",
           "NOT_JUDGED", "FIGURE_DPI"]

#: Resolution of the figures under ``results/figures``.
FIGURE_DPI = 150

#: Verdict words (the README labels).
REPRODUCED, NOT_REPRODUCED, NOT_JUDGED = "reproduced", "not reproduced", "not judged"

#: ``sections(results, scale, context) -> list of markdown sections``.  ``context`` is one
#: dict per report, shared by the studies in their order (a study may leave values there
#: for its own :attr:`Study.verdicts`, e.g. rows it already computed); when the studies run
#: in parallel processes (:func:`mgnet.analysis.studies.run_studies`, ``mgnet reproduce``)
#: each study's sections start from an empty one and what they leave is merged, in study
#: order, before the verdicts.
SectionsFn = Callable[[Path, "str | None", dict], list]
#: ``figures(results, out_dir, scale) -> written paths``.
FiguresFn = Callable[[Path, Path, "str | None"], list]
#: ``verdicts(results, scale, context) -> {figure file (or file#panel): verdict dict}``;
#: a verdict dict has ``status`` (one of the verdict words or "partly reproduced"),
#: ``label`` and ``detail``.
VerdictsFn = Callable[[Path, "str | None", dict], dict]


@dataclass(frozen=True)
class Study:
    """One analysis study: what the report and the figures do for some experiments.

    Attributes
    ----------
    name : str
        Short name (unique).
    experiments : tuple of str
        The experiments whose run files it reads (documentation and checks only).
    order : int
        Position of its sections and figures in the report (ascending).
    sections, figures, verdicts
        See :data:`SectionsFn`, :data:`FiguresFn`, :data:`VerdictsFn`; ``verdicts`` may be
        None (no figure of the study has a paper verdict).
    docs_figures : tuple of (file, title)
        Figures copied to ``docs/figures`` and listed in the README, in this order.
    docs_order : int
        Position of its docs figures among all studies' (ascending).
    """
    name: str
    experiments: tuple[str, ...]
    order: int
    sections: SectionsFn
    figures: FiguresFn
    verdicts: VerdictsFn | None = None
    docs_figures: tuple[tuple[str, str], ...] = field(default=())
    docs_order: int = 0


def load_runs(results: Path, experiment: str, scale: str | None = None):
    """All complete run files of ``experiment`` (at ``scale``, if given) under
    ``results/runs``."""
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment, scale)]


def latest_scale(results: Path) -> str | None:
    """Scale of the most recently written run file (None if there are none).

    Figures and the report use one scale at a time, so quick and default runs in
    the same results folder are never pooled.
    """
    paths = list_runs(Path(results) / "runs")
    if not paths:
        return None
    newest = max(paths, key=lambda p: p.stat().st_mtime)
    return read_run(newest).attrs.get("scale")

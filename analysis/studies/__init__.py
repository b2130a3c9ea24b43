"""The analysis studies, discovered from this package, and what runs over all of them.

Each module of this package (other than :mod:`~mgnet.analysis.studies.base` and names
starting with ``_``) declares one ``STUDY`` (:class:`~mgnet.analysis.studies.base.Study`):
a new study is one new module here plus its tests, and edits no shared list.
:func:`make_figures`, :func:`figure_verdicts`, :data:`DOCS_FIGURES` and
:data:`DOCS_TITLES` are built from :func:`discover`; :func:`run_studies` runs each
study's figures and sections as one task, the studies in parallel processes.

Never imports brian2.
"""
from __future__ import annotations

import functools
import importlib
import os
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

from .base import FIGURE_DPI, NOT_JUDGED, NOT_REPRODUCED, REPRODUCED, Study, latest_scale, load_runs

__all__ = ["Study", "discover", "make_figures", "figure_verdicts", "docs_figures",
           "docs_titles", "load_runs", "latest_scale", "FIGURE_DPI", "REPRODUCED",
           "NOT_REPRODUCED", "NOT_JUDGED", "StudyOutput", "run_study", "run_studies",
           "default_workers"]


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


def make_figures(results: Path, scale: str | None = None,
                 workers: int | None = None) -> list[Path]:
    """Draw every figure whose run files (at ``scale``; default: the scale of the
    newest run file) exist; return the written paths (study by study, in report order).

    The studies are drawn in up to ``workers`` processes (default one per core; 1: in
    this process), with the same files and the same returned list either way
    (:func:`run_studies`)."""
    results = Path(results)
    scale = scale or latest_scale(results)
    outs = run_studies(results, scale, figures=True, sections=False, workers=workers)
    return [p for out in outs for p in out.figures]


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


# --------------------------------------------------------------------------------------
# the studies' figures and report sections, one task per study, in worker processes
# --------------------------------------------------------------------------------------
# A study's figures and its sections read the same run files and share per-run metrics
# (:mod:`mgnet.analysis.memory_report.cache`), so both run in one task, in one process,
# inside :func:`~mgnet.analysis.run_file.shared.shared_reads` (each run file read once).
# Studies are independent of each other, so their tasks run in up to ``workers`` processes
# (``spawn`` context, matplotlib's Agg backend); the results come back in report order
# whatever order the tasks finish in, so the written paths, the captions and the report
# are the same as with one worker.  Figures record their captions in the task
# (:func:`~mgnet.analysis.figures.style.recording_captions`) and the caller writes them to
# ``captions.json`` in study order, so no two processes write that file.
#
# A study's sections get a context of their own in a task (not the one shared by the
# studies of :func:`~mgnet.analysis.report.write_report`); what they leave there comes back
# in :attr:`StudyOutput.context`.  Never imports brian2.


@dataclass
class StudyOutput:
    """What one study's task gives back.

    Attributes
    ----------
    name : str
        The study.
    figures : list of Path
        Written figures, in the study's order.
    captions : dict
        Folder -> figure file -> caption entry, for ``captions.json``.
    sections : list of str
        Report sections (empty when sections were not asked for).
    context : dict
        What the study's sections left in their context.
    """
    name: str
    figures: list[Path] = field(default_factory=list)
    captions: dict = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)


def default_workers() -> int:
    """One process per core."""
    return os.cpu_count() or 1


def run_study(name: str, results: Path, scale: str | None, figures: bool = True,
              sections: bool = False) -> StudyOutput:
    """The figures (to ``results/figures``) and/or the report sections of the study
    ``name``, in this process, each run file read once."""
    import matplotlib
    matplotlib.use("Agg")

    from ..figures.style import recording_captions
    from ..run_file.shared import shared_reads
    study = next((s for s in discover() if s.name == name), None)
    if study is None:
        raise LookupError(f"no study named {name!r} in this process")
    out = StudyOutput(name)
    with shared_reads(), recording_captions() as captions:
        if figures:
            out.figures = list(study.figures(results, results / "figures", scale))
        if sections:
            out.sections = list(study.sections(results, scale, out.context))
    out.captions = captions
    return out


def _cost(study, results: Path) -> int:
    """Bytes of run files of the study's experiments: the larger, the earlier it starts."""
    return sum(p.stat().st_size for e in study.experiments
               for p in (results / "runs" / e).glob("*.h5"))


def run_studies(results: Path, scale: str | None, *, figures: bool = True,
                sections: bool = False, workers: int | None = None) -> list[StudyOutput]:
    """:func:`run_study` of every study (:func:`~mgnet.analysis.studies.discover`), in
    up to ``workers`` processes (default :func:`default_workers`; 1: in this process),
    in report order; the figures' captions are written to ``captions.json``.

    The first failing study (in report order) raises its exception here, as it would
    with one worker; the tasks not yet started are cancelled.
    """
    from ..figures.style import write_captions
    results = Path(results)
    (results / "figures").mkdir(parents=True, exist_ok=True)
    studies = discover()
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or len(studies) == 1:
        outs = [run_study(s.name, results, scale, figures, sections) for s in studies]
    else:
        outs = _in_processes(studies, results, scale, figures, sections, workers)
    for out in outs:
        for folder, entries in out.captions.items():
            write_captions(Path(folder), entries)
    return outs


def _in_processes(studies, results: Path, scale: str | None, figures: bool,
                  sections: bool, workers: int) -> list[StudyOutput]:
    """:func:`run_study` of ``studies`` in a pool of ``spawn`` processes, the costliest
    submitted first, the results in the order of ``studies``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    first = sorted(studies, key=lambda s: -_cost(s, results))
    with ProcessPoolExecutor(max_workers=min(workers, len(studies)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {s.name: pool.submit(run_study, s.name, results, scale, figures, sections)
                   for s in first}
        try:
            return [futures[s.name].result() for s in studies]
        except BaseException:
            for f in futures.values():
                f.cancel()
            raise

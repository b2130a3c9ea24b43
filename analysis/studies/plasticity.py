"""Study ``plasticity``: the pre-registered preset tests (``plasticity-presets``,
:mod:`mgnet.analysis.presets_report`) and the induction protocols
(``plasticity-induction``, :mod:`mgnet.analysis.plasticity_report`)."""
from __future__ import annotations

from pathlib import Path

from .base import NOT_JUDGED, Study

#: The plasticity figures show predictions, no paper target.
NOT_A_TARGET = {
    "plasticity_stdp.png": "prediction (no paper target)",
    "plasticity_protocols.png": "prediction (no paper target)",
}


def sections(results: Path, scale: str | None, context: dict) -> list[str]:
    from ..plasticity_report import plasticity_section
    from ..presets_report import presets_section
    return [s for s in (presets_section(results, scale), plasticity_section(results, scale))
            if s]


def figures(results: Path, out_dir: Path, scale: str | None) -> list[Path]:
    from ..plasticity_report import plasticity_figures
    return plasticity_figures(results, out_dir, scale)


def verdicts(results: Path, scale: str | None, context: dict) -> dict[str, dict]:
    return {n: {"status": NOT_JUDGED, "label": t, "detail": ""}
            for n, t in NOT_A_TARGET.items()}


STUDY = Study(name="plasticity", experiments=("plasticity-presets", "plasticity-induction"),
              order=20, sections=sections, figures=figures, verdicts=verdicts)

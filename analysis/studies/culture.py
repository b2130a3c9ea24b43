"""Study ``culture``: the culture bands (``culture-activity``) and the [Mg]o filtering of
NMDA Ca²⁺ (``background-filtering``), both in :mod:`mgnet.analysis.culture_report`."""
from __future__ import annotations

from pathlib import Path

from .base import NOT_JUDGED, NOT_REPRODUCED, REPRODUCED, Study

FILTERING_FIGURE = "background_filtering.png"


def sections(results: Path, scale: str | None, context: dict) -> list[str]:
    from ..culture_report import activity_section, filtering_section
    return [s for s in (activity_section(results, scale), filtering_section(results, scale))
            if s]


def figures(results: Path, out_dir: Path, scale: str | None) -> list[Path]:
    from ..culture_report import activity_figures, filtering_figures
    return (activity_figures(results, out_dir, scale)
            + filtering_figures(results, out_dir, scale))


def verdicts(results: Path, scale: str | None, context: dict) -> dict[str, dict]:
    """The culture figures are judged on the culture bands (science.md §4 item 7); the
    filtering figure shows a prediction."""
    from ..culture_report import FIGURE_FILES, _acceptance, activity_rows, load_activity_records
    out = {FILTERING_FIGURE: {"status": NOT_JUDGED,
                              "label": "prediction (T10 premise; no paper target)",
                              "detail": ""}}
    recs = load_activity_records(results, scale)
    if recs:
        acc = _acceptance(activity_rows(recs)).replace("**", "")
        met = acc.startswith("met")
        for n in FIGURE_FILES.values():
            out[n] = {"status": REPRODUCED if met else NOT_REPRODUCED,
                      "label": f"culture bands (science.md §4.7): {'met' if met else 'not met'}",
                      "detail": acc}
    return out


def _docs_figures() -> tuple[tuple[str, str], ...]:
    from ..culture_report import FIGURE_FILES
    titles = {"culture_raster.png": "culture network bursts, baseline vs elevated Mg",
              "culture_bands.png": "culture burst statistics vs the culture bands"}
    return (tuple((f, titles[f]) for f in FIGURE_FILES.values())
            + ((FILTERING_FIGURE, "[Mg]o filtering of NMDA Ca²⁺, background vs bursts; "
                                  "GluN2B"),))


STUDY = Study(name="culture", experiments=("culture-activity", "background-filtering"),
              order=30, sections=sections, figures=figures, verdicts=verdicts,
              docs_figures=_docs_figures(), docs_order=2)

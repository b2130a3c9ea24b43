"""Study ``memory``: the planted-assembly control, memory encoding (acute, chronic,
ablation), capacity, retention and the noise floor (T10, T11; science.md §6), all in
:mod:`mgnet.analysis.memory_report`."""
from __future__ import annotations

from pathlib import Path

from .base import NOT_JUDGED, NOT_REPRODUCED, REPRODUCED, Study

#: README copies and their titles, in README order.
DOCS_TITLES = {
    "memory_curves.png": "memory encoding (T10/T11): SNR, completion, mechanism",
    "memory_recall.png": "memory encoding (T10/T11): paired differences, weights",
    "memory_capacity.png": "memory capacity vs number of assemblies P",
    "memory_retention.png": "memory retention: forgetting curves",
    "memory_planted.png": "positive control of the recall read-out (planted assembly)",
}
PLANTED_FIGURE = "memory_planted.png"


def sections(results: Path, scale: str | None, context: dict) -> list[str]:
    from ..memory_report import (
        capacity_section,
        memory_section,
        noise_floor_section,
        planted_section,
        retention_section,
    )
    from ..memory_robustness import robustness_section
    encoding = memory_section(results, scale)
    if encoding:               # the robustness of its comparison closes the section
        encoding = "\n".join([encoding, robustness_section(results, scale)])
    return [s for s in (planted_section(results, scale), encoding,
                        capacity_section(results, scale), retention_section(results, scale),
                        noise_floor_section(results, scale)) if s]


def figures(results: Path, out_dir: Path, scale: str | None) -> list[Path]:
    from ..memory_report import capacity_figures, memory_figures, planted_figures, retention_figures
    from ..memory_robustness import robustness_figures
    encoding = memory_figures(results, out_dir, scale)
    if encoding:
        encoding += robustness_figures(results, out_dir, scale)
    return (planted_figures(results, out_dir, scale) + encoding
            + capacity_figures(results, out_dir, scale)
            + retention_figures(results, out_dir, scale))


def verdicts(results: Path, scale: str | None, context: dict) -> dict[str, dict]:
    """The T10/T11 figures are comparisons, judged only on whether the instrument has a
    positive control; the planted figure is the read-out's own positive control, judged on
    the planted runs (planted Q above the controls')."""
    from ..memory_report import planted_verdict, positive_control
    pc = positive_control()
    pc_text = ("positive control not calibrated" if not pc else
               "positive control met" if pc["positive_control"] else
               "positive control not met")
    ok = bool(pc) and pc["positive_control"]
    out = {n: {"status": NOT_JUDGED if ok else NOT_REPRODUCED,
               "label": (f"prediction T10/T11: {pc_text}"
                         + ("" if ok else ", so no working instrument")),
               "detail": ""}
           for n in ("memory_curves.png", "memory_recall.png", "memory_capacity.png",
                     "memory_retention.png")}
    pv = planted_verdict(results, scale)
    if pv:
        out[PLANTED_FIGURE] = {
            "status": REPRODUCED if pv["met"] else NOT_REPRODUCED,
            "label": (f"instrument (science.md §6): the read-out "
                      f"{'sees' if pv['met'] else 'does not see'} the planted assembly "
                      f"(Q planted − control {pv['diff']:+.3f} [{pv['low']:+.3f}, "
                      f"{pv['high']:+.3f}], {pv['cue']:.0%} cue, n = {pv['n']} seeds)"),
            "detail": ""}
    else:
        out[PLANTED_FIGURE] = {"status": NOT_JUDGED,
                               "label": "instrument (science.md §6): fewer than two "
                                        "planted runs", "detail": ""}
    return out


STUDY = Study(name="memory", experiments=("memory-planted", "memory-encoding",
                                          "memory-capacity", "memory-retention"),
              order=40, sections=sections, figures=figures, verdicts=verdicts,
              docs_figures=tuple(DOCS_TITLES.items()), docs_order=3)

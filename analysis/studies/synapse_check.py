"""Study ``synapse-check``: stochastic Tsodyks–Markram contacts against their closed form
(science.md §4 item 3): one table and one figure."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..figures.style import save_figure  # noqa: E402
from ..markdown import markdown_table  # noqa: E402
from .base import NOT_JUDGED, Study, load_runs  # noqa: E402

EXPERIMENT = "synapse-check"
FIGURE = "synapse_check.png"


def sections(results: Path, scale: str | None, context: dict) -> list[str]:
    """The synapse-check table (none without run files)."""
    runs = load_runs(results, EXPERIMENT, scale)
    if not runs:
        return []
    rows = []
    for run in runs:
        m = run.metrics
        for k in sorted(k for k in m if k.endswith("_measured")):
            base = k[: -len("_measured")]
            rows.append([run.attrs["condition"], base, f"{m[k]:.3f}",
                         f"{m[base + '_expected']:.3f}", f"{m[base + '_z']:+.2f}"])
    return ["## synapse-check: stochastic contacts vs Tsodyks–Markram\n\n"
            "Measured release per spike of the virtual FM-dye protocols against "
            "the closed-form expectation (z: difference in binomial standard "
            "errors; releases within a train are correlated, so |z| of a few is "
            "expected).\n\n" + markdown_table(rows, ["condition", "contact Pr / protocol",
                                                "measured", "expected", "z"])
            + f"\n\n![synapse-check](figures/{FIGURE})\n"]


def figures(results: Path, out_dir: Path, scale: str | None) -> list[Path]:
    """The measured-vs-closed-form release figure (none without run files)."""
    from ..figures.synapse_check import plot_release_check
    runs = load_runs(results, EXPERIMENT, scale)
    if not runs:
        return []
    fig, ax = plt.subplots(figsize=(4, 4))
    plot_release_check(ax, runs)
    fig.tight_layout()
    return [save_figure(
        fig, out_dir / FIGURE, 120,
        caption=(f"Measured mean release per spike of stochastic Tsodyks–Markram contacts "
                 f"(1AP: filled, burst: open) against the closed form, one point per "
                 f"contact Pr level and protocol; no error bars (the table gives z in "
                 f"binomial standard errors); n = {len(runs)} run(s)."))]


def verdicts(results: Path, scale: str | None, context: dict) -> dict[str, dict]:
    return {FIGURE: {"status": NOT_JUDGED,
                     "label": "model check against closed forms (no paper target)",
                     "detail": ""}}


STUDY = Study(name="synapse-check", experiments=(EXPERIMENT,), order=0, sections=sections,
              figures=figures, verdicts=verdicts, docs_figures=((FIGURE, "stochastic contacts vs closed form"),),
              docs_order=1)

"""Tornado figure of the memory comparison's robustness (issue 14 item 5).

Pure drawing: :func:`plot_tornado` takes the rows of
:func:`mgnet.analysis.memory_robustness.paired_effects` for one metric (never brian2).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .style import GREY, INK, LIGHT_GREY, OKABE_ITO

__all__ = ["plot_tornado", "DOWN_COLOR", "UP_COLOR"]

#: Colour of a parameter lowered (factor < 1) and raised (factor > 1).
DOWN_COLOR, UP_COLOR = OKABE_ITO["blue"], OKABE_ITO["orange"]


def _factor(label: str) -> float:
    """The (first) factor in a perturbation label ``"section.key × 1.20"``."""
    try:
        return float(label.split("×", 1)[1].split(",")[0])
    except (IndexError, ValueError):
        return float("nan")


def plot_tornado(ax, rows: Sequence[dict], title: str = "") -> None:
    """One row per perturbation: its paired effect with the CI as a horizontal bar,
    rows grouped by parameter and sorted by the largest |shift| of the group (the
    tornado), the unperturbed effect on the same seeds as a vertical line with its CI
    as a band, and zero as a dotted line."""
    if not rows:
        ax.set_visible(False)
        return
    groups: dict = {}
    for r in rows:
        groups.setdefault(r["perturbation"].split(" ×")[0], []).append(r)
    order = sorted(groups, key=lambda g: max(abs(r["shift"]) if np.isfinite(r["shift"])
                                             else 0.0 for r in groups[g]))
    y, ticks, labels = 0, [], []
    for g in order:
        for r in sorted(groups[g], key=lambda r: _factor(r["perturbation"])):
            f = _factor(r["perturbation"])
            color = DOWN_COLOR if f < 1 else UP_COLOR if f > 1 else GREY
            if np.isfinite(r["effect_low"]):
                ax.plot([r["effect_low"], r["effect_high"]], [y, y], color=color, lw=5,
                        alpha=0.6, solid_capstyle="butt")
            ax.plot([r["effect"]], [y], "o", color=color, mec=INK, ms=5)
            ticks.append(y)
            labels.append(r["perturbation"])
            y += 1
        y += 0.5
    ref = rows[0]
    if np.isfinite(ref["ref_low"]):
        ax.axvspan(ref["ref_low"], ref["ref_high"], color=LIGHT_GREY, alpha=0.35, lw=0)
    ax.axvline(ref["ref_effect"], color=INK, lw=1.2)
    ax.axvline(0.0, color=GREY, lw=0.8, ls=":")
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("paired difference (line, band: unperturbed, CI)", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)

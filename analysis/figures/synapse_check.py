"""Figure of ``synapse-check``: measured release per spike vs the Tsodyks–Markram forms.

Drawn only from run files (``/boutons`` and ``/metrics``).  Command: ``mgnet figures``.
"""
from __future__ import annotations

import numpy as np

from .style import REFERENCE_COLOR, condition_color

__all__ = ["plot_release_check"]


def plot_release_check(ax, runs):
    """Measured vs expected mean release per spike, one marker per Pr level and protocol.

    Parameters
    ----------
    ax : matplotlib Axes
    runs : list of mgnet.analysis.run_file.RunData
        synapse-check runs (one per condition).
    """
    markers = {"1ap": "o", "burst": "s"}
    for k, run in enumerate(runs):
        m = run.metrics
        for proto, marker in markers.items():
            keys = sorted(k for k in m if k.endswith(f"_{proto}_measured"))
            exp = np.array([m[k.replace("measured", "expected")] for k in keys])
            meas = np.array([m[k] for k in keys])
            cond = str(run.attrs["condition"])
            ax.plot(exp, meas, marker, alpha=0.7, color=condition_color(cond, k),
                    mfc="none" if proto == "burst" else None, label=f"{cond} {proto}")
    lim = [0, 1]
    ax.plot(lim, lim, "--", color=REFERENCE_COLOR, lw=0.8, label="closed form")
    ax.set_xlabel("Tsodyks–Markram expected release / spike")
    ax.set_ylabel("measured release / spike")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("synapse-check: stochastic contacts vs closed form\n(points = Pr levels; "
                 "no error bars, z in the report)", fontsize=8)
    return ax

"""Figures of the memory-encoding experiment (prediction T10/T11; science.md §3, §6).

Pure drawing functions: each takes a matplotlib ``Axes`` and plain arrays computed by
:mod:`analysis.memory_report` from the run files (never brian2).

- :func:`plot_snr_curves`: assembly weight SNR over encoding and consolidation, mean over
  seeds with the seed range, one line per condition;
- :func:`plot_completion`: recall overlap against cue fraction (pattern completion);
- :func:`plot_paired`: per-seed paired differences of a metric for each comparison;
- :func:`plot_weight_hist`: E->E weights inside vs outside assemblies after consolidation;
- :func:`plot_groups`: mean efficacy after encoding by which ends of a contact were
  stimulated (the mechanism of input specificity).

Command: ``mgnet figures`` (after ``mgnet run memory-encoding`` runs).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .culture import CONDITION_COLORS

__all__ = ["COLORS", "plot_snr_curves", "plot_completion", "plot_paired", "plot_weight_hist",
           "plot_groups"]

#: One colour per condition, shared with the culture figures.
COLORS = CONDITION_COLORS


def plot_snr_curves(ax, curves: Mapping[str, tuple], *, t_encoding_end: float) -> None:
    """``curves``: condition -> (t relative to encoding onset (s), SNR array seeds x t)."""
    for c, (t, y) in curves.items():
        y = np.asarray(y, float)
        col = COLORS.get(c)
        ax.plot(t, np.nanmean(y, axis=0), color=col, label=f"{c} (n={len(y)})")
        if len(y) > 1:
            ax.fill_between(t, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=col,
                            alpha=0.12, lw=0)
    ax.axvspan(0, t_encoding_end, color="0.9", zorder=0)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("time from encoding onset (s); grey: encoding")
    ax.set_ylabel("assembly weight SNR")
    ax.set_title("encoding and consolidation (mean, seed range)")
    ax.legend(fontsize=7, frameon=False)


def plot_completion(ax, completion: Mapping[str, tuple]) -> None:
    """``completion``: condition -> (cue fractions, overlap array seeds x fractions)."""
    for k, (c, (cf, y)) in enumerate(completion.items()):
        y = np.asarray(y, float)
        col = COLORS.get(c)
        x = np.asarray(cf, float) + 0.006 * (k - len(completion) / 2)
        m = np.nanmean(y, axis=0)
        ax.plot(x, m, "o-", color=col, label=c, ms=4)
        if len(y) > 1:
            sd = np.nanstd(y, axis=0, ddof=1)
            ax.errorbar(x, m, yerr=sd, fmt="none", ecolor=col, lw=0.8)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("cue fraction")
    ax.set_ylabel("recall overlap m (mean ± SD over seeds)")
    ax.set_title("pattern completion")
    ax.legend(fontsize=7, frameon=False)


def plot_paired(ax, pairs: Mapping[str, Mapping[str, np.ndarray]], key: str,
                ylabel: str) -> None:
    """Per-seed differences (points) and their mean (bar) for each comparison."""
    labels = list(pairs)
    for k, lab in enumerate(labels):
        d = np.asarray(pairs[lab][key], float)
        d = d[np.isfinite(d)]
        jitter = np.linspace(-0.15, 0.15, len(d)) if len(d) > 1 else np.zeros(len(d))
        ax.plot(k + jitter, d, "o", ms=3, color="0.3")
        if len(d):
            ax.hlines(d.mean(), k - 0.3, k + 0.3, color="tab:red")
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)


def plot_weight_hist(ax, hists: Mapping[str, tuple], bins: int = 40) -> None:
    """``hists``: condition -> (weights inside assemblies, weights outside) in nS."""
    allw = np.concatenate([np.concatenate([a, b]) for a, b in hists.values()])
    edges = np.linspace(0, np.percentile(allw, 99.9) if allw.size else 1, bins + 1)
    for c, (w_in, w_out) in hists.items():
        col = COLORS.get(c)
        ax.hist(w_out, edges, density=True, histtype="step", color=col, ls=":", lw=1)
        ax.hist(w_in, edges, density=True, histtype="step", color=col, lw=1.2, label=c)
    ax.set_yscale("log")
    ax.set_xlabel("E→E weight after consolidation (nS); solid: in, dotted: out")
    ax.set_ylabel("density")
    ax.legend(fontsize=7, frameon=False)


def plot_groups(ax, values: Mapping[str, Mapping[str, np.ndarray]],
                groups=("both", "post_only", "pre_only", "neither")) -> None:
    """Mean efficacy after encoding per contact group (which ends were stimulated):
    ``values``: condition -> group -> per-seed values; bars = mean, points = seeds."""
    width = 0.8 / max(1, len(values))
    for k, (c, by_group) in enumerate(values.items()):
        x = np.arange(len(groups)) + (k - (len(values) - 1) / 2) * width
        means = [np.nanmean(by_group[g]) for g in groups]
        ax.bar(x, means, width=width, color=COLORS.get(c), alpha=0.6, label=c)
        for xi, g in zip(x, groups):
            v = np.asarray(by_group[g], float)
            ax.plot(np.full(v.size, xi), v, ".", color="0.2", ms=2)
    ax.axhline(0.5, color="0.6", lw=0.5, ls=":")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g.replace("_", " ") for g in groups], fontsize=8)
    ax.set_ylabel("mean ρ after encoding")
    ax.set_title("stimulated ends of the contact")
    ax.legend(fontsize=6, frameon=False)

"""Figures of the memory-encoding experiment (prediction T10/T11; science.md §3, §6).

Pure drawing functions: each takes a matplotlib ``Axes`` and plain arrays computed by
:mod:`mgnet.analysis.memory_report` from the run files (never brian2).

- :func:`plot_snr_curves`: assembly weight SNR over encoding and consolidation, mean over
  seeds with the seed range, one line per condition;
- :func:`plot_completion`: recall overlap against cue fraction (pattern completion);
- :func:`plot_paired`: per-seed paired differences of a metric for each comparison;
- :func:`plot_weight_hist`: E->E weights inside vs outside assemblies after consolidation;
- :func:`plot_groups`: mean efficacy after encoding by which ends of a contact were
  stimulated (the mechanism of input specificity);
- :func:`plot_capacity`, :func:`plot_vs_p`, :func:`plot_capacity_per_seed`: recall
  overlap and assembly SNR against the number of stored assemblies P, and the capacity
  of every seed (memory-capacity);
- :func:`plot_forgetting`: a quantity over consolidation time, from the end of encoding
  (forgetting curves and weight-trace κ of memory-retention);
- :func:`plot_cue_kinds`: a recall metric (Q, m, hit rate) against cue fraction for the
  planted (or stored) assembly, sham cues and unencoded assemblies (memory-planted, the
  positive control of science.md §6).

Command: ``mgnet figures`` (after ``mgnet run memory-encoding`` / ``memory-capacity`` /
``memory-retention`` runs).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .style import (
    CONDITION_COLORS,
    GREY,
    HIGHLIGHT_COLOR,
    INK,
    KIND_COLORS,
    LIGHT_GREY,
    condition_color,
)

__all__ = ["COLORS", "plot_snr_curves", "plot_completion", "plot_paired", "plot_weight_hist",
           "plot_groups", "plot_capacity", "plot_vs_p", "plot_capacity_per_seed",
           "plot_forgetting", "plot_cue_kinds", "KIND_COLORS"]

#: One colour per condition (:mod:`mgnet.analysis.figures.style`), shared by every figure.
COLORS = CONDITION_COLORS


def _range_bars(ax, x, y, col) -> None:
    """Vertical bars from the per-column minimum to maximum of ``y`` (seeds x points)."""
    if len(y) > 1:
        m = np.nanmean(y, axis=0)
        lo, hi = np.nanmin(y, axis=0), np.nanmax(y, axis=0)
        ax.errorbar(x, m, yerr=[np.clip(m - lo, 0, None), np.clip(hi - m, 0, None)],
                    fmt="none", ecolor=col, lw=0.8, capsize=2)


def _mean_and_range(ax, curves: Mapping[str, tuple]) -> None:
    """Per condition: the mean over seeds as a line and the seed range as a band."""
    for c, (t, y) in curves.items():
        y = np.asarray(y, float)
        col = condition_color(c)
        ax.plot(t, np.nanmean(y, axis=0), color=col, label=f"{c} (n = {len(y)} seeds)")
        if len(y) > 1:
            ax.fill_between(t, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=col,
                            alpha=0.12, lw=0)


def plot_snr_curves(ax, curves: Mapping[str, tuple], *, t_encoding_end: float) -> None:
    """``curves``: condition -> (t relative to encoding onset (s), SNR array seeds x t)."""
    _mean_and_range(ax, curves)
    ax.axvspan(0, t_encoding_end, color=LIGHT_GREY, alpha=0.3, zorder=0)
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xlabel("time from encoding onset (s); grey: encoding")
    ax.set_ylabel("assembly weight SNR")
    ax.set_title("encoding and consolidation\n(mean, band = range over seeds)", fontsize=9)
    ax.legend(fontsize=7, frameon=False)


def plot_completion(ax, completion: Mapping[str, tuple]) -> None:
    """``completion``: condition -> (cue fractions, overlap array seeds x fractions)."""
    for k, (c, (cf, y)) in enumerate(completion.items()):
        y = np.asarray(y, float)
        col = condition_color(c)
        x = np.asarray(cf, float) + 0.006 * (k - len(completion) / 2)
        m = np.nanmean(y, axis=0)
        ax.plot(x, m, "o-", color=col, label=f"{c} (n = {len(y)} seeds)", ms=4)
        _range_bars(ax, x, y, col)
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xlabel("cue fraction")
    ax.set_ylabel("recall overlap m")
    ax.set_title("pattern completion\n(mean, bars = range over seeds)", fontsize=9)
    ax.legend(fontsize=7, frameon=False)


def plot_paired(ax, pairs: Mapping[str, Mapping[str, np.ndarray]], key: str,
                ylabel: str) -> None:
    """Per-seed differences (points) and their mean (bar) for each comparison."""
    labels = list(pairs)
    for k, lab in enumerate(labels):
        d = np.asarray(pairs[lab][key], float)
        d = d[np.isfinite(d)]
        jitter = np.linspace(-0.15, 0.15, len(d)) if len(d) > 1 else np.zeros(len(d))
        ax.plot(k + jitter, d, "o", ms=3, color=GREY)
        if len(d):
            ax.hlines(d.mean(), k - 0.3, k + 0.3, color=HIGHLIGHT_COLOR)
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xticks(range(len(labels)))
    ns = [int(np.isfinite(np.asarray(pairs[lab][key], float)).sum()) for lab in labels]
    ax.set_xticklabels([f"{lab} (n = {n})" for lab, n in zip(labels, ns, strict=True)], rotation=30,
                       ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title("paired differences: dots = seeds, line = mean\n(no error bars; "
                 "CIs in the report)", fontsize=8)


def plot_weight_hist(ax, hists: Mapping[str, tuple], bins: int = 40) -> None:
    """``hists``: condition -> (weights inside assemblies, weights outside) in nS."""
    allw = np.concatenate([np.concatenate([a, b]) for a, b in hists.values()])
    edges = np.linspace(0, np.percentile(allw, 99.9) if allw.size else 1, bins + 1)
    for c, (w_in, w_out) in hists.items():
        col = condition_color(c)
        ax.hist(w_out, edges, density=True, histtype="step", color=col, ls=":", lw=1)
        ax.hist(w_in, edges, density=True, histtype="step", color=col, lw=1.2,
                label=f"{c} (n = {len(w_in)} in, {len(w_out)} out)")
    ax.set_yscale("log")
    ax.set_xlabel("E→E weight after consolidation (nS); solid: in, dotted: out")
    ax.set_ylabel("density")
    ax.set_title("weights of one seed per condition (contacts; no error bars)", fontsize=8)
    ax.legend(fontsize=7, frameon=False)


def plot_groups(ax, values: Mapping[str, Mapping[str, np.ndarray]],
                groups=("both", "post_only", "pre_only", "neither")) -> None:
    """Mean efficacy after encoding per contact group (which ends were stimulated):
    ``values``: condition -> group -> per-seed values; bars = mean, points = seeds."""
    width = 0.8 / max(1, len(values))
    for k, (c, by_group) in enumerate(values.items()):
        x = np.arange(len(groups)) + (k - (len(values) - 1) / 2) * width
        means = [np.nanmean(by_group[g]) for g in groups]
        n = max((np.asarray(by_group[g]).size for g in groups), default=0)
        ax.bar(x, means, width=width, color=condition_color(c), alpha=0.6,
               label=f"{c} (n = {n} seeds)")
        for xi, g in zip(x, groups, strict=True):
            v = np.asarray(by_group[g], float)
            ax.plot(np.full(v.size, xi), v, ".", color=INK, ms=2)
    ax.axhline(0.5, color=LIGHT_GREY, lw=0.5, ls=":")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g.replace("_", " ") for g in groups], fontsize=8)
    ax.set_ylabel("mean ρ after encoding")
    ax.set_title("stimulated ends of the contact\n(bar = mean, dots = seeds, no error bars)",
                 fontsize=8)
    ax.legend(fontsize=6, frameon=False)


def plot_vs_p(ax, values: Mapping[str, tuple], ylabel: str, *, ref: float | None = None,
              stat=np.nanmean) -> None:
    """``values``: condition -> (P values, array seeds x P); line = ``stat`` over seeds,
    points = seeds; ``ref``: a dotted reference level."""
    for k, (c, (P, y)) in enumerate(values.items()):
        y = np.asarray(y, float)
        col = condition_color(c)
        x = np.asarray(P, float) * (1 + 0.03 * (k - (len(values) - 1) / 2))
        ax.plot(x, stat(y, axis=0), "o-", color=col, ms=4, label=f"{c} (n = {len(y)} seeds)")
        for row in y:
            ax.plot(x, row, ".", color=col, ms=3, alpha=0.5)
    if ref is not None:
        ax.axhline(ref, color=GREY, lw=0.8, ls=":")
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xscale("log", base=2)
    P0 = next(iter(values.values()))[0] if values else []
    ax.set_xticks(list(P0))
    ax.set_xticklabels([f"{int(p)}" for p in P0])
    ax.set_xlabel("assemblies encoded P")
    ax.set_ylabel(ylabel)
    what = "median" if stat is np.nanmedian else "mean"
    ax.set_title(f"line = {what} over seeds, dots = seeds (no error bars)", fontsize=8)
    ax.legend(fontsize=7, frameon=False)


def plot_capacity(ax, overlap: Mapping[str, tuple], control: Mapping[str, np.ndarray],
                  *, threshold: float) -> None:
    """Median recall overlap against P per condition (line: median over seeds of the
    per-seed medians; points: seeds), the capacity threshold (dotted) and the overlap
    of unencoded control assemblies (dashed, all conditions pooled)."""
    plot_vs_p(ax, overlap, "median recall overlap m", ref=threshold, stat=np.nanmedian)
    ctrl = np.concatenate([np.asarray(v, float).ravel() for v in control.values()]) \
        if control else np.array([])
    if np.isfinite(ctrl).any():
        ax.axhline(np.nanmedian(ctrl), color=GREY, lw=0.8, ls="--",
                   label="unencoded (control)")
        ax.legend(fontsize=7, frameon=False)
    ax.set_title(f"capacity: largest P above {threshold:g} (dotted)\nline = median over "
                 "seeds, dots = seeds (no error bars)", fontsize=8)


def plot_capacity_per_seed(ax, capacity: Mapping[str, Mapping[int, float]], *,
                           p_max: float) -> None:
    """Capacity of every seed per condition; seeds joined across conditions (paired)."""
    conds = list(capacity)
    seeds = sorted(set().union(*[set(v) for v in capacity.values()])) if conds else []
    for s in seeds:
        ys = [capacity[c].get(s, np.nan) for c in conds]
        ax.plot(range(len(conds)), ys, "-", color=LIGHT_GREY, lw=0.8)
    for k, c in enumerate(conds):
        v = np.array([capacity[c][s] for s in sorted(capacity[c])], float)
        ax.plot(np.full(v.size, k), v, "o", color=condition_color(c), ms=5)
    ax.set_xticks(range(len(conds)))
    ax.set_xticklabels([f"{c} (n = {len(capacity[c])})" for c in conds], rotation=20,
                       ha="right", fontsize=8)
    ax.set_ylim(-0.3, p_max + 0.5)
    ax.set_ylabel("capacity (largest P recalled)")
    ax.set_title("capacity per seed (lines: same seed; no error bars)", fontsize=9)


def plot_forgetting(ax, curves: Mapping[str, tuple], *, ylabel: str, levels=(),
                    title: str = "") -> None:
    """``curves``: condition -> (t from the end of encoding (s), array seeds x t); mean
    line and seed range per condition; ``levels``: dotted forgetting levels."""
    _mean_and_range(ax, curves)
    for lev in levels:
        ax.axhline(lev, color=GREY, lw=0.8, ls=":")
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xlabel("time since the end of encoding (s)")
    ax.set_ylabel(ylabel)
    ax.set_title((title + "\n" if title else "") + "(mean, band = range over seeds)",
                 fontsize=9)
    ax.legend(fontsize=7, frameon=False)


def plot_cue_kinds(ax, values: Mapping[str, tuple], *, ylabel: str,
                   labels: Mapping[str, str] | None = None, ref: float | None = None) -> None:
    """A recall metric against cue fraction for each cue kind (the positive control).

    ``values``: kind -> (cue fractions, array seeds x fractions); the mean over seeds
    with each seed as a dot.
    """
    labels = labels or {}
    kinds = list(values)
    for j, kind in enumerate(kinds):
        cf, y = values[kind]
        y = np.asarray(y, float)
        x = np.asarray(cf, float) + (j - (len(kinds) - 1) / 2) * 0.02
        col = KIND_COLORS.get(kind)
        ax.plot(x, np.nanmean(y, axis=0), "o-", color=col,
                label=f"{labels.get(kind, kind)} (n = {len(y)} seeds)")
        for row in y:
            ax.plot(x, row, ".", color=col, alpha=0.35, ms=4)
    if ref is not None:
        ax.axhline(ref, color=LIGHT_GREY, lw=0.5)
    ax.set_xlabel("cue fraction of the assembly")
    ax.set_ylabel(f"{ylabel}\n(line = mean, dots = seeds; no error bars)", fontsize=8)
    ax.legend(fontsize=7, frameon=False)

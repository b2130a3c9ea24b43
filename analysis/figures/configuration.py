"""Figures of the synaptic-configuration targets T1–T9.

Reproduces panels of Zhou, Bi & Liu (2024) *Nat Commun* 15:3406
(doi:10.1038/s41467-024-47571-3):

- Fig 1b — D vs P̄r across branches with the fitted hyperbola D = k/P̄r; insets D vs 1/P̄r and
  ΣPr vs P̄r (T1): :func:`plot_hyperbola`;
- Fig 1c — bouton Pr histogram and ECDF by condition (T2, T6): :func:`plot_pr_distributions`;
- Fig 1d — Pr_burst and ΔPr = Pr_burst − Pr against Pr (T4): :func:`plot_burst_facilitation`;
- Fig 1e–f — branch ΣPr and ΣPr_burst by condition (T2, T5): :func:`plot_sum_pr_by_condition`;
- Fig 3a — spine Ca²⁺ wCa vs Pr, log–log with power-law fit (T7): :func:`plot_wca_vs_pr`;
- Fig 4a — time course of D, P̄r, ΣPr and silent fraction after a [Mg]i step:
  :func:`plot_timecourse`;
- Fig 4d — Pr vs measured [Mg]i, log–log with power-law fit (T3): :func:`plot_pr_vs_mg`;
- Figs 7–8 (model analogues) — coding capacity vs P̄r and by condition (T9):
  :func:`plot_capacity`; basal G vs burst G_burst transmission of DHiLo and DLoHi branches
  (T8): :func:`plot_g_vs_gburst`.

Every function draws on Axes it is given (no file I/O) from the tables of
:mod:`mgnet.analysis.configuration_report`; ``mgnet figures`` draws them to results/figures/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..configuration_metrics import FUNCTIONAL_PR_THRESHOLD
from ..statistics import hyperbolic_fit, linear_fit, power_law_fit
from .style import (
    CONDITION_COLORS,
    DHILO_COLOR,
    DLOHI_COLOR,
    FIT_COLOR,
    GREY,
    INK,
    LIGHT_GREY,
    REFERENCE_COLOR,
    SEM,
    condition_color,
    level_colors,
)

__all__ = [
    "CONDITION_COLORS",
    "condition_color",
    "plot_hyperbola",
    "plot_pr_distributions",
    "plot_burst_facilitation",
    "plot_sum_pr_by_condition",
    "plot_wca_vs_pr",
    "plot_timecourse",
    "plot_pr_vs_mg",
    "plot_capacity",
    "plot_g_vs_gburst",
]

_SMALL = 7
#: What a box of :func:`_strip_box` shows.
BOX_TEXT = "box: median, quartiles; whiskers 1.5 IQR; points = branches"


def _finite(*arrays: Any) -> list[np.ndarray]:
    arrs = [np.asarray(a, float) for a in arrays]
    ok = np.ones(arrs[0].shape, bool)
    for a in arrs:
        ok &= np.isfinite(a)
    return [a[ok] for a in arrs]


def _label(cond: str) -> str:
    return cond.replace("_", " ")


def plot_hyperbola(ax, tables: Mapping[str, Mapping[str, Any]], fit=None, insets: bool = True,
                   exhausted: Mapping[str, Any] | None = None, n_seeds: int | None = None):
    """Fig 1b: D vs P̄r per branch, one colour per condition, with D = k/P̄r fitted to all shown
    branches; insets D vs 1/P̄r (linear) and ΣPr vs P̄r (flat).

    Parameters
    ----------
    ax : matplotlib Axes
    tables : mapping of condition to branch table
        Needs ``mean_pr``, ``D``, ``sum_pr``.
    fit : HyperbolicFit, optional
        Drawn instead of a fit to the pooled shown branches.
    insets : bool, default True
    exhausted : mapping of condition to bool array, optional
        Exhausted branches (every bouton active, ΣPr below the set-point; aligned with the
        table rows): circled in black, so the reader sees where they sit.
    n_seeds : int, optional
        Seeds pooled in the plot (named in the title: the report's R² are per-seed medians,
        the plot's pool every seed).
    """
    allx, ally, alls = [], [], []
    n_ex = 0
    for i, (cond, t) in enumerate(tables.items()):
        mp, d, sp = (np.asarray(t[k], float) for k in ("mean_pr", "D", "sum_pr"))
        ok = np.isfinite(mp) & np.isfinite(d) & np.isfinite(sp)
        x, y, s = mp[ok], d[ok], sp[ok]
        ax.scatter(x, y, s=10, alpha=0.6, color=condition_color(cond, i), label=_label(cond),
                   edgecolors="none")
        ex = None if exhausted is None else exhausted.get(cond)
        if ex is not None:
            ex = np.asarray(ex, bool)[ok]
            n_ex += int(ex.sum())
            ax.scatter(x[ex], y[ex], s=14, facecolors="none", edgecolors=INK, linewidths=0.5,
                       label="exhausted" if n_ex and n_ex == int(ex.sum()) else None)
        allx.append(x), ally.append(y), alls.append(s)
    x, y, s = (np.concatenate(a) if a else np.zeros(0) for a in (allx, ally, alls))
    if x.size >= 2:
        if fit is None:
            fit = hyperbolic_fit(x, y)
        xs = np.linspace(max(x.min() * 0.9, 1e-3), min(x.max() * 1.05, 1.0), 200)
        ax.plot(xs, fit.predict(xs), "-", color=FIT_COLOR, lw=1.4,
                label=f"D = {fit.k:.2f}/P̄r, R² {fit.r2:.2f}")
    ax.set_xlabel("P̄r (mean Pr of functional boutons)")
    ax.set_ylabel("D (functional boutons / 10 µm)")
    ax.set_xlim(0, max(1.0, float(x.max()) * 1.05) if x.size else 1.0)
    ax.set_ylim(0, float(y.max()) * 1.1 if y.size else 1.0)
    ax.legend(fontsize=_SMALL, frameon=False, loc="lower left", bbox_to_anchor=(0.02, 0.0))
    pooled = f"{x.size} branches" + (f", {n_seeds} seeds pooled" if n_seeds and n_seeds > 1
                                      else "")
    ax.set_title(f"Fig 1b: D vs P̄r (T1; {pooled})\npoints = branches, no error bars",
                 fontsize=8)
    if insets and x.size >= 3:
        in1 = ax.inset_axes([0.47, 0.62, 0.22, 0.3])
        in2 = ax.inset_axes([0.77, 0.62, 0.22, 0.3])
        u = 1.0 / x
        in1.scatter(u, y, s=3, color=GREY, edgecolors="none")
        try:
            lf = linear_fit(u, y)
            us = np.linspace(u.min(), u.max(), 50)
            in1.plot(us, lf.predict(us), "-", color=FIT_COLOR, lw=0.8)
            in1.set_title(f"D vs 1/P̄r, R² {lf.r2:.2f}", fontsize=6)
        except ValueError:
            in1.set_title("D vs 1/P̄r", fontsize=6)
        in2.scatter(x, s, s=3, color=GREY, edgecolors="none")
        try:
            sf = linear_fit(x, s)
            xs2 = np.linspace(x.min(), x.max(), 50)
            in2.plot(xs2, sf.predict(xs2), "-", color=FIT_COLOR, lw=0.8)
            in2.set_title(f"ΣPr vs P̄r, P {sf.p_value:.2g}", fontsize=6)
        except ValueError:
            in2.set_title("ΣPr vs P̄r", fontsize=6)
        in2.set_ylim(0, max(float(s.max()) * 1.2, 1e-9))
        for a in (in1, in2):
            a.tick_params(labelsize=5, length=2)
    return ax


def _log_axes(ax):
    """Log–log axes with plain-number labels on the decades and no crowded minor labels."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(fmt)
        axis.set_minor_formatter(NullFormatter())


def _ecdf(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.sort(v)
    return v, np.arange(1, v.size + 1) / v.size


def plot_pr_distributions(ax_hist, ax_ecdf, pr: Mapping[str, Any],
                          silent: Mapping[str, float] | None = None):
    """Fig 1c: functional-bouton Pr per condition, histogram (density) and ECDF.

    Parameters
    ----------
    ax_hist, ax_ecdf : matplotlib Axes
    pr : mapping of condition to measured Pr of *functional* boutons
    silent : mapping of condition to silent fraction, optional (shown in the legend)
    """
    bins = np.linspace(0, 1, 31) + 0.5 / 30  # centred on the k/30 values of a 30-trial assay
    bins = np.concatenate([[0.0], bins[bins < 1.0], [1.0 + 1e-9]])
    for i, (cond, v) in enumerate(pr.items()):
        v = np.asarray(v, float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        c = condition_color(cond, i)
        lab = f"{_label(cond)} (n = {v.size}"
        if silent and cond in silent:
            lab += f", {silent[cond] * 100:.0f} % silent"
        lab += ")"
        ax_hist.hist(v, bins=bins, density=True, histtype="step", lw=1.3, color=c, label=lab)
        xs, ys = _ecdf(v)
        ax_ecdf.step(xs, ys, where="post", color=c, lw=1.3, label=_label(cond))
    for a in (ax_hist, ax_ecdf):
        a.set_xlabel("Pr (functional boutons)")
        a.set_xlim(0, 1)
    ax_hist.set_ylabel("density")
    ax_ecdf.set_ylabel("cumulative fraction")
    ax_ecdf.set_ylim(0, 1.01)
    ax_hist.legend(fontsize=_SMALL, frameon=False)
    ax_hist.set_title("Fig 1c: Pr distribution (T2)\nn = boutons, no error bars", fontsize=8)
    ax_ecdf.set_title("Fig 1c: ECDF\nn as in the histogram, no error bars", fontsize=8)
    return ax_hist, ax_ecdf


def _binned_mean(x: np.ndarray, y: np.ndarray, edges: np.ndarray):
    idx = np.digitize(x, edges) - 1
    centres, means, sems = [], [], []
    for k in range(edges.size - 1):
        sel = idx == k
        if sel.sum() >= 3:
            centres.append(0.5 * (edges[k] + edges[k + 1]))
            means.append(y[sel].mean())
            sems.append(y[sel].std(ddof=1) / np.sqrt(sel.sum()))
    return np.array(centres), np.array(means), np.array(sems)


def plot_burst_facilitation(ax_burst, ax_delta, pr: Any, pr_burst: Any):
    """Fig 1d: Pr_burst vs Pr (identity line) and ΔPr vs Pr with binned means (T4).

    Parameters
    ----------
    ax_burst, ax_delta : matplotlib Axes
    pr, pr_burst : array_like
        Measured 1AP and burst Pr of functional boutons (one condition, e.g. baseline).
    """
    x, yb = _finite(pr, pr_burst)
    rng = np.random.default_rng(0)
    # Pr is k/30: a small horizontal jitter keeps the stacked points visible.
    jit = rng.uniform(-0.008, 0.008, x.size)
    ax_burst.scatter(x + jit, yb, s=4, alpha=0.3, color=GREY, edgecolors="none",
                     label=f"boutons (n = {x.size})")
    ax_burst.plot([0, 1], [0, 1], "--", color=REFERENCE_COLOR, lw=0.8, label="Pr_burst = Pr")
    ax_burst.set_xlabel("Pr (1AP)")
    ax_burst.set_ylabel("Pr_burst (5 × 100 Hz)")
    ax_burst.set_xlim(0, 1)
    ax_burst.set_ylim(0, 1)
    ax_burst.legend(fontsize=_SMALL, frameon=False)
    ax_burst.set_title("Fig 1d: burst release\npoints = boutons, no error bars", fontsize=8)
    d = yb - x
    ax_delta.scatter(x + jit, d, s=4, alpha=0.25, color=LIGHT_GREY, edgecolors="none")
    edges = np.linspace(FUNCTIONAL_PR_THRESHOLD, 1.0, 11)
    c, m, s = _binned_mean(x, d, edges)
    if c.size:
        ax_delta.errorbar(c, m, yerr=s, fmt="o-", color=FIT_COLOR, ms=3, lw=1.2,
                          label=f"binned {SEM} (n = {x.size} boutons, ≥ 3 per bin)")
    ax_delta.axhline(0, color=INK, lw=0.6)
    ax_delta.set_xlabel("Pr (1AP)")
    ax_delta.set_ylabel("ΔPr = Pr_burst − Pr")
    ax_delta.set_xlim(0, 1)
    ax_delta.legend(fontsize=_SMALL, frameon=False)
    ax_delta.set_title("Fig 1d: ΔPr vs Pr (T4)", fontsize=9)
    return ax_burst, ax_delta


def _strip_box(ax, data: Sequence[np.ndarray], labels: Sequence[str], colors: Sequence[str]):
    rng = np.random.default_rng(1)
    pos = np.arange(1, len(data) + 1)
    ax.boxplot([d if d.size else [np.nan] for d in data], positions=pos, widths=0.5,
               showfliers=False, medianprops={"color": INK})
    for p, d, c in zip(pos, data, colors, strict=True):
        ax.scatter(p + rng.uniform(-0.15, 0.15, d.size), d, s=6, alpha=0.5, color=c,
                   edgecolors="none")
    ax.set_xticks(pos)
    ax.set_xticklabels([f"{lab}\nn = {d.size}" for lab, d in zip(labels, data, strict=True)],
                       fontsize=_SMALL, rotation=15)


def plot_sum_pr_by_condition(ax_sum, ax_burst, tables: Mapping[str, Mapping[str, Any]]):
    """Fig 1e–f: branch ΣPr (conserved, T2) and ΣPr_burst (rises with Mg, T5) per condition.

    Parameters
    ----------
    ax_sum, ax_burst : matplotlib Axes
    tables : mapping of condition to branch table (``sum_pr``, ``sum_pr_burst``)
    """
    conds = list(tables)
    colors = [condition_color(c, i) for i, c in enumerate(conds)]
    labels = [_label(c) for c in conds]
    for ax, key, ylab, title in (
        (ax_sum, "sum_pr", "ΣPr per 10 µm", "Fig 1e: ΣPr (T2)"),
        (ax_burst, "sum_pr_burst", "ΣPr_burst per 10 µm", "Fig 1f: ΣPr_burst (T5)"),
    ):
        data = [_finite(tables[c][key])[0] for c in conds]
        _strip_box(ax, data, labels, colors)
        ax.set_ylabel(ylab)
        ax.set_ylim(bottom=0)
        ax.set_title(title + "\n" + BOX_TEXT, fontsize=7)
    return ax_sum, ax_burst


def plot_wca_vs_pr(ax, pr: Any, wca: Any, fit=None, label: str = "baseline"):
    """Fig 3a: spine Ca²⁺ per synapse vs Pr with the paper's fit form a·Pr^b + c (T7) and
    the log–log power law beside it, on linear axes as in the paper.

    Parameters
    ----------
    ax : matplotlib Axes
    pr, wca : array_like
        Measured Pr and 1AP spine Ca²⁺ of functional boutons.
    fit : OffsetPowerFit, optional
        Fitted here if not given.
    """
    from ..statistics import offset_power_fit
    x, y = _finite(pr, wca)
    pos = (x > 0) & (y > 0)
    x, y = x[pos], y[pos]
    ax.scatter(x, y, s=5, alpha=0.35, color=GREY, edgecolors="none",
               label=f"{label} boutons (n = {x.size})")
    if x.size >= 4:
        fit = fit or offset_power_fit(x, y)
        ll = power_law_fit(x, y)
        xs = np.linspace(x.min(), x.max(), 80)
        ax.plot(xs, fit.predict(xs), "-", color=FIT_COLOR, lw=1.3,
                label=f"{fit.a:.3g}·Pr^{fit.b:.2f} {'+' if fit.c >= 0 else '−'} "
                      f"{abs(fit.c):.2g}, R² {fit.r2:.2f}")
        ax.plot(xs, ll.predict(xs), "--", color=GREY, lw=1,
                label=f"log–log: Pr^{ll.exponent:.2f}, R² {ll.r2:.2f}")
        ref = 31.10 * xs ** 0.55 - 3.95
        scale = np.nanmean(y) / np.nanmean(31.10 * x ** 0.55 - 3.95)
        ax.plot(xs, ref * scale, ":", color=REFERENCE_COLOR, lw=1,
                label="paper 31.10·Pr^0.55 − 3.95 (scaled)")
    ax.set_xlabel("Pr")
    ax.set_ylabel("wCa (spine Ca²⁺ concentration, a.u.)")
    ax.legend(fontsize=_SMALL, frameon=False)
    ax.set_title("Fig 3a: spine Ca²⁺ vs Pr (T7)\npoints = boutons, no error bars", fontsize=8)
    return ax


def plot_timecourse(axes, rows: Sequence[Mapping[str, float]]):
    """Fig 4a: D, P̄r, ΣPr (mean ± s.e.m. over branches) and pooled silent fraction against
    hours after the [Mg]i step.

    Parameters
    ----------
    axes : sequence of four matplotlib Axes
    rows : output of :func:`mgnet.analysis.configuration_report.reconfiguration_timecourse`
    """
    t = np.array([r["time_h"] for r in rows], float)
    specs = [("D", "D (/10 µm)"), ("mean_pr", "P̄r"), ("sum_pr", "ΣPr (/10 µm)"),
             ("silent_fraction", "silent fraction")]
    for ax, (key, lab) in zip(axes, specs, strict=False):
        y = np.array([r[key] for r in rows], float)
        err = np.array([r.get(f"{key}_sem", np.nan) for r in rows], float)
        ax.errorbar(t, y, yerr=np.where(np.isfinite(err), err, 0), fmt="o-", ms=3, lw=1.2,
                    color=CONDITION_COLORS["elevated_mg"], capsize=2)
        if key == "silent_fraction":
            tt = np.array([r.get("true_silent_fraction", np.nan) for r in rows], float)
            if np.isfinite(tt).any():
                ax.plot(t, tt, "s--", ms=3, lw=0.8, color=GREY, label="true (inactive)")
                ax.legend(fontsize=_SMALL, frameon=False)
        if t.size and np.isfinite(y[0]):
            ax.axhline(y[0], color=LIGHT_GREY, lw=0.6, ls=":")
        if key == "sum_pr" and np.isfinite(y).any():
            # ΣPr should stay flat: a zero-based axis keeps small wiggles from looking large
            ax.set_ylim(0, float(np.nanmax(y + np.nan_to_num(err))) * 1.25)
        elif key == "silent_fraction":
            ax.set_ylim(0, 1)
        ax.set_xscale("symlog", linthresh=1.0)
        ticks = [v for v in (0, 1, 2, 4, 8, 24) if t.size and v <= t.max()]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{v:g}" for v in ticks], fontsize=_SMALL)
        if t.size:
            ax.set_xlim(-0.3, t.max() * 1.2 + 0.3)
        ax.set_xlabel("hours after [Mg]i step")
        ax.set_ylabel(lab + ("\n(pooled boutons, no error bars)" if key == "silent_fraction"
                             else f"\n({SEM})"), fontsize=8)
    n_br = [int(r.get("n_branches", 0)) for r in rows]
    n_txt = (f"{min(n_br)}–{max(n_br)}" if n_br and min(n_br) != max(n_br)
             else str(n_br[0]) if n_br else "?")
    axes[0].set_title(f"Fig 4a: reconfiguration\n{SEM}, n = {n_txt} branches per time",
                      fontsize=8, loc="left")
    return axes


def plot_pr_vs_mg(ax, mg_measured: Any, pr: Any, level: Any = None, fit=None):
    """Fig 4d: functional-bouton Pr vs measured [Mg]i, log–log, with the power-law fit (T3).

    Parameters
    ----------
    ax : matplotlib Axes
    mg_measured, pr : array_like
        Measured [Mg]i (mM) and measured Pr; non-functional boutons are dropped here.
    level : array_like, optional
        Bath level per bouton (mM), used for colours.
    fit : PowerLawFit, optional
    """
    mg, p = np.asarray(mg_measured, float), np.asarray(pr, float)
    keep = np.isfinite(mg) & np.isfinite(p) & (p >= FUNCTIONAL_PR_THRESHOLD) & (mg > 0)
    if level is not None:
        lv = np.asarray(level, float)[keep]
        levels = np.unique(lv[np.isfinite(lv)])
        cols = level_colors(len(levels))
        for i, L in enumerate(levels):
            sel = lv == L
            ax.scatter(mg[keep][sel], p[keep][sel], s=5, alpha=0.4, edgecolors="none",
                       color=cols[i], label=f"{L:g} mM (n = {int(sel.sum())})")
    else:
        ax.scatter(mg[keep], p[keep], s=5, alpha=0.4, color=GREY, edgecolors="none",
                   label=f"boutons (n = {int(keep.sum())})")
    if keep.sum() >= 3:
        fit = fit or power_law_fit(mg[keep], p[keep])
        xs = np.geomspace(mg[keep].min(), mg[keep].max(), 50)
        ax.plot(xs, fit.predict(xs), "-", color=FIT_COLOR, lw=1.4,
                label=f"slope {fit.exponent:.2f}, R² {fit.r2:.2f}")
    _log_axes(ax)
    lo, hi = mg[keep].min(), mg[keep].max()
    ticks = [v for v in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10) if lo <= v <= hi]
    if ticks:
        ax.set_xticks(ticks)
    ax.set_xlabel("[Mg]i measured (mM)")
    ax.set_ylabel("Pr (functional boutons)")
    ax.legend(fontsize=6, frameon=False, ncol=2)
    ax.set_title("Fig 4d: Pr vs [Mg]i (T3)\npoints = boutons, no error bars", fontsize=8)
    return ax


def plot_capacity(ax_scatter, ax_box, pooled: Mapping[str, Any], conditions: Sequence[str],
                  split=None):
    """Coding capacity per 10 µm vs P̄r (by condition) and by condition × configuration (T9).

    Parameters
    ----------
    ax_scatter, ax_box : matplotlib Axes
    pooled : pooled branch table with ``source``, ``mean_pr``, ``capacity_bits``, ``sum_pr``
    conditions : condition name per ``source`` index
    split : ConfigurationSplit, optional
        Draws the DHiLo/DLoHi threshold and groups the box plot by it.
    """
    src = np.asarray(pooled["source"])
    mpr = np.asarray(pooled["mean_pr"], float)
    cap = np.asarray(pooled["capacity_bits"], float)
    for i, cond in enumerate(conditions):
        sel = (src == i) & np.isfinite(mpr)
        ax_scatter.scatter(mpr[sel], cap[sel], s=10, alpha=0.6, edgecolors="none",
                           color=condition_color(cond, i), label=_label(cond))
    if split is not None:
        ax_scatter.axvline(split.threshold, color=GREY, ls="--", lw=0.8,
                           label=f"median split {split.threshold:.2f}")
    ax_scatter.set_xlabel("P̄r")
    ax_scatter.set_ylabel("coding capacity (bits / 10 µm)")
    ax_scatter.set_xlim(left=0)
    ax_scatter.set_ylim(bottom=0)
    ax_scatter.legend(fontsize=_SMALL, frameon=False)
    ax_scatter.set_title(f"capacity vs P̄r (T9)\n{int(np.isfinite(mpr).sum())} branches, "
                         "no error bars", fontsize=8)
    data, labels, colors = [], [], []
    for i, cond in enumerate(conditions):
        data.append(cap[(src == i) & np.isfinite(cap)])
        labels.append(_label(cond))
        colors.append(condition_color(cond, i))
    if split is not None:
        for mask, name, col in ((split.dhilo, "DHiLo", DHILO_COLOR),
                                (split.dlohi, "DLoHi", DLOHI_COLOR)):
            data.append(cap[np.asarray(mask) & np.isfinite(cap)])
            labels.append(name)
            colors.append(col)
    _strip_box(ax_box, data, labels, colors)
    ax_box.set_ylabel("bits / 10 µm")
    ax_box.set_ylim(bottom=0)
    ax_box.set_title("capacity by condition / configuration\n" + BOX_TEXT, fontsize=7)
    return ax_scatter, ax_box


def plot_g_vs_gburst(ax, pooled: Mapping[str, Any], split):
    """Basal G vs burst G_burst transmission per branch, DHiLo vs DLoHi, with group means and
    their relative differences (T8).

    Parameters
    ----------
    ax : matplotlib Axes
    pooled : pooled branch table with ``G`` and ``G_burst`` (nS per 10 µm)
    split : ConfigurationSplit
    """
    g = np.asarray(pooled["G"], float)
    gb = np.asarray(pooled["G_burst"], float)
    means = {}
    for mask, name, col in ((split.dhilo, "DHiLo", DHILO_COLOR),
                            (split.dlohi, "DLoHi", DLOHI_COLOR)):
        m = np.asarray(mask) & np.isfinite(g) & np.isfinite(gb)
        ax.scatter(g[m], gb[m], s=8, alpha=0.45, color=col, edgecolors="none",
                   label=f"{name} (n = {int(m.sum())})")
        if m.any():
            means[name] = (g[m].mean(), gb[m].mean())
            ax.scatter(*means[name], s=90, marker="X", color=col, edgecolors=INK, lw=0.8,
                       zorder=5)
    if len(means) == 2:
        (g1, b1), (g2, b2) = means["DHiLo"], means["DLoHi"]
        ax.text(0.03, 0.97, f"DHiLo vs DLoHi:\nG {100 * (g1 / g2 - 1):+.0f} %\n"
                f"G_burst {100 * (b1 / b2 - 1):+.0f} %", transform=ax.transAxes, va="top",
                fontsize=_SMALL)
    ax.set_xlabel("G = Σ Pr·q (nS / 10 µm)")
    ax.set_ylabel("G_burst = Σ Pr_burst·q (nS / 10 µm)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=_SMALL, frameon=False, loc="lower right")
    ax.set_title("G vs G_burst, DHiLo vs DLoHi (T8)\npoints = branches, X = group mean, "
                 "no error bars", fontsize=8)
    return ax

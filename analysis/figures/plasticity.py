"""Figures of the plasticity-induction experiment (prediction; science.md §4 items 4–5, T10).

Pure drawing functions: each takes a matplotlib ``Axes`` and plain numbers computed by
:mod:`mgnet.analysis.plasticity_report` (never a run file, never brian2).

- :func:`plot_stdp_curve`: mean relative change of total branch weight against
  Δt = t_post − t_pre (the pairing protocol of Graupner & Brunel 2012 Fig 3: 60 pairs at
  1 Hz), one line per condition or configuration, with bootstrap CIs.
- :func:`plot_protocol_split`: the change per protocol for DHiLo vs DLoHi branches
  (median split of measured P̄r, Zhou et al. 2024), with bootstrap CIs (pairing
  protocols as pairing-specific change, i.e. minus the unpaired control, when present).

Command: ``mgnet figures`` (after ``mgnet run plasticity-induction``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .style import CONDITION_COLORS, DHILO_COLOR, DLOHI_COLOR, GREY, INK, LTD_COLOR, LTP_COLOR

__all__ = ["plot_stdp_curve", "plot_protocol_split", "GROUP_COLORS", "BI_POO_WINDOWS"]

#: Colours of the configuration groups and conditions (from :mod:`mgnet.analysis.figures.style`).
GROUP_COLORS = {"DHiLo": DHILO_COLOR, "DLoHi": DLOHI_COLOR, "all": GREY,
                **CONDITION_COLORS}


#: Bi & Poo (1998) J Neurosci 18:10464, hippocampal cultures (60 pairings at 1 Hz): LTP
#: for the postsynaptic spike within 20 ms after the presynaptic one, LTD within 20 ms
#: before (signs and windows of the abstract; the magnitudes were not retrievable here).
BI_POO_WINDOWS = {"LTP": (0.0, 20.0), "LTD": (-20.0, 0.0)}


def plot_stdp_curve(ax, curves: Mapping[str, Mapping[str, Sequence[float]]], *,
                    percent: bool = True, title: str | None = None,
                    ylabel: str | None = None, reference: bool = False,
                    ci_name: str = "95 % CI") -> None:
    """STDP curve(s): mean change against Δt with CI bands.

    Parameters
    ----------
    ax : matplotlib Axes
    curves : mapping label -> {"dt_ms", "mean", "low", "high"}
        One curve per label (e.g. condition or "DHiLo"/"DLoHi"); ``mean``, ``low`` and
        ``high`` are relative changes (fractions).
    percent : bool
        Show the y axis in %.
    ylabel : str, optional
        Default: "change of total branch weight".
    reference : bool
        Shade the LTP and LTD windows of Bi & Poo (1998) (:data:`BI_POO_WINDOWS`).
    ci_name : str
        Name of the interval of ``low``/``high`` (printed in the title).
    """
    if not curves:
        raise ValueError("no STDP curve to draw")
    if reference:
        for kind, (a, b) in BI_POO_WINDOWS.items():
            ax.axvspan(a, b, color=LTP_COLOR if kind == "LTP" else LTD_COLOR, alpha=0.08,
                       lw=0, label=f"Bi & Poo 1998 {kind} window")
    scale = 100.0 if percent else 1.0
    for label, c in curves.items():
        dt = np.asarray(c["dt_ms"], float)
        order = np.argsort(dt)
        m = np.asarray(c["mean"], float)[order] * scale
        color = GROUP_COLORS.get(label)
        n = np.asarray(c.get("n", []), float)
        n_txt = "" if not n.size else (f" (n = {int(n.max())} branches)" if n.min() == n.max()
                                       else f" (n = {int(n.min())}–{int(n.max())} branches)")
        ax.plot(dt[order], m, "o-", color=color, label=label + n_txt, ms=4)
        if "low" in c and "high" in c:
            ax.fill_between(dt[order], np.asarray(c["low"], float)[order] * scale,
                            np.asarray(c["high"], float)[order] * scale, color=color,
                            alpha=0.2, lw=0)
    ax.axhline(0, color=INK, lw=0.6)
    ax.axvline(0, color=INK, lw=0.4, ls=":")
    ax.set_xlabel("Δt = t_post − t_pre (ms)")
    ax.set_ylabel(ylabel or "change of total branch weight" + (" (%)" if percent else ""))
    title = (title + "\n" if title else "") + f"line = mean over branches\nband = {ci_name}"
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=8, frameon=False)


def plot_protocol_split(ax, rows: Sequence[Mapping], protocols: Sequence[str], *,
                        groups: Sequence[str] = ("DHiLo", "DLoHi"), percent: bool = True,
                        title: str | None = None, ci_name: str = "95 % CI") -> None:
    """Grouped bars: change per protocol for each configuration group, with CIs.

    Parameters
    ----------
    rows : sequence of mappings
        Each with ``protocol``, ``group``, ``mean``, ``low``, ``high`` (fractions);
        rows of other groups or protocols are ignored.
    protocols : sequence of str
        Protocols in display order.
    groups : sequence of str
    ci_name : str
        Name of the interval of ``low``/``high`` (printed in the title).
    """
    scale = 100.0 if percent else 1.0
    look = {(r["protocol"], r["group"]): r for r in rows}
    if not any((p, g) in look for p in protocols for g in groups):
        raise ValueError("no protocol/group rows to draw")
    x = np.arange(len(protocols))
    width = 0.8 / len(groups)
    for k, g in enumerate(groups):
        m, lo, hi, ns = [], [], [], []
        for p in protocols:
            r = look.get((p, g))
            m.append(r["mean"] if r else np.nan)
            lo.append(r["low"] if r else np.nan)
            hi.append(r["high"] if r else np.nan)
            if r and r.get("n"):
                ns.append(int(r["n"]))
        m, lo, hi = (np.asarray(v, float) * scale for v in (m, lo, hi))
        err = np.vstack([np.clip(m - lo, 0, None), np.clip(hi - m, 0, None)])
        ax.bar(x + (k - (len(groups) - 1) / 2) * width, m, width, yerr=err, capsize=2,
               color=GROUP_COLORS.get(g),
               label=g + (f" (n = {min(ns)}–{max(ns)} branches)" if ns and min(ns) != max(ns)
                          else f" (n = {ns[0]} branches)" if ns else ""))
    ax.axhline(0, color=INK, lw=0.6)
    ax.set_xticks(x)
    ax.set_xticklabels(protocols, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("change of total branch weight" + (" (%)" if percent else ""))
    ax.set_title((title + "\n" if title else "") + f"bar = mean over branches\nerror bars = {ci_name}",
                 fontsize=8)
    ax.legend(fontsize=8, frameon=False)

"""Figures of the culture-activity experiment (science.md §4 item 7, §5).

Reproduces the culture-band comparison of the network model: spontaneous network bursts
of cultured hippocampal networks (network-burst rate 1–30 per minute, inter-burst-interval
CV 0.3–1, burst duration 0.1–2 s, > 80 % of spikes in bursts, between-burst rate < 1 Hz,
intra-burst rates of tens of Hz; Wagenaar, Pine & Potter 2006 *BMC Neurosci* 7:11 Figs 2–4;
Brewer et al. 2009; Masquelier & Deco 2013 *PLoS ONE* 8:e75824).

Pure drawing functions: each takes a matplotlib ``Axes`` and plain arrays computed by
:mod:`mgnet.analysis.culture_report` from saved run files (never a run file, never brian2).

- :func:`plot_raster`: spike raster of the excitatory and inhibitory populations with the
  detected network bursts shaded.
- :func:`plot_population_rate`: population-averaged rate per neuron with the detector
  threshold and the bursts.
- :func:`plot_statistic_by_condition`: one burst statistic per condition, one point per
  seed, the mean as a bar, the culture band shaded.
- :func:`plot_filtering` (background-filtering; Slutsky et al. 2004): relative change of
  the NMDA Ca2+ per release in background vs burst intervals with 95 % CIs and the
  Jahr–Stevens prediction; :func:`plot_glun2b`: the GluN2B fraction over hours.

Command: ``mgnet figures`` (after ``mgnet reproduce --only culture-activity``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .style import (
    BAND_COLOR,
    BURST_SHADE_COLOR,
    CONDITION_COLORS,
    GREY,
    INK,
    INTERVAL_COLORS,
    LIGHT_GREY,
    POPULATION_COLORS,
    REFERENCE_COLOR,
    condition_color,
)

__all__ = ["plot_raster", "plot_population_rate", "plot_statistic_by_condition",
           "plot_filtering", "plot_glun2b", "CONDITION_COLORS", "BAND_COLOR"]



def _shade_bursts(ax, bursts, t0: float, t1: float, color: str = BURST_SHADE_COLOR) -> None:
    if bursts is None:
        return
    starts, stops = (np.asarray(b, float) for b in bursts)
    for a, b in zip(starts, stops, strict=True):
        if b >= t0 and a <= t1:
            ax.axvspan(max(a, t0), min(b, t1), color=color, alpha=0.18, lw=0, zorder=0)


def plot_raster(ax, exc: tuple, inh: tuple, n_exc: int, n_inh: int,
                window: tuple[float, float], *, bursts: tuple | None = None,
                warmup: float | None = None, title: str | None = None,
                markersize: float = 0.6) -> None:
    """Spike raster; inhibitory neurons drawn above the excitatory ones.

    Parameters
    ----------
    ax : matplotlib Axes
    exc, inh : (times_s, ids)
        Spikes of each population (SONATA layout, ids within the population).
    n_exc, n_inh : int
        Population sizes (the y range).
    window : (t0, t1)
        Shown time window (s).
    bursts : (starts, stops), optional
        Detected network bursts (s), shaded.
    warmup : float, optional
        End of the discarded start-up transient (s), hatched grey if inside the window.
    title : str, optional
    markersize : float
    """
    t0, t1 = window
    _shade_bursts(ax, bursts, t0, t1)
    for (t, i), offset, color, label in ((exc, 0, POPULATION_COLORS["E"], "E"),
                                         (inh, n_exc, POPULATION_COLORS["I"], "I")):
        t = np.asarray(t, float)
        i = np.asarray(i, np.int64)
        keep = (t >= t0) & (t < t1)
        ax.plot(t[keep], i[keep] + offset, ",", ms=markersize, color=color,
                rasterized=True, label=label)
    if warmup is not None and warmup > t0:
        ax.axvspan(t0, min(warmup, t1), color=LIGHT_GREY, alpha=0.35, lw=0, hatch="//",
                   zorder=3)
    ax.axhline(n_exc - 0.5, color=GREY, lw=0.5)
    ax.set_xlim(t0, t1)
    ax.set_ylim(-0.5, n_exc + n_inh - 0.5)
    ax.set_ylabel(f"neuron (E 0–{n_exc - 1}, I above)")
    if title:
        ax.set_title(title)


def plot_population_rate(ax, t: Sequence[float], rate: Sequence[float], *,
                         bursts: tuple | None = None, threshold: float | None = None,
                         warmup: float | None = None, ymax: float | None = None) -> None:
    """Population-averaged firing rate per neuron against time.

    Parameters
    ----------
    ax : matplotlib Axes
    t, rate : array_like
        Bin centres (s) and rate (Hz per neuron), e.g. from
        :func:`mgnet.analysis.bursts.population_rate`.
    bursts : (starts, stops), optional
        Detected bursts (s), shaded.
    threshold : float, optional
        Burst-detector threshold (Hz per neuron), dashed.
    warmup : float, optional
        End of the discarded warm-up (s), hatched grey.
    ymax : float, optional
        Upper y limit (to share a scale between panels).
    """
    t = np.asarray(t, float)
    rate = np.asarray(rate, float)
    if t.size == 0:
        raise ValueError("empty population rate")
    _shade_bursts(ax, bursts, t[0], t[-1])
    ax.plot(t, rate, color=INK, lw=0.6)
    if threshold is not None:
        ax.axhline(threshold, color=GREY, ls="--", lw=0.8, label="detector threshold")
    if warmup is not None and warmup > t[0]:
        ax.axvspan(t[0], min(warmup, t[-1]), color=LIGHT_GREY, alpha=0.35, lw=0, hatch="//",
                   zorder=3, label="warm-up (not analysed)")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, ymax if ymax is not None else max(1.0, float(np.nanmax(rate)) * 1.05))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate (Hz / neuron)")


def plot_statistic_by_condition(ax, values: Mapping[str, Sequence[float]],
                                band: tuple[float, float], *, label: str,
                                log: bool = False, seed: int = 0) -> None:
    """One burst statistic per condition: a point per seed, the mean as a bar.

    The band is shaded; points outside it are drawn as open red circles; undefined
    values (NaN, e.g. no bursts) are counted as ``n/a`` under their condition.

    Parameters
    ----------
    ax : matplotlib Axes
    values : mapping condition -> values (one per seed)
    band : (low, high)
        Inclusive band; ``high`` may be ``inf``.
    label : str
        y-axis label.
    log : bool
        Logarithmic y axis (non-positive values are then not drawn).
    seed : int
        Seed of the horizontal jitter (the figure is deterministic).
    """
    if not values:
        raise ValueError("no conditions to draw")
    lo, hi = float(band[0]), float(band[1])
    rng = np.random.default_rng(seed)
    finite_all = []
    conds = list(values)
    for k, c in enumerate(conds):
        v = np.asarray(values[c], float)
        ok = np.isfinite(v) & ((v > 0) if log else True)
        finite_all.extend(v[ok])
        x = k + rng.uniform(-0.15, 0.15, v.size)
        inside = ok & (v >= lo) & (v <= hi)
        color = condition_color(c, k)
        ax.plot(x[inside], v[inside], "o", ms=5, color=color, alpha=0.85)
        ax.plot(x[ok & ~inside], v[ok & ~inside], "o", ms=6, mfc="none", mec=color,
                mew=1.3)
        if ok.any():
            m = float(np.mean(v[ok]))
            ax.plot([k - 0.3, k + 0.3], [m, m], color=color, lw=2)
        n_nan = int(np.sum(~np.isfinite(v)))
        if n_nan:
            ax.annotate(f"n/a ×{n_nan}", (k, 0), xycoords=("data", "axes fraction"),
                        xytext=(0, 3), textcoords="offset points", ha="center",
                        fontsize=7, color=INK)
    finite_all = np.asarray(finite_all, float)
    edges = [x for x in (lo, hi) if math.isfinite(x) and (x > 0 or not log)]
    pool = np.concatenate([finite_all, edges]) if finite_all.size or edges else np.array([1.0])
    if log:
        pool = pool[pool > 0]
        ymin, ymax = float(pool.min()) / 1.6, float(pool.max()) * 1.6
        ax.set_yscale("log")
        from matplotlib.ticker import FuncFormatter, NullFormatter
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        span = float(pool.max() - pool.min()) or 1.0
        ymin, ymax = float(pool.min()) - 0.1 * span, float(pool.max()) + 0.1 * span
    ax.set_ylim(ymin, ymax)
    ax.axhspan(max(lo, ymin), min(hi, ymax), color=BAND_COLOR, alpha=0.12, lw=0, zorder=0)
    ax.set_xticks(range(len(conds)))
    ax.set_xticklabels([f"{c} (n = {np.asarray(values[c]).size})" for c in conds],
                       rotation=30, ha="right", fontsize=7)
    ax.set_xlim(-0.6, len(conds) - 0.4)
    ax.set_ylabel(label)
    band_txt = f"≥ {lo:g}" if not math.isfinite(hi) else f"{lo:g}–{hi:g}"
    ax.set_title(f"{label}  (band {band_txt})\npoints = seeds, line = mean, no error bars",
                 fontsize=8)


def plot_filtering(ax, rows: Sequence[Mapping], ci_name: str = "bootstrap") -> None:
    """``rows``: dicts with condition, interval ("background"/"burst"), n, rel_change, low,
    high, prediction (fractions), as :func:`mgnet.analysis.culture_report.filtering_rows`;
    ``ci_name`` names the interval of ``low``/``high`` in the title."""
    conds = list(dict.fromkeys(r["condition"] for r in rows))
    colors = INTERVAL_COLORS
    for k, c in enumerate(conds):
        for j, cls in enumerate(("background", "burst")):
            r = next((r for r in rows if r["condition"] == c and r["interval"] == cls), None)
            if r is None or not np.isfinite(r["rel_change"]):
                continue
            x = k + (j - 0.5) * 0.35
            ax.bar(x, 100 * r["rel_change"], width=0.33, color=colors[cls],
                   label=cls if k == 0 else None)
            ax.errorbar(x, 100 * r["rel_change"],
                        yerr=[[max(0.0, 100 * (r["rel_change"] - r["low"]))],
                              [max(0.0, 100 * (r["high"] - r["rel_change"]))]],
                        fmt="none", ecolor=INK, lw=1)
        pred = next((r["prediction"] for r in rows if r["condition"] == c), np.nan)
        if np.isfinite(pred):
            ax.hlines(100 * pred, k - 0.45, k + 0.45, colors=REFERENCE_COLOR, linestyles="--",
                      label="block at −70 mV" if k == 0 else None)
    ax.axhline(0, color=LIGHT_GREY, lw=0.5)
    ax.set_xticks(range(len(conds)))
    ax.set_xticklabels(conds, fontsize=8)
    ax.set_ylabel("NMDA Ca²⁺ per release vs baseline (%)")
    ns = sorted({int(r.get("n", 0)) for r in rows if r.get("n")})
    n_txt = "/".join(str(n) for n in ns) if ns else "?"
    ax.set_title(f"[Mg]o filtering: background vs bursts\nbars: {ci_name}, paired over "
                 f"n = {n_txt} neurons", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower right")


def plot_glun2b(ax, times_h: Sequence[float], f_by_condition: Mapping[str, Sequence[float]]
                ) -> None:
    """Mean GluN2B fraction over the slow relaxation, one line per condition."""
    for c, f in f_by_condition.items():
        ax.plot(times_h, f, "o-", ms=3, color=condition_color(c), label=c)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("mean GluN2B fraction (E cells; no error bars)")
    ax.set_title("GluN2B metaplasticity (one run)", fontsize=9)
    ax.legend(fontsize=7, frameon=False)

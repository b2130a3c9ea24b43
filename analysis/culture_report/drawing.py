"""The culture-activity figures: rasters with population rates, and the banded statistics
per condition.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..bursts import CULTURE_BANDS, population_rate
from ..run_file import read_run
from .activity import (
    FIGURE_FILES,
    RASTER_CONDITIONS,
    RASTER_WINDOW_S,
    STAT_COLUMNS,
    activity_rows,
    load_activity_records,
)


def _detector_threshold() -> float:
    """Default threshold (Hz per neuron) of :func:`mgnet.analysis.bursts.detect_network_bursts`."""
    import inspect

    from ..bursts import detect_network_bursts
    return float(inspect.signature(detect_network_bursts).parameters["threshold"].default)


def _raster_seed(records: Sequence[Mapping]) -> int | None:
    """Seed 0 if both raster conditions have it, else the lowest seed they share, else
    the lowest seed of any raster condition."""
    by = {c: {r["seed"] for r in records if r["condition"] == c} for c in RASTER_CONDITIONS}
    common = set.intersection(*by.values()) if all(by.values()) else set()
    if 0 in common:
        return 0
    if common:
        return min(common)
    anyseed = set().union(*by.values())
    return min(anyseed) if anyseed else None


def activity_figures(results: Path, out_dir: Path | None = None, scale: str | None = None,
                     dpi: int = 150) -> list[Path]:
    """Draw the culture figures whose run files exist; return the written paths.

    - ``culture_raster.png``: raster and population rate of the first
      :data:`RASTER_WINDOW_S` s of baseline and elevated_mg (seed 0, or the lowest seed
      both have), detected bursts shaded, the discarded warm-up hatched.
    - ``culture_bands.png``: every banded statistic per condition, one point per seed,
      the band shaded.
    """
    import matplotlib
    matplotlib.use("Agg")
    results = Path(results)
    records = load_activity_records(results, scale)
    if not records:
        return []
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    return _raster_figure(records, out_dir, dpi) + _bands_figure(records, out_dir, dpi)


def _raster_panel(run) -> tuple:
    """What one column of the raster figure shows: ``(run, n_exc, n_inh, t1, tr, rate,
    bursts, warm-up)``."""
    m = run.metrics
    n_exc, n_inh = int(m["n_exc"]), int(m["n_inh"])
    t1 = min(RASTER_WINDOW_S, float(m.get("analysis_t_stop_s", RASTER_WINDOW_S)))
    te, ie = run.spikes["exc"]
    ti, ii = run.spikes["inh"]
    t_all = np.concatenate([te, ti])
    tr, rate = population_rate(t_all, n_exc + n_inh, t1, t_start=0.0)
    bursts = (run.arrays.get("/bursts/start", np.zeros(0)),
              run.arrays.get("/bursts/stop", np.zeros(0)))
    return (run, n_exc, n_inh, t1, tr, rate, bursts, float(m.get("analysis_t_start_s", 0.0)))


def _raster_figure(records: Sequence[Mapping], out_dir: Path, dpi: int) -> list[Path]:
    """``culture_raster.png`` of :func:`activity_figures` (empty list if not drawn)."""
    import matplotlib.pyplot as plt

    from ..figures import culture as fc
    from ..figures.style import save_figure
    seed = _raster_seed(records)
    # One run per condition (the last listed if a condition and seed were run twice).
    shown = list({rec["condition"]: rec for c in RASTER_CONDITIONS for rec in records
                  if rec["condition"] == c and rec["seed"] == seed}.values())
    if not shown:
        return []
    try:
        runs = [read_run(rec["path"]) for rec in shown]
        panels = [_raster_panel(run) for run in runs]
        ymax = max(float(np.max(p[5])) for p in panels) * 1.05 or 1.0
        fig, axes = plt.subplots(2, len(panels), figsize=(6.5 * len(panels), 6.2),
                                 squeeze=False, sharex="col",
                                 gridspec_kw={"height_ratios": [3, 1.2]})
        for k, (run, n_exc, n_inh, t1, tr, rate, bursts, warm) in enumerate(panels):
            m = run.metrics
            fc.plot_raster(axes[0, k], run.spikes["exc"], run.spikes["inh"], n_exc, n_inh,
                           (0.0, t1), bursts=bursts, warmup=warm,
                           title=f"{run.attrs.get('condition')} (seed "
                                 f"{run.attrs.get('seed')}; [Mg]o "
                                 f"{m.get('mg_o_mM', float('nan')):g} mM, [Mg]i "
                                 f"{m.get('mg_i_mM', float('nan')):g} mM)")
            fc.plot_population_rate(axes[1, k], tr, rate, bursts=bursts,
                                    threshold=_detector_threshold(),
                                    warmup=warm, ymax=ymax)
        axes[1, 0].legend(loc="upper right", fontsize=7, frameon=False)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["raster"]
        save_figure(fig, path, dpi, split="columns", caption=(
            f"Spike rasters (top; E below, I above the line) and population rate per "
            f"neuron (bottom) of the first {max(p[3] for p in panels):g} s of "
            + " and ".join(str(r.attrs.get("condition")) for r in runs)
            + f" (one run each, seed {seed}); shaded: detected network bursts, hatched: "
            f"the discarded warm-up, dashed: the detector threshold. Single runs, no "
            f"error bars; n = {int(runs[0].metrics.get('n_exc', 0))} E + "
            f"{int(runs[0].metrics.get('n_inh', 0))} I neurons."))
        return [path]
    except (KeyError, ValueError) as exc:
        plt.close("all")
        warnings.warn(f"figure {FIGURE_FILES['raster']} skipped: {exc}", RuntimeWarning,
                      stacklevel=3)
        return []


def _bands_figure(records: Sequence[Mapping], out_dir: Path, dpi: int) -> list[Path]:
    """``culture_bands.png`` of :func:`activity_figures` (empty list if not drawn)."""
    import matplotlib.pyplot as plt

    from ..figures import culture as fc
    from ..figures.style import save_figure
    rows = activity_rows(records)
    conds = list(dict.fromkeys(r["condition"] for r in rows))
    log_keys = {"burst_rate_per_min", "duration_median_s"}
    keys = list(CULTURE_BANDS)
    ncol = 3
    nrow = math.ceil(len(keys) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    try:
        for ax, k in zip(axes.ravel(), keys, strict=False):
            values = {c: [r["values"][k] for r in rows if r["condition"] == c] for c in conds}
            fc.plot_statistic_by_condition(ax, values, CULTURE_BANDS[k],
                                           label=STAT_COLUMNS.get(k, (k,))[0],
                                           log=k in log_keys)
        for ax in axes.ravel()[len(keys):]:
            ax.set_visible(False)
        fig.suptitle("culture bands (shaded grey) per condition; one point per seed, bar = "
                     "mean, open circle = outside the band; no error bars", fontsize=9)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["bands"]
        n_by = {c: sum(1 for r in rows if r["condition"] == c) for c in conds}
        save_figure(fig, path, dpi, close=False, caption=(
            "Burst statistics of the culture network per condition against the culture bands "
            "of science.md §4.7 (shaded): one point per seed (open circles lie outside the "
            "band), line = mean over seeds, no error bars; n = "
            + ", ".join(f"{v} {c}" for c, v in n_by.items()) + " seeds."))
        return [path]
    except ValueError as exc:
        warnings.warn(f"figure {FIGURE_FILES['bands']} skipped: {exc}", RuntimeWarning,
                      stacklevel=3)
        return []
    finally:
        plt.close(fig)

"""The synaptic-configuration figures (Zhou, Bi & Liu 2024 Figs 1b–f, 3a, 4a, 4d; T8, T9)
of the configuration study, drawn from the bouton-assay, mg-dose-response and
reconfiguration run files only."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .. import configuration_report as cr  # noqa: E402
from ..figures.style import save_figure  # noqa: E402
from .base import FIGURE_DPI  # noqa: E402

__all__ = ["configuration_figures"]


def _panel(out_dir: Path, name: str, figsize, layout, draw: Callable[[Any], None],
           dpi: int, caption: str = "") -> Path | None:
    """Draw one figure file; a panel whose data are degenerate is skipped with a warning so
    the other panels still appear."""
    fig, axes = plt.subplots(*layout, figsize=figsize, squeeze=False)
    try:
        draw(axes.ravel() if axes.size > 1 else axes[0, 0])
        fig.tight_layout()
    except (ValueError, KeyError, cr.ConfigurationDataError) as exc:
        plt.close(fig)
        warnings.warn(f"figure {name} skipped: {exc}", RuntimeWarning, stacklevel=3)
        return None
    return save_figure(fig, out_dir / name, dpi, caption=caption)


def _n_text(counts: dict) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.items())


def configuration_figures(results: Path, out_dir: Path | None = None,
                          runs: cr.ConfigurationRuns | None = None,
                          dpi: int = FIGURE_DPI) -> list[Path]:
    """Draw the synaptic-configuration panels (Zhou 2024 Figs 1b–f, 3a, 4a, 4d; T8, T9)
    whose run files exist; return the written paths.

    Parameters
    ----------
    results : path
        Results directory (run files under ``results/runs``).
    out_dir : path, optional
        Default ``results/figures``.
    runs : ConfigurationRuns, optional
        Already loaded runs (otherwise read from ``results``).
    dpi : int
    """
    results = Path(results)
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = runs if runs is not None else cr.load_configuration_runs(results)
    conds, problems = cr.assay_conditions(runs.assay)
    for cond, msg in problems.items():
        warnings.warn(f"bouton-assay {cond} unusable: {msg}", RuntimeWarning, stacklevel=2)
    written: list[Path | None] = []
    if conds.get(cr.BASELINE) is not None:
        written += _assay_panels(out_dir, conds, dpi)
        written += _pooled_panels(out_dir, conds, dpi)
    if runs.dose:
        written.append(_dose_panel(out_dir, runs, dpi))
    if runs.reconfiguration:
        written.append(_timecourse_panel(out_dir, runs, dpi))
    return [p for p in written if p is not None]


def _assay_panels(out_dir: Path, conds: dict, dpi: int) -> list[Path | None]:
    """Figs 1b, 1c, 1d, 1e–f and 3a from the bouton-assay conditions."""
    from ..figures import configuration as fc
    F = cr.FIGURE_FILES
    written: list[Path | None] = []
    tables = {c: cd.branches for c, cd in conds.items()}
    b = conds[cr.BASELINE]
    shown = {c: t for c, t in tables.items() if c in (cr.BASELINE, cr.ELEVATED)}
    ex = {c: conds[c].branch_extra["exhausted"] for c in shown
          if "exhausted" in conds[c].branch_extra}
    n_seeds = max(len(set(conds[c].seeds)) for c in shown)
    n_br = {c: int(np.isfinite(np.asarray(t["mean_pr"], float)).sum())
            for c, t in shown.items()}
    seeds_txt = f"{n_seeds} seed(s) pooled"
    written.append(_panel(
        out_dir, F["fig1b"], (5.2, 4.2), (1, 1),
        lambda ax: fc.plot_hyperbola(ax, shown, exhausted=ex or None, n_seeds=n_seeds),
        dpi, caption=(f"D (functional boutons per 10 µm) against P̄r per branch with the "
                      f"hyperbola D = k/P̄r fitted to the pooled branches; insets D vs "
                      f"1/P̄r and ΣPr vs P̄r. Points are branches (no error bars); "
                      f"n = {_n_text(n_br)} branches, {seeds_txt} (the table's R² are "
                      f"per-seed medians).")))
    pr = {c: np.asarray(cd.boutons["pr_1ap"], float)[cd.functional] for c, cd in conds.items()}
    silent = {c: 1 - float(np.sum(cd.branches["n_functional"]))
              / max(float(np.sum(cd.branches["n_boutons"])), 1.0) for c, cd in conds.items()}
    n_bt = {c: int(np.isfinite(v).sum()) for c, v in pr.items()}
    n_seed_all = {c: len(set(cd.seeds)) for c, cd in conds.items()}
    written.append(_panel(
        out_dir, F["fig1c"], (8, 3.4), (1, 2),
        lambda ax: fc.plot_pr_distributions(ax[0], ax[1], pr, silent), dpi,
        caption=(f"Measured Pr (30 trials) of functional boutons per condition, "
                 f"histogram (density) and ECDF; the legend gives the silent fraction. "
                 f"Distributions, no error bars; n = {_n_text(n_bt)} functional boutons "
                 f"({_n_text(n_seed_all)} seeds pooled).")))
    f = b.functional
    nf = int(np.sum(f))
    written.append(_panel(
        out_dir, F["fig1d"], (8, 3.4), (1, 2),
        lambda ax: fc.plot_burst_facilitation(ax[0], ax[1], b.boutons["pr_1ap"][f],
                                              b.boutons["pr_burst"][f]), dpi,
        caption=(f"Baseline functional boutons: Pr_burst (6 trains of 5 spikes at 100 Hz) "
                 f"against Pr (left; dashed identity) and ΔPr = Pr_burst − Pr against Pr "
                 f"(right). Points are boutons; the line is the binned mean ± SEM over the "
                 f"boutons of each bin (bins with ≥ 3 boutons); n = {nf} boutons "
                 f"({n_seed_all.get(cr.BASELINE, 0)} seeds pooled).")))
    n_tab = {c: int(np.isfinite(np.asarray(t["sum_pr"], float)).sum())
             for c, t in tables.items()}
    written.append(_panel(
        out_dir, F["fig1ef"], (8, 3.4), (1, 2),
        lambda ax: fc.plot_sum_pr_by_condition(ax[0], ax[1], tables), dpi,
        caption=(f"Branch ΣPr (left, Fig 1e) and ΣPr_burst (right, Fig 1f) per 10 µm by "
                 f"condition. Box: median and quartiles, whiskers 1.5 × IQR, points = "
                 f"branches (no error bars); n = {_n_text(n_tab)} branches "
                 f"({_n_text(n_seed_all)} seeds pooled).")))
    if "wca" in b.boutons:
        written.append(_panel(
            out_dir, F["fig3a"], (4.5, 4), (1, 1),
            lambda ax: fc.plot_wca_vs_pr(ax, b.boutons["pr_1ap"][f], b.boutons["wca"][f]),
            dpi, caption=(f"Spine Ca²⁺ per synapse (wCa, 1AP) against Pr of baseline "
                          f"functional boutons with the paper's fit form a·Pr^b + c (solid), "
                          f"the log–log power law (dashed) and the paper's curve scaled to "
                          f"the data (dotted). Points are boutons (no error bars); n = {nf} "
                          f"boutons ({n_seed_all.get(cr.BASELINE, 0)} seeds pooled; the "
                          f"table's exponent is the per-seed median).")))
    return written


def _pooled_panels(out_dir: Path, conds: dict, dpi: int) -> list[Path | None]:
    """Coding capacity (T9) and G vs G_burst (T8) of the branches of every condition."""
    from ..configuration_metrics import dhilo_dlohi_split
    from ..figures import configuration as fc
    F = cr.FIGURE_FILES
    written: list[Path | None] = []
    n_seed_all = {c: len(set(cd.seeds)) for c, cd in conds.items()}
    pooled, present = cr.pooled_assay_table(conds)
    split = dhilo_dlohi_split(pooled)
    n_pool = int(np.isfinite(np.asarray(pooled["mean_pr"], float)).sum())
    written.append(_panel(
        out_dir, F["capacity"], (8, 3.6), (1, 2),
        lambda ax: fc.plot_capacity(ax[0], ax[1], pooled, present, split), dpi,
        caption=(f"Coding capacity (Σ binary entropy of Pr, bits per 10 µm) against P̄r "
                 f"per branch (left; dashed: the median-split threshold) and by condition "
                 f"and DHiLo/DLoHi group (right; box: median and quartiles, whiskers "
                 f"1.5 × IQR, points = branches). No error bars; n = {n_pool} branches "
                 f"({_n_text(n_seed_all)} seeds pooled).")))
    if np.isfinite(np.asarray(pooled["G"], float)).any():
        written.append(_panel(
            out_dir, F["g_split"], (4.6, 4.2), (1, 1),
            lambda ax: fc.plot_g_vs_gburst(ax, pooled, split), dpi,
            caption=(f"Basal transmission G = ΣPr·q against burst transmission G_burst = "
                     f"ΣPr_burst·q per branch, DHiLo vs DLoHi (median split of P̄r; X = "
                     f"group means, no error bars); n = {int(np.sum(split.dhilo))} DHiLo, "
                     f"{int(np.sum(split.dlohi))} DLoHi branches "
                     f"({_n_text(n_seed_all)} seeds pooled).")))
    return written


def _dose_panel(out_dir: Path, runs: cr.ConfigurationRuns, dpi: int) -> Path | None:
    """Fig 4d: Pr against measured [Mg]i (T3) from the mg-dose-response runs."""
    from ..figures import configuration as fc
    F = cr.FIGURE_FILES
    def draw_dose(ax):
        cat = lambda k: np.concatenate([np.asarray(r.boutons[k], float)  # noqa: E731
                                        for r in runs.dose])
        lvl = cat("mg_level") if all("mg_level" in r.boutons for r in runs.dose) else None
        fc.plot_pr_vs_mg(ax, cat("mg_i_measured"), cat("pr_1ap"), lvl)
    n_dose = sum(int(np.sum(np.asarray(r.boutons["pr_1ap"], float)
                            >= cr.FUNCTIONAL_PR_THRESHOLD)) for r in runs.dose
                 if r.boutons)
    n_dose_seeds = len({r.attrs.get("seed") for r in runs.dose})
    return _panel(
        out_dir, F["fig4d"], (4.6, 4), (1, 1), draw_dose, dpi,
        caption=(f"Measured Pr of functional boutons against measured [Mg]i (log–log; "
                 f"colours: the bath groups) with the pooled power-law fit. Points are "
                 f"boutons (no error bars); n = {n_dose} functional boutons "
                 f"({n_dose_seeds} seeds pooled; the table's R² is the per-seed median)."))


def _timecourse_panel(out_dir: Path, runs: cr.ConfigurationRuns, dpi: int) -> Path | None:
    """Fig 4a: the reconfiguration time course."""
    from ..figures import configuration as fc
    F = cr.FIGURE_FILES
    try:
        tc = cr.reconfiguration_timecourse(runs.reconfiguration)
    except cr.ConfigurationDataError as exc:
        warnings.warn(f"figure {F['fig4a']} skipped: {exc}", RuntimeWarning, stacklevel=2)
        tc = None

    def draw_tc(axes):
        fc.plot_timecourse(axes, tc)
    n_rc = len({r.attrs.get("seed") for r in runs.reconfiguration})
    n_tc = sorted({int(r.get("n_branches", 0)) for r in tc or []})
    n_tc_txt = (f"{n_tc[0]}–{n_tc[-1]}" if len(n_tc) > 1 else
                str(n_tc[0]) if n_tc else "?")
    return None if tc is None else _panel(
        out_dir, F["fig4a"], (7, 5), (2, 2), draw_tc, dpi,
        caption=(f"D, P̄r, ΣPr (mean ± SEM over branches; n = {n_tc_txt} branches per "
                 f"time point) and the pooled silent fraction (no "
                 f"error bars; squares: the true inactive fraction) against hours after "
                 f"the [Mg]i step; {len(runs.reconfiguration)} run(s), {n_rc} seed(s)."))


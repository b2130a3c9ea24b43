"""Figures and the reproduction report, computed only from saved run files.

- :func:`make_figures` draws every figure whose run files exist to ``results/figures/*.png``
  (panels whose runs are missing are skipped): the synapse check and the synaptic-configuration
  panels of Zhou, Bi & Liu (2024) (:mod:`mgnet.analysis.figures.configuration`), the plasticity
  figures and the culture raster and culture-band figures (:mod:`mgnet.analysis.culture_report`).
- :func:`write_report` writes ``results/report.md`` and ``results/report.html``: the
  synapse-check table, the table of configuration targets T1–T9 (paper value, model value,
  rule, verdict, figure) with a plain-language list of what did not reproduce, the
  reconfiguration time course, the culture-band table per condition and seed
  (culture-activity) and background filtering, memory encoding, capacity and retention
  (:mod:`mgnet.analysis.memory_report`), and the provenance of every run file.
- :func:`export_docs_figures` writes small PNG copies of the main figures to ``docs/figures``
  (``make docs-figures`` → ``mgnet figures --docs``).

Never imports brian2: a report can be rebuilt on a machine without a compiler.
Command: ``mgnet figures`` / ``mgnet reproduce``.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import h5py
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import configuration_report as cr  # noqa: E402
from .culture_report import FIGURE_FILES as CULTURE_FIGURE_FILES  # noqa: E402
from .figures.style import read_captions, save_figure  # noqa: E402
from .markdown import markdown_table, md_cell  # noqa: E402
from .run_file import list_runs, read_run  # noqa: E402

__all__ = ["make_figures", "write_report", "load_runs", "configuration_figures",
           "configuration_section", "export_docs_figures", "DOCS_FIGURES", "FIGURE_DPI"]

#: Resolution of the figures under ``results/figures``.
FIGURE_DPI = 150

#: Figures copied to ``docs/figures`` by :func:`export_docs_figures`, in this order.
DOCS_FIGURES = (tuple(cr.FIGURE_FILES.values()) + ("synapse_check.png",)
                + tuple(CULTURE_FIGURE_FILES.values())
                + ("background_filtering.png", "memory_curves.png", "memory_recall.png",
                   "memory_capacity.png", "memory_retention.png", "memory_planted.png"))


def load_runs(results: Path, experiment: str, scale: str | None = None):
    """All complete run files of ``experiment`` (at ``scale``, if given) under
    ``results/runs``."""
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment, scale)]


def latest_scale(results: Path) -> str | None:
    """Scale of the most recently written run file (None if there are none).

    Figures and the report use one scale at a time, so quick and default runs in
    the same results folder are never pooled.
    """
    paths = list_runs(Path(results) / "runs")
    if not paths:
        return None
    newest = max(paths, key=lambda p: p.stat().st_mtime)
    return read_run(newest).attrs.get("scale")


# ------------------------------------------------------------------------------- figures


def _save(fig, path: Path, dpi: int, caption: str = "") -> Path:
    return save_figure(fig, path, dpi, caption=caption)


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
    return _save(fig, out_dir / name, dpi, caption)


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
    from .figures import configuration as fc
    results = Path(results)
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = runs if runs is not None else cr.load_configuration_runs(results)
    conds, problems = cr.assay_conditions(runs.assay)
    for cond, msg in problems.items():
        warnings.warn(f"bouton-assay {cond} unusable: {msg}", RuntimeWarning, stacklevel=2)
    F = cr.FIGURE_FILES
    written: list[Path | None] = []
    tables = {c: cd.branches for c, cd in conds.items()}
    b = conds.get(cr.BASELINE)

    if b is not None:
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
        pooled, present = cr.pooled_assay_table(conds)
        from .configuration_metrics import dhilo_dlohi_split
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

    if runs.dose:
        def draw_dose(ax):
            cat = lambda k: np.concatenate([np.asarray(r.boutons[k], float)  # noqa: E731
                                            for r in runs.dose])
            lvl = cat("mg_level") if all("mg_level" in r.boutons for r in runs.dose) else None
            fc.plot_pr_vs_mg(ax, cat("mg_i_measured"), cat("pr_1ap"), lvl)
        n_dose = sum(int(np.sum(np.asarray(r.boutons["pr_1ap"], float)
                                >= cr.FUNCTIONAL_PR_THRESHOLD)) for r in runs.dose
                     if r.boutons)
        n_dose_seeds = len({r.attrs.get("seed") for r in runs.dose})
        written.append(_panel(
            out_dir, F["fig4d"], (4.6, 4), (1, 1), draw_dose, dpi,
            caption=(f"Measured Pr of functional boutons against measured [Mg]i (log–log; "
                     f"colours: the bath groups) with the pooled power-law fit. Points are "
                     f"boutons (no error bars); n = {n_dose} functional boutons "
                     f"({n_dose_seeds} seeds pooled; the table's R² is the per-seed median).")))

    if runs.reconfiguration:
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
        written.append(None if tc is None else _panel(
            out_dir, F["fig4a"], (7, 5), (2, 2), draw_tc, dpi,
            caption=(f"D, P̄r, ΣPr (mean ± SEM over branches; n = {n_tc_txt} branches per "
                     f"time point) and the pooled silent fraction (no "
                     f"error bars; squares: the true inactive fraction) against hours after "
                     f"the [Mg]i step; {len(runs.reconfiguration)} run(s), {n_rc} seed(s).")))
    return [p for p in written if p is not None]


def make_figures(results: Path, scale: str | None = None) -> list[Path]:
    """Draw every figure whose run files (at ``scale``; default: the scale of the
    newest run file) exist; return the written paths."""
    from .figures.synapse_check import plot_release_check
    results = Path(results)
    scale = scale or latest_scale(results)
    out_dir = results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    runs = load_runs(results, "synapse-check", scale)
    if runs:
        fig, ax = plt.subplots(figsize=(4, 4))
        plot_release_check(ax, runs)
        fig.tight_layout()
        written.append(_save(
            fig, out_dir / "synapse_check.png", 120,
            caption=(f"Measured mean release per spike of stochastic Tsodyks–Markram contacts "
                     f"(1AP: filled, burst: open) against the closed form, one point per "
                     f"contact Pr level and protocol; no error bars (the table gives z in "
                     f"binomial standard errors); n = {len(runs)} run(s).")))
    written += configuration_figures(results, out_dir,
                                     runs=cr.load_configuration_runs(results, scale))
    # --- plasticity-induction (analysis/plasticity_report.py) ---
    from .plasticity_report import plasticity_figures
    written += plasticity_figures(results, out_dir, scale)
    # --- end plasticity-induction ---
    # --- culture-activity (analysis/culture_report.py) ---
    from .culture_report import activity_figures, filtering_figures
    written += activity_figures(results, out_dir, scale)
    written += filtering_figures(results, out_dir, scale)
    # --- end culture-activity ---
    from .memory_report import (capacity_figures, memory_figures, planted_figures,
                                retention_figures)
    written += planted_figures(results, out_dir, scale)
    written += memory_figures(results, out_dir, scale)
    written += capacity_figures(results, out_dir, scale)
    written += retention_figures(results, out_dir, scale)
    return written


# ------------------------------------------------------------------- verdicts and captions

#: Figure file (or ``file#panel``, panel letters as in ``figures/panels``) -> the paper
#: targets it shows, each with the names of the checks the panel shows (None: every check
#: of the target) and, for a subset, what those checks test in words.  The verdicts are those of the T1–T9 table (the same checks, the same
#: :func:`mgnet.analysis.configuration_report._verdict`), never typed by hand.
FIGURE_TARGETS: dict[str, tuple] = {
    "fig1b_hyperbola.png": (("T1", None),),
    "fig1c_pr_distribution.png": (("T2", ("pr_ks",), "Pr shift"), ("T6", None)),
    "fig1d_burst_facilitation.png": (("T4", None),),
    "fig1ef_sum_pr.png": (("T2", ("sum_pr_within_10pct", "sum_pr_not_significant"),
                           "ΣPr unchanged"), ("T5", None)),
    "fig1ef_sum_pr.png#a": (("T2", ("sum_pr_within_10pct", "sum_pr_not_significant"),
                             "ΣPr unchanged"),),
    "fig1ef_sum_pr.png#b": (("T5", None),),
    "fig3a_wca_vs_pr.png": (("T7", ("exponent",), "exponent"),),
    "fig4d_pr_vs_mg.png": (("T3", None),),
    "capacity_vs_pr.png": (("T9", None),),
    "g_vs_gburst.png": (("T8", None),),
}

#: Figures that show no paper target, and what they are instead.
NOT_A_TARGET = {
    "fig4a_timecourse.png": "Fig 4a time course: no pass/fail target (the lag of T2)",
    "synapse_check.png": "model check against closed forms (no paper target)",
    "background_filtering.png": "prediction (T10 premise; no paper target)",
    "plasticity_stdp.png": "prediction (no paper target)",
    "plasticity_protocols.png": "prediction (no paper target)",
}

#: Verdicts of the figures, written beside them by :func:`write_report` (read by
#: :func:`export_docs_figures` for the README labels).
VERDICTS_FILE = "verdicts.json"

#: Verdict words (the README labels).
REPRODUCED, NOT_REPRODUCED, NOT_JUDGED = "reproduced", "not reproduced", "not judged"


def _target_verdict(row: dict, checks: tuple | None) -> tuple[bool | None, str]:
    """(verdict, failing-check text) of ``row`` restricted to ``checks``."""
    if checks is None:
        sel = list(row.get("checks", []))
        verdict = row.get("reproduced")
    else:
        sel = [c for c in row.get("checks", []) if c["name"] in checks]
        verdict = cr._verdict(sel) if sel else None
    fails = "; ".join(c["text"] for c in sel if c["passed"] is False)
    return verdict, fails


def _target_label(rows_by_id: dict, targets: tuple) -> dict:
    parts, words, details = [], [], []
    for tid, checks, *words_ in targets:
        row = rows_by_id.get(tid)
        if row is None:
            continue
        v, fails = _target_verdict(row, checks)
        word = {True: REPRODUCED, False: NOT_REPRODUCED, None: NOT_JUDGED}[v]
        what = tid if checks is None else \
            f"{tid} ({words_[0] if words_ else ', '.join(checks)})"
        parts.append(f"{what}: {word}")
        words.append(word)
        if fails:
            details.append(f"{tid}: {fails}")
    if not parts:
        return {}
    status = (REPRODUCED if all(w == REPRODUCED for w in words) else
              NOT_REPRODUCED if all(w == NOT_REPRODUCED for w in words) else
              NOT_JUDGED if all(w == NOT_JUDGED for w in words) else "partly reproduced")
    return {"status": status, "label": "; ".join(parts), "detail": "; ".join(details)}


def figure_verdicts(results: Path, scale: str | None = None,
                    rows: list[dict] | None = None) -> dict[str, dict]:
    """Whether each figure (and panel, ``file#a`` …) reproduces its paper target.

    Computed from the run files with the report's own rules: the T1–T9 rows of
    :func:`mgnet.analysis.configuration_report.configuration_targets`, the culture acceptance of
    :mod:`mgnet.analysis.culture_report` and the positive-control record of
    :mod:`mgnet.analysis.memory_report`.

    Returns
    -------
    dict
        name -> {``status`` (reproduced / not reproduced / partly reproduced / not judged),
        ``label`` (e.g. "T1: not reproduced"), ``detail`` (the failing checks)}.
    """
    results = Path(results)
    scale = scale or latest_scale(results)
    if rows is None:
        runs = cr.load_configuration_runs(results, scale)
        rows = cr.configuration_targets(runs.assay, runs.dose) if not runs.empty else []
    by_id = {r["id"]: r for r in rows}
    out: dict[str, dict] = {}
    for name, targets in FIGURE_TARGETS.items():
        v = _target_label(by_id, targets)
        if v:
            out[name] = v
        elif "#" in name:
            out[name] = {"status": NOT_JUDGED, "label": "shows no target on its own",
                         "detail": ""}
    for name, text in NOT_A_TARGET.items():
        out[name] = {"status": NOT_JUDGED, "label": text, "detail": ""}
    from .culture_report import (FIGURE_FILES as CULT, _acceptance, activity_rows,
                                 load_activity_records)
    recs = load_activity_records(results, scale)
    if recs:
        acc = _acceptance(activity_rows(recs)).replace("**", "")
        met = acc.startswith("met")
        for n in CULT.values():
            out[n] = {"status": REPRODUCED if met else NOT_REPRODUCED,
                      "label": f"culture bands (science.md §4.7): {'met' if met else 'not met'}",
                      "detail": acc}
    from .memory_report import positive_control
    pc = positive_control()
    pc_text = ("positive control not calibrated" if not pc else
               "positive control met" if pc["positive_control"] else
               "positive control not met")
    ok = bool(pc) and pc["positive_control"]
    for n in ("memory_curves.png", "memory_recall.png", "memory_capacity.png",
              "memory_retention.png"):
        out[n] = {"status": NOT_JUDGED if ok else NOT_REPRODUCED,
                  "label": (f"prediction T10/T11: {pc_text}"
                            + ("" if ok else ", so no working instrument")),
                  "detail": ""}
    # The planted figure is the read-out's own positive control: judged on the planted
    # runs (planted Q above the controls'), not on the encoding protocol's calibration.
    from .memory_report import planted_verdict
    pv = planted_verdict(results, scale)
    if pv:
        out["memory_planted.png"] = {
            "status": REPRODUCED if pv["met"] else NOT_REPRODUCED,
            "label": (f"instrument (science.md §6): the read-out "
                      f"{'sees' if pv['met'] else 'does not see'} the planted assembly "
                      f"(Q planted − control {pv['diff']:+.3f} [{pv['low']:+.3f}, "
                      f"{pv['high']:+.3f}], {pv['cue']:.0%} cue, n = {pv['n']} seeds)"),
            "detail": ""}
    else:
        out["memory_planted.png"] = {"status": NOT_JUDGED,
                                     "label": "instrument (science.md §6): fewer than two "
                                              "planted runs", "detail": ""}
    return out


_IMAGE = re.compile(r"^!\[([^\]]*)\]\((figures/([^)\s]+))\)\s*$")


def add_captions(markdown: str, captions: dict, verdicts: dict, start: int = 0,
                 figures_dir: Path | None = None) -> tuple[str, int]:
    """Insert a numbered caption after every figure line ``![..](figures/NAME)``: what is
    plotted, its error bars and n (from ``captions``, written when the figure was drawn)
    and whether it reproduces its paper target (``verdicts``).  Figures are numbered from
    ``start`` + 1; returns the text and the last number used."""
    out, n = [], start
    for line in markdown.split("\n"):
        out.append(line)
        m = _IMAGE.match(line)
        if not m:
            continue
        n += 1
        name = m.group(3)
        cap = (captions.get(name) or {}).get("caption") or "(no caption recorded: the figure " \
            "was drawn by an older version; redraw it with `mgnet figures`)"
        if figures_dir is not None and not (Path(figures_dir) / name).exists():
            cap = "(not drawn: run `mgnet figures` once its run files exist)"
        v = verdicts.get(name)
        verdict = (f" **Paper target: {v['label']}.**"
                   + (f" Failing: {v['detail']}." if v.get("detail") else "")) if v else ""
        vec = Path(name).with_suffix(".pdf").name
        out.append("")
        out.append(f"**Figure {n}** (`{name}`, vector: [{vec}](figures/{vec})). {cap}{verdict}")
        out.append("")
    return "\n".join(out), n


#: Short titles of the README copies (:data:`DOCS_FIGURES` order).
DOCS_TITLES = {
    "fig1b_hyperbola.png": "Fig 1b: D vs P̄r across branches (T1)",
    "fig1c_pr_distribution.png": "Fig 1c: bouton Pr, baseline vs elevated Mg (T2, T6)",
    "fig1d_burst_facilitation.png": "Fig 1d: burst facilitation vs Pr (T4)",
    "fig1ef_sum_pr.png": "Fig 1e–f: branch ΣPr and ΣPr_burst (T2, T5)",
    "fig3a_wca_vs_pr.png": "Fig 3a: spine Ca²⁺ vs Pr (T7)",
    "fig4a_timecourse.png": "Fig 4a: reconfiguration time course",
    "fig4d_pr_vs_mg.png": "Fig 4d: Pr vs measured [Mg]i (T3)",
    "capacity_vs_pr.png": "coding capacity (T9)",
    "g_vs_gburst.png": "G vs G_burst, DHiLo vs DLoHi (T8)",
    "synapse_check.png": "stochastic contacts vs closed form",
    "culture_raster.png": "culture network bursts, baseline vs elevated Mg",
    "culture_bands.png": "culture burst statistics vs the culture bands",
    "background_filtering.png": "[Mg]o filtering of NMDA Ca²⁺, background vs bursts; GluN2B",
    "memory_curves.png": "memory encoding (T10/T11): SNR, completion, mechanism",
    "memory_recall.png": "memory encoding (T10/T11): paired differences, weights",
    "memory_capacity.png": "memory capacity vs number of assemblies P",
    "memory_retention.png": "memory retention: forgetting curves",
    "memory_planted.png": "positive control of the recall read-out (planted assembly)",
}

#: Every README copy is at least this tall (pixels); wider figures are split into panels.
DOCS_MIN_HEIGHT_PX = 400
#: Record of the README copies (file, panels, verdict label, scale), merged over exports.
DOCS_MANIFEST = "manifest.json"
_README_BEGIN = "<!-- docs-figures:begin"
_README_END = "<!-- docs-figures:end -->"


def export_docs_figures(results: Path, dest: Path = Path("docs/figures"),
                        width_px: int = 640, readme: Path | None = Path("README.md"),
                        min_height_px: int = DOCS_MIN_HEIGHT_PX) -> list[Path]:
    """Write legible PNG copies of the main figures for the documentation and the README's
    figure list with each panel's verdict.

    The figures under ``results/figures`` are drawn first if none of :data:`DOCS_FIGURES`
    exists yet.  A figure of one panel is copied whole; a figure of several panels is copied
    as its single panels (``<stem>_a.png`` …, written by
    :func:`mgnet.analysis.figures.style.save_figure`), so no copy is a strip of small panels.
    Each copy is downscaled (never enlarged) to ``width_px`` pixels wide unless that would
    make it less than ``min_height_px`` tall, with a Lanczos filter, and stored as a
    256-colour palette PNG (small, byte-stable).

    The verdict of every copy ("T1: not reproduced" …) is taken from
    ``results/figures/verdicts.json`` (written by :func:`write_report`) or, without it,
    computed by :func:`figure_verdicts` with the same rules; it is recorded in
    ``dest/manifest.json`` (merged with earlier exports, so figures of several results
    folders can be combined) and written into ``readme`` between the markers
    ``<!-- docs-figures:begin ... -->`` and ``<!-- docs-figures:end -->``.

    Parameters
    ----------
    results : path
        Results directory.
    dest : path, default ``docs/figures`` (relative to the working directory)
    width_px : int, default 640
    readme : path or None, default ``README.md``
        File whose marked block lists the copies; None or a file without the markers is
        left alone.
    min_height_px : int, default :data:`DOCS_MIN_HEIGHT_PX`

    Returns
    -------
    list of pathlib.Path
        The written files, in the order of :data:`DOCS_FIGURES`.
    """
    results, dest = Path(results), Path(dest)
    src_dir = results / "figures"
    if not any((src_dir / n).exists() for n in DOCS_FIGURES):
        make_figures(results)
    dest.mkdir(parents=True, exist_ok=True)
    vfile = src_dir / VERDICTS_FILE
    run_files = list_runs(results / "runs")
    newest = max((p.stat().st_mtime for p in run_files), default=0.0)
    # the report's verdicts unless run files changed after it was written
    verdicts = (json.loads(vfile.read_text())
                if vfile.exists() and vfile.stat().st_mtime >= newest
                else figure_verdicts(results))
    captions = read_captions(src_dir)
    scale = latest_scale(results)
    mpath = dest / DOCS_MANIFEST
    manifest = json.loads(mpath.read_text()) if mpath.exists() else {}
    out = []
    for name in DOCS_FIGURES:
        src = src_dir / name
        if not src.exists():
            continue
        stem = Path(name).stem
        panels = (captions.get(name) or {}).get("panels", [])
        files = []
        if panels and all((src_dir / "panels" / p).exists() for p in panels):
            for p in panels:
                files.append(_shrink_png(src_dir / "panels" / p, dest / p, width_px,
                                         min_height_px))
            if (dest / name).exists():
                (dest / name).unlink()          # the old strip of small panels
        else:
            files.append(_shrink_png(src, dest / name, width_px, min_height_px))
        for old in dest.glob(f"{stem}_?.png"):
            if old not in files:
                old.unlink()
        entry_files = []
        for f in files:
            letter = f.stem[len(stem) + 1:] if f.stem != stem else ""
            v = verdicts.get(f"{name}#{letter}") or verdicts.get(name) or {
                "status": NOT_JUDGED, "label": "no verdict recorded", "detail": ""}
            with _open_image(f) as im:
                size = list(im.size)
            entry_files.append({"file": f.name, "panel": letter, "size_px": size,
                                "status": v["status"], "label": v["label"],
                                "detail": v.get("detail", "")})
        manifest[name] = {"title": DOCS_TITLES.get(name, stem), "scale": scale,
                          "caption": (captions.get(name) or {}).get("caption", ""),
                          "files": entry_files}
        out += files
    mpath.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False)
                     + "\n")
    if readme is not None and Path(readme).exists():
        write_readme_figures(Path(readme), dest, manifest)
    return out


def _open_image(path: Path):
    from PIL import Image
    return Image.open(path)


def readme_figures_block(manifest: dict, rel: str) -> str:
    """Markdown of the README's figure list from a docs manifest: per figure its title,
    its verdict per panel and the copies (paths relative to the README: ``rel``)."""
    lines = [f"{_README_BEGIN} (written by `make docs-figures` from the report's "
             "verdicts; do not edit by hand) -->", ""]
    order = [n for n in DOCS_FIGURES if n in manifest] + sorted(
        n for n in manifest if n not in DOCS_FIGURES)
    for name in order:
        e = manifest[name]
        files = e["files"]
        labels = list(dict.fromkeys(f["label"] for f in files))
        statuses = list(dict.fromkeys(f["status"] for f in files))
        status = statuses[0] if len(statuses) == 1 else "partly reproduced"
        lines.append(f"**{e['title']}: {status}** ({e['scale']} scale)")
        lines.append("")
        def said(f):
            return f["label"] + (f" (failing: {f['detail']})" if f.get("detail") else "")
        if len(labels) == 1:
            lines.append(f"{said(files[0])}.")
        else:
            lines.append(" ".join(f"Panel {f['panel']}: {said(f)}." for f in files))
        lines.append("")
        lines.append(" ".join(f"![{Path(f['file']).stem}]({rel}/{f['file']})" for f in files))
        lines.append("")
    lines.append(_README_END)
    return "\n".join(lines)


def write_readme_figures(readme: Path, dest: Path, manifest: dict) -> bool:
    """Replace the marked figure block of ``readme``; False if it has no markers."""
    text = readme.read_text()
    a, b = text.find(_README_BEGIN), text.find(_README_END)
    if a < 0 or b < a:
        return False
    import os
    rel = os.path.relpath(Path(dest).resolve(), Path(readme).resolve().parent)
    block = readme_figures_block(manifest, Path(rel).as_posix())
    readme.write_text(text[:a] + block + text[b + len(_README_END):])
    return True


def _shrink_png(src: Path, dst: Path, width_px: int, min_height_px: int = 0) -> Path:
    from PIL import Image  # a matplotlib dependency
    with Image.open(src) as im:
        im = im.convert("RGB")
        scale = min(1.0, width_px / im.width)
        if im.height * scale < min_height_px:
            scale = min(1.0, min_height_px / im.height)
        if scale < 1.0:
            size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            im = im.resize(size, Image.Resampling.LANCZOS)
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(dst, optimize=True)
    return dst


# -------------------------------------------------------------------------------- report


def _verdict(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not run"}[value]


def _fmt(x: float, nd: int = 3) -> str:
    # "+ 0.0" turns a negative zero into "0"
    return f"{x + 0.0:.{nd}g}" if x is not None and np.isfinite(x) else "n/a"


def configuration_section(results: Path, runs: cr.ConfigurationRuns | None = None,
                          figures_dir: Path | None = None) -> tuple[str, list[dict]]:
    """Markdown of the "Synaptic configuration" section and the T1–T9 rows behind it.

    Parameters
    ----------
    results : path
    runs : ConfigurationRuns, optional
    figures_dir : path, optional
        Where to look for drawn figures (default ``results/figures``); a figure link is only
        given for files that exist.
    """
    results = Path(results)
    runs = runs if runs is not None else cr.load_configuration_runs(results)
    figures_dir = Path(figures_dir) if figures_dir is not None else results / "figures"
    rows = cr.configuration_targets(runs.assay, runs.dose)
    conds, problems = cr.assay_conditions(runs.assay)

    parts = ["## Synaptic configuration (Zhou et al. 2024): targets T1–T9", "",
             "Every number below is recomputed from the raw per-bouton rows of the run files "
             "(branch tables with `branch_metrics`; stored derived columns are not used). "
             "Functional bouton: measured Pr ≥ 0.04 of 30 trials; densities and sums per 10 µm "
             "(science.md §2). Kind V = validation (must emerge), C = calibration (used once "
             "to set a documented parameter). Where the model's ground truth is known it is "
             "given next to the 30-trial estimate (\"true\").", ""]
    inputs = []
    for cond, cd in conds.items():
        inputs.append(f"- `{cr.ASSAY_EXPERIMENT}` {cond}: {cd.n_runs} run(s), "
                      f"{cd.n_branches} branches, {cd.n_boutons} boutons "
                      f"({int(np.sum(cd.functional))} functional)")
    for cond, msg in problems.items():
        inputs.append(f"- `{cr.ASSAY_EXPERIMENT}` {cond}: unusable ({msg})")
    if runs.dose:
        n = sum(len(r.boutons["branch_id"]) for r in runs.dose if r.boutons)
        inputs.append(f"- `{cr.DOSE_EXPERIMENT}`: {len(runs.dose)} run(s), {n} boutons")
    if runs.reconfiguration:
        inputs.append(f"- `{cr.RECONFIG_EXPERIMENT}`: {len(runs.reconfiguration)} run(s)")
    parts += ["Inputs:", ""] + (inputs or ["- no configuration run files found"]) + [""]

    table = []
    for r in rows:
        fig = r["figure"]
        link = f"[{Path(fig).stem}]({fig})" if fig and (results / fig).exists() else "—"
        table.append([r["id"], r["kind"], r["finding"], r["paper"], r["model"],
                      r["tolerance"], r.get("calibrations", "") or "—",
                      _verdict(r["reproduced"]), link])
    parts.append(markdown_table(table, ["target", "kind", "finding", "paper", "model",
                                   "reproduced when", "depends on calibration", "reproduced",
                                   "figure"]))
    parts.append("")
    n_seeds = max((int(r["values"].get("n_seeds", 1)) for r in rows
                   if isinstance(r.get("values"), dict)), default=1)
    if n_seeds > 1:
        parts += [f"With runs of several seeds every target is computed per seed (each seed "
                  f"at the paper's sample size) and the row shows the median over the seeds "
                  f"(up to {n_seeds}), with the range in brackets; the verdict applies the "
                  f"rule to the medians.", ""]
    parts += ["Calibrations (docs/calibration.md lists what each one saw; no validation "
              "target is used by any of them):", ""]
    parts += [f"- {k}: {v}" for k, v in cr.CALIBRATIONS.items()]
    parts.append("")
    prows = cr.parameter_table(conds)
    if prows:
        parts += ["Parameters that could not be read from the paper or rest on one literature "
                  "value, and the target each most affects (docs/calibration.md §1–§2):", "",
                  markdown_table([[f"`{r['parameter']}`", r["values"], r["target"], r["source"]]
                             for r in prows],
                            ["parameter", "value in these runs", "target most affected",
                             "source"]), ""]

    ex_rows = cr.exhaustion_table(conds, runs.dose)
    parts += ["### Exhausted branches (the homeostasis premise)", ""]
    if ex_rows:
        parts += ["A branch is *exhausted* when every anatomical bouton is active and its "
                  "ΣPr is still below its set-point: homeostasis can no longer hold it "
                  "(science.md §4 item 2). Premise holds when at most "
                  f"{cr.MAX_EXHAUSTED_FRACTION:.0%} of the branches are exhausted "
                  "(all seeds pooled; Wilson 95 % interval).", ""]
        erows = [[e["condition"], f"`{e.get('source', cr.ASSAY_EXPERIMENT)}`",
                  str(e["n_branches"]),
                  f"{100 * e['exhausted_fraction']:.1f} % ({100 * e.get('ci_low', np.nan):.1f}"
                  f"–{100 * e.get('ci_high', np.nan):.1f} %)",
                  _fmt(e["exhausted_setpoint_ratio"]), _fmt(e["setpoint_ratio"]),
                  e.get("verdict") or ("yes" if e["premise_holds"]
                                       else "**no: the homeostasis premise fails**")]
                 for e in ex_rows]
        parts += [markdown_table(erows, ["condition", "experiment", "branches", "exhausted",
                                    "ΣPr / set-point of exhausted branches",
                                    "ΣPr / set-point (all)", "premise holds"]), ""]
    else:
        parts += ["- not recorded by these run files (no `/branches/exhausted`)", ""]

    parts += ["### What did not reproduce", ""]
    fails = cr.failure_summary(rows)
    parts += [f"- {s}" for s in fails] if fails else [
        "- Every target reproduced within its tolerance."]
    parts.append("")

    by_text: dict[str, list[str]] = {}
    for r in rows:
        for n in r.get("notes", []):
            by_text.setdefault(n, []).append(r["id"])
    notes = [f"{', '.join(ids)}: {n}" for n, ids in by_text.items()]
    size = cr.sample_size_notes(conds)
    if size:
        notes.append("Samples smaller than the paper's (statistics weaker than the paper's): "
                     + "; ".join(size))
    if notes:
        parts += ["### Methods and caveats", ""] + [f"- {n}" for n in notes] + [""]

    if runs.reconfiguration:
        try:
            tc = cr.reconfiguration_timecourse(runs.reconfiguration)
        except cr.ConfigurationDataError as exc:
            parts += ["### Reconfiguration time course (Fig 4a)", "", f"- not available: {exc}", ""]
        else:
            trows = [[f"{r['time_h']:g}", str(r["n_branches"]),
                      f"{_fmt(r['D'])} ± {_fmt(r['D_sem'], 2)}",
                      f"{_fmt(r['mean_pr'])} ± {_fmt(r['mean_pr_sem'], 2)}",
                      f"{_fmt(r['sum_pr'])} ± {_fmt(r['sum_pr_sem'], 2)}",
                      f"{_fmt(100 * r['silent_fraction'], 3)} %",
                      f"{_fmt(100 * r.get('exhausted_fraction', float('nan')), 3)} %",
                      _fmt(r.get("D_progress", float("nan")), 2),
                      _fmt(r.get("mean_pr_progress", float("nan")), 2)] for r in tc]
            parts += ["### Reconfiguration time course (Fig 4a)", "",
                      "Branch means ± s.e.m. after the [Mg]i step from baseline to elevated. "
                      "Progress: change since the first time point as a fraction of the change "
                      "at the last one (the paper: little at 1–2 h, clear at ≈ 4 h).", "",
                      markdown_table(trows, ["time (h)", "branches", "D", "P̄r", "ΣPr", "silent",
                                        "exhausted", "D progress", "P̄r progress"]), ""]
            over = [r for r in tc if np.isfinite(r.get("exhausted_fraction", np.nan))
                    and r["exhausted_fraction"] > cr.MAX_EXHAUSTED_FRACTION]
            if over:
                parts += [f"- More than {cr.MAX_EXHAUSTED_FRACTION:.0%} of the branches are "
                          f"exhausted at " + ", ".join(
                              f"{r['time_h']:g} h ({100 * r['exhausted_fraction']:.0f} %, 95 % "
                              f"interval {100 * r.get('exhausted_ci_low', np.nan):.0f}–"
                              f"{100 * r.get('exhausted_ci_high', np.nan):.0f} %)"
                              for r in over)
                          + ": there the homeostasis premise fails for these branches.", ""]

    shown = [n for n in cr.FIGURE_FILES.values() if (figures_dir / n).exists()]
    if shown:
        parts += ["### Figures", ""]
        parts += [f"![{Path(n).stem}](figures/{n})" for n in shown]
        parts.append("")
    return "\n".join(parts), rows


def _root_attrs(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        out = {}
        for k, v in f.attrs.items():
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            elif isinstance(v, np.generic):
                v = v.item()
            out[k] = v
        return out


def write_report(results: Path, scale: str | None = None) -> Path:
    """Write ``report.md`` and ``report.html`` from the run files under ``results``
    made at ``scale`` (default: the scale of the newest run file)."""
    results = Path(results)
    scale = scale or latest_scale(results)
    sections = [f"# mgnet reproduction report\n\nGenerated "
                f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} "
                f"at scale `{scale}` from the run files under `{results / 'runs'}`.\n"]
    runs = load_runs(results, "synapse-check", scale)
    if runs:
        rows = []
        for run in runs:
            m = run.metrics
            for k in sorted(k for k in m if k.endswith("_measured")):
                base = k[: -len("_measured")]
                rows.append([run.attrs["condition"], base, f"{m[k]:.3f}",
                             f"{m[base + '_expected']:.3f}", f"{m[base + '_z']:+.2f}"])
        sections.append("## synapse-check: stochastic contacts vs Tsodyks–Markram\n\n"
                        "Measured release per spike of the virtual FM-dye protocols against "
                        "the closed-form expectation (z: difference in binomial standard "
                        "errors; releases within a train are correlated, so |z| of a few is "
                        "expected).\n\n" + markdown_table(rows, ["condition", "contact Pr / protocol",
                                                            "measured", "expected", "z"])
                        + "\n\n![synapse-check](figures/synapse_check.png)\n")

    config_md, config_rows = configuration_section(
        results, runs=cr.load_configuration_runs(results, scale))
    sections.append(config_md)

    # --- plasticity-induction (analysis/plasticity_report.py) ---
    from .presets_report import presets_section
    section = presets_section(results, scale)
    if section:
        sections.append(section)
    from .plasticity_report import plasticity_section
    section = plasticity_section(results, scale)
    if section:
        sections.append(section)
    # --- end plasticity-induction ---
    # --- culture experiments (culture-activity, background-filtering) ---
    from .culture_report import activity_section, filtering_section
    for section in (activity_section(results, scale), filtering_section(results, scale)):
        if section:
            sections.append(section)
    # --- end culture experiments ---
    # --- memory encoding, capacity, retention (analysis/memory_report.py) ---
    from .memory_report import (capacity_section, memory_section, noise_floor_section,
                                planted_section, retention_section)
    for section in (planted_section(results, scale), memory_section(results, scale),
                    capacity_section(results, scale), retention_section(results, scale),
                    noise_floor_section(results, scale)):
        if section:
            sections.append(section)
    # --- end memory ---

    # A caption under every figure, with its paper verdict from the rows above.
    verdicts = figure_verdicts(results, scale, rows=config_rows)
    captions = read_captions(results / "figures")
    n_fig = 0
    for i, sec in enumerate(sections):
        sections[i], n_fig = add_captions(sec, captions, verdicts, start=n_fig,
                                          figures_dir=results / "figures")
    (results / "figures").mkdir(parents=True, exist_ok=True)
    (results / "figures" / VERDICTS_FILE).write_text(
        json.dumps(verdicts, indent=1, sort_keys=True, ensure_ascii=False) + "\n")

    prov = []
    for path in list_runs(results / "runs", scale=scale):
        a = _root_attrs(path)
        prov.append([str(a.get("run_id", path.stem)), str(a.get("experiment", "?")),
                     str(a.get("condition", "?")), str(a.get("seed", "?")),
                     str(a.get("git_commit", "?"))[:10] + (" (dirty)" if a.get("git_dirty") else ""),
                     str(a.get("brian2_version", "?")), str(a.get("created_utc", "?"))])
    if prov:
        sections.append("## Provenance\n\n" + markdown_table(
            prov, ["run", "experiment", "condition", "seed", "commit", "brian2", "created"]))
    md = "\n".join(sections) + "\n"
    md_path = results / "report.md"
    md_path.write_text(md)
    body = "".join(f"<pre>{html.escape(s)}</pre>" if not s.startswith("#") else
                   _md_section_html(s) for s in sections)
    (results / "report.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>mgnet report</title>"
        "<style>body{font-family:sans-serif;max-width:75em;margin:auto}"
        "table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
        "img{max-width:100%}</style>"
        + body)
    return md_path


_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escape text and render markdown links, **bold** and `code`."""
    out = html.escape(text, quote=False)
    out = _LINK.sub(lambda m: f"<a href=\"{html.escape(m.group(2))}\">{m.group(1)}</a>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def _md_section_html(section: str) -> str:
    """Minimal markdown (headings, tables, images, bullet lists, links, paragraphs) to HTML."""
    out = []
    table: list[str] = []
    items: list[str] = []

    def flush():
        if table:
            rows = [r.strip().strip("|").split("|") for r in table
                    if not set(r.strip()) <= set("|-: ")]
            out.append("<table>" + "".join(
                "<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{_inline(c.strip())}"
                                 f"</{'th' if n == 0 else 'td'}>" for c in r) + "</tr>"
                for n, r in enumerate(rows)) + "</table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
    for line in section.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        if line.startswith("- "):
            if table:
                flush()
            items.append(line[2:])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line.lstrip('# '))}</h{level}>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1: line.rindex(")")]
            out.append(f"<img src='{html.escape(src)}'>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    flush()
    return "\n".join(out)

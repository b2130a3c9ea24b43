"""Memory retention (experiment ``memory-retention``, long consolidation): the
forgetting curve of the assemblies and of the whole weight configuration, per-run
metrics, the section "Memory retention" and its figure.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import memory_metrics as mm
from ..figures.style import save_figure
from ..markdown import markdown_table
from ..run_file import RunData
from .cache import _once_per_run
from .control import ENCODED_SNR, _control_caption
from .encoding_metrics import (
    SNR_CRITERION,
    _snr_curve,
    final_weights_by_membership,
    recomputed,
    snapshots,
    weights_at,
)
from .runs import _by_condition_seed, _load, _ordered
from .tables import _fmt_ci, _paired_md, _paired_tables, _row, _summary, _verdict_word

RETENTION_EXPERIMENT = "memory-retention"
#: Forgetting levels of the assembly SNR: science.md §6 ("lifetime until SNR < 1") and
#: the report's encoding criterion (a fully potentiated assembly of the bistable rule
#: reaches SNR ≈ 1 only, so SNR < 1 is crossed almost at once).
LIFETIME_LEVELS = {"lifetime_snr1_s": 1.0, "lifetime_snr05_s": SNR_CRITERION}
#: κ level of the weight-trace lifetime: 1/e, the time constant of an exponential decay.
TRACE_LEVEL = float(np.exp(-1))
#: Rows of the per-condition retention table and labels of its paired rows: name ->
#: (label, format).
RETENTION_KEYS = {
    "snr_after_encoding": ("assembly SNR after encoding", "{:+.3f}"),
    "snr_end": ("assembly SNR after consolidation", "{:+.3f}"),
    "lifetime_snr1_s": ("lifetime until SNR < 1 (s)", "{:.1f}"),
    "lifetime_snr05_s": (f"lifetime until SNR < {SNR_CRITERION} (s)", "{:.1f}"),
    "forgetting_tau_s": ("forgetting time constant τ of SNR (s; encoded runs only)",
                         "{:.1f}"),
    "kappa_end": ("κ of the UP/DOWN states, end of encoding vs end of consolidation",
                  "{:.3f}"),
    "trace_lifetime_s": ("weight-trace lifetime, κ < 1/e (s)", "{:.1f}"),
    "trace_tau_s": ("weight-trace time constant, exponential fit of κ (s)", "{:.1f}"),
    "overlap_mean": ("recall overlap after consolidation", "{:+.3f}"),
    "state_turnover_consolidation": ("contacts switching UP↔DOWN in consolidation",
                                     "{:.3f}"),
    "burst_rate_consolidation_per_min": ("network bursts / min in consolidation", "{:.1f}"),
}


def retention_curves(run: RunData) -> dict:
    """Curves over consolidation, t from the end of encoding (s).

    ``t``; ``snr`` (assembly SNR, mean over patterns, :func:`run_metrics`'s
    definition); ``kappa`` (:func:`mgnet.analysis.memory_metrics.state_kappa` of every E->E
    contact's UP/DOWN state, ρ > ½, against the end of encoding).
    """
    ee = run.synapses["ee"]
    b = float(run.metrics["plasticity_b"])
    pre = np.asarray(ee["pre"], np.int64)
    post = np.asarray(ee["post"], np.int64)
    members = np.asarray(run.patterns, bool)
    t, _, names = snapshots(run)
    k_enc = int(np.flatnonzero(t <= run.protocol["encoding"]["t_stop"] + 1e-9)[-1])
    names = names[k_enc:]
    snr = _snr_curve((weights_at(run, n, b) for n in names), pre, post, members)
    ref = np.asarray(ee[names[0]], float) > 0.5
    kappa = mm.state_kappa(ref, np.array([np.asarray(ee[n], float) > 0.5 for n in names]))
    return {"t": t[k_enc:] - t[k_enc], "snr": snr, "kappa": np.asarray(kappa, float)}


def retention_metrics(run: RunData) -> dict:
    """Forgetting and weight-trace metrics of one memory-retention run.

    ``lifetime_snr1_s`` / ``lifetime_snr05_s``: first time after encoding at which the
    assembly SNR falls below 1 (science.md §6) / 0.5 (:func:`mgnet.analysis.memory_metrics.
    lifetime`; 0 if it is below already at the end of encoding, ``inf`` if it never
    falls below within the consolidation); ``forgetting_tau_s``: time constant of an
    exponential fit of SNR(t) (:func:`mgnet.analysis.memory_metrics.forgetting_curve`), NaN
    unless the SNR after encoding reaches :data:`ENCODED_SNR` (a fit to noise is not a
    forgetting curve); ``kappa_end``, ``trace_lifetime_s`` (κ < 1/e) and
    ``trace_tau_s`` (exponential fit of κ) for the weight configuration left by
    encoding; ``consolidation_s``: the time covered.
    """
    c = retention_curves(run)
    t, snr, kappa = c["t"], c["snr"], c["kappa"]
    out: dict[str, Any] = {k: mm.lifetime(t, snr, level) for k, level in
                           LIFETIME_LEVELS.items()}
    out["forgetting_tau_s"] = (mm.forgetting_curve(t, snr, level=1.0)["tau"]
                               if snr[0] >= ENCODED_SNR else float("nan"))
    out["kappa_end"] = float(kappa[-1])
    out["trace_lifetime_s"] = mm.trace_lifetime(t, kappa, TRACE_LEVEL)
    fit = mm.forgetting_curve(t, kappa, level=TRACE_LEVEL)
    out["trace_tau_s"] = float(fit["tau"])
    out["consolidation_s"] = float(t[-1])
    return out


@_once_per_run
def retention_recomputed(run: RunData) -> dict:
    """:func:`run_metrics` and :func:`retention_metrics` recomputed from a loaded file."""
    return dict(recomputed(run), **retention_metrics(run))


def retention_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory retention" from the memory-retention run files ('' if
    none)."""
    runs = _load(results, RETENTION_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: retention_recomputed(r) for s, r in by[c].items()} for c in conds}
    proto = runs[0].protocol
    horizon = proto["consolidation"]["t_stop"] - proto["encoding"]["t_stop"]
    lines = _retention_intro(runs, by, conds, horizon)
    head = ["metric"] + conds
    rows = []
    for key, (label, fmt) in RETENTION_KEYS.items():
        rows.append([label] + [_summary([m.get(key, np.nan) for m in metrics[c].values()],
                                        fmt, horizon) for c in conds])
    lines += ["Per condition (mean ± SD over seeds):", "", markdown_table(rows, head), ""]
    names = ["snr_end", "lifetime_snr1_s", "lifetime_snr05_s", "kappa_end",
             "trace_lifetime_s", "trace_tau_s", "overlap_mean",
             "burst_rate_consolidation_per_min"]
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, RETENTION_KEYS)
    lines += ["### Outcomes", ""]
    lines.append(_forgetting_outcome(metrics, conds, tables, horizon))
    lines.append(_trace_outcome(metrics, conds, tables, horizon))
    lines.append("- **Recall after consolidation.** Recall overlap " + ", ".join(
        f"{_mean(metrics[c], 'overlap_mean'):+.3f} ({c})" for c in conds)
        + " (perfect recall 1, chance 0).")
    lines += ["", "![memory retention](figures/memory_retention.png)", ""]
    return "\n".join(lines)


def _retention_intro(runs: list[RunData], by: dict, conds: list[str],
                     horizon: float) -> list[str]:
    """The section's heading and what was run: the long consolidation, its snapshots and
    how lifetimes and κ are read."""
    r0 = runs[0]
    m0 = r0.metrics
    t, _, _ = snapshots(r0)
    dt = float(np.median(np.diff(t))) if t.size > 1 else float("nan")
    lines = ["## Memory retention (consolidation time varied; T10, T11)", "",
             f"`memory-retention` runs: {len(runs)} "
             f"({', '.join(f'{c} {len(by[c])}' for c in conds)} seeds); "
             f"{int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{r0.patterns.shape[0]} assemblies of {int(r0.patterns[0].sum())} cells "
             "encoded as in memory-encoding, then one long consolidation of "
             f"{horizon:.0f} s under spontaneous network bursts with a snapshot of every "
             f"E→E efficacy each {dt:g} s (the forgetting curve), recall at its end. "
             "Lifetimes are the first time after encoding at which the curve falls "
             f"below the level (0 if below already at the end of encoding, > {horizon:.0f} s "
             "if never). The assembly SNR is science.md's; κ (Cohen's kappa of every "
             "contact's UP/DOWN state against the end of encoding, 1 unchanged, 0 "
             "chance) follows the whole weight configuration that encoding left, "
             "assembly-specific or not. Recomputed from the saved spikes and weight "
             "snapshots.", ""]
    return lines


def _mean(by_seed: dict, key: str) -> float:
    """Mean of ``key`` over the seeds of one condition (NaN if none is finite)."""
    v = np.array([m.get(key, np.nan) for m in by_seed.values()], float)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


def _median_time(by_seed: dict, key: str, horizon: float) -> str:
    """Median of the time ``key`` over the seeds of one condition, "> horizon s" when the
    median run never crossed."""
    v = np.array([m.get(key, np.nan) for m in by_seed.values()], float)
    v = v[~np.isnan(v)]
    if not v.size:
        return "n/a"
    x = float(np.median(v))
    return f"> {horizon:.0f} s" if np.isinf(x) else f"{x:.1f} s"


def _forgetting_outcome(metrics: dict, conds: list[str], tables: dict,
                        horizon: float) -> str:
    """The forgetting curve in one sentence: nothing to forget when no condition encodes,
    else the median lifetimes and the paired elevated_mg − baseline differences."""
    snr = {c: _mean(metrics[c], "snr_after_encoding") for c in conds}
    if not any(np.isfinite(v) and v >= ENCODED_SNR for v in snr.values()):
        return (
            "- **Forgetting curve.** In this model there is nothing to forget: no "
            "condition encodes the assemblies (mean SNR after encoding "
            + ", ".join(f"{snr[c]:+.3f} ({c})" for c in conds)
            + f"; an encoded assembly reaches ≈ {ENCODED_SNR:g}–1), so the forgetting "
            "curves stay at the noise level and the lifetimes until SNR < 1 and < "
            f"{SNR_CRITERION:g} are 0 s by definition; they do not compare retention "
            "between conditions.")
    text = ("- **Forgetting curve.** Median lifetime until SNR < 1 / < "
            f"{SNR_CRITERION:g}: " + "; ".join(
                f"{c} {_median_time(metrics[c], 'lifetime_snr1_s', horizon)} / "
                f"{_median_time(metrics[c], 'lifetime_snr05_s', horizon)}"
                for c in conds))
    r = _row(tables, "elevated_mg", "lifetime_snr05_s")
    if r is not None and np.isfinite(r["diff"]):
        text += (f"; lifetime until SNR < {SNR_CRITERION:g}, elevated_mg − baseline = "
                 f"{_fmt_ci(r, '{:+.1f}')} s ({_verdict_word(r['resolved'])}, "
                 f"n = {r['n']} seeds in which both forget within {horizon:.0f} s)")
    r = _row(tables, "elevated_mg", "snr_end")
    if r is not None and np.isfinite(r["diff"]):
        text += (f"; SNR after {horizon:.0f} s, elevated_mg − baseline = "
                 f"{_fmt_ci(r, '{:+.3f}')} ({_verdict_word(r['resolved'])})")
    return text + "."


def _trace_outcome(metrics: dict, conds: list[str], tables: dict, horizon: float) -> str:
    """The weight trace left by encoding in one sentence: its lifetime (κ < 1/e), κ at the
    end and the paired elevated_mg − baseline differences."""
    text = ("- **Weight trace.** The UP/DOWN configuration left by encoding decays with "
            "a lifetime (κ < 1/e) of " + ", ".join(
                f"{_median_time(metrics[c], 'trace_lifetime_s', horizon)} ({c})"
                for c in conds)
            + f"; after {horizon:.0f} s κ is " + ", ".join(
                f"{_mean(metrics[c], 'kappa_end'):.3f} ({c})" for c in conds))
    r = _row(tables, "elevated_mg", "trace_lifetime_s")
    if r is not None and np.isfinite(r["diff"]):
        text += (f". Elevated Mg changes the trace lifetime by {_fmt_ci(r, '{:+.1f}')} s "
                 f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
    r = _row(tables, "elevated_mg", "kappa_end")
    if r is not None and np.isfinite(r["diff"]):
        text += (f" and κ after {horizon:.0f} s by {_fmt_ci(r, '{:+.3f}')} "
                 f"({_verdict_word(r['resolved'])})")
    return text + (". This is what spontaneous bursts would do to any trace, "
                   "encoded or not.")


def retention_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Forgetting curves (assembly SNR), weight-trace κ and weight distributions per
    condition over consolidation (memory_retention.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures.memory import plot_forgetting, plot_weight_hist
    runs = _load(results, RETENTION_EXPERIMENT, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    snr, kappa, hists = {}, {}, {}
    for c in conds:
        curves = [retention_curves(by[c][s]) for s in sorted(by[c])]
        n = min(len(x["t"]) for x in curves)
        snr[c] = (curves[0]["t"][:n], np.array([x["snr"][:n] for x in curves]))
        kappa[c] = (curves[0]["t"][:n], np.array([x["kappa"][:n] for x in curves]))
        hists[c] = final_weights_by_membership(by[c][min(by[c])])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    plot_forgetting(axes[0], snr, ylabel="assembly weight SNR",
                    levels=tuple(LIFETIME_LEVELS.values()),
                    title="forgetting curves (mean, seed range)")
    plot_forgetting(axes[1], kappa, ylabel="κ of UP/DOWN states vs end of encoding",
                    levels=(TRACE_LEVEL,), title="weight trace left by encoding")
    plot_weight_hist(axes[2], hists)
    fig.tight_layout()
    out_dir = Path(out_dir)
    p = out_dir / "memory_retention.png"
    save_figure(fig, p, 120, caption=(
        "Memory retention: assembly SNR (forgetting curve) and κ of the UP/DOWN states "
        "against the end of encoding over consolidation (line = mean over seeds, band = "
        "range over seeds; dotted: forgetting levels), and weight distributions inside "
        "(solid) and outside (dotted) the assemblies at the end, one seed per condition; "
        "n = " + ", ".join(f"{len(by[c])} {c}" for c in conds) + f" seeds. "
        f"{_control_caption()}"))
    return [p]

"""Memory capacity (experiment ``memory-capacity``, P varied): one run file = one
condition x seed, one simulation per number P of encoded assemblies; per-run metrics,
the section "Memory capacity" and its figure.
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
from .control import ENCODED_OVERLAP, ENCODED_SNR, _control_caption
from .encoding_metrics import run_metrics
from .recall import REJECT_WINDOW
from .runs import _by_condition_seed, _load, _ordered
from .tables import _fmt_ci, _paired_md, _paired_tables, _row, _summary, _verdict_word

CAPACITY_EXPERIMENT = "memory-capacity"
#: Median recall overlap (non-cued members minus non-members active) above which P
#: stored assemblies count as recalled: the report's :data:`ENCODED_OVERLAP`.  With
#: one or no network burst per cue the overlap of unrecalled patterns is 0.000 ± 0.003
#: (memory-encoding), so 0.1 is far above chance and far below perfect recall (1).
CAPACITY_THRESHOLD = ENCODED_OVERLAP
#: Rows of the per-condition capacity table (per P): name -> (label, format).
CAPACITY_KEYS = {
    "overlap_median": ("median recall overlap of the encoded assemblies", "{:+.3f}"),
    "control_overlap_median": ("median recall overlap of unencoded assemblies (control)",
                               "{:+.3f}"),
    "snr_after_encoding": ("assembly SNR after encoding", "{:+.3f}"),
    "specificity": ("input specificity Δw_in − Δw_out (relative)", "{:+.3f}"),
    "hit_rate": ("non-cued members active", "{:.3f}"),
    "false_activation": ("non-members active", "{:.3f}"),
}


def capacity_p_values(run: RunData) -> list[int]:
    """The numbers of encoded assemblies P simulated in a memory-capacity run."""
    return [int(p) for p in np.asarray(run.arrays["/capacity/p_values"]).ravel()]


def capacity_subrun(run: RunData, P: int) -> RunData:
    """The simulation with P encoded assemblies as a memory-encoding-shaped RunData.

    Spikes ``exc_p<P>``/``inh_p<P>`` become ``exc``/``inh``, the columns
    ``rho_p<P>_sNNN`` become ``rho_sNNN``; patterns and recall trials are restricted to
    the P encoded assemblies, so :func:`run_metrics` applies unchanged.
    """
    ee = run.synapses["ee"]
    prefix = f"rho_p{P}_"
    table = {k: v for k, v in ee.items() if not k.startswith("rho_")}
    table.update({"rho_" + k[len(prefix):]: v for k, v in ee.items()
                  if k.startswith(prefix)})
    pattern = np.asarray(run.recall["pattern"])
    kind = np.asarray(run.recall.get("kind", np.zeros(pattern.size, np.int64)))
    # stored and sham cues of the P encoded assemblies, and every unencoded control
    keep = (kind == 2) | (pattern < P)
    recall = {k: np.asarray(v)[keep] for k, v in run.recall.items()}
    return RunData(attrs=run.attrs,
                   spikes={"exc": run.spikes[f"exc_p{P}"], "inh": run.spikes[f"inh_p{P}"]},
                   synapses={"ee": table}, protocol=run.protocol,
                   patterns=np.asarray(run.patterns, bool)[:P], recall=recall,
                   arrays=run.arrays, metrics=run.metrics)


def _trial_overlaps(spikes, members, recall, trials, window) -> np.ndarray:
    """Recall overlap of the given trials (cued pattern's members vs non-members)."""
    te, ie = spikes
    n_exc = members.shape[1]
    out = []
    for k in trials:
        t0 = float(recall["t_cue"][k])
        active = mm.active_from_spikes(te, ie, n_exc, t0, t0 + window)
        out.append(mm.recall_overlap(active, members[int(recall["pattern"][k])],
                                     np.asarray(recall["cued"][k], bool)))
    return np.asarray(out, float)


def _nanmedian(v) -> float:
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def capacity_run_metrics(run: RunData, *, b: float, recall_window: float,
                         threshold: float = CAPACITY_THRESHOLD,
                         reject_window: float = None) -> dict:
    """Scalar metrics of one memory-capacity run, from its saved arrays.

    For every P: all :func:`run_metrics` of the simulation with P encoded assemblies,
    prefixed ``p<P>_`` (``p<P>_overlap_trial_NNN`` are the encoded assemblies' recall
    trials), plus ``p<P>_overlap_median`` (their median) and
    ``p<P>_control_overlap_median`` (median over the cues of the assemblies that were
    *not* encoded in that simulation; NaN for P = n_patterns).  ``capacity``:
    :func:`mgnet.analysis.memory_metrics.capacity` of the medians against ``threshold``.
    """
    members = np.asarray(run.patterns, bool)
    pattern = np.asarray(run.recall["pattern"])
    kind = np.asarray(run.recall.get("kind", np.zeros(pattern.size, np.int64)))
    p_values = capacity_p_values(run)
    out: dict[str, Any] = {}
    medians = []
    for P in p_values:
        m = run_metrics(capacity_subrun(run, P), b=b, recall_window=recall_window,
                        reject_window=reject_window)
        out.update({f"p{P}_{k}": v for k, v in m.items()})
        enc = [v for k, v in m.items() if k.startswith("overlap_trial_")]
        out[f"p{P}_overlap_median"] = _nanmedian(enc)
        ctrl = _trial_overlaps(run.spikes[f"exc_p{P}"], members, run.recall,
                               np.flatnonzero((pattern >= P) & (kind == 0)),
                               recall_window)
        out[f"p{P}_control_overlap_median"] = _nanmedian(ctrl)
        medians.append(out[f"p{P}_overlap_median"])
    out["capacity"] = mm.capacity(p_values, medians, threshold)
    out["capacity_threshold"] = float(threshold)
    out["n_patterns_drawn"] = int(members.shape[0])
    return out


@_once_per_run
def capacity_recomputed(run: RunData) -> dict:
    """:func:`capacity_run_metrics` recomputed from a loaded run file."""
    return capacity_run_metrics(run, b=float(run.metrics["plasticity_b"]),
                                recall_window=float(run.metrics["recall_window_s"]),
                                reject_window=float(run.metrics.get("reject_window_s",
                                                                    REJECT_WINDOW)))


def capacity_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory capacity" from the memory-capacity run files ('' if none)."""
    runs = _load(results, CAPACITY_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: capacity_recomputed(r) for s, r in by[c].items()} for c in conds}
    p_values = capacity_p_values(runs[0])
    thr = float(metrics[conds[0]][min(metrics[conds[0]])]["capacity_threshold"])
    lines = _capacity_intro(runs, by, conds, p_values, thr)
    pooled = _pooled_capacity(metrics, conds, p_values, thr)
    lines += _capacity_table_lines(metrics, conds, p_values, pooled)
    names = ["capacity"] + [f"p{P}_{k}" for P in p_values
                            for k in ("overlap_median", "snr_after_encoding")]
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, _capacity_labels(p_values))
    lines += ["### Outcomes", ""]
    lines.append(_capacity_outcome(metrics, conds, p_values, thr, pooled, tables))
    ctrl = [m.get(f"p{P}_control_overlap_median", np.nan) for c in conds
            for m in metrics[c].values() for P in p_values]
    ctrl = np.asarray(ctrl, float)
    if np.isfinite(ctrl).any():
        lines.append(f"- **Control.** Cues of assemblies that were not encoded give a "
                     f"median overlap of {np.nanmedian(ctrl):+.3f} (all conditions and P "
                     "pooled): the chance level of this readout.")
    lines += ["", "![memory capacity](figures/memory_capacity.png)", ""]
    return "\n".join(lines)


def _capacity_intro(runs: list[RunData], by: dict, conds: list[str], p_values: list[int],
                    thr: float) -> list[str]:
    """The section's heading and what was run: assemblies, P, the protocol's timing and
    how the capacity is read."""
    r0 = runs[0]
    m0 = r0.metrics
    t = r0.protocol
    lines = ["## Memory capacity (P varied; T10, T11)", "",
             f"`memory-capacity` runs: {len(runs)} "
             f"({', '.join(f'{c} {len(by[c])}' for c in conds)} seeds); "
             f"{int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{r0.patterns.shape[0]} assemblies of {int(r0.patterns[0].sum())} cells drawn "
             f"per seed (independent random subsets), P = "
             f"{', '.join(map(str, p_values))} of them encoded, one simulation each"
             + (f" ({float(m0['simulated_s']):.0f} s simulated per P)"
                if np.isfinite(float(m0.get('simulated_s', np.nan))) else "")
             + ". Every "
             "assembly has its own presentation slot in every round, so an encoded "
             "assembly gets the same presentations at the same times for every P; the "
             "unencoded assemblies are cued as a chance-level control. Recall "
             f"{t['recall']['t_start'] - t['encoding']['t_stop']:.0f} s after encoding "
             f"(consolidation {t['consolidation']['t_stop'] - t['consolidation']['t_start']:.0f}"
             f" s), readout {float(m0.get('recall_window_s', np.nan)) * 1e3:.0f} ms after "
             f"each cue. **Capacity** = the largest P whose median recall overlap exceeds "
             f"{thr:g}, taking P in increasing order up to the first failure (0: nothing "
             f"recalled at P = {p_values[0]}; {p_values[-1]}: a lower bound); per "
             "condition from the trials of all seeds pooled, per seed for the paired "
             "comparison. Recomputed from the saved spikes and weight snapshots.", ""]
    return lines


def _capacity_table_lines(metrics: dict, conds: list[str], p_values: list[int],
                          pooled: dict) -> list[str]:
    """The per-condition table: :data:`CAPACITY_KEYS` per P (the encoded assemblies'
    overlap from the pooled trials), then the capacity pooled and per seed."""
    head = ["metric", "P"] + conds
    rows = []
    for key, (label, fmt) in CAPACITY_KEYS.items():
        for P in p_values:
            cells = [label, str(P)]
            for c in conds:
                if key == "overlap_median":
                    trials = [v for m in metrics[c].values() for k, v in m.items()
                              if k.startswith(f"p{P}_overlap_trial_")]
                    med = _nanmedian(trials)
                    cells.append("n/a" if not np.isfinite(med) else
                                 f"{fmt.format(med)} (pooled, {len(trials)} "
                                 f"cue{'s' if len(trials) != 1 else ''})")
                else:
                    cells.append(_summary([m.get(f"p{P}_{key}", np.nan)
                                           for m in metrics[c].values()], fmt))
            rows.append(cells)
    rows.append(["capacity (pooled trials)", "—"]
                + [f"{pooled[c]['capacity']:g}" for c in conds])
    rows.append(["capacity per seed", "—"]
                + [_summary([m["capacity"] for m in metrics[c].values()], "{:.2f}")
                   for c in conds])
    return ["Per condition (mean ± SD over seeds unless marked pooled):", "",
            markdown_table(rows, head), ""]


def _pooled_capacity(metrics: dict, conds: list[str], p_values: list[int],
                     thr: float) -> dict:
    """Per condition, :func:`mgnet.analysis.memory_metrics.capacity_from_trials` of the
    encoded assemblies' recall trials of all seeds pooled."""
    pooled = {}
    for c in conds:
        P_trial, ov = [], []
        for m in metrics[c].values():
            for P in p_values:
                v = [x for k, x in m.items() if k.startswith(f"p{P}_overlap_trial_")]
                P_trial += [P] * len(v)
                ov += v
        pooled[c] = mm.capacity_from_trials(P_trial, ov, thr)
    return pooled


def _capacity_labels(p_values: list[int]) -> dict:
    """Labels and formats of the paired rows: the capacity per seed and, per P, the
    median recall overlap and the assembly SNR after encoding."""
    labels = {"capacity": ("capacity (per seed)", "{:+.2f}")}
    for P in p_values:
        labels[f"p{P}_overlap_median"] = (f"median recall overlap, P = {P}", "{:+.3f}")
        labels[f"p{P}_snr_after_encoding"] = (f"assembly SNR after encoding, P = {P}",
                                              "{:+.3f}")
    return labels


def _capacity_outcome(metrics: dict, conds: list[str], p_values: list[int], thr: float,
                      pooled: dict, tables: dict) -> str:
    """The capacity outcome in one sentence: a floor when nothing is recalled, else the
    pooled capacities and the paired elevated_mg − baseline difference per seed."""
    best = {c: np.nanmax(pooled[c]["median"]) if np.isfinite(pooled[c]["median"]).any()
            else np.nan for c in conds}
    snr1 = {c: np.nanmean([m.get(f"p{p_values[0]}_snr_after_encoding", np.nan)
                           for m in metrics[c].values()]) for c in conds}
    if all(pooled[c]["capacity"] == 0 for c in conds):
        return (
            "- **Capacity.** In this model no condition recalls any assembly at any P: "
            "the largest median recall overlap is "
            + ", ".join(f"{best[c]:+.3f} ({c})" for c in conds)
            + f", below the threshold {thr:g}, and even a single encoded assembly "
            f"(P = {p_values[0]}) ends encoding at SNR "
            + ", ".join(f"{snr1[c]:+.3f} ({c})" for c in conds)
            + ". The capacity is 0 in every condition: a floor that says nothing was "
            "recalled, not that the conditions store equally little, so the model "
            "cannot say whether elevated Mg raises the capacity.")
    text = ("- **Capacity.** Capacity (pooled trials, median overlap > "
            f"{thr:g}): " + ", ".join(f"{c} {pooled[c]['capacity']:g}" for c in conds))
    r = _row(tables, "elevated_mg", "capacity")
    if r is not None and np.isfinite(r["diff"]):
        text += (f"; per seed, elevated_mg − baseline = {_fmt_ci(r, '{:+.2f}')} "
                 f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
    return text + "."


def capacity_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Recall overlap and assembly SNR against P, capacity per seed (memory_capacity.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures.memory import plot_capacity, plot_capacity_per_seed, plot_vs_p
    runs = _load(results, CAPACITY_EXPERIMENT, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: capacity_recomputed(r) for s, r in by[c].items()} for c in conds}
    p_values = capacity_p_values(runs[0])
    thr = float(next(iter(metrics[conds[0]].values()))["capacity_threshold"])
    overlap, control, snr, cap = {}, {}, {}, {}
    for c in conds:
        seeds = sorted(metrics[c])
        overlap[c] = (np.array(p_values), np.array(
            [[metrics[c][s][f"p{P}_overlap_median"] for P in p_values] for s in seeds]))
        control[c] = np.array([[metrics[c][s][f"p{P}_control_overlap_median"]
                                for P in p_values] for s in seeds])
        snr[c] = (np.array(p_values), np.array(
            [[metrics[c][s][f"p{P}_snr_after_encoding"] for P in p_values] for s in seeds]))
        cap[c] = {s: metrics[c][s]["capacity"] for s in seeds}
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    plot_capacity(axes[0], overlap, control, threshold=thr)
    plot_vs_p(axes[1], snr, "assembly SNR after encoding", ref=ENCODED_SNR)
    plot_capacity_per_seed(axes[2], cap, p_max=p_values[-1])
    fig.tight_layout()
    out_dir = Path(out_dir)
    p = out_dir / "memory_capacity.png"
    save_figure(fig, p, 120, caption=(
        "Memory capacity: median recall overlap (line = median over seeds of the per-seed "
        "medians, dots = seeds) and assembly SNR (line = mean, dots = seeds) against the "
        "number of encoded assemblies P, and the capacity of every seed (lines join a seed "
        "across conditions); no error bars; n = "
        + ", ".join(f"{len(cap[c])} {c}" for c in conds) + f" seeds. {_control_caption()}"))
    return [p]

"""Memory encoding, capacity and retention (T10, T11; science.md §3, §6): per-run metrics,
report sections and figures.

Sections: "Memory encoding" (``memory-encoding``, :func:`memory_section`), "Memory
capacity" (``memory-capacity``, P varied, :func:`capacity_section`) and "Memory
retention" (``memory-retention``, long consolidation, :func:`retention_section`).

Every number comes from the arrays saved in the ``memory-encoding`` run files
(experiments/memory_encoding.py): E->E efficacy snapshots ``/synapses/ee/rho_sNNN`` with
``q_down`` and the rule's ``b`` (weight w = q_down (1 + (b − 1) ρ), Graupner & Brunel
2012), ``/patterns/members``, ``/recall/*`` and ``/spikes/exc``.  :func:`run_metrics` is
called by the experiment to fill ``/metrics`` and again by the report on the loaded
file, so the report never trusts a stored number it could not recompute.

Comparisons are paired on the seed (same connectivity, patterns, schedule and random
stream): paired bootstrap 95 % CIs of the difference and Cohen's d_z
(:func:`analysis.statistics.paired_bootstrap`).

This module never imports brian2.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import memory_metrics as mm
from .run_file import RunData

__all__ = ["EXPERIMENT", "SNR_CRITERION", "CONDITION_ORDER", "COMPARISONS", "snapshots",
           "weights_at", "run_metrics", "paired_table", "memory_section", "load_memory_runs",
           "KEY_METRICS", "CAPACITY_EXPERIMENT", "RETENTION_EXPERIMENT",
           "CAPACITY_THRESHOLD", "LIFETIME_LEVELS", "TRACE_LEVEL", "capacity_p_values",
           "capacity_subrun", "capacity_run_metrics", "capacity_recomputed",
           "retention_curves", "retention_metrics", "retention_recomputed",
           "capacity_section", "retention_section", "capacity_figures",
           "retention_figures"]

EXPERIMENT = "memory-encoding"
#: SNR an assembly must reach to count as encoded (presentations-to-criterion).  With the
#: bistable rule and half the contacts initially UP, the SNR of a fully potentiated
#: assembly is about 1 (σout is the UP/DOWN spread), so 0.5 is "half-way".
SNR_CRITERION = 0.5
#: Order of conditions in tables (science.md §5).
CONDITION_ORDER = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                   "aged", "aged_elevated_mg")
#: (reference, test, question) of the paired comparisons.
COMPARISONS = (("baseline", "elevated_mg", "T10: elevated Mg (both arms)"),
               ("baseline", "elevated_mg_o_only", "T10 ablation: [Mg]o only (NMDA block)"),
               ("baseline", "elevated_mg_i_only", "T10 ablation: [Mg]i only (configuration)"),
               ("baseline", "aged", "T11: aged vs young"),
               ("aged", "aged_elevated_mg", "T11: aged, elevated Mg vs aged"))
#: Metrics shown in the comparison tables: name -> (label, format).
KEY_METRICS = {
    "snr_after_encoding": ("assembly SNR after encoding", "{:.3f}"),
    "snr_end": ("assembly SNR after consolidation", "{:.3f}"),
    "delta_w_in_rel": ("Δ⟨w⟩ inside assemblies, relative", "{:+.3f}"),
    "delta_w_out_rel": ("Δ⟨w⟩ outside assemblies, relative", "{:+.3f}"),
    "specificity": ("input specificity Δw_in − Δw_out (relative)", "{:+.3f}"),
    "presentations_to_criterion": (f"presentations to SNR {SNR_CRITERION}", "{:.2f}"),
    "overlap_mean": ("recall overlap m (all cues)", "{:.3f}"),
    "overlap_cue_0.5": ("recall overlap m, cue 0.5", "{:.3f}"),
    "hit_rate": ("non-cued members active", "{:.3f}"),
    "false_activation": ("non-members active", "{:.3f}"),
    "latency_median_ms": ("recall latency (median, ms)", "{:.1f}"),
    "bits_per_synapse_end": ("bits per synapse after consolidation", "{:.2e}"),
    "rho_both_after_encoding": ("mean ρ after encoding, pre and post stimulated", "{:.3f}"),
    "rho_post_only_after_encoding": ("mean ρ after encoding, post only stimulated", "{:.3f}"),
    "rho_neither_after_encoding": ("mean ρ after encoding, neither stimulated", "{:.3f}"),
    "state_turnover_consolidation": ("contacts switching UP↔DOWN in consolidation", "{:.3f}"),
    "silent_fraction_ee": ("silent E→E contacts (Pr = 0)", "{:.3f}"),
    "up_fraction_end": ("E→E contacts UP (ρ > ½) after consolidation", "{:.3f}"),
    "burst_rate_consolidation_per_min": ("network bursts / min in consolidation", "{:.1f}"),
}


# --------------------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------------------
def snapshots(run: RunData) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Snapshot times (s), phase codes and the ``rho_sNNN`` column names, in order."""
    t = np.asarray(run.arrays["/snapshots/t"], dtype=float)
    phase = np.asarray(run.arrays["/snapshots/phase"], dtype=np.int64)
    names = sorted(c for c in run.synapses["ee"] if c.startswith("rho_s"))
    if len(names) != t.size:
        raise ValueError(f"{len(names)} rho snapshots but {t.size} snapshot times")
    return t, phase, names


def weights_at(run: RunData, name: str, b: float) -> np.ndarray:
    """AMPA weight (nS) of every E->E contact at snapshot ``name``."""
    ee = run.synapses["ee"]
    return np.asarray(ee["q_down"], float) * (1 + (b - 1) * np.asarray(ee[name], float))


def _snr_all(w, pre, post, members) -> float:
    return float(np.nanmean([mm.assembly_snr(w, pre, post, m) for m in members]))


def _in_out_means(w, pre, post, members):
    both, _ = mm._co_member(pre, post, members)
    return float(w[both].mean()), float(w[~both].mean())


def _burst_rate(run: RunData, t0: float, t1: float) -> float:
    from .bursts import detect_network_bursts
    te, ie = run.spikes["exc"]
    ti, ii = run.spikes["inh"]
    n_exc = int(run.metrics.get("n_exc", 0)) or int(run.patterns.shape[1])
    n_inh = int(run.metrics.get("n_inh", 0)) or (int(ii.max()) + 1 if ii.size else 1)
    t = np.concatenate([te, ti])
    i = np.concatenate([np.asarray(ie, np.int64), np.asarray(ii, np.int64) + n_exc])
    if t1 - t0 <= 0:
        return float("nan")
    bursts = detect_network_bursts(t, i, n_exc + n_inh, t0, t1)
    return float(len(bursts) / (t1 - t0) * 60.0)


def run_metrics(run: RunData, *, b: float, recall_window: float,
                criterion: float = SNR_CRITERION) -> dict:
    """Scalar metrics of one memory-encoding run, from its saved arrays.

    Parameters
    ----------
    run : RunData
        A memory-encoding run (also accepted before it is written).
    b : float
        UP/DOWN weight ratio of the plasticity rule (``/metrics`` ``plasticity_b``).
    recall_window : float
        Readout window after each cue onset (s).
    criterion : float
        SNR criterion of the encoding speed.

    Returns
    -------
    dict
        Flat scalars; curves are stored as ``snr_sNNN`` entries (one per snapshot).
    """
    ee = run.synapses["ee"]
    pre = np.asarray(ee["pre"], np.int64)
    post = np.asarray(ee["post"], np.int64)
    members = np.asarray(run.patterns, bool)
    t, phase, names = snapshots(run)
    proto = run.protocol
    t_spont, t_enc = proto["spontaneous"]["t_stop"], proto["encoding"]["t_stop"]
    snr = np.array([_snr_all(weights_at(run, n, b), pre, post, members) for n in names])
    k_pre = int(np.flatnonzero(t <= t_spont + 1e-9)[-1])
    k_enc = int(np.flatnonzero(t <= t_enc + 1e-9)[-1])
    k_end = t.size - 1
    out: dict[str, Any] = {f"snr_s{k:03d}": float(v) for k, v in enumerate(snr)}
    w_pre, w_enc, w_end = (weights_at(run, names[k], b) for k in (k_pre, k_enc, k_end))
    in_pre, out_pre = _in_out_means(w_pre, pre, post, members)
    in_end, out_end = _in_out_means(w_end, pre, post, members)
    in_enc, out_enc = _in_out_means(w_enc, pre, post, members)
    out.update({
        "snr_before_encoding": float(snr[k_pre]),
        "snr_after_encoding": float(snr[k_enc]),
        "snr_end": float(snr[k_end]),
        "delta_w_in_rel": in_enc / in_pre - 1, "delta_w_out_rel": out_enc / out_pre - 1,
        "delta_w_in_rel_end": in_end / in_pre - 1, "delta_w_out_rel_end": out_end / out_pre - 1,
        "up_fraction_start": float(np.mean(np.asarray(ee[names[0]]) > 0.5)),
        "up_fraction_end": float(np.mean(np.asarray(ee[names[k_end]]) > 0.5)),
        "silent_fraction_ee": float(np.mean(np.asarray(ee["pr"]) == 0)),
    })
    out["specificity"] = out["delta_w_in_rel"] - out["delta_w_out_rel"]
    # mechanism: mean efficacy after encoding by which ends were stimulated
    anym = members.any(axis=0)
    rho_enc = np.asarray(ee[names[k_enc]], float)
    groups = {"both": np.zeros(pre.size, bool), "post_only": np.zeros(pre.size, bool),
              "pre_only": np.zeros(pre.size, bool)}
    for m in members:
        groups["both"] |= m[pre] & m[post]
        groups["post_only"] |= ~m[pre] & m[post]
        groups["pre_only"] |= m[pre] & ~m[post]
    groups["post_only"] &= ~groups["both"]
    groups["pre_only"] &= ~groups["both"] & ~groups["post_only"]
    groups["neither"] = ~anym[pre] & ~anym[post]
    for g, sel in groups.items():
        out[f"rho_{g}_after_encoding"] = float(rho_enc[sel].mean()) if sel.any() else float("nan")
    # state turnover (UP <-> DOWN) between the end of encoding and the last snapshot
    up_enc = rho_enc > 0.5
    up_end = np.asarray(ee[names[k_end]], float) > 0.5
    out["state_turnover_consolidation"] = float(np.mean(up_enc != up_end))
    # encoding speed: SNR after each round (element 0 = before encoding)
    enc = snr[k_pre:k_enc + 1]
    out["presentations_to_criterion"] = mm.presentations_to_criterion(enc, criterion)
    # forgetting over consolidation, relative to the end of encoding
    cons_t = t[k_enc:] - t[k_enc]
    cons = snr[k_enc:]
    out["snr_retained_fraction"] = (float(cons[-1] / cons[0]) if cons[0] > 0
                                    else float("nan"))
    out["lifetime_s"] = mm.lifetime(cons_t, cons, level=criterion) if cons.size else float("nan")
    bits = mm.bits_per_synapse(w_end, pre, post, members)
    out["bits_per_synapse_end"] = float(bits["bits_per_synapse"])
    out["bits_per_synapse_after_encoding"] = float(
        mm.bits_per_synapse(w_enc, pre, post, members)["bits_per_synapse"])
    # recall
    rec = run.recall
    te, ie = run.spikes["exc"]
    n_exc = members.shape[1]
    ov, hit, fa, lat = [], [], [], []
    for k in range(len(rec["t_cue"])):
        t0 = float(rec["t_cue"][k])
        p = int(rec["pattern"][k])
        cued = np.asarray(rec["cued"][k], bool)
        active = mm.active_from_spikes(te, ie, n_exc, t0, t0 + recall_window)
        ov.append(mm.recall_overlap(active, members[p], cued))
        target = members[p] & ~cued
        hit.append(float(active[target].mean()) if target.any() else float("nan"))
        fa.append(mm.false_activation(active, members, p, cued=cued))
        lat.append(mm.recall_latency(te, ie, members[p], cued, t0,
                                     t_max=t0 + recall_window))
    ov, cf = np.array(ov), np.asarray(rec["cue_fraction"], float)
    for k, v in enumerate(ov):
        out[f"overlap_trial_{k:03d}"] = float(v)
    out["overlap_mean"] = float(np.nanmean(ov)) if ov.size else float("nan")
    for c in np.unique(cf):
        out[f"overlap_cue_{c:g}"] = float(np.nanmean(ov[cf == c]))
    out["hit_rate"] = float(np.nanmean(hit)) if hit else float("nan")
    out["false_activation"] = float(np.nanmean(fa)) if fa else float("nan")
    lat = np.array(lat, float)
    out["latency_median_ms"] = float(np.median(lat) * 1e3) if lat.size else float("nan")
    out["burst_rate_consolidation_per_min"] = _burst_rate(
        run, proto["consolidation"]["t_start"], proto["consolidation"]["t_stop"])
    out["burst_rate_spontaneous_per_min"] = _burst_rate(
        run, min(1.0, t_spont / 2), t_spont)
    return out


# --------------------------------------------------------------------------------------
# across runs
# --------------------------------------------------------------------------------------
def load_memory_runs(results: Path, scale: str | None = None) -> list[RunData]:
    """Complete memory-encoding runs in ``results/runs`` (of one scale if given)."""
    from .run_file import list_runs, read_run
    return [read_run(p) for p in list_runs(Path(results) / "runs", EXPERIMENT, scale)]


def recomputed(run: RunData) -> dict:
    """:func:`run_metrics` recomputed from the loaded arrays."""
    return run_metrics(run, b=float(run.metrics["plasticity_b"]),
                       recall_window=float(run.metrics["recall_window_s"]))


def _by_condition_seed(runs: Sequence[RunData]) -> dict:
    out: dict = {}
    for r in runs:
        out.setdefault(str(r.attrs["condition"]), {})[int(r.attrs["seed"])] = r
    return out


def paired_table(metrics: Mapping[str, Mapping[int, Mapping]], ref: str, test: str,
                 names: Sequence[str], n_boot: int = 10000) -> list[dict]:
    """Paired comparison of ``test`` vs ``ref`` for each metric name.

    ``metrics`` maps condition -> seed -> metrics dict.  Only seeds present in both
    conditions with finite values enter.  Each row: ``metric``, ``n``, ``mean_ref``,
    ``mean_test``, ``diff``, ``ci_low``, ``ci_high``, ``d_z`` (mean/SD of the paired
    differences), ``p`` (sign-flip), ``resolved`` (+1/-1 if the CI excludes 0, else 0).
    """
    from .statistics import paired_bootstrap
    rows = []
    seeds = sorted(set(metrics.get(ref, {})) & set(metrics.get(test, {})))
    for name in names:
        a = np.array([metrics[ref][s].get(name, np.nan) for s in seeds], float)
        b = np.array([metrics[test][s].get(name, np.nan) for s in seeds], float)
        ok = np.isfinite(a) & np.isfinite(b)
        row = {"metric": name, "n": int(ok.sum()), "mean_ref": float("nan"),
               "mean_test": float("nan"), "diff": float("nan"), "ci_low": float("nan"),
               "ci_high": float("nan"), "d_z": float("nan"), "p": float("nan"),
               "resolved": 0}
        if ok.sum() >= 2:
            pb = paired_bootstrap(a[ok], b[ok], n_boot=n_boot)
            d = b[ok] - a[ok]
            sd = d.std(ddof=1)
            row.update(mean_ref=float(a[ok].mean()), mean_test=float(b[ok].mean()),
                       diff=float(d.mean()), ci_low=float(pb.diff_low),
                       ci_high=float(pb.diff_high),
                       d_z=float(d.mean() / sd) if sd > 0 else float("nan"),
                       p=float(pb.p_value))
            row["resolved"] = int(np.sign(row["ci_low"])) if row["ci_low"] > 0 else (
                -1 if row["ci_high"] < 0 else 0)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------
# report section
# --------------------------------------------------------------------------------------
def _metrics_by_condition(runs: Sequence[RunData]) -> dict:
    """condition -> seed -> recomputed metrics."""
    out: dict = {}
    for cond, by_seed in _by_condition_seed(runs).items():
        out[cond] = {s: recomputed(r) for s, r in by_seed.items()}
    return out


def _fmt_ci(row: Mapping, fmt: str) -> str:
    if not np.isfinite(row["diff"]):
        return "n/a"
    return (f"{fmt.format(row['diff'])} [{fmt.format(row['ci_low'])}, "
            f"{fmt.format(row['ci_high'])}]")


def _verdict_word(resolved: int) -> str:
    return {1: "higher", -1: "lower", 0: "not resolved"}[resolved]


def _arm_sentence(tables: Mapping[str, list[dict]], metric: str, label: str) -> str:
    """Which Mg arm carries the full effect on ``metric`` (by the ablations)."""
    def row(test):
        return next((r for r in tables.get(test, []) if r["metric"] == metric), None)
    full, o, i = row("elevated_mg"), row("elevated_mg_o_only"), row("elevated_mg_i_only")
    if full is None or not np.isfinite(full["diff"]):
        return f"{label}: no paired elevated_mg runs."
    fmt = KEY_METRICS.get(metric, ("", "{:.3g}"))[1]
    text = (f"{label}: elevated Mg changes it by {_fmt_ci(full, fmt)} "
            f"({_verdict_word(full['resolved'])}, n = {full['n']} seeds)")
    arms = []
    for name, r in (("extracellular block ([Mg]o only)", o),
                    ("presynaptic configuration ([Mg]i only)", i)):
        if r is not None and np.isfinite(r["diff"]):
            arms.append((name, r))
            text += f"; {name}: {_fmt_ci(r, fmt)}"
    if full["resolved"] != 0:
        same = [n for n, r in arms if r["resolved"] == full["resolved"]]
        if len(same) == 1:
            text += f". The {same[0]} arm alone reproduces the direction."
        elif len(same) == 2:
            text += ". Both arms alone move it in the same direction."
        else:
            text += ". Neither arm alone resolves it: the arms act together."
    else:
        text += "."
    return text


def memory_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section for T10/T11 from the memory-encoding run files ('' if none)."""
    runs = load_memory_runs(results, scale)
    if not runs:
        return ""
    metrics = _metrics_by_condition(runs)
    conds = [c for c in CONDITION_ORDER if c in metrics] + sorted(
        c for c in metrics if c not in CONDITION_ORDER)
    m0 = runs[0].metrics
    lines = ["## Memory encoding (T10, T11)", "",
             f"`memory-encoding` runs: {len(runs)} ({', '.join(f'{c} {len(metrics[c])}' for c in conds)} "
             f"seeds); {int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{int(m0.get('n_contacts_ee', 0))} plastic E→E contacts, "
             f"{runs[0].patterns.shape[0]} assemblies of {int(runs[0].patterns[0].sum())} cells, "
             f"{float(m0.get('simulated_s', float('nan'))):.0f} s simulated per run; recall readout "
             f"{float(m0.get('recall_window_s', float('nan'))) * 1e3:.0f} ms after each cue. "
             "Every number below is recomputed from the saved spikes and weight snapshots "
             "(`analysis/memory_report.py`). The GluN2B fraction is the default in every "
             "condition (metaplasticity is not applied in this experiment).", ""]
    # per-condition means
    names = list(KEY_METRICS)
    head = ["metric"] + conds
    rows = []
    for n in names:
        label, fmt = KEY_METRICS[n]
        cells = [label]
        for c in conds:
            v = np.array([m.get(n, np.nan) for m in metrics[c].values()], float)
            v = v[np.isfinite(v)]
            cells.append("n/a" if not v.size else (fmt.format(v.mean()) + (
                f" ± {fmt.format(v.std(ddof=1))}" if v.size > 1 else "")))
        rows.append(cells)
    lines += ["Per condition (mean ± SD over seeds):", "", _md(rows, head), ""]
    # paired comparisons
    tables = {}
    for ref, test, question in COMPARISONS:
        if ref in metrics and test in metrics:
            tab = paired_table(metrics, ref, test, names, n_boot=n_boot)
            tables[test if ref == "baseline" else f"{test}|{ref}"] = tab
            rows = [[KEY_METRICS[r["metric"]][0], str(r["n"]),
                     _fmt_ci(r, KEY_METRICS[r["metric"]][1]),
                     f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                     f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
                     _verdict_word(r["resolved"])] for r in tab]
            lines += [f"**{question}** — paired on seed, {test} − {ref}, mean difference "
                      "[95 % bootstrap CI], Cohen's d_z, sign-flip p:", "",
                      _md(rows, ["metric", "n", "difference", "d_z", "p", "CI verdict"]), ""]
    # one-sentence outcomes
    lines += ["### Outcomes", ""]
    if "elevated_mg" in tables:
        t10 = tables["elevated_mg"]
        snr = next(r for r in t10 if r["metric"] == "snr_after_encoding")
        ov = next(r for r in t10 if r["metric"] == "overlap_mean")
        better = [r for r in (snr, ov) if r["resolved"] == 1]
        worse = [r for r in (snr, ov) if r["resolved"] == -1]
        encoded = {c: _encoded(snr["mean_ref" if c == "baseline" else "mean_test"],
                               ov["mean_ref" if c == "baseline" else "mean_test"])
                   for c in ("baseline", "elevated_mg")}
        if not any(encoded.values()):
            lines.append(
                f"- **T10.** In this model neither baseline nor elevated Mg encodes the "
                f"assemblies: assembly SNR after encoding {snr['mean_ref']:+.3f} and "
                f"{snr['mean_test']:+.3f} (an encoded assembly reaches "
                f"{ENCODED_SNR}), recall overlap {ov['mean_ref']:+.3f} and "
                f"{ov['mean_test']:+.3f} (perfect recall 1). The paired differences, "
                f"elevated_mg − baseline over n = {snr['n']} seeds, are SNR "
                f"{_fmt_ci(snr, '{:+.3f}')} and overlap {_fmt_ci(ov, '{:+.3f}')}: "
                "whatever their sign, they are differences between two unencoded states, "
                "so the model does not support better (or worse) encoding at elevated Mg.")
        else:
            verdict = ("encodes better" if better and not worse else
                       "encodes worse" if worse and not better else
                       "shows no resolved difference in encoding" if not better and not worse
                       else "gives mixed results")
            lines.append(f"- **T10.** In this model the culture at elevated Mg {verdict}: "
                         f"assembly SNR after encoding {_fmt_ci(snr, '{:+.3f}')}, recall "
                         f"overlap {_fmt_ci(ov, '{:+.3f}')} (elevated_mg − baseline, "
                         f"n = {snr['n']} paired seeds).")
        for metric in ("snr_after_encoding", "overlap_mean", "specificity",
                       "state_turnover_consolidation", "burst_rate_consolidation_per_min"):
            lines.append("  - " + _arm_sentence(tables, metric, KEY_METRICS[metric][0]))
    else:
        lines.append("- **T10.** Not measured (no paired baseline / elevated_mg runs).")
    # mechanism, from the pooled runs
    def pooled(name):
        v = np.array([m.get(name, np.nan) for c in conds for m in metrics[c].values()], float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
    lines.append(
        f"- **Mechanism (all runs pooled).** After encoding, the mean efficacy ρ of contacts "
        f"whose pre- and postsynaptic cells were both stimulated is "
        f"{pooled('rho_both_after_encoding'):.3f}, postsynaptic only "
        f"{pooled('rho_post_only_after_encoding'):.3f}, neither "
        f"{pooled('rho_neither_after_encoding'):.3f}; "
        f"{100 * pooled('state_turnover_consolidation'):.0f} % of all E→E contacts switch "
        f"between UP and DOWN during consolidation, with "
        f"{pooled('burst_rate_consolidation_per_min'):.1f} network bursts/min; a cue makes "
        f"{100 * pooled('hit_rate'):.0f} % of the non-cued members and "
        f"{100 * pooled('false_activation'):.0f} % of the non-members fire within the "
        "readout window (a cue either ignites a network burst or nothing).")
    if "aged" in tables:
        aged = tables["aged"]
        snr = next(r for r in aged if r["metric"] == "snr_after_encoding")
        ov = next(r for r in aged if r["metric"] == "overlap_mean")
        none = not (_encoded(snr["mean_ref"], ov["mean_ref"])
                    or _encoded(snr["mean_test"], ov["mean_test"]))
        s = ("- **T11.** " + ("Neither young nor aged networks encode the assemblies "
                              f"(SNR {snr['mean_ref']:+.3f} / {snr['mean_test']:+.3f}, overlap "
                              f"{ov['mean_ref']:+.3f} / {ov['mean_test']:+.3f}); the "
                              "differences that follow are between unencoded states. "
                              if none else "")
             + f"Aged vs young: assembly SNR after encoding {_fmt_ci(snr, '{:+.3f}')} "
             f"({_verdict_word(snr['resolved'])}), recall overlap {_fmt_ci(ov, '{:+.3f}')} "
             f"({_verdict_word(ov['resolved'])})")
        key = "aged_elevated_mg|aged"
        if key in tables:
            snr2 = next(r for r in tables[key] if r["metric"] == "snr_after_encoding")
            ov2 = next(r for r in tables[key] if r["metric"] == "overlap_mean")
            s += (f"; raising Mg in aged networks changes them by {_fmt_ci(snr2, '{:+.3f}')} "
                  f"({_verdict_word(snr2['resolved'])}) and {_fmt_ci(ov2, '{:+.3f}')} "
                  f"({_verdict_word(ov2['resolved'])})")
        lines.append(s + ".")
    else:
        lines.append("- **T11.** Not measured (no aged runs).")
    lines += ["", "Capacity (P varied) and retention over a long consolidation are the "
              "sections \"Memory capacity\" and \"Memory retention\" (experiments "
              "`memory-capacity`, `memory-retention`), where those runs exist. Not yet "
              "measured: the dependence on the GluN2B up-regulation (metaplasticity).", "",
              "![memory encoding](figures/memory_curves.png)",
              "![memory recall](figures/memory_recall.png)", ""]
    return "\n".join(lines)


#: An assembly counts as encoded when its mean SNR after encoding reaches this or the
#: mean recall overlap reaches :data:`ENCODED_OVERLAP` (a convention of this report).
ENCODED_SNR = SNR_CRITERION
ENCODED_OVERLAP = 0.1


def _encoded(snr: float, overlap: float) -> bool:
    return bool((np.isfinite(snr) and snr >= ENCODED_SNR)
                or (np.isfinite(overlap) and overlap >= ENCODED_OVERLAP))


def _md(rows, head) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------
def memory_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """SNR curves, recall vs cue fraction, weight distributions and paired differences."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import (plot_completion, plot_groups, plot_paired,
                                 plot_snr_curves, plot_weight_hist)
    runs = load_memory_runs(results, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = [c for c in CONDITION_ORDER if c in by] + sorted(c for c in by
                                                            if c not in CONDITION_ORDER)
    metrics = {c: {s: recomputed(r) for s, r in by[c].items()} for c in conds}
    curves, completion, hists = {}, {}, {}
    for c in conds:
        ts, ys = [], []
        for s, r in sorted(by[c].items()):
            t, _, _ = snapshots(r)
            m = metrics[c][s]
            ts.append(t - r.protocol["encoding"]["t_start"])
            ys.append([m[f"snr_s{k:03d}"] for k in range(t.size)])
        n = min(len(t) for t in ts)
        curves[c] = (ts[0][:n], np.array([y[:n] for y in ys]))
        cf = sorted({float(k.split("_")[-1]) for k in metrics[c][next(iter(metrics[c]))]
                     if k.startswith("overlap_cue_")})
        completion[c] = (np.array(cf), np.array([[metrics[c][s].get(f"overlap_cue_{x:g}", np.nan)
                                                  for x in cf] for s in metrics[c]]))
        r = by[c][min(by[c])]
        _, _, names = snapshots(r)
        b = float(r.metrics["plasticity_b"])
        ee = r.synapses["ee"]
        both, _ = mm._co_member(np.asarray(ee["pre"]), np.asarray(ee["post"]),
                                np.asarray(r.patterns, bool))
        w = weights_at(r, names[-1], b)
        hists[c] = (w[both], w[~both])
    out_dir = Path(out_dir)
    written = []
    groups = {c: {g: np.array([metrics[c][s][f"rho_{g}_after_encoding"]
                               for s in metrics[c]])
                  for g in ("both", "post_only", "pre_only", "neither")} for c in conds}
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    plot_snr_curves(axes[0], curves, t_encoding_end=float(
        runs[0].protocol["encoding"]["t_stop"] - runs[0].protocol["encoding"]["t_start"]))
    plot_completion(axes[1], completion)
    plot_groups(axes[2], groups)
    fig.tight_layout()
    p = out_dir / "memory_curves.png"
    fig.savefig(p, dpi=120)
    plt.close(fig)
    written.append(p)
    pairs = {}
    for ref, test, q in COMPARISONS:
        if ref in metrics and test in metrics:
            seeds = sorted(set(metrics[ref]) & set(metrics[test]))
            pairs[f"{test} − {ref}"] = {
                k: np.array([metrics[test][s][k] - metrics[ref][s][k] for s in seeds])
                for k in ("snr_after_encoding", "overlap_mean")}
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    plot_paired(axes[0], pairs, "snr_after_encoding", "Δ assembly SNR after encoding")
    plot_paired(axes[1], pairs, "overlap_mean", "Δ recall overlap")
    plot_weight_hist(axes[2], hists)
    fig.tight_layout()
    p = out_dir / "memory_recall.png"
    fig.savefig(p, dpi=120)
    plt.close(fig)
    written.append(p)
    return written


# ======================================================================================
# memory-capacity (P varied) and memory-retention (long consolidation)
# ======================================================================================
CAPACITY_EXPERIMENT = "memory-capacity"
RETENTION_EXPERIMENT = "memory-retention"
#: Median recall overlap (non-cued members minus non-members active) above which P
#: stored assemblies count as recalled: the report's :data:`ENCODED_OVERLAP`.  With
#: one or no network burst per cue the overlap of unrecalled patterns is 0.000 ± 0.003
#: (memory-encoding), so 0.1 is far above chance and far below perfect recall (1).
CAPACITY_THRESHOLD = ENCODED_OVERLAP
#: Forgetting levels of the assembly SNR: science.md §6 ("lifetime until SNR < 1") and
#: the report's encoding criterion (a fully potentiated assembly of the bistable rule
#: reaches SNR ≈ 1 only, so SNR < 1 is crossed almost at once).
LIFETIME_LEVELS = {"lifetime_snr1_s": 1.0, "lifetime_snr05_s": SNR_CRITERION}
#: κ level of the weight-trace lifetime: 1/e, the time constant of an exponential decay.
TRACE_LEVEL = float(np.exp(-1))

CAPACITY_KEYS = {
    "overlap_median": ("median recall overlap of the encoded assemblies", "{:+.3f}"),
    "control_overlap_median": ("median recall overlap of unencoded assemblies (control)",
                               "{:+.3f}"),
    "snr_after_encoding": ("assembly SNR after encoding", "{:+.3f}"),
    "specificity": ("input specificity Δw_in − Δw_out (relative)", "{:+.3f}"),
    "hit_rate": ("non-cued members active", "{:.3f}"),
    "false_activation": ("non-members active", "{:.3f}"),
}
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


# --------------------------------------------------------------------------------------
# capacity: one run file = one condition x seed, one simulation per P
# --------------------------------------------------------------------------------------
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
    keep = np.asarray(run.recall["pattern"]) < P
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
                         threshold: float = CAPACITY_THRESHOLD) -> dict:
    """Scalar metrics of one memory-capacity run, from its saved arrays.

    For every P: all :func:`run_metrics` of the simulation with P encoded assemblies,
    prefixed ``p<P>_`` (``p<P>_overlap_trial_NNN`` are the encoded assemblies' recall
    trials), plus ``p<P>_overlap_median`` (their median) and
    ``p<P>_control_overlap_median`` (median over the cues of the assemblies that were
    *not* encoded in that simulation; NaN for P = n_patterns).  ``capacity``:
    :func:`analysis.memory_metrics.capacity` of the medians against ``threshold``.
    """
    members = np.asarray(run.patterns, bool)
    pattern = np.asarray(run.recall["pattern"])
    p_values = capacity_p_values(run)
    out: dict[str, Any] = {}
    medians = []
    for P in p_values:
        m = run_metrics(capacity_subrun(run, P), b=b, recall_window=recall_window)
        out.update({f"p{P}_{k}": v for k, v in m.items()})
        enc = [v for k, v in m.items() if k.startswith("overlap_trial_")]
        out[f"p{P}_overlap_median"] = _nanmedian(enc)
        ctrl = _trial_overlaps(run.spikes[f"exc_p{P}"], members, run.recall,
                               np.flatnonzero(pattern >= P), recall_window)
        out[f"p{P}_control_overlap_median"] = _nanmedian(ctrl)
        medians.append(out[f"p{P}_overlap_median"])
    out["capacity"] = mm.capacity(p_values, medians, threshold)
    out["capacity_threshold"] = float(threshold)
    out["n_patterns_drawn"] = int(members.shape[0])
    return out


def capacity_recomputed(run: RunData) -> dict:
    """:func:`capacity_run_metrics` recomputed from a loaded run file."""
    return capacity_run_metrics(run, b=float(run.metrics["plasticity_b"]),
                                recall_window=float(run.metrics["recall_window_s"]))


# --------------------------------------------------------------------------------------
# retention: forgetting curve of the assemblies and of the whole weight configuration
# --------------------------------------------------------------------------------------
def retention_curves(run: RunData) -> dict:
    """Curves over consolidation, t from the end of encoding (s).

    ``t``; ``snr`` (assembly SNR, mean over patterns, :func:`run_metrics`'s
    definition); ``kappa`` (:func:`analysis.memory_metrics.state_kappa` of every E->E
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
    snr = np.array([_snr_all(weights_at(run, n, b), pre, post, members) for n in names])
    ref = np.asarray(ee[names[0]], float) > 0.5
    kappa = mm.state_kappa(ref, np.array([np.asarray(ee[n], float) > 0.5 for n in names]))
    return {"t": t[k_enc:] - t[k_enc], "snr": snr, "kappa": np.asarray(kappa, float)}


def retention_metrics(run: RunData) -> dict:
    """Forgetting and weight-trace metrics of one memory-retention run.

    ``lifetime_snr1_s`` / ``lifetime_snr05_s``: first time after encoding at which the
    assembly SNR falls below 1 (science.md §6) / 0.5 (:func:`analysis.memory_metrics.
    lifetime`; 0 if it is below already at the end of encoding, ``inf`` if it never
    falls below within the consolidation); ``forgetting_tau_s``: time constant of an
    exponential fit of SNR(t) (:func:`analysis.memory_metrics.forgetting_curve`), NaN
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


def retention_recomputed(run: RunData) -> dict:
    """:func:`run_metrics` and :func:`retention_metrics` recomputed from a loaded file."""
    return dict(recomputed(run), **retention_metrics(run))


# --------------------------------------------------------------------------------------
# report sections
# --------------------------------------------------------------------------------------
def _load(results: Path, experiment: str, scale: str | None):
    from .run_file import list_runs, read_run
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment, scale)]


def _ordered(conds) -> list[str]:
    return [c for c in CONDITION_ORDER if c in conds] + sorted(
        c for c in conds if c not in CONDITION_ORDER)


def _summary(values, fmt: str, horizon: float | None = None) -> str:
    """mean ± SD over seeds; with infinite values (never crossed within ``horizon``)
    the median and how many runs did not cross."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if not v.size:
        return "n/a"
    if np.isinf(v).any():
        med = np.median(v)
        never = int(np.isinf(v).sum())
        h = f"> {horizon:.0f}" if horizon is not None else "∞"
        return (f"median {h if np.isinf(med) else fmt.format(med)} "
                f"({never}/{v.size} runs {h})")
    return fmt.format(v.mean()) + (f" ± {fmt.format(v.std(ddof=1))}" if v.size > 1 else "")


def _paired_tables(metrics, names, n_boot) -> dict:
    tables = {}
    for ref, test, question in COMPARISONS:
        if ref in metrics and test in metrics:
            tables[(ref, test, question)] = paired_table(metrics, ref, test, names,
                                                         n_boot=n_boot)
    return tables


def _signed(fmt: str) -> str:
    return fmt if "{:+" in fmt else fmt.replace("{:", "{:+", 1)


def _paired_md(tables, labels) -> list[str]:
    lines = []
    for (ref, test, question), tab in tables.items():
        rows = [[labels[r["metric"]][0], str(r["n"]),
                 _fmt_ci(r, _signed(labels[r["metric"]][1])),
                 f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                 f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
                 _verdict_word(r["resolved"])] for r in tab]
        lines += [f"**{question}** — paired on seed, {test} − {ref}, mean difference "
                  "[95 % bootstrap CI] (n ≥ 2 seeds), Cohen's d_z, sign-flip p:", "",
                  _md(rows, ["metric", "n", "difference", "d_z", "p", "CI verdict"]), ""]
    return lines


def _row(tables, test, metric):
    for (ref, t, _), tab in tables.items():
        if t == test and ref == "baseline":
            return next((r for r in tab if r["metric"] == metric), None)
    return None


def capacity_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory capacity" from the memory-capacity run files ('' if none)."""
    runs = _load(results, CAPACITY_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: capacity_recomputed(r) for s, r in by[c].items()} for c in conds}
    r0 = runs[0]
    m0 = r0.metrics
    p_values = capacity_p_values(r0)
    thr = float(metrics[conds[0]][min(metrics[conds[0]])]["capacity_threshold"])
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
    pooled = {}
    for c in conds:
        P_trial, ov = [], []
        for m in metrics[c].values():
            for P in p_values:
                v = [x for k, x in m.items() if k.startswith(f"p{P}_overlap_trial_")]
                P_trial += [P] * len(v)
                ov += v
        pooled[c] = mm.capacity_from_trials(P_trial, ov, thr)
    rows.append(["capacity (pooled trials)", "—"]
                + [f"{pooled[c]['capacity']:g}" for c in conds])
    rows.append(["capacity per seed", "—"]
                + [_summary([m["capacity"] for m in metrics[c].values()], "{:.2f}")
                   for c in conds])
    lines += ["Per condition (mean ± SD over seeds unless marked pooled):", "",
              _md(rows, head), ""]
    names = ["capacity"] + [f"p{P}_{k}" for P in p_values
                            for k in ("overlap_median", "snr_after_encoding")]
    labels = {"capacity": ("capacity (per seed)", "{:+.2f}")}
    for P in p_values:
        labels[f"p{P}_overlap_median"] = (f"median recall overlap, P = {P}", "{:+.3f}")
        labels[f"p{P}_snr_after_encoding"] = (f"assembly SNR after encoding, P = {P}",
                                              "{:+.3f}")
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, labels)
    lines += ["### Outcomes", ""]
    best = {c: np.nanmax(pooled[c]["median"]) if np.isfinite(pooled[c]["median"]).any()
            else np.nan for c in conds}
    snr1 = {c: np.nanmean([m.get(f"p{p_values[0]}_snr_after_encoding", np.nan)
                           for m in metrics[c].values()]) for c in conds}
    if all(pooled[c]["capacity"] == 0 for c in conds):
        lines.append(
            f"- **Capacity.** In this model no condition recalls any assembly at any P: "
            f"the largest median recall overlap is "
            + ", ".join(f"{best[c]:+.3f} ({c})" for c in conds)
            + f", below the threshold {thr:g}, and even a single encoded assembly "
            f"(P = {p_values[0]}) ends encoding at SNR "
            + ", ".join(f"{snr1[c]:+.3f} ({c})" for c in conds)
            + f". The capacity is 0 in every condition: a floor that says nothing was "
            "recalled, not that the conditions store equally little, so the model "
            "cannot say whether elevated Mg raises the capacity.")
    else:
        text = ("- **Capacity.** Capacity (pooled trials, median overlap > "
                f"{thr:g}): " + ", ".join(f"{c} {pooled[c]['capacity']:g}" for c in conds))
        r = _row(tables, "elevated_mg", "capacity")
        if r is not None and np.isfinite(r["diff"]):
            text += (f"; per seed, elevated_mg − baseline = {_fmt_ci(r, '{:+.2f}')} "
                     f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
        lines.append(text + ".")
    ctrl = [m.get(f"p{P}_control_overlap_median", np.nan) for c in conds
            for m in metrics[c].values() for P in p_values]
    ctrl = np.asarray(ctrl, float)
    if np.isfinite(ctrl).any():
        lines.append(f"- **Control.** Cues of assemblies that were not encoded give a "
                     f"median overlap of {np.nanmedian(ctrl):+.3f} (all conditions and P "
                     "pooled): the chance level of this readout.")
    lines += ["", "![memory capacity](figures/memory_capacity.png)", ""]
    return "\n".join(lines)


def retention_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory retention" from the memory-retention run files ('' if
    none)."""
    runs = _load(results, RETENTION_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: retention_recomputed(r) for s, r in by[c].items()} for c in conds}
    r0 = runs[0]
    m0 = r0.metrics
    proto = r0.protocol
    horizon = proto["consolidation"]["t_stop"] - proto["encoding"]["t_stop"]
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
    head = ["metric"] + conds
    rows = []
    for key, (label, fmt) in RETENTION_KEYS.items():
        rows.append([label] + [_summary([m.get(key, np.nan) for m in metrics[c].values()],
                                        fmt, horizon) for c in conds])
    lines += ["Per condition (mean ± SD over seeds):", "", _md(rows, head), ""]
    names = ["snr_end", "lifetime_snr1_s", "lifetime_snr05_s", "kappa_end",
             "trace_lifetime_s", "trace_tau_s", "overlap_mean",
             "burst_rate_consolidation_per_min"]
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, RETENTION_KEYS)
    lines += ["### Outcomes", ""]

    def mean(c, key):
        v = np.array([m.get(key, np.nan) for m in metrics[c].values()], float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    def med(c, key):
        v = np.array([m.get(key, np.nan) for m in metrics[c].values()], float)
        v = v[~np.isnan(v)]
        if not v.size:
            return "n/a"
        x = float(np.median(v))
        return f"> {horizon:.0f} s" if np.isinf(x) else f"{x:.1f} s"

    snr = {c: mean(c, "snr_after_encoding") for c in conds}
    if not any(np.isfinite(v) and v >= ENCODED_SNR for v in snr.values()):
        lines.append(
            "- **Forgetting curve.** In this model there is nothing to forget: no "
            "condition encodes the assemblies (mean SNR after encoding "
            + ", ".join(f"{snr[c]:+.3f} ({c})" for c in conds)
            + f"; an encoded assembly reaches ≈ {ENCODED_SNR:g}–1), so the forgetting "
            "curves stay at the noise level and the lifetimes until SNR < 1 and < "
            f"{SNR_CRITERION:g} are 0 s by definition; they do not compare retention "
            "between conditions.")
    else:
        text = ("- **Forgetting curve.** Median lifetime until SNR < 1 / < "
                f"{SNR_CRITERION:g}: " + "; ".join(
                    f"{c} {med(c, 'lifetime_snr1_s')} / {med(c, 'lifetime_snr05_s')}"
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
        lines.append(text + ".")
    text = ("- **Weight trace.** The UP/DOWN configuration left by encoding decays with "
            "a lifetime (κ < 1/e) of " + ", ".join(
                f"{med(c, 'trace_lifetime_s')} ({c})" for c in conds)
            + f"; after {horizon:.0f} s κ is " + ", ".join(
                f"{mean(c, 'kappa_end'):.3f} ({c})" for c in conds))
    r = _row(tables, "elevated_mg", "trace_lifetime_s")
    if r is not None and np.isfinite(r["diff"]):
        text += (f". Elevated Mg changes the trace lifetime by {_fmt_ci(r, '{:+.1f}')} s "
                 f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
    r = _row(tables, "elevated_mg", "kappa_end")
    if r is not None and np.isfinite(r["diff"]):
        text += (f" and κ after {horizon:.0f} s by {_fmt_ci(r, '{:+.3f}')} "
                 f"({_verdict_word(r['resolved'])})")
    lines.append(text + ". This is what spontaneous bursts would do to any trace, "
                 "encoded or not.")
    lines.append("- **Recall after consolidation.** Recall overlap " + ", ".join(
        f"{mean(c, 'overlap_mean'):+.3f} ({c})" for c in conds)
        + " (perfect recall 1, chance 0).")
    lines += ["", "![memory retention](figures/memory_retention.png)", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------
def capacity_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Recall overlap and assembly SNR against P, capacity per seed (memory_capacity.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import plot_capacity, plot_capacity_per_seed, plot_vs_p
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
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return [p]


def retention_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Forgetting curves (assembly SNR), weight-trace κ and weight distributions per
    condition over consolidation (memory_retention.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import plot_forgetting, plot_weight_hist
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
        r = by[c][min(by[c])]
        _, _, names = snapshots(r)
        ee = r.synapses["ee"]
        both, _ = mm._co_member(np.asarray(ee["pre"]), np.asarray(ee["post"]),
                                np.asarray(r.patterns, bool))
        w = weights_at(r, names[-1], float(r.metrics["plasticity_b"]))
        hists[c] = (w[both], w[~both])
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
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return [p]

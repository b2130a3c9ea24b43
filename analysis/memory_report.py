"""Memory encoding (T10, T11; science.md §3, §6): per-run metrics and the report section.

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
           "KEY_METRICS"]

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
    lines += ["", "Not yet measured: capacity (P varied), retention over long consolidation "
              "and the dependence on the GluN2B up-regulation (metaplasticity).", "",
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

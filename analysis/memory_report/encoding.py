"""The main comparison: section "Memory encoding (T10, T11)" and its two figures, from
the ``memory-encoding`` run files (acute and chronic arms, the ablations).

Per condition the mean ± SD over seeds of :data:`KEY_METRICS`; the paired comparisons of
:data:`~mgnet.analysis.memory_report.tables.COMPARISONS` with their Holm-corrected judged
rows; the outcomes of T10 and T11 in one sentence each and the mechanism from the pooled
runs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..figures.style import ci_label, save_figure
from ..markdown import markdown_table
from ..run_file import RunData
from .control import ENCODED_SNR, _control_caption, _control_sentence, _encoded, positive_control
from .encoding_metrics import SNR_CRITERION, final_weights_by_membership, recomputed, snapshots
from .runs import CHRONIC, CONDITION_ORDER, _by_condition_seed, load_memory_runs
from .tables import COMPARISONS, HEADLINE, _fmt_ci, _judge, _verdict_word, comparisons, paired_table

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
    "dfup_after_encoding": ("Δf_UP after encoding (UP fraction in − other contacts)",
                            "{:+.3f}"),
    "dfup_z_after_encoding": ("z of Δf_UP after encoding (1000 pseudo-assemblies)",
                              "{:+.2f}"),
    "dfup_end": ("Δf_UP after consolidation", "{:+.3f}"),
    "dfup_z_end": ("z of Δf_UP after consolidation", "{:+.2f}"),
    "q_stored_cue_0.5": ("recall Q, 50 % cue, stored assemblies", "{:+.3f}"),
    "q_sham_cue_0.5": ("recall Q, 50 % cue, sham cues (control)", "{:+.3f}"),
    "q_unencoded_cue_0.5": ("recall Q, 50 % cue, unencoded assemblies (control)",
                            "{:+.3f}"),
    "m_stored_cue_0.5": ("overlap m, 50 % cue, stored assemblies", "{:+.3f}"),
    "cues_rejected_fraction": ("recall cues rejected (inside a spontaneous burst)",
                               "{:.3f}"),
}


def _metrics_by_condition(runs: Sequence[RunData]) -> dict:
    """condition -> seed -> recomputed metrics."""
    out: dict = {}
    for cond, by_seed in _by_condition_seed(runs).items():
        out[cond] = {s: recomputed(r) for s, r in by_seed.items()}
    return out


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
    lines = _intro_lines(runs, metrics, conds)
    # per-condition means
    names = list(KEY_METRICS)
    lines += _condition_means_lines(metrics, conds, names)
    # paired comparisons, Holm over the judged family
    tables, questions = _comparison_tables(metrics, names, n_boot)
    lines += _comparison_lines(tables, questions)
    # one-sentence outcomes
    lines += ["### Outcomes", ""]
    lines += _t10_lines(tables)
    lines.append(_mechanism_line(metrics, conds))
    lines.append(_t11_line(tables))
    lines += ["", "Capacity (P varied) and retention over a long consolidation are the "
              "sections \"Memory capacity\" and \"Memory retention\" (experiments "
              "`memory-capacity`, `memory-retention`), where those runs exist.", "",
              "![memory encoding](figures/memory_curves.png)",
              "![memory recall](figures/memory_recall.png)", ""]
    return "\n".join(lines)


def _intro_lines(runs: Sequence[RunData], metrics: dict, conds: list[str]) -> list[str]:
    """The section's heading and its first paragraphs: what was run, the chronic arm, the
    positive control and the corrected normalisation."""
    m0 = runs[0].metrics
    lines = ["## Memory encoding (T10, T11)", "",
             f"`memory-encoding` runs: {len(runs)} ({', '.join(f'{c} {len(metrics[c])}' for c in conds)} "
             f"seeds); {int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{int(m0.get('n_contacts_ee', 0))} plastic E→E contacts, "
             f"{runs[0].patterns.shape[0]} assemblies of {int(runs[0].patterns[0].sum())} cells, "
             f"{float(m0.get('simulated_s', float('nan'))):.0f} s simulated per run; recall readout "
             f"{float(m0.get('recall_window_s', float('nan'))) * 1e3:.0f} ms after each cue. "
             "Every number below is recomputed from the saved spikes and weight snapshots "
             "(`analysis/memory_report.py`).  Conditions marked "
             f"`{CHRONIC}` are the chronic arm: the GluN2B fraction equilibrated to the "
             "condition's background NMDA Ca²⁺ load (models/glun2b_chronic.toml, `mgnet "
             "calibrate-glun2b`); the others are acute (default GluN2B fraction).", "",
             _control_sentence(positive_control()), "",
             "The null that earlier versions reported here (ρ ≈ 0.61 in every contact "
             "group) came from a normalisation bug: a culture contact's NMDA Ca²⁺ carried "
             "the network's gain calibration (q_ee_scale = 14), so one release gave "
             "C_pre,eff = 8.1 instead of 0.58 and crossed both thresholds "
             "(docs/plasticity.md §10).  These runs have the corrected rule.", ""]
    return lines


def _condition_means_lines(metrics: dict, conds: list[str], names: list[str]) -> list[str]:
    """The per-condition table of :data:`KEY_METRICS` (mean ± SD over seeds)."""
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
    return ["Per condition (mean ± SD over seeds):", "", markdown_table(rows, head), ""]


def _comparison_tables(metrics: dict, names: list[str], n_boot: int) -> tuple[dict, dict]:
    """The paired tables of every comparison with runs (key: the test condition, or
    ``test|ref`` when the reference is not baseline) and their questions, the judged rows
    Holm-corrected (:func:`_judge`)."""
    tables, questions = {}, {}
    for ref, test, question in comparisons(metrics):
        key = test if ref == "baseline" else f"{test}|{ref}"
        tables[key] = paired_table(metrics, ref, test, names, n_boot=n_boot)
        questions[key] = (ref, test, question)
    _judge(tables)
    return tables, questions


def _comparison_lines(tables: Mapping[str, list[dict]], questions: Mapping) -> list[str]:
    """How the comparisons are made, then one table per comparison."""
    from ..statistics import interval_description
    lines = []
    n_judged = sum(1 for t in tables.values() for r in t
                   if r["metric"] in HEADLINE and np.isfinite(r["p"]))
    lines += [f"Paired on seed (test − reference), mean difference with its 95 % CI "
              f"({interval_description()}), Cohen's d_z, two-sided sign-flip p.  Judged "
              f"metrics (bold): {', '.join(KEY_METRICS[h][0] for h in HEADLINE)}; their "
              f"p-values are Holm-corrected over all {n_judged} judged comparisons "
              "(family: every comparison, arm and judged metric); a verdict needs the CI "
              "to exclude 0 and p (Holm) < 0.05.  Other rows are descriptive.", ""]
    for key, tab in tables.items():
        ref, test, question = questions[key]
        rows = []
        for r in tab:
            lab, fmt = KEY_METRICS[r["metric"]]
            judged = r["metric"] in HEADLINE
            rows.append([f"**{lab}**" if judged else lab, str(r["n"]), _fmt_ci(r, fmt),
                         f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                         f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
                         f"{r['p_holm']:.3g}" if np.isfinite(r["p_holm"]) else "—",
                         _verdict_word(r["holm_resolved"]) if judged else "descriptive"])
        lines += [f"**{question}** — {test} − {ref}:", "",
                  markdown_table(rows, ["metric", "n", "difference [95 % CI]", "d_z", "p",
                             "p (Holm)", "verdict"]), ""]
    return lines


def _t10_lines(tables: Mapping[str, list[dict]]) -> list[str]:
    """Outcome T10: elevated Mg vs baseline, which arm carries each judged metric, the
    membrane-only ablation and the chronic arm."""
    if "elevated_mg" not in tables:
        return ["- **T10.** Not measured (no paired baseline / elevated_mg runs)."]
    t10 = tables["elevated_mg"]
    snr = next(r for r in t10 if r["metric"] == "snr_after_encoding")
    ov = next(r for r in t10 if r["metric"] == "overlap_mean")
    lines = [_t10_sentence(snr, ov)]
    for metric in ("dfup_after_encoding", "dfup_end", "q_stored_cue_0.5",
                   "burst_rate_consolidation_per_min"):
        lines.append("  - " + _arm_sentence(tables, metric, KEY_METRICS[metric][0]))
    abl = tables.get("elevated_mg_membrane_block_only|elevated_mg")
    if abl:
        parts = [f"{KEY_METRICS[r['metric']][0]} {_fmt_ci(r, KEY_METRICS[r['metric']][1])}"
                 for r in abl if r["metric"] in HEADLINE]
        lines.append("  - Removing the block's effect on the plasticity Ca²⁺ (membrane "
                     "current still blocked at 1.2 mM) changes, relative to elevated "
                     "Mg: " + "; ".join(parts) + ".")
    chron = tables.get("elevated_mg" + CHRONIC)
    if chron:
        parts = [f"{KEY_METRICS[r['metric']][0]} {_fmt_ci(r, KEY_METRICS[r['metric']][1])}"
                 f" ({_verdict_word(r['holm_resolved'])})"
                 for r in chron if r["metric"] in HEADLINE]
        lines.append("  - Chronic arm (GluN2B equilibrated), elevated_mg − baseline: "
                     + "; ".join(parts) + ".")
    return lines


def _t10_sentence(snr: Mapping, ov: Mapping) -> str:
    """T10 in one sentence from the elevated_mg − baseline rows of the assembly SNR after
    encoding (``snr``) and the recall overlap (``ov``)."""
    better = [r for r in (snr, ov) if r["resolved"] == 1]
    worse = [r for r in (snr, ov) if r["resolved"] == -1]
    encoded = {c: _encoded(snr["mean_ref" if c == "baseline" else "mean_test"],
                           ov["mean_ref" if c == "baseline" else "mean_test"])
               for c in ("baseline", "elevated_mg")}
    if not any(encoded.values()):
        return (
            f"- **T10.** In this model neither baseline nor elevated Mg encodes the "
            f"assemblies: assembly SNR after encoding {snr['mean_ref']:+.3f} and "
            f"{snr['mean_test']:+.3f} (an encoded assembly reaches "
            f"{ENCODED_SNR}), recall overlap {ov['mean_ref']:+.3f} and "
            f"{ov['mean_test']:+.3f} (perfect recall 1). The paired differences, "
            f"elevated_mg − baseline over n = {snr['n']} seeds, are SNR "
            f"{_fmt_ci(snr, '{:+.3f}')} and overlap {_fmt_ci(ov, '{:+.3f}')}: "
            "whatever their sign, they are differences between two unencoded states, "
            "so the model does not support better (or worse) encoding at elevated Mg.")
    verdict = ("encodes better" if better and not worse else
               "encodes worse" if worse and not better else
               "shows no resolved difference in encoding" if not better and not worse
               else "gives mixed results")
    return (f"- **T10.** In this model the culture at elevated Mg {verdict}: "
            f"assembly SNR after encoding {_fmt_ci(snr, '{:+.3f}')}, recall "
            f"overlap {_fmt_ci(ov, '{:+.3f}')} (elevated_mg − baseline, "
            f"n = {snr['n']} paired seeds).")


def _mechanism_line(metrics: dict, conds: list[str]) -> str:
    """The mechanism, from the pooled runs: mean ρ after encoding by stimulated ends, the
    UP/DOWN turnover and the burst rate over consolidation."""
    # mechanism, from the pooled runs
    def pooled(name):
        v = np.array([m.get(name, np.nan) for c in conds for m in metrics[c].values()], float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
    return (
        f"- **Mechanism (all runs pooled).** After encoding, the mean efficacy ρ of contacts "
        f"whose pre- and postsynaptic cells were both stimulated is "
        f"{pooled('rho_both_after_encoding'):.3f}, postsynaptic only "
        f"{pooled('rho_post_only_after_encoding'):.3f}, neither "
        f"{pooled('rho_neither_after_encoding'):.3f}; "
        f"{100 * pooled('state_turnover_consolidation'):.0f} % of all E→E contacts switch "
        f"between UP and DOWN during consolidation, with "
        f"{pooled('burst_rate_consolidation_per_min'):.1f} network bursts/min.")


def _t11_line(tables: Mapping[str, list[dict]]) -> str:
    """Outcome T11: aged vs young, and raising Mg in aged networks."""
    if "aged" not in tables:
        return "- **T11.** Not measured (no aged runs)."
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
    return s + "."


def memory_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """SNR curves, recall vs cue fraction, weight distributions and paired differences."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures.memory import (
        plot_completion,
        plot_groups,
        plot_paired,
        plot_snr_curves,
        plot_weight_hist,
    )
    runs = load_memory_runs(results, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = [c for c in CONDITION_ORDER if c in by] + sorted(c for c in by
                                                            if c not in CONDITION_ORDER)
    metrics = {c: {s: recomputed(r) for s, r in by[c].items()} for c in conds}
    curves, completion, hists = _encoding_curves(by, metrics, conds)
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
    n_txt = ", ".join(f"{len(metrics[c])} {c}" for c in conds)
    save_figure(fig, p, 120, caption=(
        "Memory encoding (T10/T11): assembly weight SNR over encoding (grey) and "
        "consolidation (line = mean over seeds, band = range over seeds); recall overlap m "
        "against cue fraction (mean, bars = range over seeds); mean efficacy ρ after "
        "encoding by which ends of a contact were stimulated (bar = mean, dots = seeds, no "
        f"error bars). n = {n_txt} seeds. {_control_caption()}"))
    written.append(p)
    pairs = {}
    for ref, test, _q in COMPARISONS:
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
    n_pairs = ", ".join(f"{k}: {len(v['overlap_mean'])}" for k, v in pairs.items())
    save_figure(fig, p, 120, caption=(
        "Paired differences between conditions on the same seeds (dots = seeds, line = "
        "mean; no error bars here, the report's table gives the paired "
        f"{ci_label()}s) of the assembly SNR after encoding and the recall overlap; right: "
        "E→E weights inside (solid) and outside (dotted) the assemblies after consolidation, "
        f"one seed per condition. n = {n_pairs or 'no'} seed pairs. {_control_caption()}"))
    written.append(p)
    return written


def _encoding_curves(by: dict, metrics: dict, conds: list[str]) -> tuple[dict, dict, dict]:
    """Per condition, the data of the encoding figure: the SNR curve of every seed from
    the start of encoding, recall overlap against cue fraction, and the final weights
    inside and outside the assemblies of the first seed."""
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
        hists[c] = final_weights_by_membership(by[c][min(by[c])])
    return curves, completion, hists

"""Robustness of the memory comparison (issue 14 item 5): the paired elevated_mg −
baseline effect under ±20 % of the uncertain parameters, from saved run files only.

The robustness runs (``experiments/memory_robustness.py``) are ``memory-encoding`` runs
whose resolved ``[params]`` differ from those of the comparison's own runs of the same
condition.  Nothing here trusts a label: a run's perturbation is read from its stored
config (``config_toml``) by comparing its ``[params]`` tables with the *reference* of
its condition and options (``stream_seed`` aside; so the chronic arm, which resolves
its own GluN2B fraction, is compared within itself) — the ``[params]`` of the run files
named without a config tag
(``<condition>_seed<N>_<scale>.h5``: by the naming rule of
``mgnet.experiments.cli.default_run_path`` those are default configs), or, where none
exists, the most common ``[params]`` among that condition's runs.

For every perturbation (a set of changed parameters, e.g. ``calcium.ca_o × 1.20``) and
metric, over the seeds that have both conditions perturbed *and* unperturbed:

* ``effect``: elevated_mg − baseline, paired on seed, with its 95 % CI
  (:func:`mgnet.analysis.statistics.paired_bootstrap`);
* ``ref_effect``: the same on the unperturbed runs of the same seeds;
* ``shift``: effect − ref_effect, paired on seed (the change a perturbation makes to
  the comparison), with its CI.

This module never imports brian2.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .markdown import markdown_table

__all__ = ["REF", "TEST", "METRICS", "params_of", "perturbation", "perturbation_label",
           "split_perturbed", "load_robustness", "paired_effects", "robustness_rows",
           "robustness_section", "robustness_figures"]

#: The paired comparison whose robustness is measured (T10, both arms).
REF, TEST = "baseline", "elevated_mg"
#: Metrics of the tornado: name -> (label, format); names of memory_report.run_metrics.
METRICS = {
    "dfup_after_encoding": ("Δf_UP after encoding", "{:+.3f}"),
    "dfup_end": ("Δf_UP after consolidation", "{:+.3f}"),
    "q_stored_cue_0.5": ("recall Q, 50 % cue", "{:+.3f}"),
}
from .memory_perturbations import params_of, perturbation, perturbation_label, split_perturbed  # noqa: E402,F401


def load_robustness(results: Path, scale: str | None = None):
    """(unperturbed, {perturbation: runs}) among the acute, default-stream
    ``memory-encoding`` runs of ``results`` that are of :data:`REF` or :data:`TEST`."""
    from .memory_report import EXPERIMENT, _default_stream, glun2b_arm
    from .run_file import list_runs, read_run
    items = [(p, read_run(p)) for p in list_runs(Path(results) / "runs", EXPERIMENT, scale)]
    items = [(p, r) for p, r in items if _default_stream(r) and glun2b_arm(r) == "acute"
             and str(r.attrs["condition"]) in (REF, TEST)]
    return split_perturbed(items)


# --------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------
def _ci(d: np.ndarray, n_boot: int):
    """Mean of paired differences ``d`` and its 95 % CI (NaN CI for n < 2)."""
    from .statistics import paired_bootstrap
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    if d.size < 2 or np.all(d == d[0]):
        return float(d.mean()), float("nan"), float("nan")
    pb = paired_bootstrap(np.zeros_like(d), d, n_boot=n_boot)
    return float(d.mean()), float(pb.diff_low), float(pb.diff_high)


def paired_effects(metrics: Mapping[str, Mapping[str, Mapping[int, Mapping]]],
                   names: Sequence[str] = tuple(METRICS), n_boot: int = 10000,
                   reference: str = "unperturbed") -> list[dict]:
    """Per perturbation and metric: the paired TEST − REF effect, the reference effect
    on the same seeds and the shift between them.

    ``metrics`` maps perturbation label -> condition -> seed -> metric dict, and must
    hold ``reference``.  Each row: ``perturbation``, ``metric``, ``seeds``, ``n``,
    ``effect``, ``effect_low``, ``effect_high``, ``ref_effect``, ``ref_low``,
    ``ref_high``, ``shift``, ``shift_low``, ``shift_high``, ``sign`` (+1/−1/0: the CI of
    the effect excludes 0 above/below, else 0) and ``same_sign`` (effect and reference
    effect have the same sign).
    """
    ref = metrics[reference]
    rows = []
    for label, by_cond in metrics.items():
        if label == reference:
            continue
        seeds = sorted(set(by_cond.get(REF, {})) & set(by_cond.get(TEST, {}))
                       & set(ref.get(REF, {})) & set(ref.get(TEST, {})))
        for name in names:
            def v(table, cond, name=name, seeds=seeds):
                return np.array([table[cond][s].get(name, np.nan) for s in seeds], float)
            eff = v(by_cond, TEST) - v(by_cond, REF)
            base = v(ref, TEST) - v(ref, REF)
            e, el, eh = _ci(eff, n_boot)
            r, rl, rh = _ci(base, n_boot)
            s, sl, sh = _ci(eff - base, n_boot)
            rows.append(dict(perturbation=label, metric=name, seeds=seeds,
                             n=int(np.isfinite(eff - base).sum()), effect=e,
                             effect_low=el, effect_high=eh, ref_effect=r, ref_low=rl,
                             ref_high=rh, shift=s, shift_low=sl, shift_high=sh,
                             sign=int(el > 0) - int(eh < 0) if np.isfinite(el) else 0,
                             same_sign=bool(np.sign(e) == np.sign(r))))
    return rows


def robustness_rows(results: Path, scale: str | None = None, n_boot: int = 10000,
                    metric_fn=None) -> list[dict]:
    """:func:`paired_effects` of the run files in ``results`` ([] without perturbed
    runs).  ``metric_fn(run) -> dict`` defaults to the report's recomputation
    (:func:`mgnet.analysis.memory_report.recomputed`)."""
    plain, perturbed = load_robustness(results, scale)
    if not perturbed:
        return []
    if metric_fn is None:
        from .memory_report import recomputed as metric_fn
    seeds = {int(r.attrs["seed"]) for runs in perturbed.values() for r in runs}
    metrics: dict = {"unperturbed": {}}
    for r in plain:
        if int(r.attrs["seed"]) in seeds:
            metrics["unperturbed"].setdefault(str(r.attrs["condition"]), {})[
                int(r.attrs["seed"])] = metric_fn(r)
    for pert, runs in sorted(perturbed.items()):
        table = metrics.setdefault(perturbation_label(pert), {})
        for r in runs:
            table.setdefault(str(r.attrs["condition"]), {})[int(r.attrs["seed"])] = metric_fn(r)
    return paired_effects(metrics, n_boot=n_boot)


# --------------------------------------------------------------------------------------
# report section and figure
# --------------------------------------------------------------------------------------
def _fmt(x, lo, hi, fmt):
    if not np.isfinite(x):
        return "n/a"
    if not np.isfinite(lo):
        return f"{fmt.format(x)} (no CI)"
    return f"{fmt.format(x)} [{fmt.format(lo)}, {fmt.format(hi)}]"


def robustness_section(results: Path, scale: str | None = None, n_boot: int = 10000,
                       rows: list | None = None) -> str:
    """Markdown subsection "Robustness (issue 14 item 5)" ('' without perturbed runs)."""
    from .statistics import interval_description
    rows = robustness_rows(results, scale, n_boot) if rows is None else rows
    if not rows:
        return ""
    perts = list(dict.fromkeys(r["perturbation"] for r in rows))
    seeds = sorted({s for r in rows for s in r["seeds"]})
    lines = ["### Robustness (issue 14 item 5)", "",
             f"The paired {TEST} − {REF} effect with one uncertain parameter moved by "
             f"±20 % in both conditions (`experiments/memory_robustness.py`, "
             f"`analysis/memory_robustness.py`), on seeds {', '.join(map(str, seeds))} "
             f"(paired across the two conditions and every perturbation; {len(perts)} "
             "perturbations).  Each perturbation is read from the run files' resolved "
             "[params].  'effect' is the perturbed comparison, 'unperturbed' the "
             "comparison's own runs on the same seeds, 'shift' their paired difference; "
             f"{interval_description()}; with {len(seeds)} seed(s) an interval is wide "
             "and its coverage below nominal (one seed: no interval).  Only the default plasticity preset is swept: no "
             "preset passed all pre-registered tests at the culture's medium "
             "(docs/plasticity.md §8).  Contacts per connection is not a run parameter of "
             "the memory experiments and is not swept.", ""]
    table = []
    for r in rows:
        lab, fmt = METRICS.get(r["metric"], (r["metric"], "{:+.3g}"))
        table.append([r["perturbation"], lab, str(r["n"]),
                      _fmt(r["effect"], r["effect_low"], r["effect_high"], fmt),
                      _fmt(r["ref_effect"], r["ref_low"], r["ref_high"], fmt),
                      _fmt(r["shift"], r["shift_low"], r["shift_high"], fmt),
                      {1: "> 0", -1: "< 0", 0: "not resolved"}[r["sign"]]])
    lines += [markdown_table(table, ["perturbation", "metric", "n", "effect [95 % CI]",
                                     "unperturbed", "shift", "effect CI"]), ""]
    resolved = [r for r in rows if r["sign"] != 0]
    flips = [r for r in rows if not r["same_sign"]]
    lines.append(
        f"Of {len(rows)} perturbation × metric effects, {len(resolved)} have a CI that "
        f"excludes 0 and {len(flips)} differ in sign from the unperturbed effect on the "
        "same seeds.  Without a working positive control these are differences between "
        "states that do not hold the encoded assemblies: the sweep says whether the "
        "null comparison stays a null under the parameter uncertainty, not whether a "
        "memory effect is robust.")
    lines += ["", "![robustness tornado](figures/memory_robustness.png)", ""]
    return "\n".join(lines)


def robustness_figures(results: Path, out_dir: Path, scale: str | None = None,
                       n_boot: int = 10000, rows: list | None = None) -> list[Path]:
    """The tornado figure ``memory_robustness.png`` ([] without perturbed runs)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .figures.robustness import plot_tornado
    from .figures.style import ci_label, save_figure
    rows = robustness_rows(results, scale, n_boot) if rows is None else rows
    if not rows:
        return []
    names = [m for m in METRICS if any(r["metric"] == m for r in rows)]
    fig, axes = plt.subplots(1, len(names), figsize=(4.6 * len(names), 0.5 * len(
        {r["perturbation"] for r in rows}) + 1.8), squeeze=False)
    for ax, name in zip(axes[0], names, strict=False):
        plot_tornado(ax, [r for r in rows if r["metric"] == name],
                     f"{TEST} − {REF}: {METRICS[name][0]}")
    fig.tight_layout()
    seeds = sorted({s for r in rows for s in r["seeds"]})
    p = Path(out_dir) / "memory_robustness.png"
    save_figure(fig, p, 120, caption=(
        f"Robustness tornado: paired {TEST} − {REF} effect (dot, bar = {ci_label()}) for "
        "each ±20 % perturbation of an uncertain parameter, sorted by the size of its "
        "shift; the vertical line and band are the unperturbed effect on the same seeds "
        f"and its CI; seeds {', '.join(map(str, seeds))}.  No positive control: these "
        "compare states that do not hold the encoded assemblies."))
    return [p]

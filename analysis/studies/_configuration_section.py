"""The "Synaptic configuration" report section (targets T1–T9, exhausted branches,
what did not reproduce, the reconfiguration time course) of the configuration study."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import configuration_report as cr
from ..markdown import markdown_table

__all__ = ["configuration_section"]


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
    parts += _inputs(conds, problems, runs)
    parts += _targets_table(results, rows)
    parts += _exhaustion(conds, runs)
    parts += ["### What did not reproduce", ""]
    fails = cr.failure_summary(rows)
    parts += [f"- {s}" for s in fails] if fails else [
        "- Every target reproduced within its tolerance."]
    parts.append("")
    parts += _notes(rows, conds)
    if runs.reconfiguration:
        parts += _timecourse(runs)
    shown = [n for n in cr.FIGURE_FILES.values() if (figures_dir / n).exists()]
    if shown:
        parts += ["### Figures", ""]
        parts += [f"![{Path(n).stem}](figures/{n})" for n in shown]
        parts.append("")
    return "\n".join(parts), rows


def _inputs(conds: dict, problems: dict, runs: cr.ConfigurationRuns) -> list[str]:
    """The "Inputs" list: run files and sample sizes per experiment and condition."""
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
    return ["Inputs:", ""] + (inputs or ["- no configuration run files found"]) + [""]


def _targets_table(results: Path, rows: list[dict]) -> list[str]:
    """The T1–T9 table, the seed note, the calibrations."""
    parts: list[str] = []
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
    return parts


def _exhaustion(conds: dict, runs: cr.ConfigurationRuns) -> list[str]:
    """The uncertain-parameter table and the exhausted-branch table."""
    parts: list[str] = []
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
    return parts


def _notes(rows: list[dict], conds: dict) -> list[str]:
    """The "Methods and caveats" list: the rows' notes, grouped, and the sample-size notes."""
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
        return ["### Methods and caveats", ""] + [f"- {n}" for n in notes] + [""]
    return []


def _timecourse(runs: cr.ConfigurationRuns) -> list[str]:
    """The reconfiguration time-course table (Fig 4a)."""
    parts: list[str] = []
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
    return parts


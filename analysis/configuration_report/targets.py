"""One row per target T1–T9 (``target_t1`` … ``target_t9``), the per-seed aggregation of
the rows and :func:`configuration_targets`, the table the report and the study print.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..run_file import RunData
from .data import (
    BASELINE,
    DOSE_EXPERIMENT,
    ELEVATED,
    ConditionData,
    ConfigurationDataError,
    _as_runs,
    _label,
    assay_conditions,
)
from .targets_t1_t4 import (
    _t1_checks,
    _t1_text,
    _t1_values,
    _t2_checks,
    _t2_text,
    _t2_values,
    _t3_checks,
    _t3_text,
    _t3_values,
    _t4_checks,
    _t4_text,
    _t4_values,
)
from .targets_t5_t9 import (
    _t5_checks,
    _t5_text,
    _t5_values,
    _t6_checks,
    _t6_text,
    _t6_values,
    _t7_checks,
    _t7_text,
    _t7_values,
    _t8_checks,
    _t8_text,
    _t8_values,
    _t9_checks,
    _t9_text,
    _t9_values,
)
from .verdicts import _need, _not_run, _row

_T9_NOTE = ("matched ΣPr: log-capacity regressed on log ΣPr plus a group indicator (ANCOVA); "
            "stratified estimate over 5 ΣPr quantile strata shown as a check")
_T2_NOTE = ("bouton-level KS as in the paper; boutons of a branch are correlated, so the "
            "branch-level P̄r KS is shown beside it as a conservative check")
_T1_NOTE = ("T1 as the paper's Fig 1b: branches of both conditions pooled, hyperbola D = k/P̄r "
            "and the linear D vs 1/P̄r fit; the baseline-only R² is shown beside it")
_T6_NOTE = ("calibration target: sets the anatomical density (baseline) and the elevated [Mg]i "
            "(limited so that ≤ 20 % of branches are exhausted), docs/calibration.md")
_T7_NOTE = ("T7 exponent as the paper fitted it (a·Pr^b + c) on the baseline synapses; the "
            "log–log exponent and the fit over both conditions (Fig 3a's legend gives two "
            "n) are shown beside it (the paper's own curve gives ≈ 0.75–0.8 in a log–log fit)")
_T3_NOTE = ("T3 in the paper's two-group design (physiological and elevated Mg²⁺ pooled, "
            "Fig 4d); measured [Mg]i carries the Magnesium Green imaging scatter")

#: tid -> (values, text, checks, notes) of each target that reads bouton-assay runs.
_ASSAY_TARGETS = {
    "T1": (_t1_values, _t1_text, _t1_checks, (BASELINE,), [_T1_NOTE]),
    "T2": (_t2_values, _t2_text, _t2_checks, (BASELINE, ELEVATED), [_T2_NOTE]),
    "T4": (_t4_values, _t4_text, _t4_checks, (BASELINE,), []),
    "T5": (_t5_values, _t5_text, _t5_checks, (BASELINE, ELEVATED), []),
    "T6": (_t6_values, _t6_text, _t6_checks, (BASELINE,), [_T6_NOTE]),
    "T7": (_t7_values, _t7_text, _t7_checks, (BASELINE,), [_T7_NOTE]),
    "T8": (_t8_values, _t8_text, _t8_checks, (BASELINE,), []),
    "T9": (_t9_values, _t9_text, _t9_checks, (BASELINE,), [_T9_NOTE]),
}


def _assay_row(tid: str, conds: Mapping[str, ConditionData],
               problems: Mapping[str, str] | None = None) -> dict:
    values_fn, text_fn, checks_fn, needs, notes = _ASSAY_TARGETS[tid]
    why = _need(conds, problems, *needs)
    if why:
        return _not_run(tid, why)
    try:
        v = values_fn(conds)
    except (ValueError, ConfigurationDataError) as exc:
        return _not_run(tid, str(exc))
    notes = list(notes) + ([v["_rule"]] if "_rule" in v else [])
    return _row(tid, text_fn(v), checks_fn(v), v, notes=notes)


def target_t1(conds, problems=None) -> dict:
    """T1: hyperbolic D–P̄r relation and conserved ΣPr across the pooled branches of both
    conditions (Fig 1b), with the linear D vs 1/P̄r fit."""
    return _assay_row("T1", conds, problems)


def target_t2(conds, problems=None) -> dict:
    """T2: Mg shifts bouton Pr down, D up, P̄r down, ΣPr unchanged."""
    return _assay_row("T2", conds, problems)


def target_t3(dose_runs: RunData | Sequence[RunData] | None) -> dict:
    """T3: power law of functional-bouton Pr in measured [Mg]i (mg-dose-response; the
    paper's two groups pooled)."""
    runs = _as_runs(dose_runs)
    if not runs:
        return _not_run("T3", f"no {DOSE_EXPERIMENT} run")
    cols = ("pr_1ap", "mg_i_measured")
    for r in runs:
        if r.boutons is None or any(c not in r.boutons for c in cols):
            return _not_run("T3", f"{_label(r)}: /boutons lacks {' or '.join(cols)}")
    try:
        v = _t3_values(runs)
    except ValueError as exc:
        return _not_run("T3", f"too few functional boutons: {exc}")
    return _row("T3", _t3_text(v), _t3_checks(v), v, notes=[_T3_NOTE])


def target_t4(conds, problems=None) -> dict:
    """T4: ΔPr largest for low-Pr boutons (baseline, functional, measured Pr)."""
    return _assay_row("T4", conds, problems)


def target_t5(conds, problems=None) -> dict:
    """T5: branch ΣPr_burst and STF rise with Mg."""
    return _assay_row("T5", conds, problems)


def target_t6(conds, problems=None) -> dict:
    """T6 (calibration): pooled silent fraction per condition vs the paper's 53 % and 30 %."""
    return _assay_row("T6", conds, problems)


def target_t7(conds, problems=None) -> dict:
    """T7: wCa = a·Pr^b + c with b 0.4–0.7; branch ΣwCa_burst up with Mg; GluN2B share of
    spine Ca²⁺ under a virtual block."""
    return _assay_row("T7", conds, problems)


def target_t8(conds, problems=None) -> dict:
    """T8: DHiLo vs DLoHi basal (G) and burst (G_burst) transmission."""
    return _assay_row("T8", conds, problems)


def target_t9(conds, problems=None) -> dict:
    """T9: coding capacity at matched ΣPr (see :func:`capacity_gain_matched`) and its
    monotone decrease with P̄r."""
    return _assay_row("T9", conds, problems)


_VALUE_FUNCS = {"T3": (_t3_text, _t3_checks, [_T3_NOTE])}
_VALUE_FUNCS.update({k: (t, c, n) for k, (_, t, c, _, n) in _ASSAY_TARGETS.items()})


def _seed_of(run: RunData) -> Any:
    return run.attrs.get("seed")


def aggregate_rows(per_seed: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One row per target from the rows of several seeds: the median of every numeric value
    (with ``values["_range"]`` the min–max), judged by the same rules as a single seed.

    A target that did not run in a seed is left out of its median; if it ran in none, the
    first seed's row is returned.
    """
    out = []
    ids = [r["id"] for r in per_seed[0]]
    for k, tid in enumerate(ids):
        rows = [rs[k] for rs in per_seed]
        ran = [r for r in rows if not str(r["model"]).startswith("not run")]
        if not ran:
            out.append(dict(rows[0]))
            continue
        keys = [key for key in ran[0]["values"] if not str(key).startswith("_")]
        med: dict[str, Any] = {}
        rng: dict[str, tuple] = {}
        for key in keys:
            xs = [r["values"].get(key) for r in ran]
            if all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
                   for x in xs):
                arr = np.asarray(xs, float)
                fin = arr[np.isfinite(arr)]
                med[key] = float(np.median(fin)) if fin.size else float("nan")
                if fin.size:
                    rng[key] = (float(fin.min()), float(fin.max()))
            else:
                med[key] = xs[0]
        for key in ran[0]["values"]:
            if str(key).startswith("_"):
                med[key] = ran[0]["values"][key]
        med["_range"] = rng
        med["n_seeds"] = len(ran)
        text_fn, checks_fn, notes = _VALUE_FUNCS[tid]
        row = _row(tid, f"median of {len(ran)} seeds: " + text_fn(med), checks_fn(med), med,
                   notes=list(ran[0].get("notes", [])))
        row["per_seed"] = [r["values"] for r in ran]
        row["per_seed_reproduced"] = [r["reproduced"] for r in ran]
        out.append(row)
    return out


def configuration_targets(
    assay: Mapping[str, Sequence[RunData]] | Sequence[RunData] | None = None,
    dose: RunData | Sequence[RunData] | None = None,
    by_seed: bool = True,
) -> list[dict[str, Any]]:
    """Compute the rows T1–T9 from loaded run files.

    Parameters
    ----------
    assay : mapping of condition to runs, or sequence of RunData
        ``bouton-assay`` runs (grouped by their ``condition`` attribute if a sequence).
    dose : RunData or sequence of RunData
        ``mg-dose-response`` run(s).
    by_seed : bool
        With runs of several seeds, compute every target per seed (each seed has the
        paper's sample size) and report the median over seeds with its range, judged by
        the same rules (science.md T1: median over ≥ 5 seeds).  False pools all seeds.

    Returns
    -------
    list of dict
        One row per target in order T1…T9 with keys ``id``, ``kind`` (``"V"`` validation,
        ``"C"`` calibration), ``finding``, ``paper``, ``model`` (text with numbers, or
        ``"not run (...)"``), ``tolerance``, ``reproduced`` (True, False, or None when not
        run or not fully judgeable), ``figure`` (path relative to the results directory),
        ``checks`` (list of per-criterion dicts ``name``/``passed``/``text``), ``values``
        (the numbers behind the text), ``notes`` and ``calibrations`` (what the row
        depends on); aggregated rows also carry ``per_seed`` values.
    """
    all_runs = (list(assay.values()) if isinstance(assay, Mapping) else [_as_runs(assay)]) \
        if assay is not None else []
    flat = [r for group in all_runs for r in group]
    seeds = sorted({_seed_of(r) for r in flat if _seed_of(r) is not None}, key=str)
    dose_runs = _as_runs(dose)
    if by_seed and len(seeds) > 1:
        per_seed = []
        for sd in seeds:
            sub = [r for r in flat if _seed_of(r) == sd]
            dsub = [r for r in dose_runs if _seed_of(r) == sd] or (dose_runs if not any(
                _seed_of(r) in seeds for r in dose_runs) else [])
            per_seed.append(_targets_once(sub, dsub))
        rows = aggregate_rows(per_seed)
        # a target that did not run in any seed: report why from the pooled data
        return rows
    return _targets_once(assay, dose_runs)


def _targets_once(assay, dose) -> list[dict[str, Any]]:
    conds, problems = assay_conditions(assay)
    return [
        target_t1(conds, problems),
        target_t2(conds, problems),
        target_t3(dose),
        target_t4(conds, problems),
        target_t5(conds, problems),
        target_t6(conds, problems),
        target_t7(conds, problems),
        target_t8(conds, problems),
        target_t9(conds, problems),
    ]

"""Pooled measures of the configuration runs: reconfiguration time course, pooled assay
table, Mann–Whitney comparisons and the capacity gain at matched ΣPr.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats as _st

from ..configuration_metrics import pool_branch_tables
from ..run_file import RunData
from ..statistics import ancova
from .data import BASELINE, ELEVATED, ConditionData, ConfigurationDataError, _as_runs, _label, _pool
from .tables import _fraction_ci


def timepoint_data(runs: RunData | Sequence[RunData]) -> dict[float, ConditionData]:
    """Split ``reconfiguration`` runs by ``time_h`` and pool each time point.

    Bouton rows are selected by their ``time_h``; branch rows by ``/branches/time_h`` when
    present (branch ids may then repeat across time points), otherwise all branch rows whose
    id occurs among that time point's boutons.
    """
    runs = _as_runs(runs)
    per_time: dict[float, list] = {}
    for run in runs:
        b, br = run.boutons, run.branches
        if b is None or "time_h" not in b:
            raise ConfigurationDataError(f"{_label(run)}: /boutons/time_h missing")
        if br is None or "branch_id" not in br:
            raise ConfigurationDataError(f"{_label(run)}: /branches missing")
        t_b = np.asarray(b["time_h"], float)
        for t in np.unique(t_b[np.isfinite(t_b)]):
            sel = t_b == t
            bsub = {k: np.asarray(v)[sel] for k, v in b.items() if np.ndim(v) == 1}
            if "time_h" in br:
                bsel = np.asarray(br["time_h"], float) == t
            else:
                bsel = np.isin(np.asarray(br["branch_id"]), bsub["branch_id"])
            brsub = {k: np.asarray(v)[bsel] for k, v in br.items() if np.ndim(v) == 1}
            per_time.setdefault(float(t), []).append((bsub, brsub, f"{_label(run)}@{t:g}h"))
    return {t: _pool(parts, f"t={t:g} h", []) for t, parts in sorted(per_time.items())}


def _mean_sem(x: Any) -> tuple[float, float, int]:
    v = np.asarray(x, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), 0
    sem = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), sem, int(v.size)


def _pooled_silent(cd: ConditionData) -> float:
    n_b = float(np.sum(cd.branches["n_boutons"]))
    return 1.0 - float(np.sum(cd.branches["n_functional"])) / n_b if n_b > 0 else float("nan")


def reconfiguration_timecourse(runs: RunData | Sequence[RunData]) -> list[dict[str, float]]:
    """Configuration time course after the [Mg]i step (Fig 4a).

    Returns
    -------
    list of dict
        One dict per time point (ascending): ``time_h``, ``n_branches``, ``n_boutons``;
        ``D``, ``mean_pr``, ``sum_pr`` (mean over branches) with ``*_sem``;
        ``silent_fraction`` (pooled over boutons); ``true_silent_fraction``;
        ``exhausted_fraction`` (NaN for run files without ``/branches/exhausted``) with
        its Wilson 95 % interval ``exhausted_ci_low``/``exhausted_ci_high``;
        ``D_progress`` and ``mean_pr_progress``: the change from the first time point as a
        fraction of the change at the last one (the lag of the reconfiguration; NaN when the
        total change is zero).
    """
    tps = timepoint_data(runs)
    rows = []
    for t, cd in tps.items():
        bt = cd.branches
        row: dict[str, float] = {"time_h": t, "n_branches": cd.n_branches,
                                 "n_boutons": cd.n_boutons}
        for key in ("D", "mean_pr", "sum_pr", "sum_pr_burst"):
            m, s, _ = _mean_sem(bt[key])
            row[key], row[f"{key}_sem"] = m, s
        row["silent_fraction"] = _pooled_silent(cd)
        nt = np.asarray(bt["true_n_functional"], float)
        nb = float(np.sum(bt["n_boutons"]))
        row["true_silent_fraction"] = (1.0 - float(np.nansum(nt)) / nb
                                       if nb > 0 and np.isfinite(nt).any() else float("nan"))
        ex = cd.branch_extra.get("exhausted")
        row["exhausted_fraction"] = (float(np.mean(np.asarray(ex, bool)))
                                     if ex is not None and len(ex) else float("nan"))
        row["exhausted_ci_low"], row["exhausted_ci_high"] = (
            _fraction_ci(int(np.sum(np.asarray(ex, bool))), len(ex))
            if ex is not None else (float("nan"), float("nan")))
        rows.append(row)
    for key in ("D", "mean_pr"):
        if rows:
            first, last = rows[0][key], rows[-1][key]
            total = last - first
            for row in rows:
                row[f"{key}_progress"] = ((row[key] - first) / total
                                          if total != 0 and np.isfinite(total) else float("nan"))
    return rows


def pooled_assay_table(conds: Mapping[str, ConditionData],
                       conditions: Sequence[str] = (BASELINE, ELEVATED)
                       ) -> tuple[dict[str, np.ndarray], list[str]]:
    """Pooled branch table of ``conditions`` present in ``conds`` (``source`` indexes the
    returned condition list)."""
    present = [c for c in conditions if c in conds]
    if not present:
        raise ConfigurationDataError(f"none of the conditions {', '.join(conditions)} ran")
    return pool_branch_tables([conds[c].branches for c in present]), present


# ------------------------------------------------------------------------------ statistics


def mann_whitney(a: Any, b: Any) -> tuple[float, float]:
    """Two-sided Mann–Whitney U test; returns (U statistic, P).  Non-finite values dropped."""
    aa, bb = np.asarray(a, float), np.asarray(b, float)
    aa, bb = aa[np.isfinite(aa)], bb[np.isfinite(bb)]
    if aa.size == 0 or bb.size == 0:
        raise ValueError("mann_whitney needs a finite value in each sample")
    res = _st.mannwhitneyu(aa, bb, alternative="two-sided")
    return float(res.statistic), float(res.pvalue)


def capacity_gain_matched(capacity: Any, sum_pr: Any, group: Any, reference: Any,
                          n_strata: int = 5) -> dict[str, float]:
    """Relative gain of coding capacity of ``group`` over ``reference`` at matched ΣPr.

    Method (T9).  Capacity per 10 µm scales with the amount of release on a branch, so a
    group difference in ΣPr alone would change capacity; the comparison therefore holds ΣPr
    fixed.  Primary estimate, an analysis of covariance in log space over branches with
    capacity > 0 and ΣPr > 0:

        log C = a + b · log ΣPr + c · [branch in group],   gain = exp(c) − 1,

    i.e. the ratio of capacities of two branches with the same ΣPr, one in each group (exact
    when capacity ∝ ΣPr^b within each group).  The 95 % interval is exp(c ± t₀.₉₇₅,dof · se) − 1 (:func:`mgnet.analysis.statistics.ancova`).
    If ΣPr does not vary the covariate is dropped (the groups are then matched by design).
    Secondary estimate, stratification: the pooled branches are cut into ``n_strata``
    ΣPr quantile strata; in each stratum holding both groups the ratio of mean capacities is
    taken, and the log ratios are averaged with weights n_g·n_r/(n_g + n_r).

    Parameters
    ----------
    capacity, sum_pr : array_like
        Capacity (bits per 10 µm) and ΣPr (per 10 µm) per branch.
    group, reference : array_like of bool
        Branch masks of the two groups (e.g. DHiLo and DLoHi, or elevated and baseline).
    n_strata : int, default 5

    Returns
    -------
    dict
        ``gain``, ``gain_low``, ``gain_high``, ``p_value`` (t-test of c), ``slope`` (b),
        ``gain_strata``, ``n_strata_used``, ``raw_gain`` (ratio of plain means − 1),
        ``n_group``, ``n_reference``.

    Raises
    ------
    ValueError
        With fewer than two usable branches in either group.
    """
    cap = np.asarray(capacity, float)
    spr = np.asarray(sum_pr, float)
    g = np.asarray(group, bool)
    r = np.asarray(reference, bool) & ~g
    ok = np.isfinite(cap) & np.isfinite(spr) & (cap > 0) & (spr > 0) & (g | r)
    ng, nr = int((ok & g).sum()), int((ok & r).sum())
    if ng < 2 or nr < 2:
        raise ValueError(f"need ≥ 2 branches with release in each group (have {ng} and {nr})")
    y = np.log(cap[ok])
    x = np.log(spr[ok])
    ind = g[ok].astype(float)
    try:
        fit = ancova(y, x, ind.astype(bool))       # the one ANCOVA (analysis/statistics)
        c, lo, hi = fit.effect, fit.low, fit.high
        p_value, slope = fit.p_value, fit.slope
    except ValueError:                             # rank-deficient or no residual d.o.f.
        c = lo = hi = p_value = slope = float("nan")

    # stratified check
    edges = np.quantile(spr[ok], np.linspace(0, 1, n_strata + 1))
    which = np.clip(np.searchsorted(edges, spr[ok], side="right") - 1, 0, n_strata - 1)
    logs, weights = [], []
    for s in range(n_strata):
        in_s = which == s
        a_s, b_s = cap[ok][in_s & (ind == 1)], cap[ok][in_s & (ind == 0)]
        if a_s.size and b_s.size:
            logs.append(math.log(a_s.mean() / b_s.mean()))
            weights.append(a_s.size * b_s.size / (a_s.size + b_s.size))
    gain_strata = (math.exp(float(np.average(logs, weights=weights))) - 1.0
                   if logs else float("nan"))
    return {
        "gain": math.exp(c) - 1.0,
        "gain_low": math.exp(lo) - 1.0,
        "gain_high": math.exp(hi) - 1.0,
        "p_value": p_value,
        "slope": slope,
        "gain_strata": gain_strata,
        "n_strata_used": len(logs),
        "raw_gain": float(cap[ok & g].mean() / cap[ok & r].mean() - 1.0),
        "n_group": ng,
        "n_reference": nr,
    }

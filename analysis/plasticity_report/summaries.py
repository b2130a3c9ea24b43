"""Bootstrap summaries of the weight changes: per condition, protocol and branch group,
elevated vs baseline paired by seed and branch, and the STDP curve.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import statistics as _stats
from ..run_file import RunData
from ..statistics import bootstrap_ci, holm, paired_bootstrap
from .data import (
    BASELINE,
    CONTROL,
    ELEVATED,
    MEASURES,
    PlasticityDataError,
    _key,
    branch_changes,
    pooled_split,
    protocol_names,
    stdp_dt_ms,
)


def two_sample_bootstrap(a: Any, b: Any, n_boot: int = 2000, ci: float = 0.95,
                         seed: int | None = 0) -> dict[str, float]:
    """Difference of means mean(a) − mean(b) of two independent samples with a bootstrap CI.

    Each sample is resampled on its own by :func:`scipy.stats.bootstrap`; the interval is
    the studentised bootstrap with the Welch standard error
    (:func:`mgnet.analysis.statistics.two_sample_bootstrap`; percentile when a sample has one
    value).  Non-finite values are dropped.

    Returns
    -------
    dict
        ``diff``, ``low``, ``high``, ``n_a``, ``n_b``, ``method``; NaN if a sample is empty.
    """
    r = _stats.two_sample_bootstrap(b, a, n_boot=n_boot, ci=ci, seed=seed)
    return {"diff": r.diff, "low": r.low, "high": r.high, "n_a": r.n_b, "n_b": r.n_a,
            "method": r.method}


def _ci(x, n_boot, ci, seed) -> dict[str, float]:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    r = bootstrap_ci(x, n_boot=n_boot, ci=ci, seed=seed)
    return {"mean": r.estimate, "low": r.low, "high": r.high, "n": r.n, "method": r.method}


def _by_condition(runs: Sequence[RunData], **kw):
    """(conditions -> list of (run, table)), ordered baseline first."""
    out: dict[str, list] = {}
    for run in runs:
        out.setdefault(_key(run)[0], []).append((run, branch_changes(run, **kw)))
    order = sorted(out, key=lambda c: (c != BASELINE, c != ELEVATED, c))
    return {c: out[c] for c in order}


def _common_protocols(runs: Sequence[RunData], measure: str = "raw") -> list[str]:
    lists = [protocol_names(r) for r in runs]
    common = [p for p in lists[0] if all(p in lst for lst in lists[1:])]
    if measure == "specific":
        common = [p for p in common if (p in ("pairing", "anti") or stdp_dt_ms(p) is not None)
                  and all(CONTROL in lst for lst in lists)]
    return common


def _measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    return MEASURES[measure]


def induction_summary(runs: Sequence[RunData], *, n_boot: int = 2000, ci: float = 0.95,
                      seed: int = 0, settled: bool = False, include_silent: bool = False,
                      use_true_pr: bool = False, measure: str = "raw") -> dict:
    """Mean relative change of total branch weight per condition, protocol and group.

    ``measure``: ``"raw"`` (change under the protocol) or ``"specific"`` (minus the
    ``unpaired`` control; pairing protocols only).

    Returns
    -------
    dict
        ``split`` (threshold, rule, n_dhilo, n_dlohi over the pooled runs), ``protocols``,
        ``rows`` (condition, protocol, group in {"all", "DHiLo", "DLoHi"}, mean, low, high,
        n) and ``diffs`` (condition, protocol, diff = DHiLo − DLoHi, low, high, n_a, n_b).
    """
    if not runs:
        raise PlasticityDataError("no plasticity-induction runs")
    col = _measure(measure)
    protocols = _common_protocols(runs, measure)
    by_cond = _by_condition(runs, settled=settled, include_silent=include_silent)
    tables = [t for pairs in by_cond.values() for _, t in pairs]
    split, masks = pooled_split(tables, use_true=use_true_pr)
    rows, diffs = [], []
    k = 0
    for cond, pairs in by_cond.items():
        m_hi = np.concatenate([masks[k + n][0] for n in range(len(pairs))])
        m_lo = np.concatenate([masks[k + n][1] for n in range(len(pairs))])
        k += len(pairs)
        for p in protocols:
            x = np.concatenate([t[f"{col}{p}"] for _, t in pairs])
            for group, m in (("all", np.ones(len(x), bool)), ("DHiLo", m_hi), ("DLoHi", m_lo)):
                rows.append({"condition": cond, "protocol": p, "group": group,
                             **_ci(x[m], n_boot, ci, seed)})
            d = two_sample_bootstrap(x[m_hi], x[m_lo], n_boot, ci, seed)
            diffs.append({"condition": cond, "protocol": p, **d})
    return {"split": {"threshold": split.threshold, "rule": split.rule,
                      "n_dhilo": split.n_dhilo, "n_dlohi": split.n_dlohi},
            "protocols": protocols, "rows": rows, "diffs": diffs,
            "conditions": list(by_cond), "settled": settled, "measure": measure}


def condition_comparison(runs: Sequence[RunData], *, a: str = BASELINE, b: str = ELEVATED,
                         n_boot: int = 2000, ci: float = 0.95, seed: int = 0,
                         settled: bool = False, measure: str = "raw") -> list[dict]:
    """Condition ``b`` against ``a``, paired by (seed, branch) and, with >= 2 seeds, by seed.

    Returns one dict per protocol: ``protocol``, ``n_branches``, ``mean_a``, ``mean_b``,
    ``diff`` (b − a), ``low``, ``high`` (studentised bootstrap CI over branch pairs),
    ``p_value`` (sign-flip, :func:`scipy.stats.permutation_test`), ``p_holm`` (Holm-adjusted
    across the protocols returned), ``d_z`` (paired Cohen's d_z over branches), ``method``
    (the interval), and ``n_seeds``, ``seed_diff``, ``seed_low``, ``seed_high`` (NaN with
    fewer than two paired seeds).  Empty if either condition is missing.
    """
    ra = {_key(r)[1]: r for r in runs if _key(r)[0] == a}
    rb = {_key(r)[1]: r for r in runs if _key(r)[0] == b}
    seeds = sorted(set(ra) & set(rb))
    if not seeds:
        return []
    col = _measure(measure)
    protocols = _common_protocols([ra[s] for s in seeds] + [rb[s] for s in seeds], measure)
    ta = {s: branch_changes(ra[s], settled=settled) for s in seeds}
    tb = {s: branch_changes(rb[s], settled=settled) for s in seeds}
    out = []
    for p in protocols:
        xa, xb, sa, sb = [], [], [], []
        for s in seeds:
            ida, idb = ta[s]["branch_id"], tb[s]["branch_id"]
            common, ia, ib = np.intersect1d(ida, idb, return_indices=True)
            xa.append(ta[s][f"{col}{p}"][ia])
            xb.append(tb[s][f"{col}{p}"][ib])
            sa.append(np.nanmean(xa[-1]) if np.isfinite(xa[-1]).any() else np.nan)
            sb.append(np.nanmean(xb[-1]) if np.isfinite(xb[-1]).any() else np.nan)
        xa, xb = np.concatenate(xa), np.concatenate(xb)
        row = {"protocol": p, "n_branches": int(np.sum(np.isfinite(xa) & np.isfinite(xb))),
               "n_seeds": len(seeds)}
        try:
            r = paired_bootstrap(xa, xb, n_boot=n_boot, ci=ci, seed=seed)
            row.update(mean_a=r.mean_a, mean_b=r.mean_b, diff=r.mean_diff, low=r.diff_low,
                       high=r.diff_high, p_value=r.p_value, d_z=r.cohen_dz, method=r.method)
        except ValueError:
            row.update(mean_a=np.nan, mean_b=np.nan, diff=np.nan, low=np.nan, high=np.nan,
                       p_value=np.nan, d_z=np.nan, method="")
        row.update(seed_diff=np.nan, seed_low=np.nan, seed_high=np.nan)
        if len(seeds) >= 2:
            try:
                r = paired_bootstrap(sa, sb, n_boot=n_boot, ci=ci, seed=seed)
                row.update(seed_diff=r.mean_diff, seed_low=r.diff_low, seed_high=r.diff_high)
            except ValueError:
                pass
        out.append(row)
    # The protocols of one comparison are one family of tests.
    for row, p_adj in zip(out, holm([row["p_value"] for row in out]), strict=True):
        row["p_holm"] = float(p_adj)
    return out


def stdp_curves(runs: Sequence[RunData], *, n_boot: int = 2000, ci: float = 0.95,
                seed: int = 0, settled: bool = False, measure: str | None = None) -> dict:
    """STDP curves recomputed from the per-contact rows.

    ``measure``: ``"specific"`` (minus the unpaired control; the default when every run
    has it) or ``"raw"``.

    Returns
    -------
    dict
        ``by_condition``: condition -> {"dt_ms", "mean", "low", "high", "n"} (mean relative
        change of total branch weight over branches, bootstrap CI); ``by_group``:
        condition -> {"DHiLo": curve, "DLoHi": curve} (pooled split); ``dt_measured_ms``:
        condition -> mean achieved Δt per point (from ``/stdp/dt_measured_ms`` if stored).
        Empty dicts if the runs have no STDP protocols.
    """
    if measure is None:
        measure = "specific" if runs and all(CONTROL in protocol_names(r) for r in runs) \
            else "raw"
    summ = induction_summary(runs, n_boot=n_boot, ci=ci, seed=seed, settled=settled,
                             measure=measure)
    stdp = [p for p in summ["protocols"] if stdp_dt_ms(p) is not None]
    out = {"by_condition": {}, "by_group": {}, "dt_measured_ms": {}, "measure": measure}
    if not stdp:
        return out
    look = {(r["condition"], r["protocol"], r["group"]): r for r in summ["rows"]}
    dts = np.array([stdp_dt_ms(p) for p in stdp])
    for cond in summ["conditions"]:
        def curve(group, cond=cond):
            rr = [look[(cond, p, group)] for p in stdp]
            return {"dt_ms": dts, "mean": np.array([r["mean"] for r in rr]),
                    "low": np.array([r["low"] for r in rr]),
                    "high": np.array([r["high"] for r in rr]),
                    "n": np.array([r["n"] for r in rr])}
        out["by_condition"][cond] = curve("all")
        out["by_group"][cond] = {"DHiLo": curve("DHiLo"), "DLoHi": curve("DLoHi")}
        meas = [r.arrays.get("/stdp/dt_measured_ms") for r in runs
                if _key(r)[0] == cond and "/stdp/dt_ms" in r.arrays
                and len(r.arrays["/stdp/dt_ms"]) == len(dts)
                and np.allclose(np.sort(r.arrays["/stdp/dt_ms"]), dts)]
        meas = [m for m in meas if m is not None]
        if meas:
            ref = [r for r in runs if _key(r)[0] == cond and "/stdp/dt_ms" in r.arrays][0]
            order = np.argsort(ref.arrays["/stdp/dt_ms"])
            out["dt_measured_ms"][cond] = np.nanmean([np.asarray(m)[order] for m in meas],
                                                     axis=0)
    return out

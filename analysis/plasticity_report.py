"""Potentiation and depression by protocol, configuration and condition (plasticity-induction).

Prediction, not reproduction (science.md §4 items 4–5, T10): does the DHiLo configuration
(many low-Pr boutons; Zhou, Bi & Liu 2024) change its synaptic weight more than DLoHi under
pairing, burst and anti-causal protocols, what is the STDP curve of the Graupner & Brunel
(2012) rule on these branches, and does elevated Mg2+ (Slutsky et al. 2004) change it?

Everything is recomputed from the raw per-contact rows of ``/synapses/plastic`` (weights,
ρ, ``q_down``) and the measured P̄r of ``/branches``; the derived columns and ``/metrics``
written by the experiment are not used.

- Unit of analysis: the branch.  Per branch and protocol, the relative change of total
  weight, Σ(w_p − w_0)/Σ q, over the active contacts (true Pr > 0; ``include_silent``
  adds the silent ones), with q the configured (= expected initial) weight of each
  contact (column ``q``; ``weight_initial`` if absent).  Normalising by the realised
  bimodal initial weights instead would bias the mean over branches upwards.  ``settled=True`` uses the eventual weight after the rule's
  bistable dynamics relax (ρ > ½ → UP, ρ < ½ → DOWN), the quantity behind Graupner &
  Brunel's change in synaptic strength.
- Pairing-specific change (``measure="specific"``): the change under a pairing protocol
  minus the change of the same branch under the ``unpaired`` control (the same pre- and
  postsynaptic spikes half a period apart).  It removes what releases, bAPs and the noise
  do on their own, including the drift of an initial state back to balance, and is the
  measure used for the DHiLo/DLoHi contrast of pairing protocols and the STDP curve.
- DHiLo/DLoHi: median split of measured P̄r over the pooled branches of all runs analysed
  together (:func:`mgnet.analysis.configuration_metrics.dhilo_dlohi_split`; the same rule as
  the configuration report).
- CIs: studentised bootstrap (bootstrap-t) of the mean over branches, resampled by
  :func:`scipy.stats.bootstrap` (:func:`mgnet.analysis.statistics.bootstrap_ci`); the
  DHiLo − DLoHi difference resamples the two groups independently and studentises with
  the Welch standard error (:func:`two_sample_bootstrap`).  Baseline vs elevated_mg:
  paired by (seed, branch) — the same anatomy — with
  :func:`mgnet.analysis.statistics.paired_bootstrap`, and by seed (run means) when at least two
  seeds are paired.  The studentised interval is used because BCa and percentile
  intervals cover only ≈ 91 % at ten paired seeds
  (:data:`mgnet.analysis.statistics.MEASURED_COVERAGE`).
- Tests: sign-flip (paired permutation) p-values from :func:`scipy.stats.permutation_test`,
  Holm-adjusted across the protocols of one comparison (``p_holm``); the CIs are
  per-comparison 95 % intervals, not adjusted.

Never imports brian2.  Used by :mod:`mgnet.analysis.report` (``mgnet figures`` / ``reproduce``).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .markdown import markdown_table
from .configuration_metrics import dhilo_dlohi_split
from .run_file import RunData, list_runs, read_run
from . import statistics as _stats
from .figures.style import ci_label, save_figure
from .statistics import bootstrap_ci, holm, interval_description, paired_bootstrap

__all__ = ["EXPERIMENT", "BASELINE", "ELEVATED", "MAIN_PROTOCOLS", "PlasticityDataError",
           "protocol_names", "stdp_dt_ms", "branch_changes", "pooled_split",
           "two_sample_bootstrap", "induction_summary", "condition_comparison",
           "stdp_curves", "load_plasticity_runs", "plasticity_section",
           "plasticity_figures", "FIGURE_FILES"]

EXPERIMENT = "plasticity-induction"
BASELINE, ELEVATED = "baseline", "elevated_mg"
#: The non-STDP protocols, in display order.
MAIN_PROTOCOLS = ("pairing", "burst", "anti", "unpaired")
#: The within-branch control of the pairing protocols.
CONTROL = "unpaired"
#: Prefix of the per-branch column of each measure.
MEASURES = {"raw": "rel_dw_", "specific": "spec_dw_"}
#: Figure files written by :func:`plasticity_figures`.
FIGURE_FILES = {"stdp": "plasticity_stdp.png", "split": "plasticity_protocols.png"}
PATHWAY = "plastic"

_STDP = re.compile(r"^stdp_(m|p|)(\d+(?:_\d+)?)ms$")


class PlasticityDataError(ValueError):
    """A run file lacks what the plasticity analysis needs."""


# ------------------------------------------------------------------------- per run
def stdp_dt_ms(name: str) -> float | None:
    """Δt (ms) encoded in an STDP protocol name (``stdp_m100ms`` -> -100), else None."""
    m = _STDP.match(name)
    if not m:
        return None
    v = float(m.group(2).replace("_", "."))
    return -v if m.group(1) == "m" else v


def protocol_names(run: RunData) -> list[str]:
    """Protocols with weight snapshots: pairing, burst, anti, then STDP points by Δt."""
    syn = _synapses(run)
    names = [c[len("weight_"):] for c in syn if c.startswith("weight_") and c != "weight_initial"]
    main = [p for p in MAIN_PROTOCOLS if p in names]
    stdp = sorted((p for p in names if stdp_dt_ms(p) is not None), key=stdp_dt_ms)
    other = sorted(p for p in names if p not in main and p not in stdp)
    return main + other + stdp


def _synapses(run: RunData) -> Mapping[str, np.ndarray]:
    syn = run.synapses.get(PATHWAY) if run.synapses else None
    if not syn:
        raise PlasticityDataError(f"run {run.attrs.get('run_id', '?')} has no "
                                  f"/synapses/{PATHWAY}")
    for col in ("post", "pr", "weight_initial"):
        if col not in syn:
            raise PlasticityDataError(f"/synapses/{PATHWAY} lacks '{col}'")
    return syn


def _settled_weight(syn, name: str, b: float) -> np.ndarray:
    rho = np.asarray(syn[f"rho_{name}"], float)
    settled = np.where(rho > 0.5, 1.0, np.where(rho < 0.5, 0.0, 0.5))
    return np.asarray(syn["q_down"], float) * (1 + (b - 1) * settled)


def branch_changes(run: RunData, *, include_silent: bool = False,
                   settled: bool = False) -> dict[str, np.ndarray]:
    """Per-branch weight changes recomputed from the per-contact rows of one run.

    Returns
    -------
    dict of str to ndarray
        One row per branch of ``/branches``: ``branch_id``, ``length_um``, ``mean_pr``
        (measured P̄r), ``mean_pr_true`` (if stored), ``w_initial`` (nS), and per protocol
        ``rel_dw_<p>`` (Σ Δw / Σ q) and ``dw_per_10um_<p>`` (nS per 10 µm); with the
        ``unpaired`` control present also ``spec_dw_<p>`` = ``rel_dw_<p>`` −
        ``rel_dw_unpaired`` for the pairing protocols (``pairing``, ``anti``, STDP).
    """
    syn = _synapses(run)
    br = run.branches
    if not br or "branch_id" not in br or "mean_pr" not in br:
        raise PlasticityDataError("run has no /branches table with branch_id and mean_pr")
    bid = np.asarray(br["branch_id"])
    order = np.argsort(bid, kind="stable")
    pos = np.searchsorted(bid[order], np.asarray(syn["post"]))
    if np.any(pos >= len(bid)) or np.any(bid[order][np.clip(pos, 0, len(bid) - 1)]
                                         != np.asarray(syn["post"])):
        raise PlasticityDataError("contacts refer to branches missing from /branches")
    row = order[pos]
    nb = len(bid)
    keep = np.ones(len(row), bool) if include_silent else np.asarray(syn["pr"], float) > 0
    w0 = np.asarray(syn["weight_initial"], float)

    def bsum(x):
        return np.bincount(row, weights=np.where(keep, x, 0.0), minlength=nb)

    b = float(run.metrics.get("b", np.nan))
    if settled and ("q_down" not in syn or not np.isfinite(b)):
        raise PlasticityDataError("settled weights need /synapses/plastic/q_down and metric b")
    w0_b = bsum(w0)
    q_b = bsum(np.asarray(syn["q"], float)) if "q" in syn else w0_b
    length = np.asarray(br.get("length_um", np.full(nb, np.nan)), float)
    out = {"branch_id": bid.copy(), "length_um": length,
           "mean_pr": np.asarray(br["mean_pr"], float), "w_initial": w0_b}
    if "mean_pr_true" in br:
        out["mean_pr_true"] = np.asarray(br["mean_pr_true"], float)
    for p in protocol_names(run):
        w = _settled_weight(syn, p, b) if settled else np.asarray(syn[f"weight_{p}"], float)
        dw = bsum(w - w0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"rel_dw_{p}"] = np.where(q_b > 0, dw / q_b, np.nan)
            out[f"dw_per_10um_{p}"] = dw * 10.0 / length
    if f"rel_dw_{CONTROL}" in out:
        for p in protocol_names(run):
            if p in ("pairing", "anti") or stdp_dt_ms(p) is not None:
                out[f"spec_dw_{p}"] = out[f"rel_dw_{p}"] - out[f"rel_dw_{CONTROL}"]
    return out


# ------------------------------------------------------------------------- pooling
def _key(run: RunData) -> tuple[str, int]:
    return str(run.attrs.get("condition", "?")), int(run.attrs.get("seed", 0))


def pooled_split(tables: Sequence[Mapping[str, np.ndarray]], use_true: bool = False):
    """Median split of P̄r over the pooled branches of ``tables``.

    Returns ``(split, masks)`` with ``masks[k] = (dhilo, dlohi)`` for table k.
    """
    col = "mean_pr_true" if use_true else "mean_pr"
    pooled = {"mean_pr": np.concatenate([np.asarray(t[col], float) for t in tables])}
    if not np.isfinite(pooled["mean_pr"]).any():
        raise PlasticityDataError("no branch has a functional bouton: no DHiLo/DLoHi split")
    split = dhilo_dlohi_split(pooled)
    masks, start = [], 0
    for t in tables:
        n = len(t[col])
        masks.append((split.dhilo[start:start + n], split.dlohi[start:start + n]))
        start += n
    return split, masks


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
    for row, p_adj in zip(out, holm([row["p_value"] for row in out])):
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
        def curve(group):
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


# ------------------------------------------------------------------------- files
def load_plasticity_runs(results: Path, scale: str | None = None) -> list[RunData]:
    """Complete plasticity-induction run files under ``results/runs`` (at ``scale``)."""
    return [read_run(p) for p in list_runs(Path(results) / "runs", EXPERIMENT, scale)]


def _pct(x: float, nd: int = 3) -> str:
    return f"{100 * x + 0.0:+.{nd}g} %" if x is not None and np.isfinite(x) else "n/a"


def _pct_ci(r: Mapping) -> str:
    return f"{_pct(r['mean'])} [{_pct(r['low'])}, {_pct(r['high'])}]"


def _resolved(low: float, high: float) -> int:
    """+1 / −1 if the CI excludes 0 on that side, 0 otherwise."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return 0
    return 1 if low > 0 else -1 if high < 0 else 0


def _num(x: float | None) -> str:
    return f"{x:.3g}" if x is not None and np.isfinite(x) else "n/a"


def _label(p: str) -> str:
    if p == "pairing":
        return "pairing"
    dt = stdp_dt_ms(p)
    return f"STDP Δt = {dt:+g} ms" if dt is not None else p


def _lookups(summ: Mapping):
    rows = {(r["condition"], r["protocol"], r["group"]): r for r in summ["rows"]}
    diffs = {(d["condition"], d["protocol"]): d for d in summ["diffs"]}
    return rows, diffs


def _diff_text(d: Mapping) -> str:
    return f"{_pct(d['diff'])} [{_pct(d['low'])}, {_pct(d['high'])}]"


_DIFF_WORDS = {1: "DHiLo branches gained more (or lost less) weight than DLoHi.",
               -1: "DLoHi branches gained more (or lost less) weight than DHiLo.",
               0: "no difference between configurations resolved."}
_CHANGE_WORDS = {1: "potentiated", -1: "depressed", 0: "did not change resolvably"}


def _sentences(summ: Mapping, settled: Mapping, spec: Mapping | None) -> list[str]:
    look, dlook = _lookups(summ)
    slook, _ = _lookups(settled)
    plook, pdlook = _lookups(spec) if spec is not None else ({}, {})
    out = []
    for cond in summ["conditions"]:
        for p in [q for q in MAIN_PROTOCOLS if q in summ["protocols"]]:
            a = look[(cond, p, "all")]
            text = (f"{cond}, {p}: total branch weight "
                    f"{_CHANGE_WORDS[_resolved(a['low'], a['high'])]} ({_pct_ci(a)}, "
                    f"n = {a['n']} branches; settled {_pct_ci(slook[(cond, p, 'all')])}).")
            if (cond, p, "all") in plook:
                sp, d = plook[(cond, p, "all")], pdlook[(cond, p)]
                text += (f" Pairing-specific (minus unpaired): "
                         f"{_CHANGE_WORDS[_resolved(sp['low'], sp['high'])]} ({_pct_ci(sp)}); "
                         f"DHiLo − DLoHi = {_diff_text(d)}: "
                         f"{_DIFF_WORDS[_resolved(d['low'], d['high'])]}")
            else:
                d = dlook[(cond, p)]
                text += (f" DHiLo − DLoHi = {_diff_text(d)}: "
                         f"{_DIFF_WORDS[_resolved(d['low'], d['high'])]}")
            out.append(text)
    return out


def _comparison_lines(comp: list[dict], label: str) -> list[str]:
    lines = []
    for r in comp:
        if r["protocol"] not in MAIN_PROTOCOLS:
            continue
        s = _resolved(r["low"], r["high"])
        lines.append(f"- {r['protocol']} ({label}): {ELEVATED} " + {
            1: "gained more (or lost less) weight than", -1: "gained less (or lost more) "
            "weight than", 0: "was not resolvably different from"}[s] + f" {BASELINE} "
            f"({_diff_text(r)}, d_z = {_num(r.get('d_z'))}, sign-flip P = "
            f"{_num(r['p_value'])}, Holm-adjusted over {len(comp)} protocols "
            f"P = {_num(r.get('p_holm'))}).")
    return lines


def plasticity_section(results: Path, scale: str | None = None,
                       runs: Sequence[RunData] | None = None,
                       figures_dir: Path | None = None, n_boot: int = 2000) -> str | None:
    """Markdown of the "Plasticity induction" report section (None if there are no runs)."""
    results = Path(results)
    runs = list(runs) if runs is not None else load_plasticity_runs(results, scale)
    if not runs:
        return None
    figures_dir = Path(figures_dir) if figures_dir is not None else results / "figures"
    parts = ["## Plasticity induction (prediction; science.md §4 items 4–5, T10)", ""]
    try:
        summ = induction_summary(runs, n_boot=n_boot)
        settled = induction_summary(runs, n_boot=n_boot, settled=True)
        has_control = all(CONTROL in protocol_names(r) for r in runs)
        spec = induction_summary(runs, n_boot=n_boot, measure="specific") \
            if has_control else None
    except PlasticityDataError as exc:
        return "\n".join(parts + [f"- not available: {exc}", ""])
    parts += _method_lines(runs, summ)
    parts += _change_tables(summ, settled, spec)
    parts += ["### What came out", ""] + [f"- {s}" for s in _sentences(summ, settled, spec)]
    parts += _comparison_section(runs, n_boot, spec is not None)
    parts += _stdp_lines(stdp_curves(runs, n_boot=n_boot))
    checks = _check_lines(runs)
    if checks:
        parts += ["", "### Checks", ""] + [f"- {c}" for c in checks]
    shown = [n for n in FIGURE_FILES.values() if (figures_dir / n).exists()]
    if shown:
        parts += ["", "### Figures", ""] + [f"![{Path(n).stem}](figures/{n})" for n in shown]
    parts.append("")
    return "\n".join(parts)


def _method_lines(runs: Sequence[RunData], summ: Mapping) -> list[str]:
    """The method paragraph and the inputs line of :func:`plasticity_section`."""
    m0 = runs[0].metrics
    seeds = {c: sorted({_key(r)[1] for r in runs if _key(r)[0] == c}) for c in summ["conditions"]}
    return [
        "Graupner–Brunel rule (preset `{}`, noise {}) on every bouton of each branch "
        "(one AdEx neuron per branch, all boutons fire together); protocols on identical "
        "copies from the same initial state ({}). Change = Σ(w_after − w_before)/Σ q over "
        "the branch's active contacts at the end of each protocol, q being each contact's "
        "configured (expected initial) weight (\"settled\": after ρ relaxes to UP/DOWN). "
        "Pairing-specific = change under the protocol minus the change of the same branch "
        "under the `unpaired` control (same spikes, half a period apart). Mean over "
        "branches with {}; DHiLo − DLoHi studentised with the Welch standard error. "
        "{}.".format(
            m0.get("plasticity_preset", "?"), "on" if m0.get("plasticity_noise") else "off",
            m0.get("initial_state", "?"), interval_description(), summ["split"]["rule"]), "",
        "Inputs: " + "; ".join(f"{c}: {len(s)} run(s), seeds {s}" for c, s in seeds.items())
        + f"; split {summ['split']['n_dhilo']} DHiLo / {summ['split']['n_dlohi']} DLoHi "
        "branches (pooled).", ""]


def _change_tables(summ: Mapping, settled: Mapping, spec: Mapping | None) -> list[str]:
    """The raw-change table and (with the unpaired control) the pairing-specific one."""
    look, dlook = _lookups(summ)
    slook, _ = _lookups(settled)
    main = [p for p in summ["protocols"] if stdp_dt_ms(p) is None]
    table = []
    for cond in summ["conditions"]:
        for p in main:
            table.append([cond, _label(p), _pct_ci(look[(cond, p, "all")]),
                          _pct_ci(slook[(cond, p, "all")]),
                          _pct_ci(look[(cond, p, "DHiLo")]), _pct_ci(look[(cond, p, "DLoHi")]),
                          _diff_text(dlook[(cond, p)])])
    parts = ["Raw change:", "", markdown_table(table, [
        "condition", "protocol", "all branches", "all (settled)", "DHiLo", "DLoHi",
        "DHiLo − DLoHi"]), ""]
    if spec is not None:
        plook, pdlook = _lookups(spec)
        srows = [[cond, _label(p), _pct_ci(plook[(cond, p, "all")]),
                  _pct_ci(plook[(cond, p, "DHiLo")]), _pct_ci(plook[(cond, p, "DLoHi")]),
                  _diff_text(pdlook[(cond, p)])]
                 for cond in spec["conditions"] for p in spec["protocols"]
                 if stdp_dt_ms(p) is None]
        parts += ["Pairing-specific change (minus `unpaired`):", "", markdown_table(srows, [
            "condition", "protocol", "all branches", "DHiLo", "DLoHi", "DHiLo − DLoHi"]), ""]
    return parts


def _comparison_section(runs: Sequence[RunData], n_boot: int, has_spec: bool) -> list[str]:
    """The elevated-vs-baseline subsection (paired by seed and branch); empty without both
    conditions."""
    comp = condition_comparison(runs, n_boot=n_boot)
    if not comp:
        return []
    crow = []
    for r in comp:
        seed_txt = (_diff_text({"diff": r["seed_diff"], "low": r["seed_low"],
                                "high": r["seed_high"]})
                    if np.isfinite(r["seed_diff"]) else f"n/a ({r['n_seeds']} seed)")
        crow.append([_label(r["protocol"]), str(r["n_branches"]), _pct(r["mean_a"]),
                     _pct(r["mean_b"]), _diff_text(r), _num(r.get("d_z")),
                     _num(r["p_value"]), _num(r.get("p_holm")), seed_txt])
    parts = ["", f"### {ELEVATED} vs {BASELINE} (same anatomy, paired by seed and "
             "branch; raw change)", "",
             f"Paired {interval_description()}; d_z = paired Cohen's d_z over "
             "branches; sign-flip P from scipy.stats.permutation_test, Holm-adjusted "
             f"across the {len(comp)} protocols of this table (the CIs are not "
             "adjusted).", "",
             markdown_table(crow, ["protocol", "branches", BASELINE, ELEVATED,
                              "difference (branches)", "d_z", "sign-flip P",
                              "P (Holm)", "difference (seed means)"]), ""]
    parts += _comparison_lines(comp, "raw")
    if has_spec:
        parts += _comparison_lines(condition_comparison(runs, n_boot=n_boot,
                                                        measure="specific"),
                                   "pairing-specific")
    return parts


def _stdp_lines(curves: Mapping) -> list[str]:
    """The STDP-curve subsection of :func:`plasticity_section` (empty without STDP runs)."""
    if not curves["by_condition"]:
        return []
    what = "pairing-specific change (minus unpaired)" if curves["measure"] == "specific" \
        else "raw change"
    parts = ["", f"### STDP curve ({what})", ""]
    for cond, c in curves["by_condition"].items():
        i_max, i_min = int(np.nanargmax(c["mean"])), int(np.nanargmin(c["mean"]))
        pts = ", ".join(f"{dt:+g} ms: {_pct(m, 2)}" for dt, m in zip(c["dt_ms"], c["mean"]))
        parts.append(f"- {cond}: maximum at Δt = {c['dt_ms'][i_max]:+g} ms "
                     f"({_pct_ci({k: c[k][i_max] for k in ('mean', 'low', 'high')})}), "
                     f"minimum at Δt = {c['dt_ms'][i_min]:+g} ms "
                     f"({_pct_ci({k: c[k][i_min] for k in ('mean', 'low', 'high')})}). "
                     f"Points: {pts}.")
        res = [(dt, _resolved(lo, hi)) for dt, lo, hi in zip(c["dt_ms"], c["low"],
                                                              c["high"])]
        pot = [f"{dt:+g}" for dt, s in res if s > 0]
        dep = [f"{dt:+g}" for dt, s in res if s < 0]
        parts.append(f"  Resolved potentiation (CI > 0) at Δt = {', '.join(pot) or 'none'} "
                     f"ms; resolved depression (CI < 0) at Δt = {', '.join(dep) or 'none'} "
                     "ms.")
        if np.any(np.asarray(c["dt_ms"]) == 0):
            parts.append("  Caveat: at Δt = 0 the release falls in the spike's time step, "
                         "where the NMDA Ca2+ of a release (evaluated at the instantaneous "
                         "potential) is clipped to 0: that point reflects postsynaptic "
                         "Ca2+ only.")
        meas = curves["dt_measured_ms"].get(cond)
        if meas is not None and np.isfinite(meas).any():
            err = float(np.nanmax(np.abs(np.asarray(meas) - c["dt_ms"])))
            parts.append(f"  Achieved Δt within {err:.2g} ms of nominal.")
    return parts


def _check_lines(runs: Sequence[RunData]) -> list[str]:
    """Per-run checks of the protocol delivery (one spike per current step, extra spikes)."""
    checks = []
    for run in runs:
        m = run.metrics
        if "pulse_one_spike_fraction" in m:
            checks.append(f"{_key(run)[0]} seed {_key(run)[1]}: "
                          f"{100 * m['pulse_one_spike_fraction']:.4g} % of current steps "
                          f"evoked exactly one spike, {m.get('extra_post_spikes_pairing', '?')} "
                          f"extra postsynaptic spikes in pairing protocols, "
                          f"{m.get('post_spikes_burst', '?')} postsynaptic spikes in bursts")
    return checks


def plasticity_figures(results: Path, out_dir: Path | None = None, scale: str | None = None,
                       runs: Sequence[RunData] | None = None, dpi: int = 150,
                       n_boot: int = 2000) -> list[Path]:
    """Draw the STDP curve and the protocol × configuration bars; return written paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures import plasticity as fp
    results = Path(results)
    runs = list(runs) if runs is not None else load_plasticity_runs(results, scale)
    if not runs:
        return []
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        summ = induction_summary(runs, n_boot=n_boot)
        curves = stdp_curves(runs, n_boot=n_boot)
    except PlasticityDataError as exc:
        warnings.warn(f"plasticity figures skipped: {exc}", RuntimeWarning, stacklevel=2)
        return []
    if curves["by_condition"]:
        conds = list(curves["by_condition"])
        fig, axes = plt.subplots(1, 1 + len(conds), figsize=(4.2 * (1 + len(conds)), 3.6),
                                 squeeze=False)
        ylabel = ("pairing-specific change (%)" if curves["measure"] == "specific"
                  else None)
        ci = ci_label()
        fp.plot_stdp_curve(axes[0, 0], curves["by_condition"], title="all branches",
                           ylabel=ylabel, reference=True, ci_name=ci)
        for k, c in enumerate(conds):
            fp.plot_stdp_curve(axes[0, k + 1], curves["by_group"][c], title=c, ylabel=ylabel,
                               ci_name=ci)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["stdp"]
        n_br = {c: curves["by_condition"][c].get("n") for c in conds}
        n_txt = ", ".join(f"{c}: {np.max(v) if v is not None and np.size(v) else '?'}"
                          for c, v in n_br.items())
        save_figure(fig, path, dpi, caption=(
            "STDP curves: mean relative change of total branch weight against Δt = t_post − "
            f"t_pre (60 pairings at 1 Hz), band = {ci} of the mean over branches; all branches "
            "(shaded: the Bi & Poo 1998 LTP/LTD windows) and DHiLo vs DLoHi per condition; "
            f"n (branches) = {n_txt}; {len(runs)} run(s)."))
        written.append(path)
    # Pairing protocols as pairing-specific change (minus unpaired) when the control
    # exists, the others raw.
    rows = list(summ["rows"])
    shown = [p for p in summ["protocols"] if stdp_dt_ms(p) is None]
    if all(CONTROL in protocol_names(r) for r in runs):
        spec = induction_summary(runs, n_boot=n_boot, measure="specific")
        rename = {p: f"{p} − {CONTROL}" for p in spec["protocols"] if stdp_dt_ms(p) is None}
        rows = [r for r in rows if r["protocol"] not in rename and r["protocol"] != CONTROL]
        rows += [{**r, "protocol": rename[r["protocol"]]} for r in spec["rows"]
                 if r["protocol"] in rename]
        shown = [rename.get(p, p) for p in shown if p != CONTROL]
    conds = summ["conditions"]
    fig, axes = plt.subplots(1, len(conds), figsize=(4.2 * len(conds), 3.6), squeeze=False)
    for k, c in enumerate(conds):
        fp.plot_protocol_split(axes[0, k], [r for r in rows if r["condition"] == c], shown,
                               title=c, ci_name=ci_label())
    fig.tight_layout()
    path = out_dir / FIGURE_FILES["split"]
    ns = sorted({int(r["n"]) for r in rows if r.get("n")})
    save_figure(fig, path, dpi, caption=(
        "Change of total branch weight per protocol, DHiLo vs DLoHi (median split of P̄r) per "
        f"condition: bar = mean over branches, error bars = {ci_label()}; pairing protocols "
        "as pairing-specific change (minus the unpaired control) where it exists; n = "
        f"{'–'.join(map(str, (ns[0], ns[-1]))) if ns else '?'} branches per bar; "
        f"{len(runs)} run(s)."))
    written.append(path)
    return written

"""Paired comparisons between conditions and the formatting of their tables.

Comparisons are paired on the seed (same connectivity, patterns, schedule and random
stream): paired bootstrap 95 % CIs of the difference and Cohen's d_z
(:func:`mgnet.analysis.statistics.paired_bootstrap`); the judged rows of the encoding
comparison are Holm-corrected (:func:`_judge`).  Also the cell formats shared by the
sections (mean ± SD over seeds, difference [CI], verdict words).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..markdown import markdown_table
from .runs import CHRONIC

#: (reference, test, question) of the paired comparisons (acute arm; the chronic arm
#: repeats the first five with :data:`CHRONIC` appended to both labels).
COMPARISONS = (("baseline", "elevated_mg", "T10: elevated Mg (both arms)"),
               ("baseline", "elevated_mg_o_only", "T10 ablation: [Mg]o only (NMDA block)"),
               ("baseline", "elevated_mg_i_only", "T10 ablation: [Mg]i only (configuration)"),
               ("baseline", "aged", "T11: aged vs young"),
               ("aged", "aged_elevated_mg", "T11: aged, elevated Mg vs aged"),
               ("elevated_mg", "elevated_mg_membrane_block_only",
                "T10 ablation: the block acts on the membrane current but not on the "
                "plasticity Ca2+ (vs elevated Mg)"))
#: The metrics judged in the comparisons (Holm correction over every comparison and arm
#: times these); the other rows of the tables are descriptive.
HEADLINE = ("dfup_after_encoding", "dfup_end", "q_stored_cue_0.5",
            "burst_rate_consolidation_per_min")


def comparisons(labels) -> list[tuple[str, str, str]]:
    """The comparisons whose two conditions both have runs: the acute ones of
    :data:`COMPARISONS` and, where chronic runs exist, the first five again in the
    chronic arm."""
    out = [(a, b, q) for a, b, q in COMPARISONS if a in labels and b in labels]
    out += [(a + CHRONIC, b + CHRONIC, q + " — chronic GluN2B arm")
            for a, b, q in COMPARISONS[:5] if a + CHRONIC in labels and b + CHRONIC in labels]
    return out


#: Fewest seed pairs for which a paired table gives an interval (and so a verdict): with
#: two pairs a bootstrap has three distinct resampled means, and its "interval" says
#: nothing (the capacity/retention sections at 2 seeds once read "higher"/"lower" from it).
MIN_PAIRS_FOR_CI = 3


def paired_table(metrics: Mapping[str, Mapping[int, Mapping]], ref: str, test: str,
                 names: Sequence[str], n_boot: int = 10000) -> list[dict]:
    """Paired comparison of ``test`` vs ``ref`` for each metric name.

    ``metrics`` maps condition -> seed -> metrics dict.  Only seeds present in both
    conditions with finite values enter.  Each row: ``metric``, ``n``, ``mean_ref``,
    ``mean_test``, ``diff``, ``ci_low``, ``ci_high``, ``d_z`` (mean/SD of the paired
    differences), ``p`` (sign-flip), ``resolved`` (+1/-1 if the CI excludes 0, else 0).
    """
    from ..statistics import paired_bootstrap
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
                       diff=float(d.mean()),
                       d_z=float(d.mean() / sd) if sd > 0 else float("nan"),
                       p=float(pb.p_value))
            if ok.sum() >= MIN_PAIRS_FOR_CI:
                row.update(ci_low=float(pb.diff_low), ci_high=float(pb.diff_high))
                row["resolved"] = int(np.sign(row["ci_low"])) if row["ci_low"] > 0 else (
                    -1 if row["ci_high"] < 0 else 0)
        rows.append(row)
    return rows


def _fmt_ci(row: Mapping, fmt: str) -> str:
    if not np.isfinite(row["diff"]):
        return "n/a"
    if not np.isfinite(row["ci_low"]):
        return f"{fmt.format(row['diff'])} (no CI)"
    return (f"{fmt.format(row['diff'])} [{fmt.format(row['ci_low'])}, "
            f"{fmt.format(row['ci_high'])}]")


def _verdict_word(resolved: int) -> str:
    return {1: "higher", -1: "lower", 0: "not resolved"}[resolved]


def _judge(tables: Mapping[str, list[dict]]) -> None:
    """Holm-adjust the p-values of the judged rows (:data:`HEADLINE` metrics of every
    comparison and arm) in place: ``p_holm`` and ``holm_resolved`` (+1/-1 if the CI
    excludes 0 *and* p_holm < 0.05, else 0); other rows get NaN / 0."""
    from ..statistics import holm
    judged = [r for tab in tables.values() for r in tab
              if r["metric"] in HEADLINE and np.isfinite(r["p"])]
    for tab in tables.values():
        for r in tab:
            r["p_holm"], r["holm_resolved"] = float("nan"), 0
    if not judged:
        return
    adj = holm([r["p"] for r in judged])
    for r, p in zip(judged, adj, strict=True):
        r["p_holm"] = float(p)
        r["holm_resolved"] = r["resolved"] if p < 0.05 else 0


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
                  f"[95 % bootstrap CI, from {MIN_PAIRS_FOR_CI} seed pairs on; fewer: no "
                  "interval and no verdict], Cohen's d_z, sign-flip p:", "",
                  markdown_table(rows, ["metric", "n", "difference", "d_z", "p", "CI verdict"]), ""]
    return lines


def _row(tables, test, metric):
    for (ref, t, _), tab in tables.items():
        if t == test and ref == "baseline":
            return next((r for r in tab if r["metric"] == metric), None)
    return None

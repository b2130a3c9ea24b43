"""Report sections for the culture experiments (background-filtering; culture bands).

Everything is computed from saved run files; no brian2.  background-filtering:
relative change of the NMDA Ca2+ per E->E release between the run's condition and each
compared condition, separately for background and burst intervals, with paired
bootstrap 95 % CIs over neurons (same structure and random stream in every condition),
next to the Jahr–Stevens prediction at -70 mV stored by the experiment.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .run_file import list_runs, read_run
from .statistics import paired_bootstrap

__all__ = ["filtering_rows", "filtering_section"]


def filtering_rows(run) -> list[dict]:
    """One row per (compared condition, interval class) of a background-filtering run."""
    conds = str(run.metrics.get("conditions", "")).split(",")
    if len(conds) < 2:
        return []
    base = conds[0]
    rows = []
    for c in conds[1:]:
        for cls in ("background", "burst"):
            a = run.arrays.get(f"/filtering/{base}/ca_per_release_{cls}")
            b = run.arrays.get(f"/filtering/{c}/ca_per_release_{cls}")
            row = {"condition": c, "interval": cls, "n": 0, "rel_change": np.nan,
                   "low": np.nan, "high": np.nan,
                   "prediction": run.metrics.get(f"{c}_block_prediction_minus70mV", np.nan)}
            if a is not None and b is not None:
                ok = np.isfinite(a) & np.isfinite(b)
                if ok.sum() >= 3:
                    pb = paired_bootstrap(a[ok], b[ok], n_boot=4000, seed=0)
                    row.update(n=int(ok.sum()), rel_change=pb.rel_change, low=pb.rel_low,
                               high=pb.rel_high)
            rows.append(row)
    return rows


def filtering_section(results: Path, scale: str | None = None) -> str:
    """Markdown section for the newest background-filtering run (empty if none)."""
    paths = list_runs(Path(results) / "runs", "background-filtering", scale)
    if not paths:
        return ""
    run = read_run(paths[-1])
    rows = filtering_rows(run)
    m = run.metrics
    conds = str(m.get("conditions", "")).split(",")
    out = ["## Background filtering by [Mg]o (Slutsky 2004; T10 premise)", "",
           f"Run `{run.attrs.get('run_id')}`: NMDA Ca²⁺ per E→E release, relative to "
           f"`{conds[0]}`, paired over neurons (bootstrap 95 % CI). Prediction: the "
           "Jahr–Stevens block alone at −70 mV.", "",
           "| condition | interval | neurons | change | 95 % CI | block prediction (−70 mV) |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        fmt = (lambda x: f"{x * 100:+.1f} %" if np.isfinite(x) else "n/a")
        out.append(f"| {r['condition']} | {r['interval']} | {r['n']} | {fmt(r['rel_change'])} "
                   f"| {fmt(r['low'])} … {fmt(r['high'])} | {fmt(r['prediction'])} |")
    out += ["", "Network bursts per condition: " + ", ".join(
        f"{c} {m.get(f'{c}_burst_rate_per_min', float('nan')):.1f}/min" for c in conds), ""]
    if "glun2b_note" in m:
        out.append(f"GluN2B relaxation: {m['glun2b_note']}.")
    else:
        out.append(f"GluN2B fraction after {m.get('hours', float('nan')):g} h of spontaneous "
                   "activity: " + ", ".join(
                       f"{c} {m.get(f'{c}_glun2b_after_hours', float('nan')):.3f}"
                       for c in conds) + " (baseline steady state by construction: L_half = "
                   "its own mean load).")
    bg = [r for r in rows if r["interval"] == "background" and np.isfinite(r["rel_change"])]
    bu = {r["condition"]: r for r in rows if r["interval"] == "burst"}
    if bg:
        r = bg[0]
        b = bu.get(r["condition"])
        spared = (b is not None and np.isfinite(b["rel_change"])
                  and abs(b["rel_change"]) < abs(r["rel_change"]))
        out += ["", f"Outcome: {r['condition']} changes background NMDA Ca²⁺ per release by "
                f"{r['rel_change'] * 100:+.1f} % (block alone predicts "
                f"{r['prediction'] * 100:+.1f} %); bursts are "
                f"{'spared relatively' if spared else 'NOT spared relative to background'}."]
    return "\n".join(out) + "\n"

"""The background-filtering report: its rows, its section and its figure.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..markdown import markdown_table
from ..run_file import list_runs, read_run
from ..statistics import paired_bootstrap


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
                   "prediction": run.metrics.get(f"{c}_block_prediction_minus70mV", np.nan),
                   "visited": run.metrics.get(f"{base}_block_prediction_visited_{cls}",
                                              np.nan)}
            if a is not None and b is not None:
                ok = np.isfinite(a) & np.isfinite(b)
                if ok.sum() >= 3:
                    pb = paired_bootstrap(a[ok], b[ok], n_boot=4000, seed=0)
                    row.update(n=int(ok.sum()), rel_change=pb.rel_change, low=pb.rel_low,
                               high=pb.rel_high)
            rows.append(row)
    return rows


def _pct_or_na(x: float) -> str:
    return f"{x * 100:+.1f} %" if np.isfinite(x) else "n/a"


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
           f"`{conds[0]}`, paired over neurons (bootstrap 95 % CI); the NMDA Ca²⁺ is "
           "integrated through the postsynaptic voltage with bAPs (docs/plasticity.md §2). "
           "Predictions of the Jahr–Stevens block alone: at −70 mV, and at the "
           f"potentials the releases of `{conds[0]}` actually met (each release at its own "
           "subthreshold V, no bAPs; the [Mg]o of the comparison "
           f"{m.get(f'{conds[0]}_block_prediction_mg_cmp_mM', float('nan')):g} mM).", "",
           markdown_table([[r["condition"], r["interval"], r["n"], _pct_or_na(r["rel_change"]),
                            f"{_pct_or_na(r['low'])} … {_pct_or_na(r['high'])}",
                            _pct_or_na(r["prediction"]), _pct_or_na(r["visited"])]
                           for r in rows],
                          ["condition", "interval", "neurons", "change", "95 % CI",
                           "block at −70 mV", "block at the visited V"])]
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
    out += ["", f"![background filtering](figures/{FILTERING_FIGURE})"]
    bg = [r for r in rows if r["interval"] == "background" and np.isfinite(r["rel_change"])]
    bu = {r["condition"]: r for r in rows if r["interval"] == "burst"}
    if bg:
        r = bg[0]
        b = bu.get(r["condition"])
        if b is not None and np.isfinite(b["rel_change"]):
            pp = 100 * (abs(r["rel_change"]) - abs(b["rel_change"]))
            spared = ("largely spared" if pp > 5 else
                      f"barely spared ({pp:.1f} percentage points less cut)" if pp > 0 else
                      f"NOT spared (cut {-pp:.1f} percentage points more)")
            burst_text = f"bursts by {b['rel_change'] * 100:+.1f} %: bursts are {spared}"
        else:
            burst_text = "no burst intervals to compare"
        out += ["", f"Outcome: {r['condition']} changes background NMDA Ca²⁺ per release by "
                f"{r['rel_change'] * 100:+.1f} % (block alone predicts "
                f"{r['prediction'] * 100:+.1f} %) and {burst_text}."]
    return "\n".join(out) + "\n"


#: Figure file of the background-filtering experiment.
FILTERING_FIGURE = "background_filtering.png"


def filtering_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """NMDA Ca2+ change per interval class and the GluN2B relaxation of the newest
    background-filtering run (``[]`` if none)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures.culture import plot_filtering, plot_glun2b
    paths = list_runs(Path(results) / "runs", "background-filtering", scale)
    if not paths:
        return []
    run = read_run(paths[-1])
    conds = str(run.metrics.get("conditions", "")).split(",")
    from ..figures.style import ci_label, save_figure
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    rows = filtering_rows(run)
    plot_filtering(axes[0], rows, ci_name=ci_label())
    t = run.arrays.get("/glun2b/times_h")
    if t is not None:
        plot_glun2b(axes[1], t, {c: run.arrays[f"/glun2b/{c}/f_mean"] for c in conds
                                 if f"/glun2b/{c}/f_mean" in run.arrays})
    else:
        axes[1].set_axis_off()
    fig.tight_layout()
    out = Path(out_dir) / FILTERING_FIGURE
    ns = sorted({int(r["n"]) for r in rows if r.get("n")})
    save_figure(fig, out, 120, caption=(
        f"Left: change of the NMDA Ca²⁺ per E→E release relative to `{conds[0]}` in "
        f"background and burst intervals, bars = {ci_label()} of the relative change, paired "
        f"over n = {'/'.join(map(str, ns)) or '?'} neurons (one run, seed "
        f"{run.attrs.get('seed')}); dashed: the Jahr–Stevens block alone at −70 mV. Right: "
        f"mean GluN2B fraction of the E cells over hours of spontaneous activity (no error "
        f"bars)."))
    return [out]

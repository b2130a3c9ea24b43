"""The culture-activity report section (markdown): bands, per-condition and per-run tables,
where the statistics landed, calibration provenance and cost.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..bursts import CULTURE_BANDS
from ..markdown import markdown_table
from .activity import (
    BAND_NOTES,
    CALIBRATED_OPTIONS,
    CONTEXT_OPTIONS,
    FIGURE_FILES,
    MIN_ANALYSED_S,
    MIN_SEEDS,
    OUT,
    RATE_COLUMNS,
    STAT_COLUMNS,
    activity_rows,
    calibration_points,
    condition_summary,
    load_activity_records,
)


def _band_text(lo: float, hi: float) -> str:
    if not math.isfinite(hi):
        return f"≥ {lo:g}"
    return f"{lo:g}–{hi:g}"


def _fmt_value(x: float, fmt: str) -> str:
    return fmt.format(x + 0.0) if np.isfinite(x) else "n/a"


def outside_sentences(summary: Sequence[Mapping],
                      bands: Mapping[str, tuple[float, float]] | None = None) -> list[str]:
    """One sentence per condition naming the statistics outside their band.

    E.g. ``"aged: IBI CV outside 0.3–1 in 2/5 runs (0.12, 0.25; below); every other
    statistic inside in every run."``
    """
    bands = CULTURE_BANDS if bands is None else bands
    out = []
    for s in summary:
        n = s["n_runs"]
        runs = f"{n} run{'s' if n != 1 else ''}"
        parts = []
        for k, (lo, hi) in bands.items():
            st = s["stats"][k]
            if not st["n_out"]:
                continue
            label, fmt = STAT_COLUMNS.get(k, (k, "{:.3g}"))
            vals = st["out_values"]
            side = sorted({"undefined" if not np.isfinite(v) else
                           ("below" if v < lo else "above") for v in vals})
            shown = ", ".join(_fmt_value(v, fmt) for v in vals[:6]) + \
                (", …" if len(vals) > 6 else "")
            parts.append(f"{label} outside {_band_text(lo, hi)} in {st['n_out']}/{n} "
                         f"({shown}; {', '.join(side)})")
        if not parts:
            out.append(f"**{s['condition']}**: every statistic inside its band in all {runs}.")
        else:
            rest = ("; every other statistic inside in every run"
                    if len(parts) < len(bands) else "")
            out.append(f"**{s['condition']}**: " + "; ".join(parts) + rest + ".")
    return out


def _acceptance(rows: Sequence[Mapping]) -> str:
    base = [r for r in rows if r["condition"] == "baseline"]
    if not base:
        return "**not assessed**: no baseline run."
    seeds = sorted({r["seed"] for r in base})
    analysed = float(np.min([r["analysed_s"] for r in base]))  # NaN if any is missing
    n_all = sum(r["all_ok"] for r in base)
    checks = [(n_all == len(base), f"{n_all}/{len(base)} baseline runs inside every band"),
              (len(seeds) >= MIN_SEEDS, f"{len(seeds)} seeds (≥ {MIN_SEEDS} required)"),
              (np.isfinite(analysed) and analysed >= MIN_ANALYSED_S - 1e-9,
               f"≥ {analysed:g} s analysed per run (≥ {MIN_ANALYSED_S:g} s required)")]
    met = all(c[0] for c in checks)
    return (("**met**" if met else "**not met**") + ": "
            + "; ".join(t if ok else f"**{t}**" for ok, t in checks) + ".")


def activity_section(results: Path, scale: str | None = None,
                     figures_dir: Path | None = None) -> str:
    """Markdown section of the culture-activity runs at ``scale`` (empty if none)."""
    results = Path(results)
    records = load_activity_records(results, scale)
    if not records:
        return ""
    figures_dir = Path(figures_dir) if figures_dir is not None else results / "figures"
    rows = activity_rows(records)
    summary = condition_summary(rows)
    bands = CULTURE_BANDS
    parts = _intro_lines(records, rows, scale)
    parts += [f"Acceptance (the calibrated baseline inside every band in every seed, "
              f"≥ {MIN_ANALYSED_S:g} s analysed, ≥ {MIN_SEEDS} seeds): " + _acceptance(rows),
              ""]

    parts += ["### Bands", "",
              markdown_table([[STAT_COLUMNS.get(k, (k,))[0], f"`{k}`", _band_text(lo, hi),
                          BAND_NOTES.get(k, "")] for k, (lo, hi) in bands.items()],
                        ["statistic", "metrics key", "band (inclusive)", "science.md §4.7"]),
              ""]

    stat_keys = list(bands)
    head = ["condition", "runs", "all bands"] + \
        [STAT_COLUMNS.get(k, (k,))[0] for k in stat_keys] + \
        [v[0] for v in RATE_COLUMNS.values()]
    parts += ["### Per condition (mean ± SD over seeds)", "",
              f"{OUT} on a mean: the mean lies outside the band; \"all bands\": runs inside "
              "every band.", "", markdown_table(_summary_cells(summary, stat_keys), head), ""]

    parts += ["### Where the statistics landed", ""]
    parts += [f"- {t}" for t in outside_sentences(summary, bands)]
    parts.append("")

    parts += ["### Per run (condition × seed)", "",
              markdown_table(_run_cells(rows, stat_keys), ["condition", "seed", "bands"] +
                        [STAT_COLUMNS.get(k, (k,))[0] for k in stat_keys] +
                        [v[0] for v in RATE_COLUMNS.values()]), ""]
    parts += _provenance_lines(records)
    parts += _cost_lines(rows)

    shown = [n for n in FIGURE_FILES.values() if (figures_dir / n).exists()]
    if shown:
        parts += ["### Figures", ""] + [f"![{Path(n).stem}](figures/{n})" for n in shown] + [""]
    return "\n".join(parts)


def _intro_lines(records: Sequence[Mapping], rows: Sequence[Mapping],
                 scale: str | None) -> list[str]:
    """Heading and opening paragraph of :func:`activity_section`."""
    n_neurons = sorted({r["n_neurons"] for r in rows if r["n_neurons"] is not None})
    analysed = sorted({round(r["analysed_s"], 3) for r in rows if np.isfinite(r["analysed_s"])})
    starts = sorted({float(rec["metrics"].get("analysis_t_start_s", float("nan")))
                     for rec in records})
    return ["## Culture activity: network bursts vs the culture bands (science.md §4 item 7)",
            "",
            f"{len(rows)} `culture-activity` run(s) at scale `{scale or records[0]['scale']}`"
            f" ({', '.join(str(n) for n in n_neurons) or '?'} neurons; "
            f"{', '.join(f'{a:g}' for a in analysed) or '?'} s analysed per run after a "
            f"warm-up of {', '.join(f'{s:g}' for s in starts)} s). Network bursts are "
            "detected on the combined E+I population rate (`mgnet.analysis.bursts`, default "
            "detector settings) and the statistics are those the run stored in `/metrics`; "
            "the band verdicts are recomputed here with `mgnet.analysis.bursts.CULTURE_BANDS`. "
            f"{OUT} marks a value outside its band (an undefined value, n/a, counts as "
            "outside).", ""]


def _summary_cells(summary: Sequence[Mapping], stat_keys: Sequence[str]) -> list[list[str]]:
    """Rows of the per-condition table (mean ± SD over seeds) of :func:`activity_section`."""
    srows = []
    for s in summary:
        cells = [s["condition"], str(s["n_runs"]), f"{s['n_all_ok']}/{s['n_runs']}"]
        for k in stat_keys:
            st = s["stats"][k]
            fmt = STAT_COLUMNS.get(k, (k, "{:.3g}"))[1]
            txt = _fmt_value(st["mean"], fmt)
            if np.isfinite(st["sd"]):
                txt += f" ± {_fmt_value(st['sd'], fmt)}"
            if st["n_finite"] < s["n_runs"]:
                txt += f" (n/a in {s['n_runs'] - st['n_finite']})"
            if not st["mean_ok"]:
                txt = f"**{txt}** {OUT}"
            cells.append(txt)
        for k, (_, fmt) in RATE_COLUMNS.items():
            r = s["rates"][k]
            cells.append(_fmt_value(r["mean"], fmt)
                         + (f" ± {_fmt_value(r['sd'], fmt)}" if np.isfinite(r["sd"]) else ""))
        srows.append(cells)
    return srows


def _run_cells(rows: Sequence[Mapping], stat_keys: Sequence[str]) -> list[list[str]]:
    """Rows of the per-run table (condition × seed) of :func:`activity_section`."""
    prow = []
    for r in rows:
        cells = [r["condition"], str(r["seed"]), f"{r['n_ok']}/{r['n_bands']}"]
        for k in stat_keys:
            fmt = STAT_COLUMNS.get(k, (k, "{:.3g}"))[1]
            txt = _fmt_value(r["values"][k], fmt)
            cells.append(txt if r["ok"][k] else f"**{txt}** {OUT}")
        for k, (_, fmt) in RATE_COLUMNS.items():
            cells.append(_fmt_value(r[k], fmt))
        prow.append(cells)
    return prow


def _provenance_lines(records: Sequence[Mapping]) -> list[str]:
    """The "Calibration provenance" subsection of :func:`activity_section`."""
    points = calibration_points(records)
    parts = ["### Calibration provenance", "",
             "The baseline network was calibrated once against these bands "
             "(`mgnet calibrate-culture`, experiments/calibrate_culture.py; procedure in "
             "docs/culture.md §3); the calibrated values, the search table and its "
             "provenance are in `models/culture_calibration.toml`. Every other condition "
             "is a validation (not tuned). Network parameters of these runs, read from "
             "each run's resolved config:", ""]
    cols = list(CALIBRATED_OPTIONS + CONTEXT_OPTIONS)
    parts.append(markdown_table(
        [[str(p["point"][k]) for k in cols]
         + [{True: "yes", False: "**no** (uncalibrated fallback)"}.get(p["calibrated"], "?"),
            str(p["n_runs"]), ", ".join(p["commits"])] for p in points],
        [f"`{k}`" + (" (calibrated)" if k in CALIBRATED_OPTIONS else "") for k in cols]
        + ["calibration file present", "runs", "commits"]))
    if len(points) > 1:
        parts += ["", f"**The runs used {len(points)} different network parameter sets**: "
                  "pooling them mixes calibrations; re-run with `mgnet reproduce --only "
                  "culture-activity` (stale runs are moved aside)."]
    parts.append("")
    return parts


def _cost_lines(rows: Sequence[Mapping]) -> list[str]:
    """The wall-time sentence of :func:`activity_section` (none without timed runs)."""
    run_s = np.array([r["run_s"] for r in rows], float)
    ok_t = np.isfinite(run_s)
    comp = np.array([r["compile_s"] for r in rows], float)
    comp = comp[np.isfinite(comp) & (comp > 0)]
    per = np.array([r["wall_per_sim_s"] for r in rows], float)
    per = per[np.isfinite(per)]
    if not ok_t.any():
        return []
    return [f"Cost: simulation wall time per run median {np.median(run_s[ok_t]):.0f} s "
            f"(range {run_s[ok_t].min():.0f}–{run_s[ok_t].max():.0f} s"
            + (f", ≈ {np.median(per):.2f} s wall per simulated second" if per.size
               else "") + ", one thread)"
            + (f"; compilation median {np.median(comp):.0f} s per structure (seed), "
               "paid once per seed when not cached" if comp.size else "") + ".", ""]

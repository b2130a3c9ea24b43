"""Report sections for the culture experiments (culture bands; background-filtering).

Everything is computed from saved run files; no brian2.

culture-activity (science.md §4 item 7, §5): the burst statistics that each run stored
in ``/metrics`` (computed by :mod:`mgnet.analysis.bursts` on the combined E+I spikes after the
warm-up), compared here with :data:`mgnet.analysis.bursts.CULTURE_BANDS` (the band verdict is
recomputed with the current bands, not read from the file): one row per run (condition x
seed), a per-condition summary (mean ± SD over seeds, runs inside every band), the band
limits, one sentence per condition naming the statistics outside their band, the
acceptance check of the calibrated baseline (inside every band in every seed, >= 120 s
analysed, >= 5 seeds) and the network parameters the runs used (from each run's resolved
config, ``config_toml``).  Figures: :func:`activity_figures`
(:mod:`mgnet.analysis.figures.culture`).

background-filtering: relative change of the NMDA Ca2+ per E->E release between the run's
condition and each compared condition, separately for background and burst intervals,
with paired bootstrap 95 % CIs over neurons (same structure and random stream in every
condition), next to the Jahr–Stevens prediction at -70 mV stored by the experiment.

Command: ``mgnet reproduce --only culture-activity`` then ``mgnet figures`` (or
``mgnet reproduce``); the tables go to ``results/report.md``.
"""
from __future__ import annotations

import math
import tomllib
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import h5py
import numpy as np

from .markdown import markdown_table
from .bursts import CULTURE_BANDS, check_bands, population_rate
from .figures.style import CONDITION_ORDER as _STYLE_ORDER
from .run_file import list_runs, read_run
from .statistics import paired_bootstrap

__all__ = ["filtering_rows", "filtering_section", "ACTIVITY_EXPERIMENT", "CONDITION_ORDER",
           "STAT_COLUMNS", "FIGURE_FILES", "MIN_ANALYSED_S", "MIN_SEEDS",
           "load_activity_records", "activity_rows", "condition_summary",
           "outside_sentences", "calibration_points", "activity_section",
           "activity_figures", "filtering_figures", "FILTERING_FIGURE"]


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
    from .figures.culture import plot_filtering, plot_glun2b
    paths = list_runs(Path(results) / "runs", "background-filtering", scale)
    if not paths:
        return []
    run = read_run(paths[-1])
    conds = str(run.metrics.get("conditions", "")).split(",")
    from .figures.style import ci_label, save_figure
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


# ======================================================================================
# culture-activity: the culture bands (science.md §4 item 7) per condition and seed
# ======================================================================================
ACTIVITY_EXPERIMENT = "culture-activity"
#: Conditions of science.md §5, in display order (others follow alphabetically): the one
#: order of :mod:`mgnet.analysis.figures.style`.
CONDITION_ORDER = _STYLE_ORDER
#: Banded statistics: ``/metrics`` key -> (label, format), in table order.
STAT_COLUMNS = {"burst_rate_per_min": ("bursts/min", "{:.1f}"),
                "ibi_cv": ("IBI CV", "{:.2f}"),
                "duration_median_s": ("median duration (s)", "{:.2f}"),
                "fraction_spikes_in_bursts": ("spikes in bursts", "{:.2f}"),
                "between_burst_rate_hz": ("between-burst rate (Hz)", "{:.2f}"),
                "intra_burst_rate_hz": ("intra-burst rate (Hz)", "{:.1f}")}
#: Unbanded rates shown next to them.
RATE_COLUMNS = {"rate_exc_hz": ("E rate (Hz)", "{:.2f}"),
                "rate_inh_hz": ("I rate (Hz)", "{:.2f}")}
#: Where each band comes from (science.md §4 item 7).
BAND_NOTES = {"burst_rate_per_min": "network-burst rate 1–30 per minute",
              "ibi_cv": "inter-burst-interval CV ≈ 0.3–1",
              "duration_median_s": "burst duration 0.1–2 s (applied to the median)",
              "fraction_spikes_in_bursts": "> 80 % of spikes inside bursts",
              "between_burst_rate_hz": "between-burst rate < 1 Hz (per neuron)",
              "intra_burst_rate_hz": "intra-burst rates of tens of Hz (≥ 10 Hz per "
                                     "participating neuron)"}
#: Network parameters set by the one-time calibration (``[options]`` of config_toml).
CALIBRATED_OPTIONS = ("bg_weight", "q_ee_scale", "b_slow", "bg_mod_cv")
#: Other network options shown with them (uncalibrated, but they shape the bursts).
CONTEXT_OPTIONS = ("bg_rate", "bg_mod_tau", "n_neurons")
#: Acceptance (issue 4): the baseline inside every band, over >= this much analysed
#: simulated time, for >= this many seeds.
MIN_ANALYSED_S = 120.0
MIN_SEEDS = 5
#: Figure files written by :func:`activity_figures`.
FIGURE_FILES = {"raster": "culture_raster.png", "bands": "culture_bands.png"}
#: Marker of an out-of-band cell.
OUT = "✗"
#: Window of the raster figure (s from the start of the run) and its conditions.
RASTER_WINDOW_S = 40.0
RASTER_CONDITIONS = ("baseline", "elevated_mg")


def _plain(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _options(config_toml: str) -> dict:
    """``[options]`` of a resolved config (empty if absent or unreadable)."""
    try:
        return dict(tomllib.loads(config_toml or "").get("options", {}))
    except tomllib.TOMLDecodeError:
        return {}


def load_activity_records(results: Path, scale: str | None = None) -> list[dict]:
    """The culture-activity runs at ``scale`` under ``results/runs``, metrics only.

    Only root attributes and ``/metrics`` are read (not the spikes), so the table of
    30 default-scale runs is cheap.

    Returns
    -------
    list of dict
        ``path``, ``run_id``, ``condition``, ``seed``, ``scale``, ``metrics`` (dict),
        ``options`` (the ``[options]`` table of the run's resolved config), ``git_commit``.
    """
    out = []
    for path in list_runs(Path(results) / "runs", ACTIVITY_EXPERIMENT, scale):
        with h5py.File(path, "r") as f:
            attrs = {k: _plain(v) for k, v in f.attrs.items()}
            metrics = ({k: _plain(v) for k, v in f["metrics"].attrs.items()}
                       if "metrics" in f else {})
        out.append({"path": Path(path), "run_id": str(attrs.get("run_id", Path(path).stem)),
                    "condition": str(attrs.get("condition", "?")),
                    "seed": int(attrs.get("seed", -1)), "scale": attrs.get("scale"),
                    "metrics": metrics, "options": _options(attrs.get("config_toml", "")),
                    "git_commit": str(attrs.get("git_commit", "?"))})
    return out


def _condition_key(c: str):
    return (CONDITION_ORDER.index(c), "") if c in CONDITION_ORDER else (len(CONDITION_ORDER), c)


def activity_rows(records: Sequence[Mapping],
                  bands: Mapping[str, tuple[float, float]] | None = None) -> list[dict]:
    """One row per run: the banded statistics, their verdicts and the rates.

    Parameters
    ----------
    records : sequence of mapping
        As returned by :func:`load_activity_records` (``condition``, ``seed``,
        ``metrics``; ``run_id`` optional).
    bands : mapping, optional
        Default :data:`mgnet.analysis.bursts.CULTURE_BANDS`.

    Returns
    -------
    list of dict
        Sorted by condition (:data:`CONDITION_ORDER`) and seed: ``condition``, ``seed``,
        ``run_id``, ``values`` (statistic -> float, NaN if missing), ``ok`` (statistic ->
        bool; an undefined value is outside), ``n_ok``, ``n_bands``, ``all_ok``,
        ``rate_exc_hz``, ``rate_inh_hz``, ``analysed_s`` (analysed simulated time),
        ``n_neurons``, ``n_bursts``, ``run_s`` and ``compile_s`` (wall seconds),
        ``wall_per_sim_s``.
    """
    bands = CULTURE_BANDS if bands is None else bands
    rows = []
    for rec in records:
        m = rec["metrics"]
        checked = check_bands({k: m.get(k, float("nan")) for k in bands}, bands)
        values = {k: v[0] for k, v in checked.items()}
        ok = {k: v[3] for k, v in checked.items()}
        f = lambda k: float(m.get(k, float("nan")))  # noqa: E731
        rows.append({"condition": str(rec["condition"]), "seed": int(rec["seed"]),
                     "run_id": str(rec.get("run_id", "")), "values": values, "ok": ok,
                     "n_ok": int(sum(ok.values())), "n_bands": len(ok),
                     "all_ok": bool(all(ok.values())),
                     "rate_exc_hz": f("rate_exc_hz"), "rate_inh_hz": f("rate_inh_hz"),
                     "analysed_s": f("analysis_t_stop_s") - f("analysis_t_start_s"),
                     "n_neurons": (int(m["n_exc"]) + int(m["n_inh"])
                                   if "n_exc" in m and "n_inh" in m else None),
                     "n_bursts": int(m["n_bursts"]) if "n_bursts" in m else None,
                     "run_s": f("run_s"), "compile_s": f("compile_s"),
                     "wall_per_sim_s": f("wall_per_sim_s")})
    rows.sort(key=lambda r: (_condition_key(r["condition"]), r["seed"], r["run_id"]))
    return rows


def _mean_sd(v: np.ndarray) -> tuple[float, float, int]:
    v = v[np.isfinite(v)]
    mean = float(np.mean(v)) if v.size else float("nan")
    sd = float(np.std(v, ddof=1)) if v.size >= 2 else float("nan")
    return mean, sd, int(v.size)


def condition_summary(rows: Sequence[Mapping],
                      bands: Mapping[str, tuple[float, float]] | None = None) -> list[dict]:
    """Per condition: mean ± SD over runs (seeds) of every statistic and rate.

    The SD is the sample SD (``ddof=1``); undefined values (NaN) are left out of the mean
    and counted in ``n_finite``.

    Returns
    -------
    list of dict
        In row order of conditions: ``condition``, ``n_runs``, ``seeds``, ``n_all_ok``
        (runs inside every band), ``stats`` (name -> {``mean``, ``sd``, ``n_finite``,
        ``n_out`` (runs outside the band), ``out_values`` (their values),
        ``mean_ok`` (the mean inside the band)}) and ``rates`` (name -> {``mean``, ``sd``}).
    """
    bands = CULTURE_BANDS if bands is None else bands
    out = []
    for cond in dict.fromkeys(r["condition"] for r in rows):
        rs = [r for r in rows if r["condition"] == cond]
        stats = {}
        for k, (lo, hi) in bands.items():
            v = np.array([r["values"][k] for r in rs], float)
            mean, sd, n = _mean_sd(v)
            stats[k] = {"mean": mean, "sd": sd, "n_finite": n,
                        "n_out": int(sum(not r["ok"][k] for r in rs)),
                        "out_values": [float(r["values"][k]) for r in rs if not r["ok"][k]],
                        "mean_ok": bool(np.isfinite(mean) and lo <= mean <= hi)}
        rates = {}
        for k in RATE_COLUMNS:
            mean, sd, _ = _mean_sd(np.array([r[k] for r in rs], float))
            rates[k] = {"mean": mean, "sd": sd}
        out.append({"condition": cond, "n_runs": len(rs), "seeds": [r["seed"] for r in rs],
                    "n_all_ok": int(sum(r["all_ok"] for r in rs)), "stats": stats,
                    "rates": rates})
    return out


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


def calibration_points(records: Sequence[Mapping]) -> list[dict]:
    """Distinct network parameter sets (:data:`CALIBRATED_OPTIONS` and
    :data:`CONTEXT_OPTIONS` from the runs' resolved configs) with the runs using each and
    whether the run recorded a calibrated network (``/metrics`` ``culture_calibrated``)."""
    groups: dict[tuple, dict] = {}
    for rec in records:
        opts = rec.get("options", {})
        point = {k: opts.get(k, "?") for k in CALIBRATED_OPTIONS + CONTEXT_OPTIONS}
        cal = rec["metrics"].get("culture_calibrated")
        key = (tuple(str(point[k]) for k in point), cal)
        g = groups.setdefault(key, {"point": point, "calibrated": cal, "n_runs": 0,
                                    "commits": set()})
        g["n_runs"] += 1
        g["commits"].add(str(rec.get("git_commit", "?"))[:10])
    return [{**g, "commits": sorted(g["commits"])} for g in groups.values()]


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


def _detector_threshold() -> float:
    """Default threshold (Hz per neuron) of :func:`mgnet.analysis.bursts.detect_network_bursts`."""
    import inspect
    from .bursts import detect_network_bursts
    return float(inspect.signature(detect_network_bursts).parameters["threshold"].default)


def _raster_seed(records: Sequence[Mapping]) -> int | None:
    """Seed 0 if both raster conditions have it, else the lowest seed they share, else
    the lowest seed of any raster condition."""
    by = {c: {r["seed"] for r in records if r["condition"] == c} for c in RASTER_CONDITIONS}
    common = set.intersection(*by.values()) if all(by.values()) else set()
    if 0 in common:
        return 0
    if common:
        return min(common)
    anyseed = set().union(*by.values())
    return min(anyseed) if anyseed else None


def activity_figures(results: Path, out_dir: Path | None = None, scale: str | None = None,
                     dpi: int = 150) -> list[Path]:
    """Draw the culture figures whose run files exist; return the written paths.

    - ``culture_raster.png``: raster and population rate of the first
      :data:`RASTER_WINDOW_S` s of baseline and elevated_mg (seed 0, or the lowest seed
      both have), detected bursts shaded, the discarded warm-up hatched.
    - ``culture_bands.png``: every banded statistic per condition, one point per seed,
      the band shaded.
    """
    import matplotlib
    matplotlib.use("Agg")
    results = Path(results)
    records = load_activity_records(results, scale)
    if not records:
        return []
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    return _raster_figure(records, out_dir, dpi) + _bands_figure(records, out_dir, dpi)


def _raster_panel(run) -> tuple:
    """What one column of the raster figure shows: ``(run, n_exc, n_inh, t1, tr, rate,
    bursts, warm-up)``."""
    m = run.metrics
    n_exc, n_inh = int(m["n_exc"]), int(m["n_inh"])
    t1 = min(RASTER_WINDOW_S, float(m.get("analysis_t_stop_s", RASTER_WINDOW_S)))
    te, ie = run.spikes["exc"]
    ti, ii = run.spikes["inh"]
    t_all = np.concatenate([te, ti])
    tr, rate = population_rate(t_all, n_exc + n_inh, t1, t_start=0.0)
    bursts = (run.arrays.get("/bursts/start", np.zeros(0)),
              run.arrays.get("/bursts/stop", np.zeros(0)))
    return (run, n_exc, n_inh, t1, tr, rate, bursts, float(m.get("analysis_t_start_s", 0.0)))


def _raster_figure(records: Sequence[Mapping], out_dir: Path, dpi: int) -> list[Path]:
    """``culture_raster.png`` of :func:`activity_figures` (empty list if not drawn)."""
    import matplotlib.pyplot as plt
    from .figures import culture as fc
    from .figures.style import save_figure
    seed = _raster_seed(records)
    # One run per condition (the last listed if a condition and seed were run twice).
    shown = list({rec["condition"]: rec for c in RASTER_CONDITIONS for rec in records
                  if rec["condition"] == c and rec["seed"] == seed}.values())
    if not shown:
        return []
    try:
        runs = [read_run(rec["path"]) for rec in shown]
        panels = [_raster_panel(run) for run in runs]
        ymax = max(float(np.max(p[5])) for p in panels) * 1.05 or 1.0
        fig, axes = plt.subplots(2, len(panels), figsize=(6.5 * len(panels), 6.2),
                                 squeeze=False, sharex="col",
                                 gridspec_kw={"height_ratios": [3, 1.2]})
        for k, (run, n_exc, n_inh, t1, tr, rate, bursts, warm) in enumerate(panels):
            m = run.metrics
            fc.plot_raster(axes[0, k], run.spikes["exc"], run.spikes["inh"], n_exc, n_inh,
                           (0.0, t1), bursts=bursts, warmup=warm,
                           title=f"{run.attrs.get('condition')} (seed "
                                 f"{run.attrs.get('seed')}; [Mg]o "
                                 f"{m.get('mg_o_mM', float('nan')):g} mM, [Mg]i "
                                 f"{m.get('mg_i_mM', float('nan')):g} mM)")
            fc.plot_population_rate(axes[1, k], tr, rate, bursts=bursts,
                                    threshold=_detector_threshold(),
                                    warmup=warm, ymax=ymax)
        axes[1, 0].legend(loc="upper right", fontsize=7, frameon=False)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["raster"]
        save_figure(fig, path, dpi, split="columns", caption=(
            f"Spike rasters (top; E below, I above the line) and population rate per "
            f"neuron (bottom) of the first {max(p[3] for p in panels):g} s of "
            + " and ".join(str(r.attrs.get("condition")) for r in runs)
            + f" (one run each, seed {seed}); shaded: detected network bursts, hatched: "
            f"the discarded warm-up, dashed: the detector threshold. Single runs, no "
            f"error bars; n = {int(runs[0].metrics.get('n_exc', 0))} E + "
            f"{int(runs[0].metrics.get('n_inh', 0))} I neurons."))
        return [path]
    except (KeyError, ValueError) as exc:
        plt.close("all")
        warnings.warn(f"figure {FIGURE_FILES['raster']} skipped: {exc}", RuntimeWarning,
                      stacklevel=3)
        return []


def _bands_figure(records: Sequence[Mapping], out_dir: Path, dpi: int) -> list[Path]:
    """``culture_bands.png`` of :func:`activity_figures` (empty list if not drawn)."""
    import matplotlib.pyplot as plt
    from .figures import culture as fc
    from .figures.style import save_figure
    rows = activity_rows(records)
    conds = list(dict.fromkeys(r["condition"] for r in rows))
    log_keys = {"burst_rate_per_min", "duration_median_s"}
    keys = list(CULTURE_BANDS)
    ncol = 3
    nrow = math.ceil(len(keys) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    try:
        for ax, k in zip(axes.ravel(), keys):
            values = {c: [r["values"][k] for r in rows if r["condition"] == c] for c in conds}
            fc.plot_statistic_by_condition(ax, values, CULTURE_BANDS[k],
                                           label=STAT_COLUMNS.get(k, (k,))[0],
                                           log=k in log_keys)
        for ax in axes.ravel()[len(keys):]:
            ax.set_visible(False)
        fig.suptitle("culture bands (shaded grey) per condition; one point per seed, bar = "
                     "mean, open circle = outside the band; no error bars", fontsize=9)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["bands"]
        n_by = {c: sum(1 for r in rows if r["condition"] == c) for c in conds}
        save_figure(fig, path, dpi, close=False, caption=(
            "Burst statistics of the culture network per condition against the culture bands "
            "of science.md §4.7 (shaded): one point per seed (open circles lie outside the "
            "band), line = mean over seeds, no error bars; n = "
            + ", ".join(f"{v} {c}" for c, v in n_by.items()) + " seeds."))
        return [path]
    except ValueError as exc:
        warnings.warn(f"figure {FIGURE_FILES['bands']} skipped: {exc}", RuntimeWarning,
                      stacklevel=3)
        return []
    finally:
        plt.close(fig)

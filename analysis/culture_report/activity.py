"""Culture-activity runs as the report reads them: the tables' columns and limits, the
run records, one row per run with its band verdicts, the per-condition summary and the
calibration points the runs used.
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np

from ..bursts import CULTURE_BANDS, check_bands
from ..figures.style import CONDITION_ORDER as _STYLE_ORDER
from ..run_file import list_runs

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
#: Network parameters set by the one-time calibration (``[params.culture]`` of config_toml;
#: ``[options]`` in runs made before the culture joined the model parameters).
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
    """The network settings of a resolved config: ``[params.culture]`` and ``[options]``
    (where runs made before the culture joined the model parameters kept them) in one
    table (empty if absent or unreadable)."""
    try:
        table = tomllib.loads(config_toml or "")
    except tomllib.TOMLDecodeError:
        return {}
    return {**table.get("params", {}).get("culture", {}), **table.get("options", {})}


def load_activity_records(results: Path, scale: str | None = None) -> list[dict]:
    """The culture-activity runs at ``scale`` under ``results/runs``, metrics only.

    Only root attributes and ``/metrics`` are read (not the spikes), so the table of
    30 default-scale runs is cheap.

    Returns
    -------
    list of dict
        ``path``, ``run_id``, ``condition``, ``seed``, ``scale``, ``metrics`` (dict),
        ``options`` (the network settings of the run's resolved config: its
        ``[params.culture]`` and ``[options]``, see :func:`_options`), ``git_commit``.
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
        f = lambda k, m=m: float(m.get(k, float("nan")))  # noqa: E731
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

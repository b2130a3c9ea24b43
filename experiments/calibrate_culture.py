"""One-time, re-runnable calibration of the culture network against the culture bands.

Target (science.md §4 item 7; calibration target, set once): the *baseline* culture of
:mod:`mgnet.models.culture` lands inside every band of :data:`mgnet.analysis.bursts.CULTURE_BANDS`
over >= 120 s: network-burst rate 1-30 per minute, inter-burst-interval CV 0.3-1, median
burst duration 0.1-2 s, > 80 % of spikes inside bursts, between-burst rate < 1 Hz and an
intra-burst rate of tens of Hz (Wagenaar, Pine & Potter 2006 BMC Neurosci 7:11; Brewer
et al. 2009; Masquelier & Deco 2013 PLoS ONE 8:e75824).

Four network parameters are searched (all other parameters keep their documented
literature or convention values; docs/culture.md):

* ``bg_weight`` - conductance of a background (spontaneous) AMPA event; sets how often
  spontaneous spikes ignite a burst (the steepest direction);
* ``q_ee_scale`` - scale of every E->E (and, through ``q_ei_scale``, E->I) quantal
  conductance; sets the recurrent gain (burst ignition and intra-burst rate);
* ``b_slow`` - slow spike-triggered adaptation of excitatory cells (tau 4 s); with
  depression it ends bursts and sets the refractory period between them;
* ``bg_mod_cv`` - SD of the shared slow modulation of the background rate; it makes the
  ignition time, hence the inter-burst interval, irregular (IBI CV).

Procedure:

1. **Grid**: every combination of :data:`GRID` is simulated once at the calibration
   size (2000 neurons) for ``search_duration`` (default 60 s, the first ``warmup``
   seconds discarded) on one structure seed; all points share one compiled standalone
   project (they differ only in run_args) and run in two processes.
2. **Full length**: the :data:`N_FINALISTS` best grid points are simulated again for
   ``final_duration`` (default 125 s; the IBI CV needs >= 120 s of bursts) on the same
   structure, and the best of these is the calibration.  "Best" is the most bands
   satisfied, ties broken by the distance to a target point inside the bands
   (:func:`score`).
3. The result, with the search table and provenance, is written (with ``--write``) to
   ``models/culture_calibration.toml``, which :class:`mgnet.models.parameters.CultureParams`
   reads on first use.
Validation (not tuned) is not part of this module: it is the ``culture-activity``
experiment at default scale for the six conditions of science.md §5 x seeds 0-4
(``mgnet reproduce --only culture-activity``), one run file per run, and the report
(:mod:`mgnet.analysis.culture_report`) computes the band table from those files.
``--validate`` only prints that command.

Entry points: :func:`calibrate_culture`, the argparse hook :func:`add_parser`
(``mgnet calibrate-culture``, registered in ``experiments/cli.py``) and ``python -m mgnet.experiments.calibrate_culture``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import itertools
import math
import multiprocessing as mp
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mgnet.experiments.calibration_cli import NOT_WRITTEN, add_write_flags, write_requested
from mgnet.models.calibration_files import SCHEMA_VERSION as CALIBRATION_SCHEMA_VERSION

__all__ = ["CALIBRATION_FILE", "GRID", "KEYS", "TARGETS", "VALIDATE_COMMAND", "score",
           "evaluate", "calibrate_culture", "add_parser", "run_cli", "main"]

_REPO = Path(__file__).resolve().parent.parent
#: Read by models/params_culture.py on first use (CultureParams defaults).
CALIBRATION_FILE = _REPO / "models" / "culture_calibration.toml"
#: The validation (six conditions x seeds 0-4 at default scale, run files + report).
VALIDATE_COMMAND = "mgnet reproduce --only culture-activity"

#: Coarse search grid (values in nS, 1, pA, 1).  bg_weight is the steep direction; the
#: ranges come from a first search without modulation (docs/culture.md §3): below 11.5 nS
#: no bursts, above 12 nS ever more frequent, clock-like bursts; b_slow 20 pA gave longer,
#: costlier bursts than 40 pA with the same band verdicts, so b_slow is held at 40 pA.
GRID = {"bg_weight_nS": (11.5, 12.0),
        "q_ee_scale": (12.0, 14.0),
        "b_slow_pA": (40.0,),
        "bg_mod_cv": (0.15, 0.3)}
#: Search parameters, in table order.
KEYS = ("bg_weight_nS", "q_ee_scale", "b_slow_pA", "bg_mod_cv")
#: Grid points re-simulated at full length.
N_FINALISTS = 3
#: Target point inside each band (the score is the distance to these, in band units).
TARGETS = {"burst_rate_per_min": 6.0, "ibi_cv": 0.6, "duration_median_s": 0.5,
           "fraction_spikes_in_bursts": 0.95, "between_burst_rate_hz": 0.1,
           "intra_burst_rate_hz": 30.0}
#: Quantities compared on a log scale in the score.
_LOG = ("burst_rate_per_min", "duration_median_s", "between_burst_rate_hz",
        "intra_burst_rate_hz", "ibi_cv")

DEFAULT_N = 2000
DEFAULT_SEED = 0
DEFAULT_SEARCH_S = 60.0
DEFAULT_FINAL_S = 125.0
DEFAULT_WARMUP_S = 5.0


class CalibrationError(ValueError):
    """The culture calibration cannot proceed (bad input or nothing simulated)."""


# --------------------------------------------------------------------------------------
# Objective
# --------------------------------------------------------------------------------------
def score(stats: dict) -> tuple[int, float]:
    """(number of bands satisfied, distance to :data:`TARGETS`); larger is better for
    the first, smaller for the second.

    The distance is the root-mean-square over the bands of the deviation from the target
    point, on a log scale for rates/durations/CV (log10) and linearly for the spike
    fraction (in units of 0.1); an undefined statistic (NaN, e.g. no bursts) counts as a
    deviation of 3.
    """
    from mgnet.analysis.bursts import check_bands
    bands = check_bands(stats)
    n_ok = sum(b[3] for b in bands.values())
    dev = []
    for name, target in TARGETS.items():
        v = float(stats.get(name, float("nan")))
        if not math.isfinite(v):
            dev.append(3.0)
        elif name in _LOG:
            dev.append(abs(math.log10(max(v, 1e-3)) - math.log10(target)))
        else:
            dev.append(abs(v - target) / 0.1)
        # Within band and on the good side of the target (e.g. fewer between-burst
        # spikes or more spikes in bursts) is no worse than the target itself.
        if name == "fraction_spikes_in_bursts" and math.isfinite(v) and v >= target:
            dev[-1] = 0.0
        if name == "between_burst_rate_hz" and math.isfinite(v) and v <= target:
            dev[-1] = 0.0
        if name == "intra_burst_rate_hz" and math.isfinite(v) and v >= target:
            dev[-1] = 0.0
    return int(n_ok), float(np.sqrt(np.mean(np.square(dev))))


def _culture(base, point: dict):
    from brian2 import nS, pA
    return dataclasses.replace(base, bg_weight=point["bg_weight_nS"] * nS,
                               q_ee_scale=float(point["q_ee_scale"]),
                               b_slow=point["b_slow_pA"] * pA,
                               bg_mod_cv=float(point["bg_mod_cv"]))


def _summarise(result: dict, t_start: float, t_stop: float) -> dict:
    from .culture_activity import analyse, metrics_from
    ana = analyse(result["spikes"], result["n_exc"], result["n_inh"], t_start, t_stop)
    m = metrics_from(result, ana, t_start, t_stop)
    keep = ("n_bursts", "burst_rate_per_min", "ibi_mean_s", "ibi_cv", "duration_mean_s",
            "duration_median_s", "participation_mean", "fraction_spikes_in_bursts",
            "between_burst_rate_hz", "intra_burst_rate_hz", "bands_ok", "all_bands_ok",
            "rate_exc_hz", "rate_inh_hz", "run_s", "build_s", "compile_s",
            "silent_fraction_ee", "mean_pr_ee_active", "n_contacts_ee", "n_contacts_ei",
            "n_contacts_ie", "n_contacts_ii")
    return {k: m[k] for k in keep}


def _worker(args) -> list[dict]:
    """Simulate a list of (condition, point) samples on one structure (subprocess)."""
    (n, seed, duration_s, warmup_s, jobs) = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from brian2 import second

    from mgnet.models.backend import configure
    from mgnet.models.culture import simulate_culture
    from mgnet.models.parameters import CultureParams, condition
    configure(device="runtime", threads=1)
    base = CultureParams()
    samples = [(condition(cond), _culture(base, point)) for cond, point in jobs]
    results = simulate_culture(n, samples, seed=seed, duration=duration_s * second,
                               device_name="cpp_standalone")
    return [_summarise(r, warmup_s, duration_s) for r in results]


def evaluate(jobs: list[tuple[str, dict]], *, n: int, seed: int, duration_s: float,
             warmup_s: float, processes: int = 2, verbose: bool = True) -> list[dict]:
    """Simulate ``jobs`` ((condition, point) pairs) on the structure of ``seed``, in up
    to ``processes`` processes (the compiled project is shared and cached)."""
    if not jobs:
        return []
    t0 = time.time()
    # Build and compile once in a first process with one job, so that the workers only
    # reuse the cached project (no two compilations of the same project at once).
    first = _run_pool([(n, seed, duration_s, warmup_s, jobs[:1])], 1)[0]
    rest = jobs[1:]
    chunks = [rest[k::processes] for k in range(processes)] if rest else []
    chunks = [c for c in chunks if c]
    outs = _run_pool([(n, seed, duration_s, warmup_s, c) for c in chunks], len(chunks))
    # Re-interleave to the job order.
    results = [first[0]]
    iters = [iter(o) for o in outs]
    for k in range(len(rest)):
        results.append(next(iters[k % len(chunks)]))
    if verbose:
        print(f"    {len(jobs)} simulations of {duration_s:g} s on seed {seed} "
              f"({time.time() - t0:.0f} s wall)", flush=True)
    return results


def _run_pool(args_list, processes: int):
    if processes <= 1 or len(args_list) == 1:
        ctx = mp.get_context("spawn")
        with ctx.Pool(1) as pool:
            return pool.map(_worker, args_list)
    ctx = mp.get_context("spawn")
    with ctx.Pool(min(processes, len(args_list))) as pool:
        return pool.map(_worker, args_list)


def _fmt_point(p: dict) -> str:
    return (f"bg_weight {p['bg_weight_nS']:g} nS, q_ee_scale {p['q_ee_scale']:g}, "
            f"b_slow {p['b_slow_pA']:g} pA, bg_mod_cv {p['bg_mod_cv']:g}")


def _fmt_stats(s: dict) -> str:
    return (f"{s['bands_ok']}/6 bands | rate {s['burst_rate_per_min']:.1f}/min, "
            f"CV {s['ibi_cv']:.2f}, dur {s['duration_median_s']:.2f} s, in-burst "
            f"{s['fraction_spikes_in_bursts']:.2f}, between {s['between_burst_rate_hz']:.2f} "
            f"Hz, intra {s['intra_burst_rate_hz']:.1f} Hz (E {s['rate_exc_hz']:.2f} Hz, "
            f"I {s['rate_inh_hz']:.2f} Hz)")


def calibrate_culture(*, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
                      search_duration_s: float = DEFAULT_SEARCH_S,
                      final_duration_s: float = DEFAULT_FINAL_S,
                      warmup_s: float = DEFAULT_WARMUP_S, grid: dict | None = None,
                      n_finalists: int = N_FINALISTS, processes: int = 2,
                      write: bool = False, path: str | Path = CALIBRATION_FILE,
                      command: str | None = None, verbose: bool = True) -> dict:
    """Grid search of the baseline culture, finalists at full length; write the result.

    Returns
    -------
    dict
        ``best`` (point), ``best_stats``, ``table`` (every evaluated point with its
        statistics and score, stage "grid" or "final"), settings, provenance and
        ``path`` (None if not written).
    """
    t0 = time.time()
    grid = dict(GRID if grid is None else grid)
    if set(grid) != set(KEYS):
        raise CalibrationError(f"grid must define {', '.join(KEYS)}")
    if not 0 <= warmup_s < min(search_duration_s, final_duration_s):
        raise CalibrationError("need 0 <= warmup < search and final durations")
    points = [dict(zip(KEYS, vals, strict=True)) for vals in itertools.product(*(grid[k] for k in KEYS))]
    say = (lambda msg: print(msg, flush=True)) if verbose else (lambda msg: None)
    say(f"culture calibration: {n} neurons, structure seed {seed}, {len(points)} grid "
        f"points x {search_duration_s:g} s, then {n_finalists} x {final_duration_s:g} s "
        f"(warm-up {warmup_s:g} s), {processes} processes")
    sim = dict(n=n, seed=seed, warmup_s=warmup_s, processes=processes, verbose=verbose)
    table = _stage(points, "grid", search_duration_s, sim, say)
    finalists = [{k: r[k] for k in KEYS} for r in _ranked(table)[:max(0, n_finalists)]]
    if finalists and final_duration_s > 0:
        say(f"  full length ({final_duration_s:g} s): {len(finalists)} best grid points")
        final = _stage(finalists, "final", final_duration_s, sim, say)
        table += final
        best = _ranked(final)[0]
    else:
        best = _ranked(table)[0]
    best_point = {k: best[k] for k in KEYS}
    say(f"best: {_fmt_point(best_point)}: {_fmt_stats(best)}")

    from .provenance import git_state, package_version
    commit, dirty = git_state()
    result = {
        "best": best_point, "best_stage": best["stage"],
        "best_stats": {k: v for k, v in best.items() if k not in KEYS and k != "stage"},
        "table": table, "n_neurons": int(n), "seed": int(seed),
        "search_duration_s": float(search_duration_s),
        "final_duration_s": float(final_duration_s), "warmup_s": float(warmup_s),
        "grid": {k: list(v) for k, v in grid.items()}, "n_finalists": int(n_finalists),
        "targets": dict(TARGETS),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit, "git_dirty": bool(dirty),
        "command": command or "python -m mgnet.experiments.calibrate_culture",
        "mgnet_version": package_version("mgnet"), "brian2_version": package_version("brian2"),
        "numpy_version": np.__version__, "runtime_s": round(time.time() - t0, 1),
        "cpu_s": round(sum(r["run_s"] for r in table), 1),
        "path": None,
    }
    if write:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(_to_toml(result), encoding="utf-8")
        tmp.replace(path)
        result["path"] = str(path)
        say(f"wrote {path} ({result['runtime_s']:.0f} s)")
    else:
        say(NOT_WRITTEN)
    return result


def _stage(points: list[dict], stage: str, duration_s: float, sim: dict, say) -> list[dict]:
    """Simulate the baseline culture at every point for ``duration_s``: one table row per
    point (``stage`` "grid" or "final", the point, its statistics and score), each also
    printed through ``say``.  ``sim``: the keyword arguments of :func:`evaluate` but the
    duration."""
    stats = evaluate([("baseline", p) for p in points], duration_s=duration_s, **sim)
    rows = []
    for p, s in zip(points, stats, strict=True):
        rows.append({"stage": stage, **p, **s, "score": score(s)})
        say(f"  {stage:<5s} {_fmt_point(p)}: {_fmt_stats(s)}")
    return rows


def _ranked(table: list[dict]) -> list[dict]:
    """Rows sorted best first: most bands satisfied, then smallest distance."""
    return sorted(table, key=lambda r: (-r["score"][0], r["score"][1]))


# --------------------------------------------------------------------------------------
# TOML output
# --------------------------------------------------------------------------------------


def _to_toml(r: dict) -> str:
    from .config import toml_value as _tv
    b, s = r["best"], r["best_stats"]
    lines = [
        "# Culture network calibration (science.md §4 item 7; docs/culture.md).",
        "# GENERATED by experiments/calibrate_culture.py - do not edit by hand; re-run",
        "#     mgnet calibrate-culture --write   (or: python -m "
        "mgnet.experiments.calibrate_culture --write)",
        "# models/parameters.py reads [calibrated] on first use (CultureParams defaults).",
        f"schema_version = {CALIBRATION_SCHEMA_VERSION}",
        "",
        "[calibrated]",
        f"bg_weight_nS = {_tv(b['bg_weight_nS'])}  # CultureParams.bg_weight (nS per "
        f"background AMPA event)",
        f"q_ee_scale = {_tv(b['q_ee_scale'])}  # CultureParams.q_ee_scale",
        f"b_slow_pA = {_tv(b['b_slow_pA'])}  # CultureParams.b_slow (excitatory cells)",
        f"bg_mod_cv = {_tv(b['bg_mod_cv'])}  # CultureParams.bg_mod_cv (shared background "
        f"modulation)",
        "",
        "[targets]",
        'source = "science.md §4 item 7 (Wagenaar et al. 2006; Brewer et al. 2009; '
        'Masquelier & Deco 2013); mgnet.analysis.bursts.CULTURE_BANDS"',
    ]
    from mgnet.analysis.bursts import CULTURE_BANDS
    for name, (lo, hi) in CULTURE_BANDS.items():
        lines.append(f"{name} = [{_tv(float(lo))}, {_tv(float(hi))}]")
    lines += ["", "[target_point]  # inside the bands; the tie-breaking score"]
    lines += [f"{k} = {_tv(v)}" for k, v in r["targets"].items()]
    lines += ["", f"[achieved]  # baseline, {r['best_stage']} run of the best point "
              f"(structure seed below)"]
    for k in ("bands_ok", "n_bursts", "burst_rate_per_min", "ibi_cv", "duration_median_s",
              "fraction_spikes_in_bursts", "between_burst_rate_hz", "intra_burst_rate_hz",
              "rate_exc_hz", "rate_inh_hz"):
        lines.append(f"{k} = {_tv(s[k])}")
    lines += ["", "[search]",
              f"n_neurons = {r['n_neurons']}",
              f"seed = {r['seed']}",
              f"duration_s = {_tv(r['search_duration_s'])}",
              f"final_duration_s = {_tv(r['final_duration_s'])}",
              f"n_finalists = {r['n_finalists']}",
              f"warmup_s = {_tv(r['warmup_s'])}"]
    for k, v in r["grid"].items():
        lines.append(f"grid_{k} = {_tv(v)}")
    lines += ["", "# Every evaluated point: stage (0 grid, 1 full length), bg_weight_nS, "
              "q_ee_scale, b_slow_pA, bg_mod_cv, bands_ok, score distance, burst rate /min, "
              "IBI CV, median duration s, fraction in bursts, between-burst Hz, intra-burst "
              "Hz, run wall s", "[table]", "rows = ["]
    for t in r["table"]:
        row = [int(t["stage"] == "final"), t["bg_weight_nS"], t["q_ee_scale"], t["b_slow_pA"],
               t["bg_mod_cv"], t["bands_ok"],
               round(t["score"][1], 4), t["burst_rate_per_min"], t["ibi_cv"],
               t["duration_median_s"], t["fraction_spikes_in_bursts"],
               t["between_burst_rate_hz"], t["intra_burst_rate_hz"], round(t["run_s"], 1)]
        lines.append("  " + _tv([float(x) if not isinstance(x, int) else x for x in row])
                     + ",")
    lines += ["]", "", "[provenance]"]
    for k in ("created_utc", "git_commit", "git_dirty", "command", "mgnet_version",
              "brian2_version", "numpy_version", "runtime_s", "cpu_s"):
        lines.append(f"{k} = {_tv(r[k])}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------
def _configure(c: argparse.ArgumentParser, add_debug: bool) -> argparse.ArgumentParser:
    if add_debug:
        c.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    add_write_flags(c, "models/culture_calibration.toml (or --out)")
    c.add_argument("--n-neurons", type=int, default=DEFAULT_N,
                   help=f"network size (default {DEFAULT_N})")
    c.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"structure seed of the search (default {DEFAULT_SEED})")
    c.add_argument("--duration", type=float, default=DEFAULT_SEARCH_S,
                   help=f"simulated seconds per search point (default {DEFAULT_SEARCH_S:g})")
    c.add_argument("--processes", type=int, default=2,
                   help="parallel simulation processes (default 2, one thread each)")
    c.add_argument("--final-duration", type=float, default=DEFAULT_FINAL_S,
                   help=f"simulated seconds of the full-length finalists (default "
                        f"{DEFAULT_FINAL_S:g}; 0 = grid only)")
    c.add_argument("--out", default=None, help="calibration file "
                   "(default models/culture_calibration.toml)")
    c.add_argument("--validate", action="store_true",
                   help=f"print the validation command ('{VALIDATE_COMMAND}': six "
                        "conditions x seeds 0-4 as run files, table in results/report.md) "
                        "and exit")
    c.set_defaults(func=run_cli)
    return c


def add_parser(subparsers, parents: Sequence[argparse.ArgumentParser] | None = None,
               name: str = "culture"):
    """Register the culture calibration on an argparse ``subparsers`` object.

    ``name`` is the subcommand name: ``"culture"`` when ``subparsers`` belongs to a
    ``calibrate`` command (``mgnet calibrate culture``), or e.g. ``"calibrate-culture"``
    at the top level.  Pass ``parents`` (e.g. the CLI's common ``--debug`` parser);
    without them the subcommand adds its own ``--debug``.  Sets ``func=run_cli``.
    """
    c = subparsers.add_parser(
        name, parents=list(parents or ()),
        help="one-time calibration of the culture network (background, E->E quantal scale, "
             "slow adaptation) against the culture burst bands of science.md §4 item 7")
    return _configure(c, add_debug=parents is None)


def run_cli(args: argparse.Namespace, prog: str = "mgnet") -> int:
    """Run the calibration selected on the command line (``--validate``: print the
    validation command instead)."""
    if args.validate:
        print(f"The culture validation is the culture-activity experiment, six conditions x "
              f"seeds 0-4 at default scale (run files under results/runs/culture-activity/; "
              f"the band table is in results/report.md):\n    {VALIDATE_COMMAND}")
        return 0
    try:
        if args.n_neurons < 10 or args.processes < 1 or args.duration <= DEFAULT_WARMUP_S:
            raise CalibrationError("need --n-neurons >= 10, --processes >= 1 and "
                                   f"--duration > {DEFAULT_WARMUP_S:g}")
        # The command that re-runs this calibration, recorded in the calibration file.
        parts = [prog, "calibrate-culture"] if prog == "mgnet" else shlex.split(prog)
        for flag, value, default in (("--n-neurons", args.n_neurons, DEFAULT_N),
                                     ("--seed", args.seed, DEFAULT_SEED),
                                     ("--duration", args.duration, DEFAULT_SEARCH_S),
                                     ("--processes", args.processes, 2)):
            if value != default:
                parts += [flag, str(value)]
        if args.final_duration != DEFAULT_FINAL_S:
            parts += ["--final-duration", str(args.final_duration)]
        if args.out:
            parts += ["--out", args.out]
        write = write_requested(args)
        parts.append("--write" if write else "--dry-run")
        calibrate_culture(n=args.n_neurons, seed=args.seed, search_duration_s=args.duration,
                          final_duration_s=args.final_duration, processes=args.processes,
                          write=write,
                          path=Path(args.out) if args.out else CALIBRATION_FILE,
                          command=shlex.join(parts))
    except CalibrationError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"{prog}: culture calibration failed: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mgnet.experiments.calibrate_culture [--write] ...``"""
    p = _configure(argparse.ArgumentParser(prog="python -m mgnet.experiments.calibrate_culture",
                                           description=__doc__.splitlines()[0]),
                   add_debug=False)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    return run_cli(args, prog="python -m mgnet.experiments.calibrate_culture")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

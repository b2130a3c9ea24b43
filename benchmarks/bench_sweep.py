"""A 20-run sweep through the compile-once standalone device vs the naive way (issue 6).

Issue 6 acceptance: "The compile-once sweep is >= 10x faster than the naive way for 20
runs, with <= 1 s overhead per run after the first build."  (design.md §5: compile once
per network structure, then ``device.run(run_args=...)`` for each condition; the naive
way rebuilds the network in runtime mode for every run.)

The sweep: one culture structure (:mod:`mgnet.models.culture`, default 500 neurons, structure
seed 0, the calibrated :class:`~mgnet.models.parameters.CultureParams`, static contacts as in
the ``culture-activity`` experiment) run at 20 conditions, a grid of
[Mg]o in {0.5, 0.8, 1.0, 1.2, 1.6} mM x [Mg]i in {0.35, 0.5, 0.8, elevated (T6-calibrated)}
mM on top of the ``baseline`` preset, each for ``--duration`` simulated seconds (default
2 s), every run from the same Brian2 seed.  Both ways run one after the other in this
process, one thread (``OMP_NUM_THREADS=1``):

1. **compile-once** - one call of :func:`mgnet.models.culture.simulate_culture` with
   ``device_name="cpp_standalone"`` and a fresh temporary project cache (a cold build:
   structure, Brian2 code generation, serial ``make`` (``MGNET_BUILD_JOBS=1``; the
   package's default is one job per core: serial here so that both ways compile on one
   core), compiled and linked as every project of the package
   (:class:`mgnet.models.backend.StandaloneSession`)), then one
   ``device.run(run_args=...)`` per condition ([Mg]o, Pr and q per contact).  This is
   the path that ``mgnet run culture-activity`` and ``mgnet sweep`` use.
2. **naive** - for every condition, one call of :func:`~mgnet.models.culture.simulate_culture`
   with ``device_name="runtime"`` and that single condition: the structure is drawn and
   the network built anew in Brian2's runtime mode (Cython) and run.  The first run
   compiles every Cython code object into a fresh temporary Cython cache
   (``prefs.codegen.runtime.cython.cache_dir``); later runs in this process find the
   compiled extensions in Brian2's in-memory cache (and on disk), so they pay only the
   Python build and Brian2's code generation - the most favourable case for the naive
   way.

Measured: total wall time of each way (ratio = naive / compile-once); the first build of
the compile-once way (from the call to the start of the first ``device.run``); and the
overhead per run after the first build = wall time of that run (from the start of its
``device.run`` to the start of the next one: writing the run_args arrays, the binary's
start-up that creates the contacts, the simulation loop, writing and reading back the
state arrays, Brian2's NaN check, loading the spikes) + computing that condition's
contact values (``simulate_culture`` does this for all conditions before the build, so
it is timed separately here) - the simulation loop time the binary reports
(``last_run_info.txt``, ``device._last_run_time``).  ``device.run`` is wrapped to record
its wall time, the binary's wall time (``device.timers["run_binary"]``) and the loop
time.  Also printed: the loop speed runtime / standalone (the limit of the speed-up for
long runs) and, from the measured components, the predicted speed-up for 20 runs of
125 s (the culture-activity default), and the upper bound of the speed-up for any number
of runs and any run length (the largest ratio of the paired parts: naive's one-off extra
of its first run vs the first build, naive's build vs the overhead per run, runtime vs
standalone loop per simulated second); and, as a sanity check, the mean firing rate of
both ways per run and over all runs (the random streams differ and every run starts
from the same seed, so the runs of one way are strongly correlated: agreement can only
be statistical, and loose for short runs).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sweep.py [--neurons 500]
[--runs 20] [--duration 2] [--seed 0] [--quick] [--keep]``   (also ``make bench``)
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import row, write_json

TARGET_SPEEDUP = 10.0
TARGET_OVERHEAD_S = 1.0
MG_O_MM = (0.5, 0.8, 1.0, 1.2, 1.6)


def sweep_samples(n_runs: int) -> list[tuple]:
    """(label, ModelParams, CultureParams) of the [Mg]o x [Mg]i grid, first ``n_runs``."""
    from brian2 import mM

    from mgnet.models.parameters import ELEVATED_MG_I, CultureParams, condition
    base, culture = condition("baseline"), CultureParams()
    mg_i_mM = (0.35, 0.5, 0.8, round(float(ELEVATED_MG_I / mM), 3))
    out = []
    for mg_i in mg_i_mM:
        for mg_o in MG_O_MM:
            mag = dataclasses.replace(base.magnesium, mg_o=mg_o * mM, mg_i=mg_i * mM)
            out.append((f"[Mg]o {mg_o:g} / [Mg]i {mg_i:g} mM",
                        dataclasses.replace(base, magnesium=mag), culture))
    if n_runs > len(out):
        raise SystemExit(f"--runs must be <= {len(out)} (the [Mg] grid)")
    return out[:n_runs]


class DeviceRunRecorder:
    """Wraps ``CPPStandaloneDevice.run`` to record each call's timings."""

    def __init__(self):
        self.calls = []

    def __enter__(self):
        from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
        self._cls, self._orig = CPPStandaloneDevice, CPPStandaloneDevice.run
        recorder = self

        def run(dev, *args, **kwargs):
            t0 = time.perf_counter()
            out = recorder._orig(dev, *args, **kwargs)
            recorder.calls.append({"start": t0, "wall_s": time.perf_counter() - t0,
                                   "binary_s": float(dev.timers.get("run_binary") or 0.0),
                                   "loop_s": float(dev._last_run_time)})
            return out

        CPPStandaloneDevice.run = run
        return self

    def __exit__(self, *exc):
        self._cls.run = self._orig


def spike_count(res: dict) -> dict:
    return {pop: len(t) for pop, (t, _) in res["spikes"].items()}


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=500)
    ap.add_argument("--runs", type=int, default=20, help="conditions (<= 20)")
    ap.add_argument("--duration", type=float, default=2.0, help="simulated s per run")
    ap.add_argument("--seed", type=int, default=0, help="structure and Brian2 seed")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 200 neurons, 4 runs of 0.5 s (targets not judged)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary caches")
    return ap


def _compile_once(args, pairs: list, tmp: str, duration) -> dict:
    """One cold build, then ``device.run(run_args=...)`` per run; the timings of every
    run, of the first build and of one condition's contact values."""
    from mgnet.models.culture import contact_values, culture_structure, simulate_culture
    stamps = []
    with DeviceRunRecorder() as rec:
        t0 = time.perf_counter()
        res_co = simulate_culture(args.neurons, pairs, seed=args.seed, duration=duration,
                                  device_name="cpp_standalone",
                                  cache_dir=os.path.join(tmp, "standalone"),
                                  progress=lambda m, f: stamps.append(
                                      (m, time.perf_counter())))
        t_co_end = time.perf_counter()
    total_co = t_co_end - t0
    calls = rec.calls
    if len(calls) != args.runs:
        raise RuntimeError(f"expected {args.runs} device.run calls, saw {len(calls)}")
    t_compile_start = next(t for m, t in stamps if m.startswith("compiling"))
    first_build = calls[0]["start"] - t0
    # Contact values of one condition (simulate_culture computes all of them up front).
    st = culture_structure(args.neurons, pairs[0][1], pairs[0][0].configuration,
                           seed=args.seed, e_l=pairs[0][0].neuron.e_l)
    t1 = time.perf_counter()
    contact_values(st, *pairs[0])
    values_s = time.perf_counter() - t1
    ends = [c["start"] for c in calls[1:]] + [t_co_end]
    per_run = [e - c["start"] for c, e in zip(calls, ends, strict=True)]
    overhead = [w + values_s - c["loop_s"] for w, c in zip(per_run, calls, strict=True)]
    print(f"  compile-once done: {total_co:.1f} s (first build {first_build:.1f} s)",
          flush=True)
    return {"res": res_co, "calls": calls, "total": total_co, "first_build": first_build,
            "codegen_s": t_compile_start - t0, "values_s": values_s, "per_run": per_run,
            "overhead": overhead}


def _naive(args, pairs: list, duration) -> tuple[list[dict], float]:
    """Build anew in runtime mode for every run: per run its wall, build and run times
    and results; and the total."""
    from mgnet.models.culture import simulate_culture
    naive = []
    t0_naive = time.perf_counter()
    for k, pair in enumerate(pairs):
        t1 = time.perf_counter()
        (res,) = simulate_culture(args.neurons, [pair], seed=args.seed,
                                  duration=duration, device_name="runtime")
        naive.append({"wall_s": time.perf_counter() - t1,
                      "build_s": res["timing"]["build_s"],
                      "run_s": res["timing"]["run_s"], "res": res})
        print(f"  naive run {k + 1}/{args.runs}: {naive[-1]['wall_s']:.1f} s", flush=True)
    return naive, time.perf_counter() - t0_naive


def main() -> None:
    args = _parser().parse_args()
    if args.quick:
        args.neurons, args.runs, args.duration = 200, 4, 0.5

    tmp = tempfile.mkdtemp(prefix="mgnet-bench-sweep-")
    import brian2
    from brian2 import second

    from mgnet.models.backend import quiet_brian
    quiet_brian()
    brian2.prefs.codegen.target = "cython"
    brian2.prefs.codegen.runtime.cython.cache_dir = os.path.join(tmp, "cython")  # cold
    # Serial make: one core for the compiler too, as Cython compiles one extension at a
    # time (mgnet.models.backend.build_jobs reads MGNET_BUILD_JOBS).
    os.environ["MGNET_BUILD_JOBS"] = "1"
    samples = sweep_samples(args.runs)
    pairs = [(p, c) for _, p, c in samples]
    duration = args.duration * second
    print(f"sweep: culture of {args.neurons} neurons (structure seed {args.seed}), "
          f"{args.runs} runs of {args.duration:g} s simulated ([Mg]o x [Mg]i grid), one "
          f"thread; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    try:
        # ---- compile-once: one cold build, then device.run(run_args=...) per run
        co = _compile_once(args, pairs, tmp, duration)
        # ---- naive: build anew in runtime mode for every run
        naive, total_naive = _naive(args, pairs, duration)
    finally:
        if args.keep:
            print(f"caches kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(args, samples, co, naive, total_naive)


def _rate(args, res: dict) -> float:
    """Mean rate (Hz) per neuron of one run."""
    return sum(spike_count(res).values()) / (res["n_exc"] + res["n_inh"]) / args.duration


def report(args, samples: list, co: dict, naive: list[dict], total_naive: float) -> None:
    """Print the per-run table, the components, the verdicts and the rate check; write
    ``bench_sweep.json``."""
    res_co, calls, total_co = co["res"], co["calls"], co["total"]
    n_contacts = sum(res_co[0]["n_contacts"].values())
    speedup = total_naive / total_co
    overhead = co["overhead"]
    mean_oh, max_oh = statistics.mean(overhead[1:] or overhead), max(overhead[1:] or overhead)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes make the "
          f"timings noisy)")
    print(f"structure: {res_co[0]['n_exc']} E + {res_co[0]['n_inh']} I neurons, "
          f"{n_contacts:,} contacts")
    _print_runs(args, samples, co, naive)
    c = _components(args, co, naive, total_naive, mean_oh)
    ok_speed = speedup >= TARGET_SPEEDUP
    ok_oh = mean_oh <= TARGET_OVERHEAD_S
    print(f"\n{'':<44s}{'measured':>12s}{'target':>10s}")
    print(f"{'speed-up naive / compile-once, ' + str(args.runs) + ' runs':<44s}"
          f"{speedup:11.1f}x{'>= 10x':>10s}  {'PASS' if ok_speed else 'FAIL'}")
    print(f"{'overhead per run after the first build':<44s}{mean_oh:11.2f}s{'<= 1 s':>10s}"
          f"  {'PASS' if ok_oh else 'FAIL'}   (max {max_oh:.2f} s)")
    judged = not args.quick
    if not judged:
        print("(--quick: a smoke test, the targets are not judged)")
    rates = _rate_check(args, res_co, naive)
    setup = (f"{args.neurons} neurons ({n_contacts:,} contacts), {args.runs} runs x "
             f"{args.duration:g} s simulated, 1 thread")
    rows = [
        row(f"sweep speed-up, compile-once vs naive ({args.runs} runs)", speedup,
            reference="naive: rebuild in runtime (Cython) mode every run", ratio=speedup,
            target=">= 10x", passed=ok_speed if judged else None,
            note=f"{setup}; totals {total_naive:.1f} s naive / {total_co:.1f} s "
                 f"compile-once; Cython cache warm after the first naive run"),
        row("overhead per run after the first build (s)", mean_oh,
            reference="run wall time - binary's simulation loop time",
            target="<= 1 s", passed=ok_oh if judged else None,
            note=f"mean over runs 2-{args.runs}, max {max_oh:.2f} s"),
    ]
    rows += _component_rows(args, co, naive, total_naive, c, setup)
    rows.append(row("mean rate over all runs, runtime / standalone", rates[2], ratio=rates[2],
                    reference="standalone",
                    note=f"{rates[1]:.2f} vs {rates[0]:.2f} Hz (different random streams)"))
    write_json("bench_sweep", rows, {"per_run": [
        {"condition": label, "standalone_s": co["per_run"][k], "loop_s": calls[k]["loop_s"],
         "device_run_s": calls[k]["wall_s"], "binary_s": calls[k]["binary_s"],
         "overhead_s": overhead[k], "naive_s": naive[k]["wall_s"],
         "naive_build_s": naive[k]["build_s"], "naive_run_s": naive[k]["run_s"],
         "rate_hz": _rate(args, res_co[k]), "naive_rate_hz": _rate(args, naive[k]["res"])}
        for k, (label, _, _) in enumerate(samples)]})


def _print_runs(args, samples: list, co: dict, naive: list[dict]) -> None:
    """The table of every run, compile-once and naive side by side."""
    res_co, calls, per_run, overhead = co["res"], co["calls"], co["per_run"], co["overhead"]
    head = (f"{'run':>4s} {'condition':<30s}{'standalone s':>13s}{'loop s':>8s}"
            f"{'start+save s':>13s}{'overhead s':>11s}{'rate Hz':>8s}{'naive s':>9s}"
            f"{'build s':>8s}{'rate Hz':>8s}")
    print("\n" + head)
    print("-" * len(head))
    for k, (label, _, _) in enumerate(samples):
        c = calls[k]
        print(f"{k + 1:4d} {label:<30s}{per_run[k]:13.2f}{c['loop_s']:8.2f}"
              f"{c['binary_s'] - c['loop_s']:13.2f}{overhead[k]:11.2f}"
              f"{_rate(args, res_co[k]):8.2f}"
              f"{naive[k]['wall_s']:9.2f}{naive[k]['build_s']:8.2f}"
              f"{_rate(args, naive[k]['res']):8.2f}")
    print("standalone s: wall time of the run (device.run through loading the spikes); "
          "loop s: the binary's simulation loop;\n  start+save s: the rest of the binary's "
          "wall time (reading the arrays, creating the contacts, writing the state);\n"
          f"  overhead s = standalone s + contact values ({co['values_s']:.2f} s) - loop s; "
          "naive s: build in runtime mode + run (build s of it); rate: mean per neuron")


def _components(args, co: dict, naive: list[dict], total_naive: float,
                mean_oh: float) -> dict:
    """The parts of both totals (builds, overheads, loop speeds), the speed-up they
    predict for long runs and its upper bound for any runs; printed and returned."""
    calls, first_build, codegen_s = co["calls"], co["first_build"], co["codegen_s"]
    loop_mean = statistics.mean(c["loop_s"] for c in calls)
    # Runs 2.. only: the first runtime run compiles its Cython code inside net.run.
    naive_run_mean = statistics.mean(n["run_s"] for n in naive[1:] or naive)
    naive_build_later = statistics.mean(n["build_s"] for n in naive[1:] or naive)
    naive_later = statistics.mean(n["wall_s"] for n in naive[1:] or naive)
    print(f"\ncompile-once: first build {first_build:.1f} s (of it structure + code generation "
          f"{codegen_s:.1f} s, compile {first_build - codegen_s:.1f}"
          f" s), then {statistics.mean(co['per_run']):.2f} s per run; total {co['total']:.1f} s")
    print(f"naive:        first run {naive[0]['wall_s']:.1f} s (cold Cython cache), then "
          f"{naive_later:.2f} s per run "
          f"(build {naive_build_later:.2f} s + run {naive_run_mean:.2f} s); total "
          f"{total_naive:.1f} s")
    print(f"simulation speed: standalone loop {loop_mean:.2f} s vs runtime net.run "
          f"{naive_run_mean:.2f} s per {args.duration:g} s simulated "
          f"({naive_run_mean / loop_mean:.1f}x): the speed-up for much longer runs")
    # The same components for runs of the culture-activity default (125 s), predicted:
    # compile-once = first build + runs x (overhead + loop per simulated s x T); naive =
    # its one-off Cython compile + runs x (build + runtime per simulated s x T).
    t_long = 125.0
    pred_co = first_build + args.runs * (mean_oh + loop_mean / args.duration * t_long)
    pred_naive = (naive[0]["wall_s"] - naive_later) + args.runs * (
        naive_build_later + naive_run_mean / args.duration * t_long)
    print(f"predicted from these components for {args.runs} runs of {t_long:g} s (the "
          f"culture-activity default): {pred_naive / pred_co:.1f}x")
    # Upper bound for any number of runs and any run length.  Both totals are sums of
    # paired parts (naive's one-off extra of its first run <-> the first build; build <->
    # overhead per run; runtime <-> standalone loop per simulated second), and a ratio
    # of sums of positive terms never exceeds the largest ratio of its parts.
    parts = {"one-off: naive first-run extra / compile-once first build":
             (naive[0]["wall_s"] - naive_later) / first_build,
             "per run: naive build / compile-once overhead": naive_build_later / mean_oh,
             "per simulated s: runtime / standalone loop": naive_run_mean / loop_mean}
    bound = max(parts.values())
    print(f"upper bound of the speed-up for any number of runs and any run length: "
          f"{bound:.1f}x, the largest of")
    for what, r in parts.items():
        print(f"  {what}: {r:.2f}x")
    return {"t_long": t_long, "speed": naive_run_mean / loop_mean,
            "predicted": pred_naive / pred_co, "parts": parts, "bound": bound}


def _rate_check(args, res_co: list, naive: list[dict]) -> tuple[float, float, float]:
    """Sanity check: both ways simulate the same model.  Their random streams differ (and
    a culture bursts or not within a short run), so compare the mean rates over all
    runs.  Returns ``(standalone Hz, runtime Hz, runtime / standalone)``."""
    n_all = res_co[0]["n_exc"] + res_co[0]["n_inh"]
    span = args.duration * args.runs * n_all
    rate_co = sum(sum(spike_count(r).values()) for r in res_co) / span
    rate_naive = sum(sum(spike_count(n["res"]).values()) for n in naive) / span
    rate_ratio = rate_naive / rate_co if rate_co > 0 else float("nan")
    print(f"mean rate over all runs: standalone {rate_co:.2f} Hz, runtime {rate_naive:.2f} Hz "
          f"(different random streams: statistical agreement only)")
    return rate_co, rate_naive, rate_ratio


def _component_rows(args, co: dict, naive: list[dict], total_naive: float, c: dict,
                    setup: str) -> list[dict]:
    """The JSON rows of the totals, the loop speed, the prediction and the bound."""
    first_build, codegen_s = co["first_build"], co["codegen_s"]
    return [
        row("compile-once first build (s)", first_build, reference="cold cache",
            note=f"structure + code generation {codegen_s:.1f} s + compile "
                 f"{first_build - codegen_s:.1f} s"),
        row("compile-once sweep total (s)", co["total"], note=setup),
        row("naive sweep total (s)", total_naive,
            note=f"first run {naive[0]['wall_s']:.1f} s (cold Cython cache)"),
        row("simulation loop speed, runtime / standalone", c["speed"],
            reference="standalone loop time", ratio=c["speed"],
            note="limit of the speed-up for long runs"),
        row(f"predicted speed-up, {args.runs} runs of {c['t_long']:g} s", c["predicted"],
            reference="compile-once", ratio=c["predicted"],
            note="extrapolated from the measured components (build, overhead, loop speed)"),
        row("upper bound of the speed-up, any number of runs and run length", c["bound"],
            reference="compile-once", ratio=c["bound"],
            note="largest ratio of the paired parts: " + "; ".join(
                f"{what} {r:.2f}x" for what, r in c["parts"].items())),
    ]


if __name__ == "__main__":
    main()

"""Cost per synaptic event of the plastic culture vs a plain Brian2 network, with an
ablation of every optimisation (issues 4 and 18).

Issue 18 acceptance (in ``make bench``, profiling off, every ratio measured side by side
in one run): the 2000-neuron plastic culture's cost per synaptic event <= 8x the plain
Brian2 network's, the floor network's (the culture's neurons with ``g += w`` synapses)
<= 2x; the table prints the before/after of each optimisation as its own row.
(Issue 4's original target was <= 3x; design.md §5: ratios side by side in one process
run; the plain network is the engine's limit.)

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_culture.py
[--neurons 2000] [--duration 10] [--seed 1] [--repeats 3] [--no-breakdown] [--keep]
[--quick]`` (also ``make bench``; ``--quick``: 500 neurons, 2 s, one repeat, targets not
judged).  As ``__main__`` it writes ``benchmarks/out/bench_culture.json``
(``benchmarks/_common.py``).

**No profiling in any measured project.**  Brian2's profiling wraps every code object
in clock calls every step (measured here: the ``profiling`` rows), which inflates cheap
networks most and distorts every ratio.  Profiling is used only by the separate
*breakdown* project (``--no-breakdown`` skips it), which says where the plastic
culture's time goes and what each synapse pathway costs per execution; no ratio is
computed from it.

Projects (cpp_standalone, fresh temporary directories, one thread, linked and compiled
as every project of the package: :class:`mgnet.models.backend.StandaloneSession`), each
built, compiled and run once through Brian2 (spikes, events), then all run again
``--repeats`` times round-robin, so that load changes on the machine fall on all of
them alike; the cost of a project is the median over the repeats of the simulation
binary's CPU time (start-up, loop, writing the results) divided by its events:

* **plastic** - :func:`mgnet.models.culture.build_culture` at ``baseline`` with the calibrated
  :class:`~mgnet.models.parameters.CultureParams` and the Graupner-Brunel rule on every E->E
  contact (:mod:`mgnet.models.plasticity`), with every optimisation of
  :data:`mgnet.models.backend.OPTIMISATIONS`; **plastic_novec**, the same with the scalar
  neuron loop (the same spikes: the vector exp changes the potentials by ~1e-14 mV);
  **plastic_noprefetch**, without the prefetching postsynaptic pathway (the same
  spikes); **plastic_noloop**, with Brian2's own time loop, which reads the CPU clock
  at every step (the same spikes); **plastic_noshared**, with Brian2's ``exp`` for the
  short-term-plasticity decays instead of ``exp_shared`` (the same spikes);
  **plastic_noskip**, without the skipped dead synapse work (``skip_unless``
  gates, region-local loads and stores: Brian2's own code generation; fewer random
  draws with it, so another random stream); **plastic_before**, every optimisation off
  (for these parts the code of commit 3eb2f17, up to the restructured code strings).
  The pooled background and the skipped draws change the random stream, so
  *plastic_noskip* and *plastic_before* fire differently: with about one network burst
  per 10 s, their event counts differ by up to a factor of two, and per-step costs
  weigh per event in inverse proportion to it; their rows are therefore also given per
  simulated second, and the background's ablation is measured at identical events
  (below).
* **nonplastic** - the culture without plasticity (information).
* **plain** - the engine's limit for the *same* events: N LIF neurons (one ``v``, one
  ``g``, Euler) driven by a SpikeGeneratorGroup replaying exactly the spikes of
  *plastic* through four ``Synapses`` with ``on_pre='g_post += w'`` and the culture's
  (pre, post) contact arrays and delay.  Stock Brian2 code: no project template, and
  Brian2's own time loop.  **plain_np** replays *nonplastic*'s spikes.
* **floor** - *plain* with the culture's own neurons (:func:`mgnet.models.neurons.make_neurons`,
  ``baseline``: AdEx with fast and slow adaptation, AMPA, GluN2A/2B NMDA through B(V),
  GABA_A; two ``exp`` per neuron and step) fed by ``g += w`` onto ``g_ampa``/``g_gaba``;
  vectorised, and **floor_scalar** with the scalar neuron loop.  No background,
  release or plasticity: what the neuron model costs by itself.  **floor_bg** and
  **floor_bg_direct** add the culture's background drive, pooled and per-neuron: the
  background's cost at identical synaptic events.
* **neurons**, **neurons_scalar** - the culture's neurons alone (no input): ns per
  neuron and step of the state update (with the threshold test), vectorised and scalar.
  **neurons_cached** and **neurons_memory**: the same neuron-steps at 256 neurons (every
  state array in the first-level cache: what bounds the update) and at the memory
  network's 500 (the loop's remainder after its last full SIMD block runs scalar).
* **background**, **background_direct** - the culture's background drive alone (its
  ``bg_*`` variables, the shared OU modulation, ``g_ampa += bg_w`` per event at the
  calibrated rate), pooled and per-neuron: ns per neuron and step.
* **profiled** (breakdown only) - *plastic* with Brian2 profiling, **profiled_before**,
  *plastic_before* with profiling (the per-pathway costs before/after), and
  **plain_profiled**, *plain* with profiling: what profiling adds.

Synaptic events = sum over the four pathways of (presynaptic spikes x contacts of that
presynaptic neuron), from the spike monitors and the pathways' ``pre`` arrays.  The
extra pathways of the plastic contacts (delayed ``ca_pre``: one execution per E->E
contact event; ``post``: postsynaptic spike x E->E in-degree) are part of the plastic
model's cost, not extra events.

Modules: the projects in ``_culture_projects.py``, the report in ``_culture_report.py``;
this script runs them (:func:`main`) and re-exports their names.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _culture_projects import (  # noqa: E402,F401
    ALL_ON,
    STOCK,
    _add_background,
    _events,
    _finish,
    _session,
    _steps,
    run_background,
    run_binary,
    run_culture,
    run_neurons,
    run_plain,
)
from _culture_report import (  # noqa: E402,F401
    TARGET_FLOOR,
    TARGET_PLASTIC,
    _category,
    _print_profile,
    pathway_costs,
    report,
)

#: The neuron update at a size whose 13 state arrays fit any first-level cache (256
#: doubles each, 27 kB): if it costs as much per neuron-step as at 2000 neurons, the
#: update is bound by its arithmetic, not by memory.
CACHED_NEURONS = 256


def _memory_neurons() -> int:
    """The default memory-encoding network's size (its ``n_neurons`` option: 400 E +
    100 I, the runs of ``make reproduce``)."""
    from mgnet.experiments.config import make_config
    return int(make_config("memory-encoding").options.n_neurons)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    ap.add_argument("--seed", type=int, default=1, help="structure and Brian2 seed")
    ap.add_argument("--repeats", type=int, default=3,
                    help="round-robin re-runs of every binary (the cost is their median)")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the profiled projects (where the time goes, per pathway)")
    ap.add_argument("--top", type=int, default=10, help="code objects shown per profile")
    ap.add_argument("--keep", action="store_true", help="keep the standalone projects")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 500 neurons, 2 s, one repeat (targets not judged)")
    ap.add_argument("--from-raw", metavar="PICKLE",
                    help="no measurement: report the raw results saved by an earlier run "
                         "(benchmarks/out/bench_culture_raw.pkl)")
    return ap


def _report_from_raw(args) -> None:
    """``--from-raw``: the report of the raw results an earlier run saved."""
    import pickle
    with open(args.from_raw, "rb") as fh:
        saved = pickle.load(fh)
    for k in ("neurons", "duration", "seed", "repeats", "quick"):
        setattr(args, k, saved["args"][k])
    report(args, saved["res"], saved["load0"], saved["load1"], saved["breakdown"])


def _projects(args, cache: str, res: dict, breakdown: bool) -> list[tuple]:
    """``(key, build-and-run once)`` of every project, in order (the replays read the
    results of the cultures in ``res``)."""
    n, dur, seed = args.neurons, args.duration, args.seed
    d = lambda key: os.path.join(cache, key)  # noqa: E731
    off_vec = dict(ALL_ON, vectorised_neurons=False)
    off_bg = dict(ALL_ON, pooled_background=False)
    off_all = {k: False for k in ALL_ON}
    off_skip = dict(ALL_ON, skip_dead_work=False)
    off_pf = dict(ALL_ON, prefetch_post=False)
    off_loop = dict(ALL_ON, lean_network_loop=False)
    off_shared = dict(ALL_ON, shared_exp=False)
    n_mem = _memory_neurons()
    steps = [
        ("plastic", lambda: run_culture(n, dur, seed, True, d("plastic"))),
        ("plastic_novec", lambda: run_culture(n, dur, seed, True, d("plastic_novec"),
                                              switches=off_vec)),
        ("plastic_noprefetch", lambda: run_culture(n, dur, seed, True,
                                                   d("plastic_noprefetch"),
                                                   switches=off_pf)),
        ("plastic_noskip", lambda: run_culture(n, dur, seed, True, d("plastic_noskip"),
                                               switches=off_skip)),
        ("plastic_noloop", lambda: run_culture(n, dur, seed, True, d("plastic_noloop"),
                                               switches=off_loop)),
        ("plastic_noshared", lambda: run_culture(n, dur, seed, True, d("plastic_noshared"),
                                                 switches=off_shared)),
        ("plastic_before", lambda: run_culture(n, dur, seed, True, d("plastic_before"),
                                               switches=off_all)),
        ("nonplastic", lambda: run_culture(n, dur, seed, False, d("nonplastic"))),
        ("plain", lambda: run_plain(res["plastic"], dur, seed, d("plain"),
                                    switches=STOCK)),
        ("plain_np", lambda: run_plain(res["nonplastic"], dur, seed, d("plain_np"),
                                       prefix="plainnp_", switches=STOCK)),
        ("floor", lambda: run_plain(res["plastic"], dur, seed, d("floor"),
                                    prefix="floor_", neurons="culture")),
        ("floor_scalar", lambda: run_plain(res["plastic"], dur, seed, d("floor_scalar"),
                                           prefix="floor_", neurons="culture",
                                           switches=off_vec)),
        ("floor_bg", lambda: run_plain(res["plastic"], dur, seed, d("floor_bg"),
                                       prefix="floorbg_", neurons="culture",
                                       background=True)),
        ("floor_bg_direct", lambda: run_plain(res["plastic"], dur, seed,
                                              d("floor_bg_direct"), prefix="floorbg_",
                                              neurons="culture", background=True,
                                              switches=off_bg)),
        ("neurons", lambda: run_neurons(n, dur, seed, d("neurons"), ALL_ON)),
        ("neurons_scalar", lambda: run_neurons(n, dur, seed, d("neurons_scalar"),
                                               off_vec)),
        # What bounds the neuron update: the same neuron-steps with every state array in
        # the first-level cache, and at the memory network's size (400 E + 100 I).
        ("neurons_cached", lambda: run_neurons(CACHED_NEURONS, dur * n / CACHED_NEURONS,
                                               seed, d("neurons_cached"), ALL_ON)),
        ("neurons_memory", lambda: run_neurons(n_mem, dur * n / n_mem, seed,
                                               d("neurons_memory"), ALL_ON)),
        ("background", lambda: run_background(n, dur, seed, d("background"), ALL_ON)),
        ("background_direct", lambda: run_background(n, dur, seed,
                                                     d("background_direct"), off_bg)),
    ]
    if breakdown:
        steps += [
            ("profiled", lambda: run_culture(n, dur, seed, True, d("profiled"),
                                             profile=True)),
            ("profiled_before", lambda: run_culture(n, dur, seed, True,
                                                    d("profiled_before"), profile=True,
                                                    switches=off_all, prefix="pb_")),
            ("plain_profiled", lambda: run_plain(res["plastic"], dur, seed,
                                                 d("plain_profiled"), profile=True,
                                                 switches=STOCK)),
        ]
    return steps


def _measure(args, cache: str, breakdown: bool) -> dict:
    """Build and run every project once, then re-run all binaries round-robin
    ``--repeats`` times; per project its results and the medians over the repeats."""
    res = {}
    steps = _projects(args, cache, res, breakdown)
    for key, fn in steps:
        res[key] = fn()
        r = res[key]
        print(f"  {key}: compile {r['compile_s']:.1f} s, run {r['run_s']:.2f} s, "
              f"{r['events']:,} events", flush=True)
    # Round-robin re-runs of every binary: load changes hit all projects alike.
    timed = [k for k, _ in steps]
    reps = {k: [] for k in timed}
    for rep in range(args.repeats):
        for k in timed:
            reps[k].append(run_binary(res[k]["directory"], str(rep)))
        print(f"  repeat {rep + 1}/{args.repeats} done (load average "
              f"{os.getloadavg()[0]:.1f})", flush=True)
    for k in timed:
        runs = reps[k] or [{w: res[k][w] for w in ("run_s", "loop_s", "cpu_s")}]
        for w in ("run_s", "loop_s", "cpu_s"):
            res[k][f"med_{w}"] = statistics.median(r[w] for r in runs)
            res[k][f"all_{w}"] = [r[w] for r in runs]
    return res


def _save_raw(args, res: dict, load0, load1, breakdown: bool) -> None:
    """``benchmarks/out/bench_culture_raw.pkl``, for ``--from-raw``."""
    import pickle

    from _common import OUT_DIR
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / "bench_culture_raw.pkl", "wb") as fh:     # for --from-raw
        pickle.dump({"args": {k: getattr(args, k) for k in ("neurons", "duration", "seed",
                                                            "repeats", "quick")},
                     "res": res, "load0": load0, "load1": load1, "breakdown": breakdown},
                    fh)


def main() -> None:
    args = _parser().parse_args()
    if args.from_raw:
        _report_from_raw(args)
        return
    if args.quick:
        args.neurons, args.duration, args.repeats = 500, 2.0, 1
    breakdown = not args.no_breakdown

    cache = tempfile.mkdtemp(prefix="mgnet-bench-culture-")
    os.environ["MGNET_CACHE"] = cache
    from mgnet.models.backend import build_jobs, quiet_brian
    quiet_brian()
    load0 = os.getloadavg()
    print(f"culture: {args.neurons} neurons, {args.duration:g} s simulated, seed "
          f"{args.seed}, cpp_standalone, 1 thread (OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}), make -j{build_jobs()}, {args.repeats} "
          f"round-robin repeats; load average {load0[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    try:
        res = _measure(args, cache, breakdown)
    finally:
        if not args.keep:
            shutil.rmtree(cache, ignore_errors=True)
        else:
            print(f"projects kept in {cache}")
    load1 = os.getloadavg()
    _save_raw(args, res, load0, load1, breakdown)
    for cult, plain in (("plastic", "plain"), ("nonplastic", "plain_np"), ("plastic", "floor"),
                        ("plastic", "floor_scalar"), ("plastic", "floor_bg"),
                        ("plastic", "floor_bg_direct")):
        assert res[plain]["events"] == res[cult]["events"], "replay must reproduce the events"
    report(args, res, load0, load1, breakdown)


if __name__ == "__main__":
    main()

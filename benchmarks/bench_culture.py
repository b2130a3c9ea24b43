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
  spikes); **plastic_noskip**, without the skipped dead synapse work (``skip_unless``
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
  (pre, post) contact arrays and delay.  Stock Brian2 code: no project template.
  **plain_np** replays *nonplastic*'s spikes.
* **floor** - *plain* with the culture's own neurons (:func:`mgnet.models.neurons.make_neurons`,
  ``baseline``: AdEx with fast and slow adaptation, AMPA, GluN2A/2B NMDA through B(V),
  GABA_A; two ``exp`` per neuron and step) fed by ``g += w`` onto ``g_ampa``/``g_gaba``;
  vectorised, and **floor_scalar** with the scalar neuron loop.  No background,
  release or plasticity: what the neuron model costs by itself.  **floor_bg** and
  **floor_bg_direct** add the culture's background drive, pooled and per-neuron: the
  background's cost at identical synaptic events.
* **neurons**, **neurons_scalar** - the culture's neurons alone (no input): ns per
  neuron and step of the state update (with the threshold test), vectorised and scalar.
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
"""
from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from _common import row, write_json

TARGET_PLASTIC = 8.0        # issue 18: plastic culture <= 8x plain per event
TARGET_FLOOR = 2.0          # issue 18: floor <= 2x plain per event
ALL_ON = {"vectorised_neurons": True, "pooled_background": True, "skip_dead_work": True,
          "prefetch_post": True}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _events(spikes: dict, pathways: dict) -> tuple[int, dict]:
    """Synaptic events: per pathway, sum over presynaptic spikes of the contacts of the
    spiking neuron.  ``spikes`` = {"exc"|"inh": ids}, ``pathways`` = {name: (src, pre)}."""
    per = {}
    for name, (src, pre) in pathways.items():
        ids = spikes[src]
        n_src = max(int(ids.max()) + 1 if len(ids) else 0, int(pre.max()) + 1 if len(pre) else 0)
        outdeg = np.bincount(pre, minlength=n_src)
        per[name] = int(outdeg[ids].sum()) if len(ids) else 0
    return sum(per.values()), per


@contextlib.contextmanager
def _session(directory: str, switches: dict | None, seed: int):
    """Optimisation switches and the package's standalone session on ``directory`` (one
    thread, Brian2 seeded with ``seed``, no warm start: cold builds are measured)."""
    from mgnet.models.backend import StandaloneSession, optimisations
    with optimisations(**(switches or ALL_ON)), \
            StandaloneSession(directory=directory, seed=seed, warm_start=False) as session:
        yield session


def _finish(net, session, t0: float, profile: bool) -> dict:
    """Compile and run the project whose network ``net`` has been 'run'; timings."""
    from brian2 import second
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    session.build()
    t_compile = time.perf_counter() - t1
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t2 = time.perf_counter()
    session.run()
    t_run = time.perf_counter() - t2
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    t_loop = float(session.brian_device._last_run_time)
    prof = []
    if profile:
        prof = [(name, float(t / second)) for name, t in net.get_profiling_info()]
    return {"build_s": t_build, "compile_s": t_compile, "run_s": t_run, "loop_s": t_loop,
            "cpu_s": t_cpu, "profile": prof, "directory": session.directory}


def run_binary(directory: str, tag: str) -> dict:
    """Run a compiled project's binary again (same seed: the same simulation); wall,
    CPU and loop seconds."""
    res_dir = os.path.join(directory, f"results_rep_{tag}")
    os.makedirs(res_dir, exist_ok=True)
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # Brian2's binary appends file names to the directory: trailing separator.
    subprocess.run(["./main", "--results_dir", os.path.join(res_dir, "")], cwd=directory,
                   check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(res_dir, "last_run_info.txt")) as fh:
        loop = float(fh.read().split()[0])
    shutil.rmtree(res_dir, ignore_errors=True)
    return {"run_s": wall, "loop_s": loop,
            "cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)}


# --------------------------------------------------------------------------------------
# The networks
# --------------------------------------------------------------------------------------
def run_culture(n: int, duration_s: float, seed: int, plastic: bool, directory: str,
                profile: bool = False, switches: dict | None = None,
                prefix: str | None = None) -> dict:
    """The culture (plastic or not) in its own standalone project; results and timings."""
    from brian2 import second
    from mgnet.models.culture import build_culture
    from mgnet.models.parameters import CultureParams, condition
    from mgnet.models.plasticity import CA_PRE_PATHWAY

    t0 = time.perf_counter()
    params, culture = condition("baseline"), CultureParams()
    prefix = prefix or ("pl_" if plastic else "np_")
    with _session(directory, switches, seed) as session:
        cult = build_culture(n, params, culture, seed=seed, name_prefix=prefix,
                             plasticity=params.plasticity if plastic else None)
        if plastic and not hasattr(cult.synapses["ee"], CA_PRE_PATHWAY):
            raise RuntimeError("the E->E contacts of the plastic culture are not plastic")
        cult.net.run(duration_s * second, namespace={}, profile=profile)
        out = _finish(cult.net, session, t0, profile)
        cult.check_finite()
        sd = cult.spike_data()
        st = cult.structure
        pathways = {name: ("exc" if name[0] == "e" else "inh", st.pathways[name].pre)
                    for name in st.pathways}
        ev, per = _events({k: v[1] for k, v in sd.items()}, pathways)
        out.update(events=ev, events_per_pathway=per, n_exc=st.n_exc, n_inh=st.n_inh,
                   n_contacts=st.n_contacts(),
                   spikes={k: (v[0], v[1]) for k, v in sd.items()},
                   pre_post={name: (st.pathways[name].pre, st.pathways[name].post)
                             for name in st.pathways},
                   delay_s=float(culture.delay / second), steps=_steps(duration_s),
                   n_neurons=st.n_exc + st.n_inh)
        if plastic:
            ee = cult.synapses["ee"]
            rho = np.asarray(ee.rho[:])
            rho0 = np.asarray(cult.rho_init, dtype=float)
            ee_post = st.pathways["ee"].post
            out["plastic_extra"] = {
                "ca_pre_events": per["ee"],
                "post_events": int(np.bincount(ee_post, minlength=st.n_exc)[sd["exc"][1]].sum()),
                "rho_mean": float(rho.mean()), "rho_up_fraction": float(np.mean(rho > 0.5)),
                "rho_up_fraction_init": float(np.mean(rho0 > 0.5))}
    return out


def _steps(duration_s: float) -> int:
    from brian2 import defaultclock, second
    return int(round(duration_s / float(defaultclock.dt / second)))


def _add_background(group, prefix: str):
    """The culture's background drive on ``group`` (made with its ``_BACKGROUND_EQS``):
    the shared OU modulation, calibrated rate and weight; returns the modulation group."""
    from brian2 import NeuronGroup, linked_var
    from mgnet.models.background import poisson_drive
    from mgnet.models.culture import _BACKGROUND_DRIVE, _MODULATION_EQS
    from mgnet.models.parameters import CultureParams
    c = CultureParams()
    mod = NeuronGroup(1, _MODULATION_EQS, method="euler",
                      namespace={"bg_mod_tau": c.bg_mod_tau}, name=f"{prefix}modulation")
    mod.sigma = float(c.bg_mod_cv)
    group.bg_x = linked_var(mod, "x", index=np.zeros(len(group), dtype=int))
    group.bg_rate = c.bg_rate
    group.bg_w = c.bg_weight
    poisson_drive(group, **_BACKGROUND_DRIVE, when="synapses", order=-1,
                  name=f"{prefix}background")
    return mod


def run_plain(ref: dict, duration_s: float, seed: int, directory: str, profile: bool = False,
              prefix: str = "plain_", neurons: str = "lif",
              switches: dict | None = None, background: bool = False) -> dict:
    """N neurons fed by the replayed culture spikes through the culture's contacts.

    ``neurons="lif"``: the plain reference (one ``v``, one ``g``; stock Brian2 code).
    ``neurons="culture"``: the floor - the culture's own neuron model
    (:func:`mgnet.models.neurons.make_neurons`, ``baseline``) and otherwise the same network:
    the same replay, contacts, delay, monitor and ``g += w`` synapses (onto ``g_ampa``
    from excitatory and ``g_gaba`` from inhibitory sources), no background, release or
    plasticity.  ``background=True`` (culture neurons only) adds the culture's background
    drive (pooled or per-neuron per ``switches``): its cost at identical synaptic events.
    """
    from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses,
                        ms, mV, nS, second)
    t0 = time.perf_counter()
    with _session(directory, switches, seed) as session:
        n_exc, n_inh = ref["n_exc"], ref["n_inh"]
        n = n_exc + n_inh
        offset = {"exc": 0, "inh": n_exc}
        (te, ie), (ti, ii) = ref["spikes"]["exc"], ref["spikes"]["inh"]
        times = np.concatenate([te, ti])
        ids = np.concatenate([ie, ii + n_exc])
        order = np.argsort(times, kind="stable")
        gen = SpikeGeneratorGroup(n, ids[order], times[order] * second,
                                  name=f"{prefix}source")
        if neurons == "lif":
            group = NeuronGroup(
                n, """dv/dt = (E_L - v + g/g_L*(E_e - v))/tau_m : volt (unless refractory)
                      dg/dt = -g/tau_g : siemens""",
                threshold="v > V_th", reset="v = E_L", refractory=2 * ms, method="euler",
                namespace={"E_L": -70 * mV, "E_e": 0 * mV, "V_th": -50 * mV,
                           "g_L": 10 * nS, "tau_m": 20 * ms, "tau_g": 5 * ms},
                name=f"{prefix}lif")
            group.v = -70 * mV
            target = {"exc": "g", "inh": "g"}
            extra = []
        elif neurons == "culture":
            from mgnet.models.culture import _BACKGROUND_EQS
            from mgnet.models.neurons import make_neurons
            from mgnet.models.parameters import condition
            params = condition("baseline")
            group = make_neurons(n, neuron=params.neuron, receptors=params.receptors,
                                 block=params.mg_block, magnesium=params.magnesium,
                                 extra_eqs=_BACKGROUND_EQS if background else "",
                                 name=f"{prefix}adex")
            target = {"exc": "g_ampa", "inh": "g_gaba"}
            extra = [_add_background(group, prefix)] if background else []
        else:
            raise ValueError(f"neurons must be 'lif' or 'culture', got {neurons!r}")
        syns = []
        for name, (pre, post) in ref["pre_post"].items():
            src = "exc" if name[0] == "e" else "inh"
            tgt = "exc" if name[1] == "e" else "inh"
            # "w_syn" in the floor: the AdEx neurons have their own adaptation current w.
            wn = "w" if neurons == "lif" else "w_syn"
            s = Synapses(gen, group, f"{wn} : siemens", on_pre=f"{target[src]}_post += {wn}",
                         delay=ref["delay_s"] * second, name=f"{prefix}{name}")
            s.connect(i=pre + offset[src], j=post + offset[tgt])
            setattr(s, wn, 0.1 * nS)
            syns.append(s)
        mon = SpikeMonitor(group, name=f"{prefix}spikes")
        net = Network(gen, group, *syns, mon, *extra)
        net.run(duration_s * second, namespace={}, profile=profile)
        out = _finish(net, session, t0, profile)
        replayed = {"exc": np.asarray(ie), "inh": np.asarray(ii)}
        pathways = {name: (("exc" if name[0] == "e" else "inh"), pre)
                    for name, (pre, _) in ref["pre_post"].items()}
        ev, per = _events(replayed, pathways)
        out.update(events=ev, events_per_pathway=per, source_spikes=len(ids),
                   own_spikes=int(mon.num_spikes), steps=_steps(duration_s), n_neurons=n)
    return out


def run_neurons(n: int, duration_s: float, seed: int, directory: str,
                switches: dict) -> dict:
    """The culture's neuron model alone (no input): cost of the state update."""
    from brian2 import Network, second
    from mgnet.models.neurons import make_neurons
    from mgnet.models.parameters import condition
    t0 = time.perf_counter()
    with _session(directory, switches, seed) as session:
        p = condition("baseline")
        g = make_neurons(n, neuron=p.neuron, receptors=p.receptors, block=p.mg_block,
                         magnesium=p.magnesium, name="solo")
        net = Network(g)
        net.run(duration_s * second, namespace={})
        out = _finish(net, session, t0, False)
    out.update(events=0, steps=_steps(duration_s), n_neurons=n)
    return out


def run_background(n: int, duration_s: float, seed: int, directory: str,
                   switches: dict) -> dict:
    """The culture's background drive alone: its variables, the shared OU modulation and
    g_ampa += bg_w per event at the calibrated rate and weight (no neuron dynamics)."""
    from brian2 import Network, NeuronGroup, second
    from mgnet.models.culture import _BACKGROUND_EQS
    t0 = time.perf_counter()
    with _session(directory, switches, seed) as session:
        g = NeuronGroup(n, "g_ampa : siemens\n" + _BACKGROUND_EQS, name="bgonly")
        mod = _add_background(g, "bgonly_")
        net = Network(mod, g)
        net.run(duration_s * second, namespace={})
        out = _finish(net, session, t0, False)
    out.update(events=0, steps=_steps(duration_s), n_neurons=n)
    return out


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------
def _category(name: str) -> str:
    """Coarse kind of a profiled code object, from Brian2's naming."""
    for key, cat in (("_background", "background Poisson"),
                     ("_push_spikes", "spike queues (push)"),
                     ("_ca_pre_codeobject", "synapses: plasticity ca_pre pathway"),
                     ("_post_codeobject", "synapses: post pathways"),
                     ("_pre_codeobject", "synapses: pre (release) pathways"),
                     ("_stateupdater", "neuron/OU state updates"),
                     ("_thresholder", "thresholds"), ("_resetter", "resets"),
                     ("_spikes_codeobject", "spike monitors"),
                     ("_source_codeobject", "spike generator (replay)")):
        if key in name:
            return cat
    return "other"


def _print_profile(label: str, res: dict, top: int) -> None:
    prof = res["profile"]
    if not prof:
        return
    total = sum(t for _, t in prof)
    cats = {}
    for name, t in prof:
        cats[_category(name)] = cats.get(_category(name), 0.0) + t
    print(f"\n{label}: time by kind (profiled {total:.2f} s of the {res['loop_s']:.2f} s "
          f"simulation loop)")
    for cat, t in sorted(cats.items(), key=lambda kv: -kv[1]):
        print(f"  {cat:<40s} {t:8.2f} s  {100 * t / total:5.1f} %"
              f"  {1e9 * t / max(res['events'], 1):7.1f} ns/event")
    print(f"{label}: top code objects")
    for name, t in prof[:top]:
        print(f"  {name:<40s} {t:8.2f} s  {100 * t / total:5.1f} %"
              f"  {1e9 * t / max(res['events'], 1):7.1f} ns/event")


def pathway_costs(res: dict, prefix: str = "pl_") -> dict:
    """ns per execution of the plastic E->E pathways (release ``pre``, delayed Ca2+
    ``ca_pre``, back-propagating spike ``post``) from a profiled plastic run: profiled
    time of the pathway's code object / its executions (contact events for pre and
    ca_pre, postsynaptic spikes x E->E in-degree for post)."""
    import re
    # Brian2 appends _1, _2, ... to a code object's name while an object of the same
    # name from an earlier project of this process is still alive.
    prof = {re.sub(r"_\d+$", "", name): t for name, t in res["profile"]}
    px = res["plastic_extra"]
    execs = {"pre": res["events_per_pathway"]["ee"], "ca_pre": px["ca_pre_events"],
             "post": px["post_events"]}
    out = {}
    for path, n_exec in execs.items():
        t = prof.get(f"{prefix}ee_{path}_codeobject")
        push = prof.get(f"{prefix}ee_{path}_push_spikes", 0.0)
        if t is None:
            continue
        out[path] = {"executions": int(n_exec), "s": float(t), "push_s": float(push),
                     "ns_per_execution": 1e9 * t / max(n_exec, 1),
                     "ns_per_event": 1e9 * t / max(res["events"], 1)}
    return out


def main() -> None:
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
    args = ap.parse_args()
    if args.from_raw:
        import pickle
        with open(args.from_raw, "rb") as fh:
            saved = pickle.load(fh)
        for k in ("neurons", "duration", "seed", "repeats", "quick"):
            setattr(args, k, saved["args"][k])
        report(args, saved["res"], saved["load0"], saved["load1"], saved["breakdown"])
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
    n, dur, seed = args.neurons, args.duration, args.seed
    d = lambda key: os.path.join(cache, key)  # noqa: E731
    res = {}
    off_vec = dict(ALL_ON, vectorised_neurons=False)
    off_bg = dict(ALL_ON, pooled_background=False)
    off_all = {k: False for k in ALL_ON}
    off_skip = dict(ALL_ON, skip_dead_work=False)
    off_pf = dict(ALL_ON, prefetch_post=False)
    try:
        steps = [
            ("plastic", lambda: run_culture(n, dur, seed, True, d("plastic"))),
            ("plastic_novec", lambda: run_culture(n, dur, seed, True, d("plastic_novec"),
                                                  switches=off_vec)),
            ("plastic_noprefetch", lambda: run_culture(n, dur, seed, True,
                                                       d("plastic_noprefetch"),
                                                       switches=off_pf)),
            ("plastic_noskip", lambda: run_culture(n, dur, seed, True, d("plastic_noskip"),
                                                   switches=off_skip)),
            ("plastic_before", lambda: run_culture(n, dur, seed, True, d("plastic_before"),
                                                   switches=off_all)),
            ("nonplastic", lambda: run_culture(n, dur, seed, False, d("nonplastic"))),
            ("plain", lambda: run_plain(res["plastic"], dur, seed, d("plain"))),
            ("plain_np", lambda: run_plain(res["nonplastic"], dur, seed, d("plain_np"),
                                           prefix="plainnp_")),
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
                                                     d("plain_profiled"), profile=True)),
            ]
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
    finally:
        if not args.keep:
            shutil.rmtree(cache, ignore_errors=True)
        else:
            print(f"projects kept in {cache}")
    load1 = os.getloadavg()
    import pickle
    from _common import OUT_DIR
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(OUT_DIR / "bench_culture_raw.pkl", "wb") as fh:     # for --from-raw
        pickle.dump({"args": {k: getattr(args, k) for k in ("neurons", "duration", "seed",
                                                            "repeats", "quick")},
                     "res": res, "load0": load0, "load1": load1, "breakdown": breakdown},
                    fh)
    for cult, plain in (("plastic", "plain"), ("nonplastic", "plain_np"), ("plastic", "floor"),
                        ("plastic", "floor_scalar"), ("plastic", "floor_bg"),
                        ("plastic", "floor_bg_direct")):
        assert res[plain]["events"] == res[cult]["events"], "replay must reproduce the events"
    report(args, res, load0, load1, breakdown)


def report(args, res: dict, load0, load1, breakdown: bool) -> None:
    p = res["plastic"]
    n_all = p["n_exc"] + p["n_inh"]

    def rate(r):
        return sum(len(v[1]) for v in r["spikes"].values()) / n_all / args.duration

    def cost(key, what="med_cpu_s"):
        return res[key][what] / max(res[key]["events"], 1)

    def per_neuron_step(key, what="med_cpu_s"):
        return res[key][what] / (res[key]["n_neurons"] * res[key]["steps"])

    print(f"\nload average: {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
          f"(1-min; the ratios are side by side: load falls on all projects alike)")
    print(f"structure: {p['n_exc']} E + {p['n_inh']} I, contacts "
          + ", ".join(f"{k} {v:,}" for k, v in p["n_contacts"].items())
          + f" (total {sum(p['n_contacts'].values()):,})")
    for k in ("plastic", "plastic_novec", "plastic_noprefetch", "plastic_noskip",
              "plastic_before", "nonplastic"):
        r = res[k]
        extra = ""
        if "plastic_extra" in r:
            px = r["plastic_extra"]
            extra = (f"; UP fraction {px['rho_up_fraction_init']:.3f} -> "
                     f"{px['rho_up_fraction']:.3f}")
        print(f"{k}: mean rate {rate(r):.2f} Hz, {r['events']:,} events{extra}")
    for k in ("plain", "floor"):
        print(f"{k}: replayed {res[k]['source_spikes']:,} source spikes; its own neurons "
              f"fired {res[k]['own_spikes']:,} (not fed back)")

    labels = {"plastic": "plastic culture (all optimisations)",
              "plastic_novec": "plastic, scalar neuron loop",
              "plastic_noprefetch": "plastic, no prefetch (post pathway)",
              "plastic_noskip": "plastic, no skipped synapse work",
              "plastic_before": "plastic, every optimisation off",
              "nonplastic": "non-plastic culture",
              "plain": "plain (plastic's spikes)", "plain_np": "plain (non-plastic's spikes)",
              "floor": "floor: culture neurons, g+=w", "floor_scalar": "floor, scalar neuron loop",
              "floor_bg": "floor + background (pooled)",
              "floor_bg_direct": "floor + background (per neuron)",
              "profiled": "plastic, PROFILED",
              "profiled_before": "plastic, every optimisation off, PROFILED",
              "plain_profiled": "plain, PROFILED"}
    reference = {k: "plain" for k in labels}
    reference.update(nonplastic="plain_np", plain_np="plain_np")
    keys = [k for k in labels if k in res]
    head = (f"{'network':<38s}{'compile s':>10s}{'CPU s':>8s}{'loop s':>8s}{'events':>13s}"
            f"{'ns/ev CPU':>10s}{'vs plain':>9s}{'ns/ev loop':>11s}{'vs plain':>9s}")
    print("\n" + head + "\n" + "-" * len(head))
    for k in keys:
        r, ref = res[k], reference[k]
        print(f"{labels[k]:<38s}{r['compile_s']:10.1f}{r['med_cpu_s']:8.2f}"
              f"{r['med_loop_s']:8.2f}{r['events']:13,d}{1e9 * cost(k):10.1f}"
              f"{cost(k) / cost(ref):8.2f}x{1e9 * cost(k, 'med_loop_s'):11.1f}"
              f"{cost(k, 'med_loop_s') / cost(ref, 'med_loop_s'):8.2f}x")
    print("CPU s: median CPU time of the simulation binary over the repeats (start-up, "
          "loop, writing results);\n  loop s: median wall time of the simulation loop "
          "alone (last_run_info.txt)")

    ratio = cost("plastic") / cost("plain")
    floor = cost("floor") / cost("plain")
    ok_p, ok_f = ratio <= TARGET_PLASTIC, floor <= TARGET_FLOOR
    print("\nissue 18 targets (2000 neurons, unprofiled, CPU time per event):")
    print(f"  plastic / plain = {ratio:.2f}x (target <= {TARGET_PLASTIC:g}x): "
          f"{'PASS' if ok_p else 'FAIL'}")
    print(f"  floor / plain   = {floor:.2f}x (target <= {TARGET_FLOOR:g}x): "
          f"{'PASS' if ok_f else 'FAIL'}")

    # Ablation: every optimisation before/after as its own row.
    abl = [
        ("vectorised neuron update: ns per neuron-step (neurons alone)",
         1e9 * per_neuron_step("neurons_scalar"), 1e9 * per_neuron_step("neurons")),
        ("pooled background: ns per neuron-step (background alone)",
         1e9 * per_neuron_step("background_direct"), 1e9 * per_neuron_step("background")),
        ("vectorised neuron update: floor, ns per event",
         1e9 * cost("floor_scalar"), 1e9 * cost("floor")),
        ("vectorised neuron update: plastic culture, ns per event",
         1e9 * cost("plastic_novec"), 1e9 * cost("plastic")),
        ("pooled background: floor + background, ns per event",
         1e9 * cost("floor_bg_direct"), 1e9 * cost("floor_bg")),
        ("vectorised: floor / plain ratio", cost("floor_scalar") / cost("plain"), floor),
        ("prefetch (post pathway): plastic culture, ns per event",
         1e9 * cost("plastic_noprefetch"), 1e9 * cost("plastic")),
        ("skipped synapse work: plastic, CPU s per simulated s",
         res["plastic_noskip"]["med_cpu_s"] / args.duration,
         res["plastic"]["med_cpu_s"] / args.duration),
        ("skipped synapse work: plastic culture, ns per event",
         1e9 * cost("plastic_noskip"), 1e9 * cost("plastic")),
        ("skipped synapse work: plastic / plain ratio",
         cost("plastic_noskip") / cost("plain"), ratio),
        ("all four: plastic culture, CPU s per simulated s (off -> on)",
         res["plastic_before"]["med_cpu_s"] / args.duration,
         res["plastic"]["med_cpu_s"] / args.duration),
        ("all four: plastic culture, ns per event (off -> on)",
         1e9 * cost("plastic_before"), 1e9 * cost("plastic")),
        ("all four: plastic / plain ratio (off -> on)",
         cost("plastic_before") / cost("plain"), ratio),
    ]
    if breakdown:
        abl += [
            ("profiling off: plain, ns per event (profiled -> not)",
             1e9 * cost("plain_profiled"), 1e9 * cost("plain")),
            ("profiling off: plastic, ns per event (profiled -> not)",
             1e9 * cost("profiled"), 1e9 * cost("plastic")),
            ("profiling off: plastic / plain ratio (profiled -> not)",
             cost("profiled") / cost("plain_profiled"), ratio),
        ]
    head = (f"{'optimisation (ablation)':<68s}{'before':>10s}{'after':>10s}"
            f"{'before/after':>14s}")
    print("\n" + head + "\n" + "-" * len(head))
    for what, before, after in abl:
        print(f"{what:<68s}{before:10.2f}{after:10.2f}{before / after:13.2f}x")
    pb, pn = res["plastic_before"], res["plastic_noskip"]
    print(f"(without the pooled background or the skipped draws the random stream "
          f"differs: every optimisation off fired {pb['events']:,} events in this run, "
          f"without skipping {pn['events']:,}, against {p['events']:,}; a 10 s run holds "
          f"about one network burst (4.5 per minute), so their per-event costs are not at "
          f"the same event rate (see the rows per simulated second); every other row "
          f"compares identical events)")

    overhead = None
    pw, pw_before = {}, {}
    if breakdown:
        # What profiling adds: per code object and step (plain network: few objects).
        n_obj = len(res["plain_profiled"]["profile"])
        extra = res["plain_profiled"]["med_loop_s"] - res["plain"]["med_loop_s"]
        overhead = extra / (n_obj * res["plain"]["steps"])
        print(f"\nprofiling adds {1e9 * overhead:.0f} ns per code object and step (plain "
              f"network, {n_obj} code objects; loop times)")
        _print_profile(labels["profiled"], res["profiled"], args.top)
        pw = pathway_costs(res["profiled"])
        pw_before = (pathway_costs(res["profiled_before"], prefix="pb_")
                     if "profiled_before" in res else {})
        print("\nplastic E->E pathways (profiled breakdown; per execution; each code "
              f"object's time includes up to {overhead * res['profiled']['steps']:.2f} s of "
              "profiling per run):")
        for path, v in pw.items():
            before = pw_before.get(path)
            was = (f"; every optimisation off: {before['ns_per_execution']:.1f} ns per "
                   f"execution, {before['executions']:,} executions" if before else "")
            print(f"  {path:<8s} {v['executions']:>13,d} executions  {v['s']:7.2f} s  "
                  f"{v['ns_per_execution']:6.1f} ns per execution  "
                  f"({v['ns_per_event']:5.1f} ns per synaptic event; spike queue push "
                  f"{v['push_s']:.2f} s{was})")
        stu = sum(t for name, t in res["profiled"]["profile"] if "_stateupdater" in name
                  and "modulation" not in name)
        print(f"  neuron state updates in the plastic culture: "
              f"{1e9 * stu / (n_all * res['profiled']['steps']):.1f} ns per neuron-step")

    quick = "; --quick: not judged" if args.quick else ""
    setup = (f"{args.neurons} neurons, {args.duration:g} s, {p['events']:,} events; cost = "
             f"median binary CPU time / events over {args.repeats} round-robin repeats; "
             f"unprofiled; load {load0[0]:.1f}-{load1[0]:.1f}")
    rows = [
        row("cost per event, plastic culture / plain Brian2", ratio,
            reference="plain LIF network, same contacts and events", ratio=ratio,
            target=f"<= {TARGET_PLASTIC:g}x", passed=None if args.quick else ok_p,
            note=setup + quick),
        row("cost per event, floor (culture neurons, g += w) / plain", floor,
            reference="plain LIF network, same contacts and events", ratio=floor,
            target=f"<= {TARGET_FLOOR:g}x", passed=None if args.quick else ok_f,
            note="the culture's AdEx/AMPA/NMDA(B(V))/GABA neurons, vectorised, replaying "
                 "the plastic culture's spikes; no background, release or plasticity" + quick),
        row("cost per event, non-plastic culture / plain Brian2",
            cost("nonplastic") / cost("plain_np"), reference="plain, non-plastic's events",
            ratio=cost("nonplastic") / cost("plain_np")),
        row("cost per event, plastic / non-plastic culture",
            cost("plastic") / cost("nonplastic"), reference="non-plastic culture",
            ratio=cost("plastic") / cost("nonplastic"), note="what plasticity costs"),
        row("plastic culture, ns per event", 1e9 * cost("plastic"), note="binary CPU time"),
        row("plain network, ns per event", 1e9 * cost("plain"), note="binary CPU time"),
    ]
    for what, before, after in abl:
        rows.append(row(f"ablation: {what}", after, reference=f"before: {before:.3g}",
                        ratio=before / after, note="ratio = before / after"))
    for path, v in pw.items():
        before = pw_before.get(path)
        rows.append(row(f"plastic E->E pathway '{path}', ns per execution",
                        v["ns_per_execution"],
                        reference=(f"every optimisation off: {before['ns_per_execution']:.3g}"
                                   if before else ""),
                        ratio=(before["ns_per_execution"] / v["ns_per_execution"]
                               if before else None),
                        note=f"{v['executions']:,} executions; profiled breakdown projects "
                             "(not used in any other ratio)"))
    write_json("bench_culture", rows, {"results": {
        k: {kk: vv for kk, vv in r.items()
            if kk not in ("spikes", "pre_post", "directory")}
        for k, r in res.items()}, "profiling_overhead_s_per_object_step": overhead})


if __name__ == "__main__":
    main()

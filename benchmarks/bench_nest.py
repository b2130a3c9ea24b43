"""The culture vs the closest equivalent network in NEST 3.x (issue 6; design.md §5).

Issue 6 acceptance: "The culture's throughput is at least NEST's on the equivalent
network; if not, the benchmark says by how much and the note says why."

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_nest.py [--neurons 2000]
[--duration 10] [--seed 1] [--no-plastic] [--no-self-driven] [--no-base] [--profile]
[--keep]``
(needs ``pip install -e .[bench]``: the ``nest-simulator`` wheel; without it the script
says so, writes a "skipped" result and exits 0).

What runs, one after the other in this process, each on one thread:

1. **mgnet non-plastic** - the culture of :func:`mgnet.models.culture.build_culture` at the
   ``baseline`` condition (calibrated :class:`~mgnet.models.parameters.CultureParams`
   defaults), compile-once ``cpp_standalone`` exactly as ``benchmarks/bench_culture.py``
   builds it (its :func:`run_culture` is called: cold compile, the package's build
   flags, one thread; unprofiled unless ``--profile``).
2. **mgnet plastic** - the same culture with the Graupner-Brunel rule on every E->E
   contact (extra information; ``--no-plastic`` skips it and its NEST replay).
3. **NEST replay** - the NEST network below, whose recurrent connections are driven by
   ``spike_generator -> parrot_neuron`` sources replaying exactly the spikes recorded in
   run 1 (and, separately, run 2).  The event count is therefore the same as in the mgnet
   run by construction, as bench_culture does for its plain Brian2 reference.  This is
   the fair comparison and the one the PASS/FAIL is on: the NEST network's own dynamics
   differ (no NMDA, no slow adaptation, see below), so a self-driven NEST network does not
   fire at the culture's rate, and per-step costs (neurons, background) weigh per event
   in inverse proportion to the rate.  The AdEx targets still integrate all the input and
   the background; their own spikes are recorded but not fed back.
4. **NEST self-driven** - the same NEST network with its neurons as the sources (its own
   activity; extra information: rate and cost per event of NEST's genuine network mode;
   ``--no-self-driven`` skips it).
5. **NEST neurons + background only** - no recurrent connections: NEST's per-step cost
   (AdEx integration and the Poisson background), subtracted from run 3 to give the cost
   of NEST's synaptic events alone (``--no-base`` skips it).

Mapping mgnet -> NEST (NEST 3.10 models):

============================  ====================================  ==================================
mgnet                         NEST                                   what differs
============================  ====================================  ==================================
conductance-based AdEx,       ``aeif_cond_exp`` (same C_m, g_L,     NEST integrates with GSL RKF45
Euler at dt 0.1 ms, cut-off   E_L, V_T, Delta_T, V_reset, t_ref,    (adaptive step, error tol 1e-6);
v_spike 0 mV                  a, b, tau_w; V_peak = v_spike;        mgnet forward Euler, fixed 0.1 ms
                              inhibitory cells a = inh_a, b = inh_b)
slow adaptation w_slow        none (AdEx has one w)                 omitted in NEST
(b_slow, 4 s; exc. cells)
AMPA exp 2 ms, E 0 mV         ``g_ex``: tau_syn_ex 2 ms, E_ex 0 mV  same
NMDA GluN2A/2B (rise 2 ms,    none: NEST has no AdEx with a Mg2+-   omitted in NEST (``iaf_bw_2001``
decay 50/300 ms), Mg2+ block  blocked NMDA conductance              has Jahr-Stevens-blocked NMDA but
B(V) of [Mg]o                                                       is a non-adaptive LIF whose NMDA
                                                                    needs iaf_bw_2001 senders)
GABA_A exp 8 ms, E -70 mV     ``g_in``: tau_syn_in 8 ms, E_in -70   same
one stochastic TM synapse     one ``quantal_stp_synapse`` per       NEST's sites of one connection
per contact (own Pr, own      connection: n = contacts, U = u0 =    are identical: one U, one weight;
quantal size, own u, avail),  mean Pr of its contacts, weight =     mgnet has a Pr and q per contact
1 + Poisson(2) contacts per   Pr-weighted mean q (so n U w =        (silent boutons Pr 0)
connection                    sum Pr_k q_k), a = n
TM: u <- u e^-D/tF, u += U    the same recursion (Fuhrmann 2002 /   same; tau_fac = culture.tau_f,
(1-u); refill p 1-e^-D/tD;    Loebel 2009), binomial over sites     tau_rec = culture.tau_d
Bernoulli release p u
per-contact NMDA Ca2+,        none                                  omitted in NEST (work mgnet does
bAP Ca2+ state                                                      in every E release / post spike)
Graupner-Brunel plasticity    none (NEST's stdp_synapse is a        NEST without plasticity: the
(plastic culture only)        different rule)                       equal-physics pair is mgnet
                                                                    non-plastic vs NEST
homogeneous delay 1.5 ms      delay 1.5 ms                          same
Poisson background, per       ``inhomogeneous_poisson_generator``   same rate process, other
neuron per step g_ampa +=     (one generator, an independent train  realisation of the OU (numpy,
bg_w poisson(rate dt),        per target) with rate 150 Hz x        sampled every 1 ms); delay 1.5 ms
rate x max(0, 1 + x(t)), x    max(0, 1 + x(t)) and weight bg_w      instead of 0 (a Poisson train
one shared OU (SD bg_mod_cv,  per target                            shifted in time is the same
tau bg_mod_tau)                                                     process; keeps NEST's min_delay)
initial v from the structure  V_m = the same values, w = 0          same
============================  ====================================  ==================================

Same contact arrays: the structure comes from
:func:`mgnet.models.culture.culture_structure` (``seed``) and the values from
:func:`mgnet.models.culture.contact_values` at ``baseline``, as ``build_culture`` draws them; the
NEST connection list is the culture's (pre, post) connections in the same order.

Synaptic events, the same definition for both: per pathway, presynaptic spikes x
contacts of the spiking neuron ("contact events", bench_culture's ``_events``; in NEST a
quantal_stp connection with n sites processes n sites per spike).  Also reported per
connection (spikes x outgoing connections: what NEST's spike delivery iterates over).
Throughput = contact events per second of wall time; cost per event = wall time / events.
"run s" = wall time of the simulation call: mgnet ``device.run`` (the binary's start-up,
creating and initialising the contacts, the loop, writing the state arrays) and NEST
``Prepare`` + ``Run`` + ``Cleanup`` (its start-up builds the connection infrastructure);
"loop s" = the simulation loop alone (Brian2's reported run time; NEST's ``Run`` after
its first min_delay slice).  "build s" = Python model construction (mgnet: network
construction and code generation, plus "compile s" for the C++ build; NEST: Create and
Connect), each including drawing the structure.

Output: the table, the ratio (mgnet cost per event / NEST cost per event) and PASS/FAIL
for "throughput at least NEST's" (= ratio <= 1, mgnet non-plastic vs NEST replaying its
spikes); ``benchmarks/out/bench_nest.json``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYNEST_QUIET", "1")      # no NEST banner

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

NAME = "bench_nest"
SKIP_MESSAGE = "nest-simulator not installed: pip install -e .[bench]"
TARGET = "mgnet cost per event <= NEST's (throughput at least NEST's)"


# --------------------------------------------------------------------------------------
# Result rows / JSON (benchmarks/_common.py; a minimal fallback keeps this script usable
# on its own)
# --------------------------------------------------------------------------------------
try:
    from _common import row, write_json
except ImportError:                                        # pragma: no cover
    import datetime as _dt
    import json
    import platform

    def row(what, value, *, reference="", ratio=None, target="", passed=None, note=""):
        def num(x):
            return None if x is None or not np.isfinite(float(x)) else float(x)
        return {"what": what, "value": num(value), "reference": reference,
                "ratio": num(ratio), "target": target,
                "pass": None if passed is None else bool(passed), "note": note}

    def write_json(name, rows, extra=None):
        out = os.path.join(_HERE, "out")
        os.makedirs(out, exist_ok=True)
        doc = {"benchmark": name, "rows": rows,
               "machine": {"platform": platform.platform(), "cores": os.cpu_count(),
                           "python": platform.python_version(),
                           "omp_num_threads": os.environ.get("OMP_NUM_THREADS")},
               "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime(
                   "%Y-%m-%dT%H:%M:%SZ"), "args": sys.argv[1:]}
        doc.update(extra or {})
        path = os.path.join(out, f"{name}.json")
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(json.dumps(doc, indent=1) + "\n")
        os.replace(tmp, path)
        print(f"wrote {path}")
        return path


def nest_or_none():
    """The ``nest`` module, or None if nest-simulator is not installed."""
    try:
        import nest
    except (ImportError, OSError):      # not installed, or its shared libraries missing
        return None
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR          # NEST >= 3.9
    except AttributeError:                                  # pragma: no cover
        nest.set_verbosity("M_ERROR")
    return nest


# --------------------------------------------------------------------------------------
# The culture's structure as NEST connections
# --------------------------------------------------------------------------------------
def _events(spikes: dict, pathways: dict) -> tuple[int, dict]:
    from bench_culture import _events as events
    return events(spikes, pathways)


def connection_table(structure, values) -> dict:
    """Per pathway, the culture's connections (contacts of one (pre, post) pair merged).

    Returns {name: dict(src, tgt, pre, post, n, U, w, contact_pre)}: ``pre``/``post``
    population indices per connection, ``n`` contacts, ``U`` mean Pr, ``w`` the
    Pr-weighted mean quantal conductance (nS; the plain mean if every contact is silent),
    ``contact_pre`` the presynaptic index of every contact (for the event count).
    """
    out = {}
    for name, pw in structure.pathways.items():
        v = values[name]
        start = pw.contact == 0              # contacts of a connection are contiguous,
        conn = np.cumsum(start) - 1          # sorted by (pre, post, contact)
        n = np.bincount(conn)
        sum_pr = np.bincount(conn, weights=v.pr)
        sum_prq = np.bincount(conn, weights=v.pr * v.q_nS)
        mean_q = np.bincount(conn, weights=v.q_nS) / n
        w = np.where(sum_pr > 0, sum_prq / np.where(sum_pr > 0, sum_pr, 1.0), mean_q)
        out[name] = dict(src="exc" if name[0] == "e" else "inh",
                         tgt="exc" if name[1] == "e" else "inh",
                         pre=pw.pre[start], post=pw.post[start], n=n, U=sum_pr / n, w=w,
                         contact_pre=pw.pre)
    return out


def ou_rate(culture, duration_ms: float, step_ms: float, seed: int):
    """Background rate trajectory rate * clip(1 + x, 0, 100) with x an OU process of SD
    ``bg_mod_cv`` and correlation time ``bg_mod_tau`` (exact discretisation, x(0) = 0),
    sampled every ``step_ms`` starting at ``step_ms``.  Returns (times_ms, rates_Hz)."""
    from brian2 import Hz, second
    rate = float(culture.bg_rate / Hz)
    sd, tau_ms = float(culture.bg_mod_cv), float(culture.bg_mod_tau / second) * 1e3
    k = int(np.ceil(duration_ms / step_ms)) + 1
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 6]))
    decay = np.exp(-step_ms / tau_ms)
    noise = sd * np.sqrt(1 - decay ** 2) * rng.standard_normal(k)
    x = np.empty(k)
    x[0] = 0.0
    for i in range(1, k):
        x[i] = x[i - 1] * decay + noise[i]
    times = np.round(step_ms * (1 + np.arange(k)), 6)
    return times, rate * np.clip(1 + x, 0, 100)


# --------------------------------------------------------------------------------------
# NEST network
# --------------------------------------------------------------------------------------
def run_nest(nest, n: int, duration_s: float, seed: int, replay: dict | None = None,
             resolution_ms: float = 0.1, recurrent: bool = True) -> dict:
    """Build and simulate the NEST equivalent of the culture (one thread).

    ``replay`` = {"exc"|"inh": (times_s, ids)}: drive the recurrent connections from
    parrot neurons replaying these spikes (the AdEx neurons' own spikes are recorded but
    not fed back); None: the AdEx neurons drive each other (self-driven).
    ``recurrent=False``: neurons and background only (NEST's per-step cost, no events).
    """
    from brian2 import ms, mV, nS, pA, pF, second
    from mgnet.models.culture import contact_values, culture_structure
    from mgnet.models.parameters import CultureParams, condition

    t0 = time.perf_counter()
    params, culture = condition("baseline"), CultureParams()
    st = culture_structure(n, culture, params.configuration, seed=seed,
                           e_l=params.neuron.e_l)
    values = contact_values(st, params, culture)
    table = connection_table(st, values)
    nr = params.neuron
    rec = params.receptors
    delay_ms = float(culture.delay / ms)

    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 1, "resolution": resolution_ms,
                          "rng_seed": int(seed) + 1})
    common = {"C_m": float(nr.c_m / pF), "g_L": float(nr.g_l / nS),
              "E_L": float(nr.e_l / mV), "V_th": float(nr.v_t / mV),
              "Delta_T": float(nr.delta_t / mV), "V_reset": float(nr.v_reset / mV),
              "V_peak": float(nr.v_spike / mV), "t_ref": float(nr.t_ref / ms),
              "tau_w": float(nr.tau_w / ms),
              "E_ex": float(rec.e_ampa / mV), "tau_syn_ex": float(rec.tau_ampa / ms),
              "E_in": float(rec.e_gaba / mV), "tau_syn_in": float(rec.tau_gaba / ms)}
    pops = {
        "exc": nest.Create("aeif_cond_exp", st.n_exc,
                           params=dict(common, a=float(nr.a / nS), b=float(nr.b / pA))),
        "inh": nest.Create("aeif_cond_exp", st.n_inh,
                           params=dict(common, a=float(culture.inh_a / nS),
                                       b=float(culture.inh_b / pA)))}
    ids = {p: np.asarray(g.tolist(), dtype=np.int64) for p, g in pops.items()}
    for p, g in pops.items():
        g.set(V_m=st.v_init[p].tolist(), w=0.0)

    # Sources of the recurrent connections.
    if replay is None:
        src_ids = ids
        sources = pops
    else:
        shift_ms = resolution_ms          # spike_generator times must lie after 0
        sources, src_ids = {}, {}
        for p in ("exc", "inh"):
            t_s, i_s = replay[p]
            t_ms = np.round(np.asarray(t_s) * 1e3 / resolution_ms) * resolution_ms + shift_ms
            order = np.lexsort((t_ms, i_s))
            t_ms, i_s = t_ms[order], np.asarray(i_s)[order]
            size = len(ids[p])
            bounds = np.searchsorted(i_s, np.arange(size + 1))
            gens = nest.Create("spike_generator", size, params=[
                {"spike_times": t_ms[bounds[k]:bounds[k + 1]].tolist()} for k in range(size)])
            parrots = nest.Create("parrot_neuron", size)
            # Delay = the network delay, so that NEST's min_delay stays 1.5 ms.
            nest.Connect(gens, parrots, "one_to_one",
                         {"synapse_model": "static_synapse", "delay": delay_ms})
            sources[p] = parrots
            src_ids[p] = np.asarray(parrots.tolist(), dtype=np.int64)

    # Recurrent connections: one quantal_stp_synapse per culture connection.
    for name, c in (table.items() if recurrent else ()):
        m = len(c["pre"])
        sign = 1.0 if c["src"] == "exc" else -1.0
        nest.Connect(src_ids[c["src"]][c["pre"]], ids[c["tgt"]][c["post"]], "one_to_one",
                     {"synapse_model": "quantal_stp_synapse",
                      "weight": sign * c["w"], "delay": np.full(m, delay_ms),
                      "U": c["U"], "u": c["U"].copy(), "n": c["n"].astype(float),
                      "a": c["n"].astype(float),
                      "tau_rec": np.full(m, float(culture.tau_d / ms)),
                      "tau_fac": np.full(m, float(culture.tau_f / ms))})

    # Background: OU-modulated Poisson, an independent train per target.
    sim_ms = duration_s * 1e3
    if replay is not None:
        sim_ms += 2 * resolution_ms + delay_ms      # every replayed spike is emitted
    times, rates = ou_rate(culture, sim_ms, 1.0, seed)
    bg = nest.Create("inhomogeneous_poisson_generator",
                     params={"rate_times": times.tolist(), "rate_values": rates.tolist(),
                             "allow_offgrid_times": True})
    factor = st.bg_factor(culture.bg_weight_cv)
    bg_w = float(culture.bg_weight / nS)
    for p in ("exc", "inh"):
        if p == "inh" and not culture.bg_to_inh:
            continue
        nest.Connect(np.full(len(ids[p]), bg.tolist()[0]), ids[p], "one_to_one",
                     {"weight": bg_w * factor[p], "delay": np.full(len(ids[p]), delay_ms)})

    recorders = {}
    for p in ("exc", "inh"):
        recorders[p] = nest.Create("spike_recorder")
        nest.Connect(pops[p], recorders[p])
        if replay is not None:
            recorders[f"src_{p}"] = nest.Create("spike_recorder")
            nest.Connect(sources[p], recorders[f"src_{p}"])
    n_conn = int(nest.GetKernelStatus("num_connections"))
    build_s = time.perf_counter() - t0

    # Simulate: Prepare + first min_delay slice (connection infrastructure) + loop.
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.perf_counter()
    nest.Prepare()
    first = delay_ms
    nest.Run(first)
    t2 = time.perf_counter()
    nest.Run(sim_ms - first)
    t3 = time.perf_counter()
    nest.Cleanup()
    t4 = time.perf_counter()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)

    def spikes_of(rec, base):
        ev = rec.get("events")
        return (np.asarray(ev["times"], dtype=float) / 1e3,
                np.asarray(ev["senders"], dtype=np.int64) - base)

    own = {p: spikes_of(recorders[p], ids[p][0]) for p in ("exc", "inh")}
    if replay is None:
        src_spikes = own
    else:
        src_spikes = {p: spikes_of(recorders[f"src_{p}"], src_ids[p][0])
                      for p in ("exc", "inh")}
    contact_pw = {k: (c["src"], c["contact_pre"]) for k, c in table.items()}
    conn_pw = {k: (c["src"], c["pre"]) for k, c in table.items()}
    sp = {p: v[1] for p, v in src_spikes.items()}
    ev, per = _events(sp, contact_pw)
    ev_conn, per_conn = _events(sp, conn_pw)
    if not recurrent:
        ev, per, ev_conn, per_conn = 0, {}, 0, {}
    return {"build_s": build_s, "compile_s": 0.0, "run_s": t4 - t1, "loop_s": t3 - t2,
            "startup_s": (t2 - t1) + (t4 - t3), "cpu_s": cpu_s,
            "events": ev, "events_per_pathway": per, "conn_events": ev_conn,
            "conn_events_per_pathway": per_conn,
            "n_exc": st.n_exc, "n_inh": st.n_inh,
            "n_contacts": st.n_contacts(),
            "n_connections": {k: len(c["pre"]) for k, c in table.items()},
            "nest_connections": n_conn,
            "source_spikes": sum(len(v[1]) for v in src_spikes.values()),
            "own_spikes": sum(len(v[1]) for v in own.values()),
            "own_spikes_by_pop": {p: len(v[1]) for p, v in own.items()},
            "simulated_ms": sim_ms,
            "mean_U": {k: float(np.mean(c["U"])) for k, c in table.items()},
            "mean_w_nS": {k: float(np.mean(c["w"])) for k, c in table.items()}}


# --------------------------------------------------------------------------------------
# mgnet culture (bench_culture's machinery)
# --------------------------------------------------------------------------------------
def run_mgnet(n: int, duration_s: float, seed: int, plastic: bool, directory: str,
              profile: bool = False) -> dict:
    from bench_culture import run_culture
    from mgnet.models.culture import culture_structure
    from mgnet.models.parameters import CultureParams, condition
    res = run_culture(n, duration_s, seed, plastic, directory, profile)
    # Connection-level event count (spikes x outgoing connections), for the comparison
    # with NEST's per-connection delivery.
    params = condition("baseline")
    st = culture_structure(n, CultureParams(), params.configuration, seed=seed,
                           e_l=params.neuron.e_l)
    conn_pw = {k: ("exc" if k[0] == "e" else "inh", pw.pre[pw.contact == 0])
               for k, pw in st.pathways.items()}
    sp = {p: v[1] for p, v in res["spikes"].items()}
    res["conn_events"], res["conn_events_per_pathway"] = _events(sp, conn_pw)
    res["n_connections"] = {k: pw.n_connections for k, pw in st.pathways.items()}
    res["source_spikes"] = sum(len(v[1]) for v in res["spikes"].values())
    res["own_spikes"] = res["source_spikes"]
    res["simulated_ms"] = duration_s * 1e3
    return res


#: Brian2 code-object kinds (bench_culture._category) that do not scale with the events.
PER_STEP_KINDS = ("background Poisson (run_regularly)", "neuron/OU state updates",
                  "thresholds", "resets", "spike monitors")


def mgnet_split(profile: list) -> tuple[float, float]:
    """(per-step, events) seconds of a Brian2 profile ([(code object, s)]): per-step =
    neuron/OU updates, thresholds, resets, background, monitors; events = the rest
    (release and post pathways, the plasticity Ca2+ pathway, spike queues)."""
    from bench_culture import _category
    step = sum(t for name, t in profile if _category(name) in PER_STEP_KINDS)
    return step, sum(t for _, t in profile) - step


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------
def _skip(reason: str) -> None:
    print(reason)
    write_json(NAME, [row("NEST comparison", float("nan"), reference="NEST 3.x",
                          target=TARGET, passed=None, note="skipped")],
               {"skipped": reason})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    ap.add_argument("--seed", type=int, default=1, help="structure and simulation seed")
    ap.add_argument("--no-plastic", action="store_true",
                    help="skip the plastic culture and its NEST replay")
    ap.add_argument("--no-self-driven", action="store_true",
                    help="skip the self-driven NEST network")
    ap.add_argument("--no-base", action="store_true",
                    help="skip the NEST run without recurrent connections (neurons and "
                         "background only: NEST's per-step cost)")
    ap.add_argument("--profile", action="store_true",
                    help="Brian2 profiling of the mgnet runs (per-step/events split; "
                         "profiling adds about 1 us per code object and step, so the "
                         "timings of profiled runs are not comparable)")
    ap.add_argument("--keep", action="store_true", help="keep the standalone projects")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 500 neurons, 2 s, no plastic or self-driven runs "
                         "(target not judged)")
    args = ap.parse_args(argv)
    if args.quick:
        args.neurons, args.duration = 500, 2.0
        args.no_plastic = args.no_self_driven = True

    nest = nest_or_none()
    if nest is None:
        _skip(SKIP_MESSAGE)
        return 0
    nest_version = getattr(nest, "__version__", "3.x")

    cache = tempfile.mkdtemp(prefix="mgnet-bench-nest-")
    os.environ["MGNET_CACHE"] = cache          # cold builds, measured (as bench_culture)
    from mgnet.models.backend import quiet_brian
    quiet_brian()
    print(f"culture vs NEST {nest_version}: {args.neurons} neurons, {args.duration:g} s "
          f"simulated, seed {args.seed}, one thread each (OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS')}); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    res = {}
    try:
        res["mgnet_np"] = run_mgnet(args.neurons, args.duration, args.seed, False,
                                    os.path.join(cache, "nonplastic"), args.profile)
        print(f"  mgnet non-plastic done: run {res['mgnet_np']['run_s']:.1f} s", flush=True)
        if not args.no_plastic:
            res["mgnet_pl"] = run_mgnet(args.neurons, args.duration, args.seed, True,
                                        os.path.join(cache, "plastic"), args.profile)
            print(f"  mgnet plastic done: run {res['mgnet_pl']['run_s']:.1f} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(cache, ignore_errors=True)
        else:
            print(f"projects kept in {cache}")
    res["nest_np"] = run_nest(nest, args.neurons, args.duration, args.seed,
                              replay=res["mgnet_np"]["spikes"])
    print(f"  NEST replay (non-plastic spikes) done: run {res['nest_np']['run_s']:.1f} s",
          flush=True)
    if not args.no_plastic:
        res["nest_pl"] = run_nest(nest, args.neurons, args.duration, args.seed,
                                  replay=res["mgnet_pl"]["spikes"])
        print(f"  NEST replay (plastic spikes) done: run {res['nest_pl']['run_s']:.1f} s",
              flush=True)
    if not args.no_self_driven:
        res["nest_self"] = run_nest(nest, args.neurons, args.duration, args.seed)
        print(f"  NEST self-driven done: run {res['nest_self']['run_s']:.1f} s", flush=True)
    base = None
    if not args.no_base:
        base = run_nest(nest, args.neurons, args.duration, args.seed, recurrent=False)
        print(f"  NEST neurons + background only done: run {base['run_s']:.1f} s",
              flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other processes make the "
          f"wall-clock timings noisy; CPU-time ratios are printed too)")

    labels = {"mgnet_np": "mgnet non-plastic", "nest_np": "NEST replay (non-plastic)",
              "mgnet_pl": "mgnet plastic", "nest_pl": "NEST replay (plastic)",
              "nest_self": "NEST self-driven", "nest_base": "NEST neurons + background only"}
    keys = [k for k in ("mgnet_np", "nest_np", "mgnet_pl", "nest_pl", "nest_self")
            if k in res]
    for m, nk in (("mgnet_np", "nest_np"), ("mgnet_pl", "nest_pl")):
        if m in res and res[nk]["events"] != res[m]["events"]:
            print(f"WARNING: {labels[nk]} delivered {res[nk]['events']:,} events, "
                  f"{labels[m]} {res[m]['events']:,}")

    r0 = res["mgnet_np"]
    n_all = r0["n_exc"] + r0["n_inh"]
    contacts = sum(r0["n_contacts"].values())
    conns = sum(r0["n_connections"].values())
    print(f"\nstructure (both simulators): {r0['n_exc']} E + {r0['n_inh']} I neurons, "
          f"{contacts:,} contacts in {conns:,} connections ("
          + ", ".join(f"{k} {r0['n_contacts'][k]:,}/{r0['n_connections'][k]:,}"
                      for k in r0["n_contacts"])
          + f"); NEST: {res['nest_np']['nest_connections']:,} connections in the kernel "
          f"incl. background, replay and recorders")
    print("NEST quantal_stp: mean U per pathway "
          + ", ".join(f"{k} {v:.3f}" for k, v in res["nest_np"]["mean_U"].items())
          + "; mean weight (nS) "
          + ", ".join(f"{k} {v:.2f}" for k, v in res["nest_np"]["mean_w_nS"].items()))

    def rate(r, what="source_spikes"):
        return r[what] / n_all / (args.duration)

    head = (f"{'network':<27s}{'spikes':>9s}{'rate Hz':>8s}{'contact ev':>12s}"
            f"{'conn ev':>11s}{'build s':>8s}{'comp s':>7s}{'run s':>7s}{'loop s':>7s}"
            f"{'CPU s':>7s}{'events/s':>11s}{'ns/ev':>7s}{'ns/conn':>8s}")
    print("\n" + head)
    print("-" * len(head))
    for k in keys:
        r = res[k]
        print(f"{labels[k]:<27s}{r['source_spikes']:9,d}{rate(r):8.2f}{r['events']:12,d}"
              f"{r['conn_events']:11,d}{r['build_s']:8.1f}{r['compile_s']:7.1f}"
              f"{r['run_s']:7.2f}{r['loop_s']:7.2f}{r['cpu_s']:7.2f}"
              f"{r['events'] / r['run_s']:11,.0f}{1e9 * r['run_s'] / max(r['events'], 1):7.0f}"
              f"{1e9 * r['run_s'] / max(r['conn_events'], 1):8.0f}")
    for k in ("nest_np", "nest_pl"):
        if k in res:
            print(f"{labels[k]}: its AdEx targets fired {res[k]['own_spikes']:,} spikes "
                  f"({rate(res[k], 'own_spikes'):.2f} Hz; not fed back)")
    print("spikes/rate: of the sources (replay: the replayed mgnet spikes); contact ev = "
          "spikes x contacts of the\nspiking neuron, conn ev = spikes x its connections; "
          "events/s and ns/ev from run s (wall)")

    def cost(k, what="run_s"):
        return res[k][what] / max(res[k]["events"], 1)

    rows = []
    print()
    ratios = {}
    for m, nk in (("mgnet_np", "nest_np"), ("mgnet_pl", "nest_pl")):
        if m not in res:
            continue
        ratios[m] = {w: cost(m, w) / cost(nk, w) for w in ("run_s", "loop_s", "cpu_s")}
        print(f"cost per event {labels[m]} / {labels[nk]}: {ratios[m]['run_s']:.2f}x "
              f"(run wall), {ratios[m]['loop_s']:.2f}x (loop), {ratios[m]['cpu_s']:.2f}x "
              f"(CPU)")
    if "nest_self" in res:
        s = res["nest_self"]
        print(f"{labels['nest_self']}: {rate(s):.2f} Hz vs the culture's {rate(r0):.2f} Hz; "
              f"cost per event {1e9 * cost('nest_self'):.0f} ns, mgnet non-plastic / it "
              f"{cost('mgnet_np') / cost('nest_self'):.2f}x (different rates: not the "
              f"criterion)")
    # Where the time goes: a per-step part (neuron integration, background, monitors)
    # that does not scale with the events, and the synaptic events.  mgnet: Brian2's
    # profile of the loop (std::clock, i.e. CPU time per code object).  NEST: CPU time of
    # the run minus that of the run without recurrent connections.
    split = {}
    n_steps = n_all * args.duration * 1e4            # neuron-steps of 0.1 ms
    print()
    for m in ("mgnet_np", "mgnet_pl"):
        if m in res and res[m].get("profile"):
            step_t, ev_t = mgnet_split(res[m]["profile"])
            split[m] = {"per_step_cpu_s": step_t, "events_cpu_s": ev_t,
                        "ns_per_neuron_step": 1e9 * step_t / n_steps,
                        "ns_per_event": 1e9 * ev_t / max(res[m]["events"], 1)}
            print(f"{labels[m]} (Brian2 profile, CPU): per-step part {step_t:.2f} s = "
                  f"{split[m]['ns_per_neuron_step']:.0f} ns per neuron per step (AdEx, "
                  f"background, OU, thresholds, resets, monitors); events {ev_t:.2f} s = "
                  f"{split[m]['ns_per_event']:.0f} ns per contact event (release and "
                  f"post pathways, spike queues)")
    if base is not None:
        split["nest_base"] = {"per_step_cpu_s": base["cpu_s"],
                              "ns_per_neuron_step": 1e9 * base["cpu_s"] / n_steps}
        print(f"NEST neurons + background only (no recurrent connections): run "
              f"{base['run_s']:.2f} s, CPU {base['cpu_s']:.2f} s = "
              f"{split['nest_base']['ns_per_neuron_step']:.0f} ns CPU per neuron per step "
              f"(aeif_cond_exp with GSL RKF45, inhomogeneous Poisson background)")
        for k in ("nest_np", "nest_pl", "nest_self"):
            if k not in res:
                continue
            r = res[k]
            d = r["cpu_s"] - base["cpu_s"]
            if d <= 0.05 * r["cpu_s"]:
                split[k] = {"events_cpu_s": d, "ns_per_event": None}
                print(f"  {labels[k]}: events {d:+.2f} s CPU of {r['cpu_s']:.2f} s: below "
                      f"the timing noise (the per-step part is all that is measurable)")
            else:
                split[k] = {"events_cpu_s": d, "ns_per_event": 1e9 * d / r["events"]}
                print(f"  {labels[k]}: events {d:.2f} s CPU of {r['cpu_s']:.2f} s = "
                      f"{1e9 * d / r['events']:.0f} ns per contact event "
                      f"({1e9 * d / r['conn_events']:.0f} ns per connection event)")
    ratio = ratios["mgnet_np"]["run_s"]
    ok = ratio <= 1.0
    print(f"\nissue 6 target: throughput of the culture (non-plastic) at least NEST's on "
          f"the same events: {'PASS' if ok else 'FAIL'} (ratio {ratio:.2f})")
    if not ok:
        print(f"  NEST is {ratio:.2f}x faster per event: the culture would have to run in "
              f"{r0['run_s'] / ratio:.1f} s instead of {r0['run_s']:.1f} s")
    else:
        print(f"  the culture is {1 / ratio:.2f}x faster per event than NEST")

    # JSON rows.
    why = ("same contact arrays and replayed spikes (identical events); NEST has no "
           "NMDA/Mg block, no slow adaptation, no per-contact Pr/q/Ca2+ state and "
           "integrates AdEx with RKF45")
    rows.append(row("mgnet non-plastic culture: ns per contact event (run wall)",
                    1e9 * cost("mgnet_np"), reference="NEST 3 replaying the same spikes",
                    ratio=ratio, target=TARGET, passed=None if args.quick else ok,
                    note=f"NEST {1e9 * cost('nest_np'):.0f} ns/event; {why}"))
    rows.append(row("mgnet non-plastic culture: contact events per s (run wall)",
                    r0["events"] / r0["run_s"], reference="NEST replay events per s",
                    ratio=(r0["events"] / r0["run_s"])
                    / (res["nest_np"]["events"] / res["nest_np"]["run_s"]),
                    note=f"{r0['events']:,} events in {args.duration:g} s simulated; "
                         f"rate {rate(r0):.2f} Hz"))
    rows.append(row("mgnet non-plastic / NEST: cost per event, CPU time",
                    ratios["mgnet_np"]["cpu_s"], reference="NEST replay",
                    ratio=ratios["mgnet_np"]["cpu_s"],
                    note="CPU time is robust against other load on the machine"))
    rows.append(row("NEST replay (non-plastic spikes): ns per contact event (run wall)",
                    1e9 * cost("nest_np"),
                    note=f"aeif_cond_exp + quantal_stp_synapse, 1 thread; build "
                         f"{res['nest_np']['build_s']:.1f} s"))
    if "mgnet_pl" in res:
        rows.append(row("mgnet plastic culture: ns per contact event (run wall)",
                        1e9 * cost("mgnet_pl"), reference="NEST 3 replaying its spikes "
                        "(NEST without plasticity)", ratio=ratios["mgnet_pl"]["run_s"],
                        note="information: the plastic culture has Graupner-Brunel "
                             "plasticity that the NEST network lacks"))
    if "nest_self" in res:
        s = res["nest_self"]
        rows.append(row("NEST self-driven: ns per contact event (run wall)",
                        1e9 * cost("nest_self"), reference="mgnet non-plastic",
                        ratio=cost("mgnet_np") / cost("nest_self"),
                        note=f"information: NEST's own activity {rate(s):.2f} Hz vs the "
                             f"culture's {rate(r0):.2f} Hz ({s['events']:,} events)"))
    for k in ("mgnet_np", "nest_base"):
        if k in split:
            rows.append(row(f"{labels.get(k, 'NEST neurons + background only')}: ns CPU per "
                            f"neuron per 0.1 ms step (per-step part)",
                            split[k]["ns_per_neuron_step"],
                            note="mgnet: Brian2 profile (neurons, background, OU, "
                                 "thresholds, resets, monitors); NEST: run without "
                                 "recurrent connections (aeif_cond_exp RKF45 + background)"))
    for k in ("mgnet_np", "nest_self", "nest_np"):
        if k in split and "ns_per_event" in split[k]:
            v = split[k]["ns_per_event"]
            rows.append(row(f"{labels[k]}: ns CPU per contact event, events part only",
                            float("nan") if v is None else v,
                            note="below the timing noise" if v is None else
                            ("Brian2 profile: release/post pathways and spike queues"
                             if k.startswith("mgnet") else
                             "CPU time minus that of the run without recurrent "
                             "connections")))
    for k in keys:
        r = res[k]
        rows.append(row(f"{labels[k]}: build s", r["build_s"] + r["compile_s"],
                        note=f"build {r['build_s']:.1f} s + compile {r['compile_s']:.1f} s"))
    fields = ("build_s", "compile_s", "run_s", "loop_s", "cpu_s", "events",
              "events_per_pathway", "conn_events", "source_spikes", "own_spikes")
    summary = {k: {f: res[k][f] for f in fields} for k in keys}
    if base is not None:
        summary["nest_base"] = {f: base[f] for f in fields}
    write_json(NAME, rows, {"nest_version": nest_version, "results": summary,
                            "split": split, "neurons": args.neurons,
                            "duration_s": args.duration})
    return 0


if __name__ == "__main__":
    sys.exit(main())

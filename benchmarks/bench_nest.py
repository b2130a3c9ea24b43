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

Modules: the NEST network in ``_nest_network.py``, the report in ``_nest_report.py``;
this script runs the mgnet and NEST networks (:func:`main`) and re-exports their names.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYNEST_QUIET", "1")      # no NEST banner

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _nest_network import _events, connection_table, nest_or_none, ou_rate, run_nest  # noqa: E402,F401
from _nest_report import NAME, PER_STEP_KINDS, TARGET, _skip, mgnet_split, report, row, write_json  # noqa: E402,F401

SKIP_MESSAGE = "nest-simulator not installed: pip install -e .[bench]"


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


# --------------------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
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
    return ap


def _run_mgnet_all(args, nest_version: str) -> dict:
    """The mgnet cultures (non-plastic, and plastic unless ``--no-plastic``), in
    standalone projects of a fresh cache (cold builds, measured as in bench_culture)."""
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
    return res


def _run_nest_all(nest, args, res: dict) -> dict | None:
    """The NEST runs into ``res``: the replays of the mgnet spikes, the self-driven
    network (unless ``--no-self-driven``); returns the run without recurrent
    connections (None with ``--no-base``)."""
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
    return base


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.neurons, args.duration = 500, 2.0
        args.no_plastic = args.no_self_driven = True

    nest = nest_or_none()
    if nest is None:
        _skip(SKIP_MESSAGE)
        return 0
    nest_version = getattr(nest, "__version__", "3.x")
    res = _run_mgnet_all(args, nest_version)
    base = _run_nest_all(nest, args, res)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other processes make the "
          f"wall-clock timings noisy; CPU-time ratios are printed too)")
    report(args, res, base, nest_version)
    return 0


if __name__ == "__main__":
    sys.exit(main())

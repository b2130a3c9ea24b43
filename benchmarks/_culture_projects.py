"""The standalone projects of ``bench_culture.py``: the culture (plastic or not, with any
optimisation switched off), the plain Brian2 network and the floor replaying its spikes,
the culture's neurons and its background drive alone; each built, compiled and run once,
with its timings and synaptic events, and :func:`run_binary` to run a compiled project's
binary again (see the docstring of ``bench_culture.py``)."""
from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import time

import numpy as np

ALL_ON = {"vectorised_neurons": True, "pooled_background": True, "skip_dead_work": True,
          "prefetch_post": True, "lean_network_loop": True, "shared_exp": True}
#: The plain reference networks are stock Brian2: no project template, Brian2's own
#: time loop (which reads the CPU clock at every step).
STOCK = dict({k: False for k in ALL_ON})


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
    prof = session.profiling_info() if profile else []
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
    plasticity; ``background=True`` adds the culture's background (``switches``)."""
    from brian2 import (
        Network,
        NeuronGroup,
        SpikeGeneratorGroup,
        SpikeMonitor,
        Synapses,
        ms,
        mV,
        nS,
        second,
    )
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

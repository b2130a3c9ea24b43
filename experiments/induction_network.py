"""The Brian2 network of plasticity-induction (compile-once standalone or runtime).

Every protocol copy of every branch in one network (:func:`simulate_induction`): one
presynaptic source and one postsynaptic AdEx neuron per copy and branch, the branch's
boutons as plastic contacts (:func:`mgnet.models.plasticity.make_plastic_contacts`), and
current steps that evoke the imposed postsynaptic spikes (their latency from rest:
:func:`pulse_latency`).  The standalone project is compiled once per structure
(:func:`structure_signature`); the condition's values reach it through ``run_args``.

Moved out of :mod:`mgnet.experiments.plasticity_induction` (issue 16), which still
exports every name.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from brian2 import mM, ms, nA, nS, second

from .induction_protocols import InductionProtocol

#: Current step pathway: 'on' at onset, 'off' one duration later.
PULSE_ON_PRE = {"on": "I_ext_post = pulse_amp", "off": "I_ext_post = 0*amp"}


def _pulse_synapses(stim, neurons, i, j, amplitude, duration, name):
    from brian2 import Synapses
    syn = Synapses(stim, neurons, on_pre=PULSE_ON_PRE, namespace={"pulse_amp": amplitude},
                   delay={"on": 0 * ms, "off": duration}, name=name)
    syn.connect(i=np.asarray(i, int), j=np.asarray(j, int))
    return syn


def _grid(t, dt):
    return np.round(np.asarray(t, float) / dt) * dt


_LATENCY: dict = {}


def pulse_latency(params, amplitude, duration) -> float:
    """Latency (s) from step onset to the spike of a resting neuron (runtime Brian2).

    Cached per (neuron, receptor, block, Mg parameters, step).  Raises ValueError unless
    the step evokes exactly one spike.
    """
    from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, defaultclock

    from mgnet.models.neurons import make_neurons
    dt = float(defaultclock.dt)
    key = (repr(params.neuron), repr(params.receptors), repr(params.mg_block),
           repr(params.magnesium), float(amplitude / nA), float(duration / ms), dt)
    if key in _LATENCY:
        return _LATENCY[key]
    onset = _grid(0.01, dt)
    post = make_neurons(1, neuron=params.neuron, receptors=params.receptors,
                        block=params.mg_block, magnesium=params.magnesium,
                        name="latency_neuron")
    stim = SpikeGeneratorGroup(1, [0], [onset] * second, name="latency_stim")
    pulse = _pulse_synapses(stim, post, [0], [0], amplitude, duration, "latency_pulse")
    mon = SpikeMonitor(post, name="latency_spikes")
    Network(post, stim, pulse, mon).run(onset * second + 30 * ms, namespace={})
    t = np.asarray(mon.t / second)
    if len(t) != 1:
        raise ValueError(f"a {amplitude} step of {duration} evokes {len(t)} spikes from rest, "
                         f"not 1; change options.post_pulse_amplitude / post_pulse_duration")
    _LATENCY[key] = float(t[0] - onset)
    return _LATENCY[key]


def structure_signature(j, protocols, params, extra) -> tuple:
    """What of an induction network enters the generated code or the structure (the
    standalone project's signature, :class:`mgnet.models.backend.StandaloneSession`):
    branches, protocol spike trains, the parameters in the code and ``extra``."""
    return (np.asarray(j, dtype=np.int64),
            tuple((p.name, np.asarray(p.pre_times), np.asarray(p.post_targets))
                  for p in protocols),
            *(repr(part) for part in (params.neuron, params.receptors, params.stp,
                                      params.spine_ca, params.mg_block, params.plasticity,
                                      params.calcium)),
            repr(extra))



@dataclass(frozen=True)
class _Inputs:
    """What one induction network is made of (:func:`simulate_induction`); times in s."""
    j: np.ndarray       #: branch (postsynaptic neuron) of every contact
    nb: int             #: branches
    nc: int             #: contacts
    n_copies: int       #: protocol copies (P)
    dt: float           #: time step of the default clock
    t_end: float        #: simulated time
    pre_i: np.ndarray   #: presynaptic source of every spike (copy * n_branches + branch)
    pre_t: np.ndarray   #: time of every presynaptic spike (on the time grid)
    onsets: list        #: per copy, onsets of the postsynaptic current steps
    pair_copies: list   #: the copies with imposed postsynaptic spikes ("pair" protocols)
    values: dict        #: per synapse (copies x contacts): U, q, q_down, q_nmda, rho


def _inputs(branch_of_contact, protocols, *, pr, q, q_down, rho0, q_size, ratio,
            lead: float) -> _Inputs:
    """Spike trains, step onsets and per-synapse values of every protocol copy."""
    from brian2 import defaultclock
    j = np.asarray(branch_of_contact, dtype=int)
    nb, nc, P = int(j.max()) + 1, len(j), len(protocols)
    dt = float(defaultclock.dt)
    t_end = max(p.t_stop for p in protocols) + 2 * dt
    pre_i, pre_t, onsets = [], [], []
    for c, p in enumerate(protocols):
        tq = _grid(p.pre_times, dt)
        pre_i.append(np.tile(c * nb + np.arange(nb), len(tq)))
        pre_t.append(np.repeat(tq, nb))
        onsets.append(_grid(p.post_targets - lead, dt))
    pre_i, pre_t = np.concatenate(pre_i), np.concatenate(pre_t)
    pair_copies = [c for c, p in enumerate(protocols) if p.kind == "pair"]
    P_arr = lambda a: np.tile(np.asarray(a, float), P)  # noqa: E731
    # q_nmda follows the configured bouton size, not the initial AMPA weight.
    values = {"U": P_arr(pr), "q": P_arr(q) * nS, "q_down": P_arr(q_down) * nS,
              "q_nmda": P_arr(q_size) * nS * ratio, "rho": P_arr(rho0)}
    return _Inputs(j, nb, nc, P, dt, t_end, pre_i, pre_t, onsets, pair_copies, values)


def _step_stimulus(inp: _Inputs, post, amplitude, duration) -> list:
    """The current steps of the pair copies: one source per copy, one pathway to each of
    its branches ([] if no protocol pairs)."""
    from brian2 import SpikeGeneratorGroup
    pair_copies, onsets, nb = inp.pair_copies, inp.onsets, inp.nb
    if not pair_copies:
        return []
    st_i = np.concatenate([np.full(len(onsets[c]), k) for k, c in enumerate(pair_copies)])
    st_t = np.concatenate([onsets[c] for c in pair_copies])
    stim = SpikeGeneratorGroup(len(pair_copies), st_i, st_t * second, name="pi_stim")
    pi = np.repeat(np.arange(len(pair_copies)), nb)
    pj = (np.asarray(pair_copies)[:, None] * nb + np.arange(nb)[None, :]).ravel()
    return [stim, _pulse_synapses(stim, post, pi, pj, amplitude, duration, "pi_pulse")]


def _build_network(inp: _Inputs, params, magnesium, stp, gain, amplitude, duration):
    """(network, postsynaptic neurons, plastic contacts, spike monitor)."""
    from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor

    from mgnet.models.neurons import make_neurons
    from mgnet.models.plasticity import make_plastic_contacts
    P, nb, values = inp.n_copies, inp.nb, inp.values
    pre = SpikeGeneratorGroup(P * nb, inp.pre_i, inp.pre_t * second, name="pi_pre")
    post = make_neurons(P * nb, neuron=params.neuron, receptors=params.receptors,
                        block=params.mg_block, magnesium=magnesium,
                        spine_ca=params.spine_ca, name="pi_branches")
    src = (np.arange(P)[:, None] * nb + inp.j[None, :]).ravel()
    # The one builder of plastic contacts (the culture's too): the NMDA Ca2+ of a
    # release depends on the contact's receptor content, never on the gain.
    contacts = make_plastic_contacts(pre, post, src, src, pr=values["U"],
                                     q=values["q"], plasticity=params.plasticity,
                                     rho_init=values["rho"], stp=stp,
                                     receptors=params.receptors,
                                     spine_ca=params.spine_ca, block=params.mg_block,
                                     calcium=params.calcium, neuron=params.neuron,
                                     magnesium=magnesium, nmda_gain=gain,
                                     name="pi_contacts")
    contacts.q_nmda = values["q_nmda"]
    objs = [pre, post, contacts]
    objs += _step_stimulus(inp, post, amplitude, duration)
    spikes = SpikeMonitor(post, name="pi_spikes")
    objs.append(spikes)
    return Network(*objs), post, contacts, spikes


def _run_args(inp: _Inputs, contacts, post, params, mg_o: float, gain: float) -> dict:
    """The values of one run (``run_args`` of the standalone project): per-synapse
    values, the condition's [Mg]o and [Mg]i, the gain and the NMDA tables."""
    from mgnet.models.synapses import nmda_table_assignments
    values = inp.values
    args = {contacts.U: values["U"], contacts.q: values["q"],
            contacts.q_down: values["q_down"], contacts.q_nmda: values["q_nmda"],
            contacts.rho: values["rho"], post.mg_o: mg_o * mM,
            post.mg_i: params.magnesium.mg_i, contacts.nmda_gain: gain}
    args.update(dict(nmda_table_assignments(
        contacts, mg_o * mM, neuron=params.neuron, receptors=params.receptors,
        spine_ca=params.spine_ca, block=params.mg_block, mg_i=params.magnesium.mg_i)))
    return args


def _collect(inp: _Inputs, contacts, spikes) -> dict:
    """The raw state after the run (see :func:`simulate_induction`, Returns)."""
    P, nc = inp.n_copies, inp.nc
    get = lambda name: np.asarray(getattr(contacts, name)[:], float).reshape(P, nc)  # noqa: E731
    out = {k: get(k) for k in ("rho", "c_pl", "c_pre_sum", "n_release")}
    out["t_pl"] = np.asarray(contacts.t_pl[:] / second, float).reshape(P, nc)
    out["spike_t"] = np.asarray(spikes.t / second, float)
    out["spike_i"] = np.asarray(spikes.i[:], np.int64)
    out["onsets"] = inp.onsets
    out["dt"] = inp.dt
    return out


def simulate_induction(branch_of_contact, protocols: list[InductionProtocol], *, pr, q,
                       q_down, rho0, q_size, mg_o, params, amplitude, duration, lead: float,
                       rng_seed: int, device_name: str = "runtime", progress=None,
                       stp=None, gain: float = 1.0) -> dict:
    """Run every protocol copy of every branch in one network and return raw state.

    Parameters
    ----------
    branch_of_contact : array of int
        Branch (postsynaptic neuron) of every contact; fixes the structure.
    protocols : list of InductionProtocol
    pr, q, q_down, rho0 : arrays, one per contact
        True Pr (U), initial AMPA quantal size (nS), DOWN-state size (nS), initial ρ.
    q_size : array, one per contact
        Configured bouton quantal size (nS); the NMDA conductance is
        ``q_size * receptors.nmda_ampa_ratio`` (AMPA-only expression).
    stp : ShortTermPlasticityParams, optional
        Release dynamics (default ``params.stp``).
    gain : float
        Network gain contained in ``q`` and ``q_size`` (``nmda_gain`` of the contacts).
    mg_o : float
        [Mg]o (mM).
    params : ModelParams
    amplitude, duration : Quantity
        Postsynaptic current step.
    lead : float
        Step onset before the wanted spike time (s).
    rng_seed : int
        Brian2 seed (release draws, plasticity noise).
    device_name : {"runtime", "cpp_standalone"}

    Returns
    -------
    dict
        ``rho``, ``c_pl``, ``t_pl``, ``c_pre_sum``, ``n_release`` (copies x contacts),
        ``spike_t``, ``spike_i`` (neuron = copy * n_branches + branch), ``onsets``
        (per copy, s), ``dt`` (s).
    """
    from mgnet.models.backend import simulation_session
    inp = _inputs(branch_of_contact, protocols, pr=pr, q=q, q_down=q_down, rho0=rho0,
                  q_size=q_size, ratio=params.receptors.nmda_ampa_ratio, lead=lead)
    magnesium = replace(params.magnesium, mg_o=mg_o * mM)
    stp = params.stp if stp is None else stp
    # One run (standalone: compiled once per structure, the values through run_args).
    signature = structure_signature(inp.j, protocols, params,
                                    (float(amplitude / nA), float(duration / ms), lead,
                                     rng_seed, repr(stp)))
    with simulation_session(device_name, "induction", signature, seed=rng_seed) as session:
        net, post, contacts, spikes = _build_network(inp, params, magnesium, stp, gain,
                                                     amplitude, duration)

        def simulate():
            net.run(inp.t_end * second, namespace={})

        session.prepare(net, simulate, progress=progress, at=0.05)
        if progress:
            progress(f"simulating {inp.n_copies} protocols x {inp.nb} branches "
                     f"({inp.t_end:.0f} s)", 0.1)
        session.run(_run_args(inp, contacts, post, params, mg_o, gain), simulate)
        return _collect(inp, contacts, spikes)

"""plasticity-induction: pairing, burst and STDP induction on DHiLo vs DLoHi branches.

Prediction, not reproduction: science.md §4 items 4–5 (spine Ca2+ through the NMDA block
drives Graupner–Brunel plasticity) applied to the synaptic configurations of Zhou, Bi &
Liu (2024) Nat Commun 15:3406 (science.md §1: DHiLo "high plasticity, suited to encoding"
vs DLoHi "efficient, rigid"), and the [Mg]o arm of Slutsky et al. (2004) Neuron 44:835
(T10).  The rule is Graupner & Brunel (2012) PNAS 109:3991 with the published
"hippocampal cultures" set (``[params.plasticity]``, :mod:`mgnet.models.plasticity`); the STDP
protocol (60 pairs at 1 Hz, Δt = t_post − t_pre) is the one of their Fig. 3 / Wang et
al. (2005) Nat Neurosci 8:187.

Setup.  Branches are sampled (anatomy fixed by the seed) and equilibrated at the
condition's [Mg]i exactly as in ``bouton-assay``.  Each branch is one postsynaptic AdEx
neuron (:func:`mgnet.models.neurons.make_neurons`, the condition's [Mg]o) receiving every one of
its anatomical boutons (silent ones with Pr = 0) as a plastic contact
(:func:`mgnet.models.plasticity.make_plastic_contacts`) from one presynaptic source per branch:
all boutons of a branch fire together, as under field stimulation.

Protocols (each on its own copy of every branch, all copies simulated side by side in
one network; plasticity on; every copy starts from the same initial state, so the
protocols are paired contact by contact):

* ``pairing``: presynaptic spike, postsynaptic spike Δt = +10 ms later, 60 pairs at 1 Hz;
* ``burst``: 20 presynaptic trains of 5 spikes at 100 Hz, trains at 0.5 Hz, no imposed
  postsynaptic spikes (plasticity then comes from the NMDA Ca2+ of the actual releases
  and from whatever postsynaptic spikes the input evokes);
* ``anti``: the pairing protocol at Δt = −10 ms;
* ``unpaired``: the same pre- and postsynaptic spikes half a period apart (Δt = 1/(2 f),
  500 ms at 1 Hz), the within-branch control: subtracting it isolates the change due to
  pre–post *coincidence* from the change that presynaptic releases, bAPs and the noise
  cause on their own (analysis: "pairing-specific" change);
* ``stdp_<Δt>``: the pairing protocol at each Δt of ``stdp_dt`` (the STDP curve).

Δt = 0 is not in the default STDP list: the release then falls in the time step of the
postsynaptic spike, where ``v_post`` holds the AdEx runaway value and the NMDA Ca2+ of
the release, evaluated at the instantaneous potential, is clipped to 0
(docs/plasticity.md §2).  A Δt = 0 point therefore measures postsynaptic Ca2+ only; it
can still be requested (the report flags it).

Postsynaptic spikes are evoked by current steps (``post_pulse_amplitude`` for
``post_pulse_duration``; 10 nA for 2 ms by default, with t_ref = 2 ms exactly one spike).
The step starts one *latency* before the target spike time; the latency is measured once
per run on a resting neuron of the same parameters (``pulse_latency``), and the achieved
spike times are checked and stored (``/stdp/dt_measured_ms``, metrics
``pulse_one_spike_fraction``, ``extra_post_spikes_pairing``).

Initial state (``initial_state``): ``"bimodal"`` (default) starts a fraction β
(``params.plasticity.beta``, 0.5) of the contacts DOWN (ρ = 0) and the rest UP (ρ = 1), as
in Graupner & Brunel's change-in-strength analysis.  The fraction is balanced per branch
(floor(β n + u) of its n active contacts, u uniform, and likewise for its silent ones, are
chosen DOWN at random), so that chance imbalances of the initial state, which the noise
then partly reverts, do not masquerade as branch differences.  The configured quantal
size q of a bouton is its *expected* weight, q_down = q / (β + (1 − β) b), so a DOWN contact
has q_down and an UP one b·q_down.  ``"fixed"`` starts every contact at ``rho_init`` with
weight q (q_down = q / (1 + (b − 1) ρ_init)).  NMDA conductances stay at q·(NMDA/AMPA)
(expression is AMPA-only, docs/plasticity.md).

Read-out: ρ is projected (deterministically, the cubic only) from each contact's last
Ca2+ event to the end of its protocol (``t_stop`` of the phase) and turned into the AMPA
weight w = q_down (1 + (b − 1) ρ).  Branch totals use the *active* contacts (true
Pr > 0; silent contacts are also plastic through bAP Ca2+, and are kept in
``/synapses/plastic``).  The relative change of a branch is ``rel_dw = Σ Δw / Σ q``:
normalised by the configured (= expected initial) weight, not by the realised bimodal
draw, whose small sums would make the mean of ratios over branches biased upwards
(a branch that happens to start all-DOWN gains b-fold from one UP flip).  Measured Pr comes from the release counts of the pairing copy
(``n_pairs`` trials at ``pair_rate``); the DHiLo/DLoHi split in ``/metrics`` is the median
of the run's measured P̄r (analysis re-splits pooled conditions and adds CIs).

Run: ``mgnet run plasticity-induction [--condition elevated_mg] [--scale quick]``
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from brian2 import Hz, mM, ms, nA, nS, second

from mgnet.models.configuration import equilibrium_pr, sample_branches
from mgnet.models.parameters import PLASTICITY_PRESETS, param
from .experiment import Experiment, Runs

NAME = "plasticity-induction"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "stp", "receptors", "spine_ca", "calcium", "neuron", "configuration", "plasticity")
DESCRIPTION = "pairing, burst and STDP induction on DHiLo vs DLoHi branches (§4 items 4-5)"

_GB = "Graupner & Brunel (2012) PNAS 109:3991 Fig 3 (Wang et al. 2005 protocol)"


@dataclass(frozen=True)
class OPTIONS:
    """Options of the plasticity-induction experiment."""
    n_branches: int = param(80, "science.md §3: >= 60 branches per condition", low=1,
                            high=100000, doc="branches (postsynaptic neurons per protocol)")
    device: str = param("cpp_standalone", "design.md §5: compile once, rerun with run_args",
                        choices=("cpp_standalone", "runtime"), doc="Brian2 device")
    n_pairs: int = param(60, _GB, low=1, high=10000, doc="pre-post pairs per pairing protocol")
    pair_rate: object = param(1 * Hz, _GB, low=0.01 * Hz, high=50 * Hz,
                              doc="pairing frequency")
    pairing_dt: object = param(10 * ms, "science.md §4 item 5 issue: causal pairing "
                               "Δt = +10 ms", low=-400 * ms, high=400 * ms,
                               doc="t_post - t_pre of the 'pairing' protocol")
    anti_dt: object = param(-10 * ms, "anti-causal pairing Δt = -10 ms", low=-400 * ms,
                            high=400 * ms, doc="t_post - t_pre of the 'anti' protocol")
    n_trains: int = param(20, "this project: 100 presynaptic spikes, as many as the "
                          "pairing protocol has order of", low=1, high=10000,
                          doc="presynaptic trains of the 'burst' protocol")
    spikes_per_train: int = param(5, "Zhou et al. (2024) Methods: trains of 5 at 100 Hz",
                                  low=1, high=100, doc="spikes per train")
    burst_rate: object = param(100 * Hz, "Zhou et al. (2024) Methods", low=1 * Hz,
                               high=400 * Hz, doc="rate within a train")
    train_rate: object = param(0.5 * Hz, "this project: trains >= 2 s apart as in the "
                               "burst assay (science.md §2)", low=0.01 * Hz, high=50 * Hz,
                               doc="train onset rate")
    stdp_dt: tuple = param(tuple(v * ms for v in (-100.0, -50.0, -20.0, -10.0, -5.0, 5.0,
                                                   10.0, 20.0, 30.0, 50.0, 100.0)),
                           _GB + "; denser near 0 where the curve changes; 0 ms left out "
                           "(see the module docstring)", low=-400 * ms, high=400 * ms,
                           doc="Δt values of the STDP curve (may be empty)")
    post_pulse_amplitude: object = param(10 * nA, "this project: fires one spike ~1 ms "
                                         "after onset from rest (checked every run)",
                                         low=0.1 * nA, high=100 * nA,
                                         doc="current step evoking a postsynaptic spike")
    post_pulse_duration: object = param(2 * ms, "this project: <= t_ref, so one spike per "
                                        "step", low=0.1 * ms, high=20 * ms,
                                        doc="duration of the current step")
    initial_state: str = param("bimodal", "Graupner & Brunel (2012): a fraction beta of "
                               "synapses DOWN, the rest UP", choices=("bimodal", "fixed"),
                               doc="initial efficacies: bimodal (beta DOWN) or fixed rho_init")
    rho_init: float = param(0.5, "used when initial_state = 'fixed'", low=0.0, high=1.0,
                            doc="initial efficacy of every contact (fixed state)")
    mg_o_factor: float = param(1.0, "ablation (design.md §6: Mg -> inf removes NMDA); "
                               "1e6 removes NMDA Ca2+", low=0.0, high=1e9,
                               doc="multiplies the condition's [Mg]o")
    rng_seed: int = param(-1, "this project: -1 uses the run seed", low=-1, high=2 ** 31 - 1,
                          doc="seed of Brian2's RNG (release draws, plasticity noise); the "
                              "run seed always sets anatomy and initial state")
    contacts: str = param("network", "issue 13: validate the contacts the culture runs",
                          choices=("network", "assay"),
                          doc="network: the culture's contacts (its release dynamics "
                              "CultureParams.tau_f/tau_d and gain q_ee_scale, which never "
                              "enters Ca2+); assay: params.stp and the bare quantal size")


SCALES = {"quick": {"n_branches": 12}, "default": {"n_branches": 80},
          "paper": {"n_branches": 160}}


@dataclass(frozen=True)
class InductionProtocol:
    """Stimulus of one protocol copy (times in s)."""
    name: str
    kind: str                 #: "pair" or "burst"
    dt: float                 #: t_post - t_pre (s); NaN for bursts
    pre_times: np.ndarray     #: presynaptic spike times
    post_targets: np.ndarray  #: wanted postsynaptic spike times (empty for bursts)
    t_stop: float             #: end of the protocol (read-out time)


#: First presynaptic spike (leaves room for post spikes before it, Δt >= -400 ms).
T_FIRST = 0.5


def stdp_label(dt_s: float) -> str:
    """Protocol name of an STDP point, e.g. -0.1 s -> 'stdp_m100ms', 0.01 s -> 'stdp_p10ms'."""
    v = round(float(dt_s) * 1e3, 6)
    sign = "m" if v < 0 else "p" if v > 0 else ""
    return f"stdp_{sign}{abs(v):g}ms".replace(".", "_")


def _s(x) -> float:
    return float(x / second)


def check_options(opts) -> None:
    """Cross-field checks: each pair fits in its period, each train in its interval."""
    from .config import ConfigError
    period = 1.0 / float(opts.pair_rate / Hz)
    lead = _s(opts.post_pulse_duration) + 0.005
    dts = [opts.pairing_dt, opts.anti_dt, *opts.stdp_dt]
    for dt in dts:
        if abs(_s(dt)) + lead >= period / 2:
            raise ConfigError(f"options: |Δt| = {abs(_s(dt)) * 1e3:g} ms does not fit in half "
                              f"a pairing period ({period * 500:g} ms); lower pair_rate")
    labels = [stdp_label(_s(d)) for d in opts.stdp_dt]
    if len(set(labels)) != len(labels):
        raise ConfigError("options.stdp_dt: values must be distinct")
    train = opts.spikes_per_train / float(opts.burst_rate / Hz)
    if train >= 1.0 / float(opts.train_rate / Hz):
        raise ConfigError("options: a train lasts longer than the train interval; lower "
                          "train_rate or spikes_per_train")


def protocols_of(opts) -> list[InductionProtocol]:
    """The protocol copies in order: pairing, burst, anti, unpaired, then the STDP points."""
    f = float(opts.pair_rate / Hz)
    pre_pairs = T_FIRST + np.arange(opts.n_pairs) / f
    t_pairs = T_FIRST + opts.n_pairs / f

    def pair(name, dt):
        d = _s(dt)
        return InductionProtocol(name, "pair", d, pre_pairs.copy(), pre_pairs + d, t_pairs)

    rb, rt = float(opts.burst_rate / Hz), float(opts.train_rate / Hz)
    onsets = T_FIRST + np.arange(opts.n_trains) / rt
    burst = (onsets[:, None] + np.arange(opts.spikes_per_train)[None, :] / rb).ravel()
    out = [pair("pairing", opts.pairing_dt),
           InductionProtocol("burst", "burst", float("nan"), burst, np.zeros(0),
                             T_FIRST + opts.n_trains / rt),
           pair("anti", opts.anti_dt),
           pair("unpaired", 0.5 / f * second)]
    out += [pair(stdp_label(_s(d)), d) for d in opts.stdp_dt]
    return out


# ---------------------------------------------------------------------------------
# Brian2 network (compile-once standalone or runtime)
# ---------------------------------------------------------------------------------
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
    from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, defaultclock
    from mgnet.models.backend import simulation_session
    from mgnet.models.neurons import make_neurons
    from mgnet.models.plasticity import make_plastic_contacts
    j = np.asarray(branch_of_contact, dtype=int)
    nb, nc, P = int(j.max()) + 1, len(j), len(protocols)
    magnesium = replace(params.magnesium, mg_o=mg_o * mM)
    stp = params.stp if stp is None else stp
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
    ratio = params.receptors.nmda_ampa_ratio
    P_arr = lambda a: np.tile(np.asarray(a, float), P)  # noqa: E731
    # q_nmda follows the configured bouton size, not the initial AMPA weight.
    values = {"U": P_arr(pr), "q": P_arr(q) * nS, "q_down": P_arr(q_down) * nS,
              "q_nmda": P_arr(q_size) * nS * ratio, "rho": P_arr(rho0)}

    def build():
        pre = SpikeGeneratorGroup(P * nb, pre_i, pre_t * second, name="pi_pre")
        post = make_neurons(P * nb, neuron=params.neuron, receptors=params.receptors,
                            block=params.mg_block, magnesium=magnesium,
                            spine_ca=params.spine_ca, name="pi_branches")
        src = (np.arange(P)[:, None] * nb + j[None, :]).ravel()
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
        if pair_copies:
            st_i = np.concatenate([np.full(len(onsets[c]), k) for k, c in enumerate(pair_copies)])
            st_t = np.concatenate([onsets[c] for c in pair_copies])
            stim = SpikeGeneratorGroup(len(pair_copies), st_i, st_t * second, name="pi_stim")
            pi = np.repeat(np.arange(len(pair_copies)), nb)
            pj = (np.asarray(pair_copies)[:, None] * nb + np.arange(nb)[None, :]).ravel()
            objs += [stim, _pulse_synapses(stim, post, pi, pj, amplitude, duration,
                                           "pi_pulse")]
        spikes = SpikeMonitor(post, name="pi_spikes")
        objs.append(spikes)
        return Network(*objs), post, contacts, spikes

    def collect(contacts, spikes):
        get = lambda name: np.asarray(getattr(contacts, name)[:], float).reshape(P, nc)  # noqa: E731
        out = {k: get(k) for k in ("rho", "c_pl", "c_pre_sum", "n_release")}
        out["t_pl"] = np.asarray(contacts.t_pl[:] / second, float).reshape(P, nc)
        out["spike_t"] = np.asarray(spikes.t / second, float)
        out["spike_i"] = np.asarray(spikes.i[:], np.int64)
        out["onsets"] = onsets
        out["dt"] = dt
        return out

    def run_args_of(contacts, post):
        from mgnet.models.synapses import nmda_table_assignments
        args = {contacts.U: values["U"], contacts.q: values["q"],
                contacts.q_down: values["q_down"], contacts.q_nmda: values["q_nmda"],
                contacts.rho: values["rho"], post.mg_o: mg_o * mM,
                post.mg_i: params.magnesium.mg_i, contacts.nmda_gain: gain}
        args.update(dict(nmda_table_assignments(
            contacts, mg_o * mM, neuron=params.neuron, receptors=params.receptors,
            spine_ca=params.spine_ca, block=params.mg_block, mg_i=params.magnesium.mg_i)))
        return args

    # One run (standalone: compiled once per structure, the values through run_args).
    signature = structure_signature(j, protocols, params,
                                    (float(amplitude / nA), float(duration / ms), lead,
                                     rng_seed, repr(stp)))
    with simulation_session(device_name, "induction", signature, seed=rng_seed) as session:
        net, post, contacts, spikes = build()

        def simulate():
            net.run(t_end * second, namespace={})

        session.prepare(net, simulate, progress=progress, at=0.05)
        if progress:
            progress(f"simulating {P} protocols x {nb} branches ({t_end:.0f} s)", 0.1)
        session.run(run_args_of(contacts, post), simulate)
        return collect(contacts, spikes)


# ---------------------------------------------------------------------------------
# Initial state and read-out
# ---------------------------------------------------------------------------------
def initial_state(q_nS, groups, plasticity, opts, seed: int):
    """(ρ0, q_down in nS, initial weight in nS) per contact (see the module docstring).

    ``groups``: one integer label per contact; the bimodal state is balanced per label.
    """
    q = np.asarray(q_nS, float)
    n = len(q)
    b, beta = float(plasticity.b), float(plasticity.beta)
    if opts.initial_state == "bimodal":
        rng = np.random.default_rng([int(seed), 7])
        rho0 = np.ones(n)
        groups = np.asarray(groups)
        for g in np.unique(groups):
            members = np.flatnonzero(groups == g)
            n_down = int(np.floor(beta * len(members) + rng.random()))
            rho0[rng.permutation(members)[:n_down]] = 0.0
        q_down = q / (beta + (1 - beta) * b)
    else:
        rho0 = np.full(n, float(opts.rho_init))
        q_down = q / (1 + (b - 1) * rho0)
    return rho0, q_down, q_down * (1 + (b - 1) * rho0)


def readout_rho(raw: dict, protocols, plasticity) -> np.ndarray:
    """ρ of every contact projected (noise-free) to the end of its protocol."""
    from mgnet.models.plasticity import advance_rho
    det = replace(plasticity, noise=False)
    t_read = np.array([p.t_stop for p in protocols])[:, None]
    rho, _ = advance_rho(raw["rho"], raw["c_pl"], t_read - raw["t_pl"], det)
    return np.asarray(rho, float)


def pulse_check(raw: dict, protocols, nb: int, duration: float) -> dict:
    """Postsynaptic spikes per step, achieved Δt and spikes outside the steps."""
    st, si = raw["spike_t"], raw["spike_i"]
    window = duration + 0.004
    n_steps = n_one = n_extra = 0
    dt_meas = {}
    lat = []
    for c, p in enumerate(protocols):
        if p.kind != "pair":
            continue
        on = raw["onsets"][c]
        sel = (si // nb) == c
        t_c, b_c = st[sel], si[sel] % nb
        # For every (branch, step): spikes inside [onset, onset + window).
        k = np.searchsorted(on, t_c, side="right") - 1
        inside = (k >= 0) & (t_c < on[np.clip(k, 0, None)] + window)
        counts = np.zeros((nb, len(on)), int)
        np.add.at(counts, (b_c[inside], k[inside]), 1)
        n_steps += counts.size
        n_one += int(np.sum(counts == 1))
        n_extra += int(np.sum(~inside))
        first = np.full((nb, len(on)), np.inf)
        np.minimum.at(first, (b_c[inside], k[inside]), t_c[inside])
        first[~np.isfinite(first)] = np.nan
        d = first - p.pre_times[None, :]
        dt_meas[p.name] = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
        lat.append(first - on[None, :])
    lat = np.concatenate([x.ravel() for x in lat]) if lat else np.zeros(0)
    return {"n_steps": n_steps, "one_fraction": n_one / n_steps if n_steps else float("nan"),
            "extra": n_extra, "dt_measured": dt_meas,
            "latency_mean": float(np.nanmean(lat)) if np.isfinite(lat).any() else float("nan")}


# ---------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------
def _preset_name(plasticity) -> str:
    for name, p in PLASTICITY_PRESETS.items():
        if repr(p) == repr(plasticity):
            return name
    return "custom"


#: Units of the non-standard columns (per-protocol ones are added in run()).
_BASE_UNITS = {
    "/synapses/plastic/q_down": "nS", "/synapses/plastic/q": "nS",
    "/synapses/plastic/pr_measured": "1",
    "/branches/G": "nS/(10 um)", "/branches/mean_pr_true": "1",
    "/branches/D_true": "1/(10 um)", "/branches/n_contacts": "count",
    "/branches/n_active": "count", "/branches/n_functional": "count",
    "/branches/w_initial": "nS", "/branches/q_total": "nS",
}


def run(cfg, progress=None):
    """Induce plasticity with every protocol on the condition's branches; RunData."""
    from mgnet.analysis.configuration_metrics import branch_metrics, dhilo_dlohi_split
    from mgnet.analysis.run_file import RunData
    from mgnet.models.plasticity import rho_to_weight
    p, opts = cfg.params, cfg.options
    pl = p.plasticity
    pop = sample_branches(opts.n_branches, p.configuration, rng=cfg.seed)
    nb, nc = pop.n_branches, pop.n_boutons
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    pr, mg_branch = equilibrium_pr(pop, float(p.magnesium.mg_i / mM), mg_ref, p.release,
                                   p.configuration)
    if opts.contacts == "network":
        from mgnet.models.parameters import CultureParams, ShortTermPlasticityParams
        culture = CultureParams()
        stp = ShortTermPlasticityParams(tau_f=culture.tau_f, tau_d=culture.tau_d)
        gain = float(culture.q_ee_scale)
    else:
        stp, gain = p.stp, 1.0
    q = float(p.receptors.q_ampa / nS) * pop.q_rel * gain
    # Balanced per branch and activity (active / silent contacts separately).
    rho0, q_down, w0 = initial_state(q, 2 * pop.branch_id + (pr > 0), pl, opts, cfg.seed)
    mg_o = float(p.magnesium.mg_o / mM) * float(opts.mg_o_factor)
    protocols = protocols_of(opts)
    amp, dur = opts.post_pulse_amplitude, opts.post_pulse_duration
    if progress:
        progress("measuring the postsynaptic step latency", 0.0)
    try:
        lead = pulse_latency(p, amp, dur)
    except ValueError as exc:
        from .config import ConfigError
        raise ConfigError(f"options.post_pulse_amplitude: {exc}") from None
    rng_seed = cfg.seed if opts.rng_seed < 0 else int(opts.rng_seed)
    raw = simulate_induction(pop.branch_id, protocols, pr=pr, q=w0, q_down=q_down, rho0=rho0,
                             q_size=q, mg_o=mg_o, params=p, amplitude=amp, duration=dur, lead=lead,
                             rng_seed=rng_seed, device_name=opts.device, progress=progress,
                             stp=stp, gain=gain)
    if progress:
        progress("reading out", 0.95)
    rho = readout_rho(raw, protocols, pl)
    w = q_down[None, :] * rho_to_weight(rho, pl.b)
    names = [x.name for x in protocols]
    idx = {n: k for k, n in enumerate(names)}
    starts = pop.starts()
    contact = np.arange(nc) - starts[pop.branch_id]
    pair_c = idx["pairing"]
    pr_meas = raw["n_release"][pair_c] / opts.n_pairs
    n_burst = opts.n_trains * opts.spikes_per_train
    pr_burst = raw["n_release"][idx["burst"]] / n_burst

    syn = {"pre": pop.branch_id.astype(np.int64), "post": pop.branch_id.astype(np.int64),
           "contact": contact.astype(np.int64), "pr": pr * 1.0, "pr_measured": pr_meas,
           "q": q * 1.0, "q_down": q_down * 1.0, "weight_initial": w0 * 1.0,
           "rho_initial": rho0 * 1.0}
    units = dict(_BASE_UNITS)
    for k, n in enumerate(names):
        syn[f"weight_{n}"] = w[k]
        syn[f"rho_{n}"] = rho[k]
        syn[f"ca_pre_{n}"] = raw["c_pre_sum"][k]
        syn[f"n_release_{n}"] = np.rint(raw["n_release"][k]).astype(np.int64)
        units[f"/synapses/plastic/ca_pre_{n}"] = "1"
        units[f"/synapses/plastic/n_release_{n}"] = "count"

    # Branch table: configuration metrics from the measured release counts, then Δw.
    boutons = {"branch_id": pop.branch_id, "pr_1ap": pr_meas, "pr_burst": pr_burst,
               "pr_true": pr, "q": q, "mg_i": mg_branch[pop.branch_id]}
    table = branch_metrics(boutons, np.arange(nb), pop.length_um,
                           threshold=p.release.functional_threshold)
    active = pr > 0
    per10 = 10.0 / pop.length_um
    bsum = lambda x, m=active: np.bincount(pop.branch_id, weights=np.where(m, x, 0.0),  # noqa: E731
                                           minlength=nb)
    w0_b = bsum(w0)
    q_b = bsum(q)
    branches = {"branch_id": np.arange(nb, dtype=np.int64), "length_um": pop.length_um * 1.0,
                "mg_i": mg_branch * 1.0}
    for col in ("D", "mean_pr", "sum_pr", "sum_pr_burst", "stf", "capacity_bits", "G"):
        branches[col] = np.asarray(table[col], float)
    branches["mean_pr_true"] = np.asarray(table["true_mean_pr"], float)
    branches["D_true"] = np.asarray(table["true_D"], float)
    branches["n_contacts"] = np.bincount(pop.branch_id, minlength=nb).astype(np.int64)
    branches["n_active"] = np.bincount(pop.branch_id, weights=active, minlength=nb).astype(np.int64)
    branches["n_functional"] = np.asarray(table["n_functional"], np.int64)
    branches["w_initial"] = w0_b
    branches["q_total"] = q_b
    post_counts = np.bincount(raw["spike_i"], minlength=len(protocols) * nb).reshape(-1, nb)
    for k, n in enumerate(names):
        dw_b = bsum(w[k] - w0)
        branches[f"dw_per_10um_{n}"] = dw_b * per10
        with np.errstate(invalid="ignore", divide="ignore"):
            branches[f"rel_dw_{n}"] = np.where(q_b > 0, dw_b / q_b, np.nan)
        branches[f"post_spikes_{n}"] = post_counts[k].astype(np.int64)
        units[f"/branches/dw_per_10um_{n}"] = "nS/(10 um)"
        units[f"/branches/rel_dw_{n}"] = "1"
        units[f"/branches/post_spikes_{n}"] = "count"

    check = pulse_check(raw, protocols, nb, _s(dur))
    if np.isfinite(branches["mean_pr"]).any():
        split = dhilo_dlohi_split(branches)
        thr, dhilo, dlohi = float(split.threshold), split.dhilo, split.dlohi
    else:   # no functional bouton anywhere (e.g. pr_max = 0): no split
        thr, dhilo, dlohi = float("nan"), np.zeros(nb, bool), np.zeros(nb, bool)
    metrics = {
        "n_branches": int(nb), "n_contacts": int(nc), "n_active": int(active.sum()),
        "n_functional": int(np.sum(table["n_functional"])),
        "mg_o_mM": mg_o, "mg_i_mM": float(p.magnesium.mg_i / mM),
        "plasticity_preset": _preset_name(pl), "plasticity_noise": bool(pl.noise),
        "b": float(pl.b), "beta": float(pl.beta), "initial_state": opts.initial_state,
        "rho_init": float(opts.rho_init) if opts.initial_state == "fixed" else float("nan"),
        "frac_up_initial": float(np.mean(rho0[active] > 0.5)) if active.any() else float("nan"),
        "rng_seed": int(rng_seed), "pulse_latency_ms": lead * 1e3,
        "pulse_one_spike_fraction": check["one_fraction"],
        "extra_post_spikes_pairing": int(check["extra"]),
        "split_threshold_mean_pr": thr, "n_dhilo": int(dhilo.sum()),
        "n_dlohi": int(dlohi.sum()), "contacts": opts.contacts, "network_gain": gain,
        "ca_o_mM": float(p.calcium.ca_o / mM),
        "ref_ca_o_mM": float(pl.ref_ca_o / mM), "ref_mg_o_mM": float(pl.ref_mg_o / mM),
    }
    for k, n in enumerate(names):
        rel = branches[f"rel_dw_{n}"]
        mean = lambda m: float(np.nanmean(rel[m])) if np.isfinite(rel[m]).any() else float("nan")  # noqa: E731
        metrics[f"rel_dw_{n}"] = mean(np.ones(nb, bool))
        metrics[f"rel_dw_{n}_dhilo"] = mean(dhilo)
        metrics[f"rel_dw_{n}_dlohi"] = mean(dlohi)
        metrics[f"mean_dw_{n}_nS"] = float(np.mean((w[k] - w0)[active])) if active.any() \
            else float("nan")
        metrics[f"frac_up_{n}"] = float(np.mean(rho[k][active] > 0.5)) if active.any() \
            else float("nan")
        metrics[f"post_spikes_{n}"] = int(post_counts[k].sum())
        if n in check["dt_measured"]:
            metrics[f"dt_measured_{n}_ms"] = check["dt_measured"][n] * 1e3
    for n in ("pairing", "anti"):   # pairing-specific: minus the unpaired control
        spec = branches[f"rel_dw_{n}"] - branches["rel_dw_unpaired"]
        for suffix, m in (("", np.ones(nb, bool)), ("_dhilo", dhilo), ("_dlohi", dlohi)):
            metrics[f"rel_dw_{n}_minus_unpaired{suffix}"] = \
                float(np.nanmean(spec[m])) if np.isfinite(spec[m]).any() else float("nan")

    arrays = {}
    stdp = [x for x in protocols if x.name.startswith("stdp_")]
    if stdp:
        ks = [idx[x.name] for x in stdp]
        arrays["/stdp/dt_ms"] = np.array([x.dt * 1e3 for x in stdp])
        arrays["/stdp/dt_measured_ms"] = np.array([check["dt_measured"][x.name] * 1e3
                                                   for x in stdp])
        arrays["/stdp/mean_dw"] = np.array([np.mean((w[k] - w0)[active]) if active.any()
                                            else np.nan for k in ks])
        arrays["/stdp/mean_rel_dw"] = np.array([np.nanmean(branches[f"rel_dw_{x.name}"])
                                                for x in stdp])
        arrays["/stdp/mean_rel_dw_minus_unpaired"] = np.array(
            [np.nanmean(branches[f"rel_dw_{x.name}"] - branches["rel_dw_unpaired"])
             for x in stdp])
        arrays["/stdp/frac_up"] = np.array([np.mean(rho[k][active] > 0.5) if active.any()
                                            else np.nan for k in ks])
        units.update({"/stdp/dt_ms": "ms", "/stdp/dt_measured_ms": "ms", "/stdp/mean_dw": "nS",
                      "/stdp/mean_rel_dw": "1", "/stdp/mean_rel_dw_minus_unpaired": "1",
                      "/stdp/frac_up": "1"})
    protocol = {x.name: {"t_start": 0.0, "t_stop": float(x.t_stop), "plasticity": True}
                for x in protocols}
    # Postsynaptic spikes of every copy: node id = protocol index * n_branches + branch
    # (protocol order: the "protocol_order" metric).
    metrics["protocol_order"] = ",".join(names)
    spikes = {"branches": (raw["spike_t"], raw["spike_i"])}
    return RunData(attrs={}, spikes=spikes, branches=branches, synapses={"plastic": syn},
                   protocol=protocol, metrics=metrics, arrays=arrays, units=units)


EXPERIMENT = Experiment(
    name=NAME, order=60, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    reproduce=(Runs(("baseline", "elevated_mg"), (0,)),),
    # the longest of the assays (0.5-2 min per task, 2026-11-27)
    task_minutes=2.0)

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

Modules: the protocols are :mod:`mgnet.experiments.induction_protocols`, the Brian2
network :mod:`mgnet.experiments.induction_network`, the initial state and the read-out
:mod:`mgnet.experiments.induction_readout`; this module declares the experiment and
turns a run into its run file.

Run: ``mgnet run plasticity-induction [--condition elevated_mg] [--scale quick]``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, mM, ms, nA, nS

from mgnet.models.configuration import equilibrium_pr, sample_branches
from mgnet.models.parameters import PLASTICITY_PRESETS, param

from .experiment import Experiment, Runs

# The protocols, the network and the read-out live in their own modules; every name
# stays importable from here.
from .induction_network import PULSE_ON_PRE, pulse_latency, simulate_induction, structure_signature  # noqa: F401
from .induction_protocols import T_FIRST, InductionProtocol, _s, protocols_of, stdp_label  # noqa: F401
from .induction_readout import initial_state, pulse_check, readout_rho

NAME = "plasticity-induction"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "stp", "receptors", "spine_ca", "calcium",
                  "neuron", "configuration", "plasticity", "culture")
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


def resolve_params(params, opts, condition: str, overrides: dict):
    """A section that ``options.contacts`` leaves unread is refused, not ignored: the
    network's contacts take their release dynamics and gain from ``[params.culture]``,
    the assay's from ``[params.stp]``."""
    from .config import ConfigError
    unread = "stp" if opts.contacts == "network" else "culture"
    default = type(getattr(params, unread))()      # no condition changes these sections
    if any(repr(v) != repr(getattr(default, k)) for k, v in overrides.get(unread, {}).items()):
        raise ConfigError(f"params.{unread} is not read with options.contacts = "
                          f"\"{opts.contacts}\"; allowed: "
                          f"params.{'culture' if unread == 'stp' else 'stp'}")
    return params


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


@dataclass(frozen=True)
class _Setup:
    """What a run fixes before the simulation (arrays: one entry per contact)."""
    pop: object             #: the sampled branches (:func:`sample_branches`)
    pr: np.ndarray          #: true Pr at the condition's [Mg]i
    mg_branch: np.ndarray   #: [Mg]i of every branch (mM)
    q: np.ndarray           #: configured quantal size (nS, network gain included)
    rho0: np.ndarray        #: initial efficacy ρ
    q_down: np.ndarray      #: DOWN-state weight (nS)
    w0: np.ndarray          #: initial weight (nS)
    stp: object             #: release dynamics of the contacts
    gain: float             #: network gain (1 for the assay's contacts)
    mg_o: float             #: [Mg]o of the run (mM, options.mg_o_factor included)
    protocols: list         #: the protocol copies (:func:`protocols_of`)
    lead: float             #: step onset before the wanted postsynaptic spike (s)
    rng_seed: int           #: Brian2 seed

    @property
    def nb(self) -> int:
        return self.pop.n_branches

    @property
    def active(self) -> np.ndarray:
        """Contacts with true Pr > 0 (branch totals use these only)."""
        return self.pr > 0


def _contact_dynamics(p, opts):
    """(release dynamics, network gain) of the contacts (``options.contacts``)."""
    if opts.contacts == "network":
        from mgnet.models.parameters import ShortTermPlasticityParams
        culture = p.culture
        stp = ShortTermPlasticityParams(tau_f=culture.tau_f, tau_d=culture.tau_d)
        gain = float(culture.q_ee_scale)
    else:
        stp, gain = p.stp, 1.0
    return stp, gain


def _step_latency(p, opts, progress) -> float:
    """Latency (s) of the postsynaptic step (:func:`pulse_latency`; a step that does not
    evoke exactly one spike is a ConfigError)."""
    amp, dur = opts.post_pulse_amplitude, opts.post_pulse_duration
    if progress:
        progress("measuring the postsynaptic step latency", 0.0)
    try:
        return pulse_latency(p, amp, dur)
    except ValueError as exc:
        from .config import ConfigError
        raise ConfigError(f"options.post_pulse_amplitude: {exc}") from None


def _setup(cfg, progress) -> _Setup:
    """Branches at the condition's [Mg]i, contacts, initial state, protocols, latency."""
    p, opts = cfg.params, cfg.options
    pop = sample_branches(opts.n_branches, p.configuration, rng=cfg.seed)
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    pr, mg_branch = equilibrium_pr(pop, float(p.magnesium.mg_i / mM), mg_ref, p.release,
                                   p.configuration)
    stp, gain = _contact_dynamics(p, opts)
    q = float(p.receptors.q_ampa / nS) * pop.q_rel * gain
    # Balanced per branch and activity (active / silent contacts separately).
    rho0, q_down, w0 = initial_state(q, 2 * pop.branch_id + (pr > 0), p.plasticity, opts,
                                     cfg.seed)
    mg_o = float(p.magnesium.mg_o / mM) * float(opts.mg_o_factor)
    protocols = protocols_of(opts)
    lead = _step_latency(p, opts, progress)
    rng_seed = cfg.seed if opts.rng_seed < 0 else int(opts.rng_seed)
    return _Setup(pop, pr, mg_branch, q, rho0, q_down, w0, stp, gain, mg_o, protocols, lead,
                  rng_seed)


def _synapse_table(s: _Setup, raw, rho, w, pr_meas, units) -> dict:
    """``/synapses/plastic``: per contact, the initial state and, per protocol, ρ, weight,
    presynaptic Ca2+ and release count (their units added to ``units``)."""
    pop = s.pop
    contact = np.arange(pop.n_boutons) - pop.starts()[pop.branch_id]
    syn = {"pre": pop.branch_id.astype(np.int64), "post": pop.branch_id.astype(np.int64),
           "contact": contact.astype(np.int64), "pr": s.pr * 1.0, "pr_measured": pr_meas,
           "q": s.q * 1.0, "q_down": s.q_down * 1.0, "weight_initial": s.w0 * 1.0,
           "rho_initial": s.rho0 * 1.0}
    for k, n in enumerate(x.name for x in s.protocols):
        syn[f"weight_{n}"] = w[k]
        syn[f"rho_{n}"] = rho[k]
        syn[f"ca_pre_{n}"] = raw["c_pre_sum"][k]
        syn[f"n_release_{n}"] = np.rint(raw["n_release"][k]).astype(np.int64)
        units[f"/synapses/plastic/ca_pre_{n}"] = "1"
        units[f"/synapses/plastic/n_release_{n}"] = "count"
    return syn


def _branch_sum(s: _Setup, x) -> np.ndarray:
    """Per branch, the sum of ``x`` over its active contacts."""
    return np.bincount(s.pop.branch_id, weights=np.where(s.active, x, 0.0), minlength=s.nb)


def _branch_table(s: _Setup, p, pr_meas, pr_burst, w, post_counts, units):
    """``/branches`` (configuration metrics from the measured release counts, then Δw
    per protocol; units added to ``units``) and the configuration metrics table."""
    from mgnet.analysis.configuration_metrics import branch_metrics
    pop, nb, active = s.pop, s.nb, s.active
    boutons = {"branch_id": pop.branch_id, "pr_1ap": pr_meas, "pr_burst": pr_burst,
               "pr_true": s.pr, "q": s.q, "mg_i": s.mg_branch[pop.branch_id]}
    table = branch_metrics(boutons, np.arange(nb), pop.length_um,
                           threshold=p.release.functional_threshold)
    per10 = 10.0 / pop.length_um
    w0_b = _branch_sum(s, s.w0)
    q_b = _branch_sum(s, s.q)
    branches = {"branch_id": np.arange(nb, dtype=np.int64), "length_um": pop.length_um * 1.0,
                "mg_i": s.mg_branch * 1.0}
    for col in ("D", "mean_pr", "sum_pr", "sum_pr_burst", "stf", "capacity_bits", "G"):
        branches[col] = np.asarray(table[col], float)
    branches["mean_pr_true"] = np.asarray(table["true_mean_pr"], float)
    branches["D_true"] = np.asarray(table["true_D"], float)
    branches["n_contacts"] = np.bincount(pop.branch_id, minlength=nb).astype(np.int64)
    branches["n_active"] = np.bincount(pop.branch_id, weights=active, minlength=nb).astype(np.int64)
    branches["n_functional"] = np.asarray(table["n_functional"], np.int64)
    branches["w_initial"] = w0_b
    branches["q_total"] = q_b
    for k, n in enumerate(x.name for x in s.protocols):
        dw_b = _branch_sum(s, w[k] - s.w0)
        branches[f"dw_per_10um_{n}"] = dw_b * per10
        with np.errstate(invalid="ignore", divide="ignore"):
            branches[f"rel_dw_{n}"] = np.where(q_b > 0, dw_b / q_b, np.nan)
        branches[f"post_spikes_{n}"] = post_counts[k].astype(np.int64)
        units[f"/branches/dw_per_10um_{n}"] = "nS/(10 um)"
        units[f"/branches/rel_dw_{n}"] = "1"
        units[f"/branches/post_spikes_{n}"] = "count"
    return branches, table


def _split(branches, nb: int):
    """(threshold, DHiLo mask, DLoHi mask): the median split of the measured P̄r."""
    from mgnet.analysis.configuration_metrics import dhilo_dlohi_split
    if np.isfinite(branches["mean_pr"]).any():
        split = dhilo_dlohi_split(branches)
        return float(split.threshold), split.dhilo, split.dlohi
    # no functional bouton anywhere (e.g. pr_max = 0): no split
    return float("nan"), np.zeros(nb, bool), np.zeros(nb, bool)


def _run_metrics(cfg, s: _Setup, table, check, split) -> dict:
    """The run's scalar metrics that do not depend on the protocol."""
    p, opts = cfg.params, cfg.options
    pl, active = p.plasticity, s.active
    thr, dhilo, dlohi = split
    return {
        "n_branches": int(s.nb), "n_contacts": int(s.pop.n_boutons),
        "n_active": int(active.sum()),
        "n_functional": int(np.sum(table["n_functional"])),
        "mg_o_mM": s.mg_o, "mg_i_mM": float(p.magnesium.mg_i / mM),
        "plasticity_preset": _preset_name(pl), "plasticity_noise": bool(pl.noise),
        "b": float(pl.b), "beta": float(pl.beta), "initial_state": opts.initial_state,
        "rho_init": float(opts.rho_init) if opts.initial_state == "fixed" else float("nan"),
        "frac_up_initial": float(np.mean(s.rho0[active] > 0.5)) if active.any() else float("nan"),
        "rng_seed": int(s.rng_seed), "pulse_latency_ms": s.lead * 1e3,
        "pulse_one_spike_fraction": check["one_fraction"],
        "extra_post_spikes_pairing": int(check["extra"]),
        "split_threshold_mean_pr": thr, "n_dhilo": int(dhilo.sum()),
        "n_dlohi": int(dlohi.sum()), "contacts": opts.contacts, "network_gain": s.gain,
        "ca_o_mM": float(p.calcium.ca_o / mM),
        "ref_ca_o_mM": float(pl.ref_ca_o / mM), "ref_mg_o_mM": float(pl.ref_mg_o / mM),
    }


def _protocol_metrics(metrics, s: _Setup, branches, rho, w, post_counts, check, split):
    """Add each protocol's metrics to ``metrics``: mean relative change (all, DHiLo,
    DLoHi), mean Δw, fraction UP, postsynaptic spikes, achieved Δt; then the
    pairing-specific changes (minus the unpaired control)."""
    nb, active = s.nb, s.active
    _, dhilo, dlohi = split
    for k, n in enumerate(x.name for x in s.protocols):
        rel = branches[f"rel_dw_{n}"]
        mean = lambda m, rel=rel: (float(np.nanmean(rel[m])) if np.isfinite(rel[m]).any()  # noqa: E731
                                   else float("nan"))
        metrics[f"rel_dw_{n}"] = mean(np.ones(nb, bool))
        metrics[f"rel_dw_{n}_dhilo"] = mean(dhilo)
        metrics[f"rel_dw_{n}_dlohi"] = mean(dlohi)
        metrics[f"mean_dw_{n}_nS"] = float(np.mean((w[k] - s.w0)[active])) if active.any() \
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


def _stdp_arrays(s: _Setup, branches, rho, w, check, units) -> dict:
    """``/stdp/*``: the STDP curve over the ``stdp_`` protocols ({} if there are none;
    units added to ``units``)."""
    arrays = {}
    active = s.active
    idx = {x.name: k for k, x in enumerate(s.protocols)}
    stdp = [x for x in s.protocols if x.name.startswith("stdp_")]
    if stdp:
        ks = [idx[x.name] for x in stdp]
        arrays["/stdp/dt_ms"] = np.array([x.dt * 1e3 for x in stdp])
        arrays["/stdp/dt_measured_ms"] = np.array([check["dt_measured"][x.name] * 1e3
                                                   for x in stdp])
        arrays["/stdp/mean_dw"] = np.array([np.mean((w[k] - s.w0)[active]) if active.any()
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
    return arrays


def run(cfg, progress=None):
    """Induce plasticity with every protocol on the condition's branches; RunData."""
    from mgnet.analysis.run_file import RunData
    from mgnet.models.plasticity import rho_to_weight
    p, opts = cfg.params, cfg.options
    pl = p.plasticity
    s = _setup(cfg, progress)
    protocols, nb = s.protocols, s.nb
    raw = simulate_induction(s.pop.branch_id, protocols, pr=s.pr, q=s.w0, q_down=s.q_down,
                             rho0=s.rho0, q_size=s.q, mg_o=s.mg_o, params=p,
                             amplitude=opts.post_pulse_amplitude,
                             duration=opts.post_pulse_duration, lead=s.lead,
                             rng_seed=s.rng_seed, device_name=opts.device, progress=progress,
                             stp=s.stp, gain=s.gain)
    if progress:
        progress("reading out", 0.95)
    rho = readout_rho(raw, protocols, pl)
    w = s.q_down[None, :] * rho_to_weight(rho, pl.b)
    names = [x.name for x in protocols]
    idx = {n: k for k, n in enumerate(names)}
    pr_meas = raw["n_release"][idx["pairing"]] / opts.n_pairs
    n_burst = opts.n_trains * opts.spikes_per_train
    pr_burst = raw["n_release"][idx["burst"]] / n_burst
    units = dict(_BASE_UNITS)
    syn = _synapse_table(s, raw, rho, w, pr_meas, units)
    post_counts = np.bincount(raw["spike_i"], minlength=len(protocols) * nb).reshape(-1, nb)
    branches, table = _branch_table(s, p, pr_meas, pr_burst, w, post_counts, units)
    check = pulse_check(raw, protocols, nb, _s(opts.post_pulse_duration))
    split = _split(branches, nb)
    metrics = _run_metrics(cfg, s, table, check, split)
    _protocol_metrics(metrics, s, branches, rho, w, post_counts, check, split)
    arrays = _stdp_arrays(s, branches, rho, w, check, units)
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
    param_sections=PARAM_SECTIONS, check_options=check_options, resolve_params=resolve_params,
    reproduce=(Runs(("baseline", "elevated_mg"), (0,)),),
    # the longest of the assays (0.5-2 min per task, 2026-11-27)
    task_minutes=2.0)

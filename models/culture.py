"""Culture network: E/I conductance-based AdEx neurons with stochastic, configured contacts.

science.md §4 item 7; docs/culture.md.  The network is built from a :class:`CultureParams`
and a seed, into an explicit Brian2 :class:`~brian2.Network` (no magic network):

* ``n_exc = round(exc_fraction * n)`` excitatory and ``n - n_exc`` inhibitory
  conductance-based AdEx neurons (:func:`mgnet.models.neurons.make_neurons`; AMPA, NMDA
  GluN2A/2B through the Mg2+ block of [Mg]o, GABA_A).  Excitatory cells carry the slow
  spike-triggered adaptation ``b_slow`` (tau_w_slow 4 s) that ends network bursts
  (Masquelier & Deco 2013 PLoS ONE 8:e75824); inhibitory cells do not adapt.
* Random connectivity: every ordered pair (no autapses) is connected with probability
  ``p = min(1, connection_probability * reference_size / n)`` (fixed expected in-degree
  above the reference size), with ``1 + Poisson(extra_contacts_mean)`` contacts per
  connection.  Every contact is its own stochastic Tsodyks–Markram synapse
  (:func:`mgnet.models.synapses.make_contacts`, U = Pr) with the network time constants
  ``tau_f``/``tau_d`` of :class:`CultureParams`.
* Excitatory contacts (E->E and E->I) are the boutons of the postsynaptic neuron's
  dendritic branches: each neuron's excitatory contacts are dealt, in random order, onto
  branches of length U(length_min, length_max) carrying Poisson(anatomical_density * L / 10)
  boutons, exactly the anatomy that :func:`mgnet.models.configuration.sample_branches` draws
  (:func:`mgnet.models.configuration.population_from_counts` draws the bouton attributes with the same
  distributions for *given* counts).  Their Pr and functional state are the
  equilibrium configuration at the condition's [Mg]i
  (:func:`mgnet.models.configuration.equilibrium_pr`); silent boutons keep Pr = 0 and their
  (postsynaptic) quantal size.  Inhibitory contacts release with ``pr_inh``.
* Spontaneous activity: every neuron receives Poisson background AMPA events (summed
  miniature release and unmodelled synaptic noise) at ``bg_rate`` with conductance
  ``bg_weight``: ``g_ampa += bg_w`` per event, independently for every neuron and time
  step (what :class:`brian2.PoissonInput` does, but with rate and weight as ``(shared,
  constant)`` variables so that a compile-once standalone project can change them
  through ``run_args``), generated as one Poisson count per population and step
  scattered onto uniformly random neurons, the same process
  (:mod:`mgnet.models.background`).  The rate is multiplied by ``max(0, 1 + x(t))``, where x is one
  Ornstein-Uhlenbeck process shared by all neurons (SD ``bg_mod_cv``, correlation time
  ``bg_mod_tau``): the modelled neurons are a sample of a larger culture whose
  spontaneous input fluctuates slowly.  Without this shared fluctuation the burst
  ignition of a 2000-neuron random network is a deterministic threshold crossing during
  the recovery from slow adaptation and the inter-burst intervals are clock-like
  (CV < 0.1, docs/culture.md).

What a condition changes (``[Mg]o``, the excitatory Pr per contact, quantal sizes, the
slow adaptation and the background) is held in variables, so
:meth:`Culture.run_args` re-targets a compiled standalone project without recompiling,
and :meth:`Culture.set_condition` does the same in runtime mode.  The structure (who
contacts whom, branch membership, bouton competences) depends only on the size, the
connectivity parameters and the seed.

Plasticity hooks: ``plastic_blocks`` (a mapping) passes ``extra_model``,
``extra_on_pre``, ``extra_on_post`` and ``extra_namespace`` to the E->E contacts, and
``neuron_eqs`` / ``neuron_namespace`` to the excitatory neurons (e.g. a per-neuron
GluN2B metaplasticity variable).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, linked_var, mM, mV, nS, pA, Hz, second

from .background import poisson_drive
from .configuration import (BranchPopulation, bouton_mg, equilibrium_pr,
                            population_from_counts)
from .neurons import make_neurons
from .parameters import (ConfigurationParams, CultureParams, ModelParams, PlasticityParams,
                         ShortTermPlasticityParams, nmda_ca_mg_o)
from .synapses import apply_assignments, check_tables, make_contacts, nmda_table_assignments

__all__ = ["PATHWAYS", "Pathway", "CultureStructure", "ContactValues", "Culture",
           "effective_connection_probability",
           "deal_into_branches", "culture_structure", "contact_values", "build_culture",
           "PLASTIC_BLOCK_KEYS", "structural_signature", "simulate_culture", "iter_culture",
           "initial_efficacy", "plastic_quantal_sizes"]

#: Pathways in build order: (name, presynaptic population, postsynaptic population).
PATHWAYS = (("ee", "exc", "exc"), ("ei", "exc", "inh"), ("ie", "inh", "exc"),
            ("ii", "inh", "inh"))
#: Keys accepted in ``plastic_blocks``.
PLASTIC_BLOCK_KEYS = ("extra_model", "extra_on_pre", "extra_on_post", "extra_namespace",
                      "neuron_eqs", "neuron_namespace")

#: Background-drive and slow-adaptation variables (shared constants, run_args-able).
_BACKGROUND_EQS = """
bg_rate : Hz (shared, constant)        # background AMPA event rate per neuron
bg_w : siemens (constant)              # AMPA conductance per background event
bg_x : 1 (linked)                      # shared slow modulation of the background rate
"""
#: Shared Ornstein-Uhlenbeck modulation of the background rate (one "neuron").
_MODULATION_EQS = """
dx/dt = -x/bg_mod_tau + sigma*sqrt(2/bg_mod_tau)*xi : 1   # OU with stationary SD sigma
sigma : 1 (shared, constant)                              # = bg_mod_cv
"""
_SLOW_ADAPTATION_EQS = """
b_slow : amp (shared, constant)        # slow adaptation increment (calibrated, culture)
"""
#: Background events: g_ampa += bg_w per event, Poisson at bg_rate*max(0, 1 + bg_x) per
#: neuron (mgnet.models.background.poisson_drive: one count per population and step,
#: scattered onto random neurons; the same process as one poisson() per neuron).
_BACKGROUND_DRIVE = {"target": "g_ampa", "weight": "bg_w",
                     "rate": "bg_rate*clip(1 + bg_x, 0, 100)"}


# --------------------------------------------------------------------------------------
# Structure (numpy only)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pathway:
    """Contacts of one pathway, in the order of the Brian2 synapses.

    Contacts are sorted by presynaptic neuron (then postsynaptic neuron and contact), so
    that the contacts a spike reaches are contiguous in memory (several times faster
    spike propagation than a branch-major order).  For excitatory pathways the bouton
    attributes live in ``pop`` (ordered by branch, then activation key, as every
    :class:`mgnet.models.configuration.BranchPopulation`) and ``bouton[k]`` is the bouton of
    contact ``k``: a per-bouton array ``x`` applies to the contacts as ``x[bouton]``.
    """
    name: str
    pre: np.ndarray                         #: presynaptic index within its population
    post: np.ndarray                        #: postsynaptic index within its population
    contact: np.ndarray                     #: index of the contact within its connection
    pop: BranchPopulation | None = None     #: branches of excitatory contacts
    bouton: np.ndarray | None = None        #: bouton (index into pop) of every contact

    @property
    def n_contacts(self) -> int:
        return len(self.pre)

    @property
    def n_connections(self) -> int:
        return int(np.sum(self.contact == 0))

    @property
    def branch(self) -> np.ndarray:
        """Branch id of each contact (-1 for inhibitory contacts)."""
        if self.pop is None:
            return np.full(self.n_contacts, -1)
        return self.pop.branch_id[self.bouton]


@dataclass(frozen=True)
class CultureStructure:
    """Who contacts whom, and the anatomy of the excitatory boutons (fixed by the seed)."""
    n_exc: int
    n_inh: int
    seed: int
    connection_probability: float           #: effective p used
    pathways: dict                          #: name -> Pathway
    v_init: dict                            #: population -> initial v (mV)
    bg_z: dict                              #: population -> standard normal per neuron
                                            #: (background weight factor, bg_weight_cv)

    def bg_factor(self, cv: float) -> dict:
        """Per-neuron background weight factor, log-normal with mean 1 and CV ``cv``."""
        sd = np.sqrt(np.log(1 + float(cv) ** 2))
        return {pop: np.exp(sd * z - sd ** 2 / 2) for pop, z in self.bg_z.items()}

    @property
    def n_neurons(self) -> int:
        return self.n_exc + self.n_inh

    def n_contacts(self) -> dict:
        return {k: p.n_contacts for k, p in self.pathways.items()}

    def key_arrays(self) -> list[np.ndarray]:
        """Arrays that determine the generated code (for cache keys)."""
        out = [np.array([self.n_exc, self.n_inh])]
        for name in sorted(self.pathways):
            p = self.pathways[name]
            out += [p.pre, p.post]
        return out


def effective_connection_probability(n_neurons: int, culture: CultureParams) -> float:
    """p = min(1, connection_probability * reference_size / n_neurons).

    The expected in-degree is held at its value at the reference size, so that a
    network of another size sees the same input per neuron as the calibrated one (up to
    all-to-all connectivity in small networks: 200 neurons are all-to-all).
    """
    return float(min(1.0, culture.connection_probability * culture.reference_size
                     / n_neurons))


def _connect(rng: np.random.Generator, n_pre: int, n_post: int, p: float,
             same_population: bool, extra_mean: float):
    """Bernoulli(p) connections per ordered pair (no autapses within a population) and
    ``1 + Poisson(extra_mean)`` contacts per connection.

    Returns (pre, post, contact) per contact, sorted by post, then pre, then contact.
    """
    pres, posts = [], []
    chunk = max(1, int(4_000_000 // max(n_pre, 1)))
    for j0 in range(0, n_post, chunk):
        j1 = min(n_post, j0 + chunk)
        mask = rng.random((j1 - j0, n_pre)) < p
        if same_population:
            idx = np.arange(j0, j1)
            mask[idx - j0, idx] = False
        jj, ii = np.nonzero(mask)
        posts.append(jj + j0)
        pres.append(ii)
    pre = np.concatenate(pres) if pres else np.zeros(0, int)
    post = np.concatenate(posts) if posts else np.zeros(0, int)
    n_per = 1 + rng.poisson(extra_mean, len(pre))
    starts = np.cumsum(n_per) - n_per
    contact = np.arange(int(n_per.sum())) - np.repeat(starts, n_per)
    return np.repeat(pre, n_per), np.repeat(post, n_per), contact


def deal_into_branches(n_per_neuron: np.ndarray, config: ConfigurationParams,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split each neuron's contacts into dendritic branches.

    Branch lengths are U(length_min_um, length_max_um) and bouton counts
    max(1, Poisson(anatomical_density * L / 10)), as in
    :func:`mgnet.models.configuration.sample_branches`; branches are drawn until a neuron's
    contacts are used up, and its last branch keeps only the remaining contacts, its
    length shortened in proportion (same density).

    Returns
    -------
    counts : ndarray of int
        Boutons per branch, branches ordered by neuron.
    length_um : ndarray
        Length of each branch (um).
    """
    mean_count = max(config.anatomical_density * 0.5 * (config.length_min_um
                                                        + config.length_max_um) / 10.0, 1.0)
    counts, lengths = [], []
    for n in np.asarray(n_per_neuron, dtype=int):
        if n <= 0:
            continue
        m = int(np.ceil(n / mean_count * 1.5)) + 4
        while True:
            length = rng.uniform(config.length_min_um, config.length_max_um, m)
            c = np.maximum(1, rng.poisson(config.anatomical_density * length / 10.0))
            cum = np.cumsum(c)
            if cum[-1] >= n:
                break
            m *= 2
        k = int(np.searchsorted(cum, n))          # branch that holds the last contact
        c = c[:k + 1].copy()
        length = length[:k + 1].copy()
        before = cum[k - 1] if k > 0 else 0
        remaining = n - before
        length[k] *= remaining / c[k]
        c[k] = remaining
        counts.append(c)
        lengths.append(length)
    if not counts:
        return np.zeros(0, int), np.zeros(0)
    return np.concatenate(counts), np.concatenate(lengths)


def culture_structure(n_neurons: int, culture: CultureParams,
                      config: ConfigurationParams | None = None, *, seed: int,
                      e_l=-70.6 * mV) -> CultureStructure:
    """Draw connectivity, contacts and branch anatomy from a seed (no Brian2).

    Independent random streams (numpy ``SeedSequence(seed).spawn``) are used for
    connectivity, branches and initial potentials, so changing one part of the recipe
    does not reshuffle the others.
    """
    config = config or ConfigurationParams()
    if n_neurons < 2:
        raise ValueError(f"a culture needs at least 2 neurons, got {n_neurons}")
    n_exc = int(round(culture.exc_fraction * n_neurons))
    n_inh = n_neurons - n_exc
    if n_exc < 1 or n_inh < 1:
        raise ValueError(f"exc_fraction {culture.exc_fraction} leaves an empty population "
                         f"at {n_neurons} neurons")
    p = effective_connection_probability(n_neurons, culture)
    streams = np.random.SeedSequence(int(seed)).spawn(len(PATHWAYS) * 2 + 1)
    sizes = {"exc": n_exc, "inh": n_inh}
    pathways = {}
    for k, (name, src, tgt) in enumerate(PATHWAYS):
        rng_c = np.random.default_rng(streams[2 * k])
        pre, post, contact = _connect(rng_c, sizes[src], sizes[tgt], p, src == tgt,
                                      culture.extra_contacts_mean)
        if src == "exc":
            rng_b = np.random.default_rng(streams[2 * k + 1])
            # Deal each neuron's contacts onto its branches in random order.
            perm = rng_b.permutation(len(pre))
            perm = perm[np.argsort(post[perm], kind="stable")]
            pre, post, contact = pre[perm], post[perm], contact[perm]
            n_per = np.bincount(post, minlength=sizes[tgt])
            counts, lengths = deal_into_branches(n_per, config, rng_b)
            pop, order = population_from_counts(counts, lengths, config, rng_b)
            # Bouton k is the contact in slot order[k]; synapses are sorted by pre.
            bouton_of_slot = np.empty_like(order)
            bouton_of_slot[order] = np.arange(len(order))
            syn_order = np.lexsort((contact, post, pre))
            pathways[name] = Pathway(name, pre[syn_order], post[syn_order],
                                     contact[syn_order], pop, bouton_of_slot[syn_order])
        else:
            syn_order = np.lexsort((contact, post, pre))
            pathways[name] = Pathway(name, pre[syn_order], post[syn_order],
                                     contact[syn_order], None, None)
    rng_v = np.random.default_rng(streams[-1])
    e_l_mV = float(e_l / mV)
    spread = float(culture.v_init_spread / mV)
    v_init = {pop: e_l_mV + spread * rng_v.random(sizes[pop]) for pop in ("exc", "inh")}
    # Normal deviates of the per-neuron background factor (CultureStructure.bg_factor).
    bg_z = {pop: rng_v.standard_normal(sizes[pop]) for pop in ("exc", "inh")}
    return CultureStructure(n_exc, n_inh, int(seed), p, pathways, v_init, bg_z)


# --------------------------------------------------------------------------------------
# Condition-dependent contact values
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactValues:
    """Release probability and quantal conductances of every contact of a pathway."""
    pr: np.ndarray          #: U per contact (0 for silent boutons)
    q_nS: np.ndarray        #: AMPA (or GABA_A) conductance per vesicle
    q_nmda_nS: np.ndarray   #: NMDA peak conductance per vesicle (0 for inhibitory)
    mg_i_mM: np.ndarray | None = None   #: [Mg]i of each excitatory contact (its bouton's)


def contact_values(structure: CultureStructure, params: ModelParams,
                   culture: CultureParams) -> dict[str, ContactValues]:
    """Per-contact values at the condition of ``params``.

    Excitatory contacts: equilibrium Pr of the configuration at ``params.magnesium.mg_i``
    (reads [Mg]i), q = q_ampa * q_rel * q_ee_scale (times q_ei_scale for E->I),
    q_nmda = q * nmda_ampa_ratio.  Inhibitory contacts: Pr = pr_inh,
    q = q_gaba * q_inh_scale.
    """
    rec = params.receptors
    mg_i = float(params.magnesium.mg_i / mM)
    mg_ref = float(params.magnesium.mg_i_ref / mM)
    q_ampa = float(rec.q_ampa / nS)
    out = {}
    for name, pw in structure.pathways.items():
        if pw.pop is not None:
            pr, mg_branch = equilibrium_pr(pw.pop, mg_i, mg_ref, params.release,
                                           params.configuration)
            scale = culture.q_ee_scale * (culture.q_ei_scale if name == "ei" else 1.0)
            q = q_ampa * pw.pop.q_rel[pw.bouton] * scale
            out[name] = ContactValues(pr[pw.bouton], q, q * rec.nmda_ampa_ratio,
                                      bouton_mg(pw.pop, mg_branch)[pw.bouton])
        else:
            n = pw.n_contacts
            q = np.full(n, float(rec.q_gaba / nS) * culture.q_inh_scale)
            out[name] = ContactValues(np.full(n, float(culture.pr_inh)), q, np.zeros(n))
    return out


# --------------------------------------------------------------------------------------
# Brian2 network
# --------------------------------------------------------------------------------------
@dataclass
class Culture:
    """A built culture: the explicit Network, its groups, contacts and monitors."""
    net: Network
    groups: dict                   #: "exc", "inh" -> NeuronGroup
    synapses: dict                 #: "ee", "ei", "ie", "ii" -> Synapses
    spikes: dict                   #: "exc", "inh" -> SpikeMonitor (empty if not recorded)
    structure: CultureStructure
    values: dict                   #: pathway -> ContactValues at the build condition
    culture: CultureParams
    params: ModelParams
    extra: dict = field(default_factory=dict)   #: other monitors added by callers
    #: Plasticity rule of the E->E contacts (None: static contacts).
    plasticity: PlasticityParams | None = None
    #: Initial efficacy rho of every E->E contact (plastic cultures only).
    rho_init: np.ndarray | None = None

    @property
    def exc(self):
        return self.groups["exc"]

    @property
    def inh(self):
        return self.groups["inh"]

    def _assignments(self, params: ModelParams, culture: CultureParams,
                     values: dict | None = None) -> list[tuple[Any, Any]]:
        values = values if values is not None else contact_values(self.structure, params,
                                                                  culture)
        return (self._contact_assignments(values, culture)
                + self._neuron_assignments(params, culture))

    def _contact_assignments(self, values: dict,
                             culture: CultureParams | None = None) -> list[tuple[Any, Any]]:
        culture = culture or self.culture
        out = []
        for name, syn in self.synapses.items():
            v = values[name]
            out.append((syn.U, v.pr))
            if name == "ee" and self.plasticity is not None:
                q_down, q = plastic_quantal_sizes(v.q_nS, self.rho_init, self.plasticity)
                out.append((syn.q_down, q_down * nS))
                out.append((syn.rho, self.rho_init))
                out.append((syn.q, q * nS))
            else:
                out.append((syn.q, v.q_nS * nS))
            if name in ("ee", "ei"):
                out.append((syn.q_nmda, v.q_nmda_nS * nS))
                if getattr(syn, "nca_tables", None):
                    out.append((syn.nmda_gain, _nmda_gain(name, culture)))
        return out

    def _neuron_assignments(self, params: ModelParams,
                            culture: CultureParams) -> list[tuple[Any, Any]]:
        out = []
        factor = self.structure.bg_factor(culture.bg_weight_cv)
        for pop, g in self.groups.items():
            out.append((g.mg_o, params.magnesium.mg_o))
            # The GluN2B fraction is a state of each neuron (metaplasticity, science.md
            # §4 item 6): a condition's chronic value reaches a compiled project here.
            out.append((g.f_2b, float(params.receptors.glun2b_fraction)))
            on = pop == "exc" or culture.bg_to_inh
            out.append((g.bg_rate, culture.bg_rate if on else 0 * Hz))
            out.append((g.bg_w, culture.bg_weight * factor[pop]))
        out.append((self.exc.b_slow, culture.b_slow))
        out.append((self.extra["bg_modulation"].sigma, float(culture.bg_mod_cv)))
        # The NMDA Ca2+ coincidence tables follow the [Mg]o that the NMDA Ca2+ sees
        # (models/nmda_calcium.py): the condition's, or the baseline's in the ablation of
        # MgBlockParams.nmda_ca_mg_o (checked by check_finite).
        self._ca_mg_o = nmda_ca_mg_o(params)
        for name, syn in self.synapses.items():
            tgt = "exc" if name in ("ee", "ie") else "inh"
            out += nmda_table_assignments(
                syn, self._ca_mg_o, neuron=self._neuron_params(tgt, params, culture),
                receptors=params.receptors, spine_ca=params.spine_ca, block=params.mg_block,
                mg_i=params.magnesium.mg_i)
        return out

    @staticmethod
    def _neuron_params(pop: str, params: ModelParams, culture: CultureParams):
        if pop == "exc":
            return dataclasses.replace(params.neuron, b_slow=0 * pA)
        return dataclasses.replace(params.neuron, a=culture.inh_a, b=culture.inh_b,
                                   b_slow=0 * pA)

    def set_condition(self, params: ModelParams, culture: CultureParams | None = None,
                      values: dict | None = None) -> None:
        """Runtime mode: set every condition-dependent value (before ``net.run``)."""
        culture = culture or params.culture
        apply_assignments(self._assignments(params, culture, values))
        self.params, self.culture = params, culture

    def run_args(self, params: ModelParams, culture: CultureParams | None = None,
                 values: dict | None = None, overrides: Mapping | None = None) -> dict:
        """Standalone mode: ``run_args`` for ``device.run`` at another condition.

        Only values that are variables in the compiled project can change: [Mg]o, the
        GluN2B fraction, Pr and quantal sizes per contact, b_slow, background rate and
        weight.  ``overrides`` replaces single values by the variable's
        ``"group.name"`` (e.g. ``{"exc.f_2b": per_neuron_array}``; an unknown name is
        refused).  Everything else
        in ``culture`` (sizes, connectivity, STP time constants, delays) must equal the
        build values (they are part of the project's cache key).
        """
        culture = culture or params.culture
        pairs = self._assignments(params, culture, values)
        overrides = dict(overrides or {})
        out = {}
        for view, value in pairs:
            out[view] = overrides.pop(_assignment_name(view), value)
        if overrides:
            raise KeyError(f"run_args overrides name no condition variable: "
                           f"{', '.join(sorted(overrides))}; allowed: "
                           f"{', '.join(sorted(_assignment_name(v) for v, _ in pairs))}")
        return out

    def spike_data(self) -> dict:
        """``{"exc": (times_s, ids), "inh": (times_s, ids)}`` from the monitors."""
        return {pop: (np.asarray(m.t / second, dtype=float), np.asarray(m.i, dtype=np.int64))
                for pop, m in self.spikes.items()}

    def check_finite(self) -> None:
        """Raise RuntimeError if any membrane potential became NaN (runaway dynamics), or
        if NMDA Ca2+ tables do not match the target's [Mg]o."""
        expected = getattr(self, "_ca_mg_o", None)
        if expected is None:
            expected = nmda_ca_mg_o(self.params)
        for name, syn in self.synapses.items():
            check_tables(syn, self.groups["exc" if name in ("ee", "ie") else "inh"], expected)
        for pop, g in self.groups.items():
            v = np.asarray(g.v / mV)
            if not np.all(np.isfinite(v)):
                raise RuntimeError(f"culture: non-finite membrane potential in population "
                                   f"'{pop}' (runaway dynamics); lower q_ee_scale or "
                                   f"bg_weight")


def _assignment_name(target) -> str:
    """``"group.variable"`` of a variable view; the object's own name otherwise (tables)."""
    group = getattr(target, "group_name", None)
    name = getattr(target, "name", None)
    if name is None:          # never repr() a standalone view: it reads its values
        name = f"<{type(target).__name__}>"
    return f"{group}.{name}" if group else str(name)


def _nmda_gain(pathway: str, culture: CultureParams) -> float:
    """Network gain calibration contained in the q_nmda of an excitatory pathway (1 when
    the gain is 0: the pathway then has no receptors, q_nmda = 0, and no Ca2+)."""
    gain = float(culture.q_ee_scale * (culture.q_ei_scale if pathway == "ei" else 1.0))
    return gain if gain > 0 else 1.0


def initial_efficacy(structure: CultureStructure, plasticity: PlasticityParams) -> np.ndarray:
    """Initial Graupner–Brunel efficacy of every E->E contact: DOWN (0) with probability
    ``plasticity.beta``, else UP (1), drawn from the structure seed (same in every
    condition).  The rule is bistable (rho* = 1/2): synapses rest in one of the two
    states (Graupner & Brunel 2012: beta is the fraction initially DOWN)."""
    stream = np.random.SeedSequence(int(structure.seed)).spawn(len(PATHWAYS) * 2 + 2)[-1]
    rng = np.random.default_rng(stream)
    n = structure.pathways["ee"].n_contacts
    return (rng.random(n) >= float(plasticity.beta)).astype(float)


def plastic_quantal_sizes(q_nS, rho, plasticity: PlasticityParams):
    """DOWN-state and current AMPA quantal sizes (nS) of plastic E->E contacts.

    The calibrated quantal size ``q_nS`` of a contact is its *expected* size over the
    initial UP/DOWN states (a fraction β DOWN, 1 − β UP), so the mean recurrent
    conductance of the calibrated network is unchanged:
    q_down = q / (1 + (b − 1)(1 − β)), q(ρ) = q_down (1 + (b − 1) ρ).
    """
    b, beta = float(plasticity.b), float(plasticity.beta)
    q_down = np.asarray(q_nS, dtype=float) / (1 + (b - 1) * (1 - beta))
    return q_down, q_down * (1 + (b - 1) * np.asarray(rho, dtype=float))


def _plastic(blocks: Mapping | None) -> dict:
    blocks = dict(blocks or {})
    unknown = set(blocks) - set(PLASTIC_BLOCK_KEYS)
    if unknown:
        raise ValueError(f"unknown plastic_blocks keys {sorted(unknown)}; allowed: "
                         f"{', '.join(PLASTIC_BLOCK_KEYS)}")
    return blocks


def build_culture(n_neurons: int, params: ModelParams | None = None,
                  culture: CultureParams | None = None, *, seed: int,
                  plastic_blocks: Mapping | None = None, record_spikes: bool = True,
                  structure: CultureStructure | None = None,
                  name_prefix: str = "",
                  plasticity: PlasticityParams | None = None,
                  spine_ca: tuple = ("ee",), readouts: bool = False) -> Culture:
    """Build the culture network at the condition of ``params``.

    Parameters
    ----------
    n_neurons : int
        Number of neurons (the size of the culture is a run choice of each experiment,
        e.g. its ``options.n_neurons``; every other network value is in ``culture``).
    params : ModelParams
        Condition: [Mg]o (``params.magnesium.mg_o``, read by the NMDA block), [Mg]i
        (``params.magnesium.mg_i``, read by the configuration), neuron, receptor, block,
        release and configuration parameters.  ``params.stp`` is not used: network
        contacts use ``culture.tau_f``/``tau_d``.
    culture : CultureParams, optional
        Network parameters (default: ``params.culture``, whose defaults include the
        calibrated values).
    seed : int
        Structure seed: connectivity, branches, bouton competences, initial potentials.
        Brian2's own generator (release draws, background) is seeded by the caller
        (:func:`mgnet.models.backend.seed_all`), as every Brian2 global is.
    plastic_blocks : mapping, optional
        ``extra_model``, ``extra_on_pre``, ``extra_on_post``, ``extra_namespace`` for the
        E->E contacts and ``neuron_eqs``, ``neuron_namespace`` for the excitatory neurons.
    record_spikes : bool
        Add SpikeMonitors for both populations.
    structure : CultureStructure, optional
        Reuse an already drawn structure (must match ``n_neurons``).
    name_prefix : str
        Prefix of every Brian2 object name (several cultures in one process).
    plasticity : PlasticityParams, optional
        Make the E->E contacts plastic with this Graupner–Brunel rule
        (:func:`mgnet.models.plasticity.make_plastic_contacts`; C_pre scales with the NMDA Ca2+
        of each release).  Initial states from :func:`initial_efficacy`, quantal sizes
        from :func:`plastic_quantal_sizes`.  ``plastic_blocks`` are composed after it.
    spine_ca : tuple of str
        Excitatory pathways ("ee", "ei") whose contacts track spine Ca2+ (needed by
        plasticity and by NMDA Ca2+ read-outs; E->E by default).  Leaving a pathway
        out removes work, not behaviour: spikes and random streams are unchanged.
        Plastic E->E contacts always compute the NMDA Ca2+ of each release.
    readouts : bool
        Store the contacts' assay read-outs (``release``, ``n_release``, ``n_spikes``,
        spine Ca2+ state ``ca``/``wca_*``, ``c_pre_sum``; :func:`mgnet.models.synapses.make_contacts`).
        No culture experiment reads them, so the default leaves them out: 24 bytes less
        per contact, 64 per contact that tracks spine Ca2+ (72 when plastic), and no
        spine-Ca2+ bAP update; spikes and random streams are the same either way.

    Returns
    -------
    Culture
    """
    params = params or ModelParams()
    culture = culture or params.culture
    n_neurons = int(n_neurons)
    blocks = _plastic(plastic_blocks)
    spine_ca = tuple(spine_ca)
    if not set(spine_ca) <= {"ee", "ei"}:
        raise ValueError(f"spine_ca names excitatory pathways; allowed: ee, ei, got {spine_ca}")
    if structure is None:
        structure = culture_structure(n_neurons, culture, params.configuration, seed=seed,
                                      e_l=params.neuron.e_l)
    elif structure.n_neurons != n_neurons:
        raise ValueError("structure does not match n_neurons")
    values = contact_values(structure, params, culture)
    stp = ShortTermPlasticityParams(tau_f=culture.tau_f, tau_d=culture.tau_d)

    exc_neuron = Culture._neuron_params("exc", params, culture)
    inh_neuron = Culture._neuron_params("inh", params, culture)
    common = dict(receptors=params.receptors, block=params.mg_block,
                  magnesium=params.magnesium, spine_ca=params.spine_ca)
    exc = make_neurons(structure.n_exc, neuron=exc_neuron,
                       extra_eqs=_BACKGROUND_EQS + _SLOW_ADAPTATION_EQS
                       + blocks.get("neuron_eqs", ""),
                       extra_namespace=blocks.get("neuron_namespace"),
                       name=f"{name_prefix}exc", **common)
    # b_slow is a run_args-able variable of the excitatory group, not a constant.
    exc.namespace.pop("b_slow", None)
    inh = make_neurons(structure.n_inh, neuron=inh_neuron, extra_eqs=_BACKGROUND_EQS,
                       name=f"{name_prefix}inh", **common)
    groups = {"exc": exc, "inh": inh}
    # Shared slow modulation of the background; starts at 0 (the stationary mean).
    modulation = NeuronGroup(1, _MODULATION_EQS, method="euler",
                             namespace={"bg_mod_tau": culture.bg_mod_tau},
                             name=f"{name_prefix}bg_modulation")
    for pop, g in groups.items():
        g.v = structure.v_init[pop] * mV
        g.bg_x = linked_var(modulation, "x", index=np.zeros(len(g), dtype=int))
        poisson_drive(g, **_BACKGROUND_DRIVE, when="synapses", order=-1,
                      name=f"{name_prefix}{pop}_background")

    synapses = {}
    rho_init = None
    for name, src, tgt in PATHWAYS:
        pw = structure.pathways[name]
        v = values[name]
        kind = "exc" if src == "exc" else "inh"
        extra = {}
        if name == "ee":
            extra = {k: blocks[k] for k in ("extra_model", "extra_on_pre", "extra_on_post",
                                            "extra_namespace") if k in blocks}
        common_syn = dict(stp=stp, receptors=params.receptors, spine_ca=params.spine_ca,
                          block=params.mg_block, delay=culture.delay,
                          name=f"{name_prefix}{name}", readouts=readouts,
                          calcium=params.calcium,
                          # the contacts' NMDA Ca2+ tables: the [Mg]o that Ca2+ sees
                          magnesium=dataclasses.replace(params.magnesium,
                                                        mg_o=nmda_ca_mg_o(params)),
                          neuron=exc_neuron if tgt == "exc" else inh_neuron)
        if kind == "exc":
            # q_nmda carries the network gain; the NMDA Ca2+ must not (it scales with the
            # contact's receptor content q_nmda/(q_nmda_ref * gain) only).
            common_syn["nmda_gain"] = _nmda_gain(name, culture)
        if name == "ee" and plasticity is not None:
            from .plasticity import make_plastic_contacts
            rho_init = initial_efficacy(structure, plasticity)
            _, q = plastic_quantal_sizes(v.q_nS, rho_init, plasticity)
            synapses[name] = make_plastic_contacts(
                groups[src], groups[tgt], pw.pre, pw.post, pr=v.pr, q=q * nS,
                plasticity=plasticity, rho_init=rho_init, **common_syn, **extra)
        else:
            synapses[name] = make_contacts(
                groups[src], groups[tgt], pw.pre, pw.post, pr=v.pr, q=v.q_nS * nS,
                kind=kind, track_spine_ca=name in spine_ca, **common_syn, **extra)
        if kind == "exc":
            synapses[name].q_nmda = v.q_nmda_nS * nS

    spikes = {}
    if record_spikes:
        spikes = {pop: SpikeMonitor(g, name=f"{name_prefix}{pop}_spikes")
                  for pop, g in groups.items()}
    net = Network(modulation, *groups.values(), *synapses.values(), *spikes.values())
    cult = Culture(net, groups, synapses, spikes, structure, values, culture, params,
                   extra={"bg_modulation": modulation}, plasticity=plasticity,
                   rho_init=rho_init)
    # Condition-dependent neuron values (background, slow adaptation, [Mg]o); the
    # contact values were passed to make_contacts above.
    apply_assignments(cult._neuron_assignments(params, culture))
    return cult


# --------------------------------------------------------------------------------------
# Simulation: runtime, or compile-once cpp_standalone re-targeted with run_args
# --------------------------------------------------------------------------------------
#: CultureParams fields that reach the network only as run_args-able values.
_CULTURE_VALUE_FIELDS = ("q_ee_scale", "q_ei_scale", "q_inh_scale", "pr_inh", "bg_rate",
                         "bg_weight", "bg_weight_cv", "b_slow", "bg_to_inh", "bg_mod_cv")


def structural_signature(params: ModelParams, culture: CultureParams) -> str:
    """Everything of a condition that enters the generated code or the structure.

    Two (params, culture) pairs with the same signature (and the same size and seed)
    can share one compiled standalone project: they differ only in [Mg]o, [Mg]i, the
    GluN2B fraction, the aged competence factor, the [Mg]o of the NMDA Ca2+
    (``MgBlockParams.nmda_ca_mg_o``) and the values of :data:`_CULTURE_VALUE_FIELDS`.
    """
    p = dataclasses.replace(
        params, magnesium=type(params.magnesium)(),
        receptors=dataclasses.replace(params.receptors,
                                      glun2b_fraction=type(params.receptors)().glun2b_fraction),
        configuration=dataclasses.replace(params.configuration, aged_competence_factor=1.0),
        neuron=dataclasses.replace(params.neuron, b_slow=0 * pA),
        # the [Mg]o the NMDA Ca2+ sees reaches the contacts as run values (their
        # nca_mg_o and coincidence tables, Culture.run_args), not through the code
        mg_block=dataclasses.replace(params.mg_block,
                                     nmda_ca_mg_o=type(params.mg_block)().nmda_ca_mg_o),
        # the network enters as ``culture`` below; the GluN2B regulation never reaches
        # the code (the fraction it sets is a run value)
        culture=type(params.culture)(), metaplasticity=type(params.metaplasticity)())
    defaults = CultureParams()
    c = dataclasses.replace(culture, **{k: getattr(defaults, k)
                                        for k in _CULTURE_VALUE_FIELDS})
    return repr((p, c))


def project_signature(structure: CultureStructure, signature: str, duration_s: float,
                      sim_seed: int) -> tuple:
    """The signature of a culture's standalone project
    (:class:`mgnet.models.backend.StandaloneSession`): the structure's arrays, the
    initial potentials, ``signature`` (:func:`structural_signature` and what else the
    caller's code depends on), the simulated time and the stream seed (recorded in the
    binary).  The build flags and the time step are added by the session."""
    return (tuple(np.asarray(a, dtype=np.int64) for a in structure.key_arrays()),
            tuple(np.asarray(structure.v_init[pop], dtype=float) for pop in ("exc", "inh")),
            signature, round(float(duration_s), 9), int(sim_seed))


def _rho_of(cult, t) -> dict:
    """``{"rho_final": ...}`` of a plastic culture at the end ``t`` of its run (else {})."""
    if cult.plasticity is None:
        return {}
    from .plasticity import current_rho
    return {"rho_final": np.asarray(current_rho(cult.synapses["ee"], cult.plasticity, t=t),
                                    dtype=float)}


def simulate_culture(n_neurons: int, samples: list, *, seed: int, duration,
                     device_name: str = "cpp_standalone", sim_seed: int | None = None,
                     progress=None, cache_dir=None, spine_ca: tuple = ()) -> list[dict]:
    """Simulate spontaneous activity of one culture structure at several conditions.

    The list of what :func:`iter_culture` yields (same arguments).
    """
    return list(iter_culture(n_neurons, samples, seed=seed, duration=duration,
                             device_name=device_name, sim_seed=sim_seed, progress=progress,
                             cache_dir=cache_dir, spine_ca=spine_ca))


def iter_culture(n_neurons: int, samples: list, *, seed: int, duration,
                 device_name: str = "cpp_standalone", sim_seed: int | None = None,
                 progress=None, cache_dir=None, spine_ca: tuple = (),
                 plasticity: PlasticityParams | None = None):
    """Simulate one culture structure at several conditions, yielding each result as
    soon as it is done (so callers can save it before the next one runs).

    Parameters
    ----------
    n_neurons : int
    samples : list of (ModelParams, CultureParams)
        Conditions to run on the same structure; they must share
        :func:`structural_signature` (the first one builds the network).
    seed : int
        Structure seed (connectivity, branches, initial potentials).
    duration : Quantity
        Simulated time per sample.
    device_name : {"cpp_standalone", "runtime"}
        ``cpp_standalone`` compiles once per structure into a cached project
        (``$MGNET_CACHE``/standalone/culture-<key>, exclusive file lock while building,
        shared lock while running) and re-runs it with ``run_args`` for every sample.
    sim_seed : int, optional
        Seed of Brian2's generator (release draws, background); default ``seed``.  Every
        sample starts from the same generator state (paired conditions).
    spine_ca : tuple of str
        Pathways that track spine Ca2+ (:func:`build_culture`); none by default, since
        only spikes are returned.
    plasticity : PlasticityParams, optional
        Plastic E->E contacts with this rule (:func:`build_culture`); each result then
        also holds ``rho_final`` (efficacy of every E->E contact, projected to the end).

    Yields
    ------
    dict
        Per sample: ``spikes`` ({"exc"|"inh": (times_s, ids)}), ``n_exc``, ``n_inh``,
        ``n_contacts`` (per pathway), ``values`` (ContactValues per pathway) and
        ``timing`` (``build_s``, ``compile_s``, ``run_s`` wall-clock seconds).
    """
    import time
    from .backend import simulation_session

    if not samples:
        return
    sim_seed = seed if sim_seed is None else int(sim_seed)
    params0, culture0 = samples[0]
    sig = structural_signature(params0, culture0)
    for p, c in samples[1:]:
        if structural_signature(p, c) != sig:
            raise ValueError("all samples of one simulate_culture call must share the "
                             "structure (only Mg, the aged competence factor and "
                             f"{', '.join(_CULTURE_VALUE_FIELDS)} may differ)")
    duration_s = float(duration / second)
    t0 = time.time()
    structure = culture_structure(n_neurons, culture0, params0.configuration, seed=seed,
                                  e_l=params0.neuron.e_l)
    values = [contact_values(structure, p, c) for p, c in samples]
    base = {"n_exc": structure.n_exc, "n_inh": structure.n_inh,
            "n_contacts": structure.n_contacts(),
            "connection_probability": structure.connection_probability}

    def say(msg, frac):
        if progress:
            progress(msg, frac)

    # Standalone: compiled once per structure into a cached project
    # ($MGNET_CACHE/standalone/culture-<key>), every sample a rerun with run_args;
    # runtime: every sample from the stored state.  Brian2's generator is seeded with
    # sim_seed for every sample (paired conditions).
    signature = project_signature(structure, sig + repr(tuple(spine_ca)) + repr(plasticity),
                                  duration_s, sim_seed)
    with simulation_session(device_name, "culture", signature, seed=sim_seed,
                            cache_dir=cache_dir) as session:
        cult = build_culture(n_neurons, params0, culture0, seed=seed, structure=structure,
                             spine_ca=spine_ca, plasticity=plasticity)

        def simulate():
            cult.net.run(duration, namespace={})

        build_s = time.time() - t0
        compile_s = session.prepare(cult.net, simulate, progress=progress)["compile_s"]
        for k, ((p, c), vals) in enumerate(zip(samples, values)):
            say(f"sample {k + 1}/{len(samples)}", k / len(samples))
            t1 = time.time()
            session.run(cult.run_args(p, c, vals), simulate)
            run_s = time.time() - t1
            cult.check_finite()
            yield dict(base, spikes=cult.spike_data(), values=vals, **_rho_of(cult, duration),
                       timing={"build_s": build_s, "compile_s": compile_s, "run_s": run_s})

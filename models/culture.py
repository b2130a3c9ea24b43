"""Culture network: E/I conductance-based AdEx neurons with stochastic, configured contacts.

science.md §4 item 7; docs/culture.md.  The network is built from a :class:`CultureParams`
and a seed, into an explicit Brian2 :class:`~brian2.Network` (no magic network):

* ``n_exc = round(exc_fraction * n)`` excitatory and ``n - n_exc`` inhibitory
  conductance-based AdEx neurons (:func:`models.neurons.make_neurons`; AMPA, NMDA
  GluN2A/2B through the Mg2+ block of [Mg]o, GABA_A).  Excitatory cells carry the slow
  spike-triggered adaptation ``b_slow`` (tau_w_slow 4 s) that ends network bursts
  (Masquelier & Deco 2013 PLoS ONE 8:e75824); inhibitory cells do not adapt.
* Random connectivity: every ordered pair (no autapses) is connected with probability
  ``p = min(1, connection_probability * reference_size / n)`` (fixed expected in-degree
  above the reference size), with ``1 + Poisson(extra_contacts_mean)`` contacts per
  connection.  Every contact is its own stochastic Tsodyks–Markram synapse
  (:func:`models.synapses.make_contacts`, U = Pr) with the network time constants
  ``tau_f``/``tau_d`` of :class:`CultureParams`.
* Excitatory contacts (E->E and E->I) are the boutons of the postsynaptic neuron's
  dendritic branches: each neuron's excitatory contacts are dealt, in random order, onto
  branches of length U(length_min, length_max) carrying Poisson(anatomical_density * L / 10)
  boutons, exactly the anatomy that :func:`models.configuration.sample_branches` draws
  (:func:`population_from_counts` draws the bouton attributes with the same
  distributions for *given* counts).  Their Pr and functional state are the
  equilibrium configuration at the condition's [Mg]i
  (:func:`models.configuration.equilibrium_pr`); silent boutons keep Pr = 0 and their
  (postsynaptic) quantal size.  Inhibitory contacts release with ``pr_inh``.
* Spontaneous activity: every neuron receives Poisson background AMPA events (summed
  miniature release and unmodelled synaptic noise) at ``bg_rate`` with conductance
  ``bg_weight``, drawn per neuron and time step as ``g_ampa += bg_w*poisson(bg_rate*dt)``
  (what :class:`brian2.PoissonInput` does, but with rate and weight as ``(shared,
  constant)`` variables so that a compile-once standalone project can change them
  through ``run_args``).

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
from scipy.stats import norm
from brian2 import Network, SpikeMonitor, mM, mV, nS, pA, Hz, second

from .configuration import BranchPopulation, equilibrium_pr
from .neurons import make_neurons
from .parameters import (ConfigurationParams, CultureParams, ModelParams,
                         ShortTermPlasticityParams)
from .synapses import make_contacts

__all__ = ["PATHWAYS", "Pathway", "CultureStructure", "ContactValues", "Culture",
           "effective_connection_probability", "population_from_counts",
           "deal_into_branches", "culture_structure", "contact_values", "build_culture",
           "PLASTIC_BLOCK_KEYS"]

#: Pathways in build order: (name, presynaptic population, postsynaptic population).
PATHWAYS = (("ee", "exc", "exc"), ("ei", "exc", "inh"), ("ie", "inh", "exc"),
            ("ii", "inh", "inh"))
#: Keys accepted in ``plastic_blocks``.
PLASTIC_BLOCK_KEYS = ("extra_model", "extra_on_pre", "extra_on_post", "extra_namespace",
                      "neuron_eqs", "neuron_namespace")

#: Background-drive and slow-adaptation variables (shared constants, run_args-able).
_BACKGROUND_EQS = """
bg_rate : Hz (shared, constant)        # background AMPA event rate per neuron
bg_w : siemens (shared, constant)      # AMPA conductance per background event
"""
_SLOW_ADAPTATION_EQS = """
b_slow : amp (shared, constant)        # slow adaptation increment (calibrated, culture)
"""
_BACKGROUND_CODE = "g_ampa += bg_w*poisson(bg_rate*dt)"


# --------------------------------------------------------------------------------------
# Structure (numpy only)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pathway:
    """Contacts of one pathway, in the order of the Brian2 synapses.

    Excitatory pathways are ordered by branch, then activation key (the order of
    :class:`models.configuration.BranchPopulation`), so per-bouton arrays of the
    configuration apply to the contacts directly.
    """
    name: str
    pre: np.ndarray                         #: presynaptic index within its population
    post: np.ndarray                        #: postsynaptic index within its population
    contact: np.ndarray                     #: index of the contact within its connection
    pop: BranchPopulation | None = None     #: branches of excitatory contacts

    @property
    def n_contacts(self) -> int:
        return len(self.pre)

    @property
    def n_connections(self) -> int:
        return int(np.sum(self.contact == 0))

    @property
    def branch(self) -> np.ndarray:
        """Branch id of each contact (-1 for inhibitory contacts)."""
        return self.pop.branch_id if self.pop is not None else np.full(self.n_contacts, -1)


@dataclass(frozen=True)
class CultureStructure:
    """Who contacts whom, and the anatomy of the excitatory boutons (fixed by the seed)."""
    n_exc: int
    n_inh: int
    seed: int
    connection_probability: float           #: effective p used
    pathways: dict                          #: name -> Pathway
    v_init: dict                            #: population -> initial v (mV)

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
    :func:`models.configuration.sample_branches`; branches are drawn until a neuron's
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


def population_from_counts(counts: np.ndarray, length_um: np.ndarray,
                           config: ConfigurationParams,
                           rng: np.random.Generator) -> tuple[BranchPopulation, np.ndarray]:
    """Bouton population for branches with *given* bouton counts and lengths.

    The bouton and branch attributes are drawn with the distributions of
    :func:`models.configuration.sample_branches` (log-normal competence, activation key
    correlated with competence, q from bouton size, log-normal set-points and branch
    [Mg]i factors); only the counts are imposed.  No new physics.

    Returns
    -------
    pop : BranchPopulation
        Boutons ordered by branch, then activation key.
    order : ndarray of int
        ``order[k]`` is the slot (position in the branch-major input order) of bouton k.
    """
    counts = np.asarray(counts, dtype=int)
    length_um = np.asarray(length_um, dtype=float)
    if counts.shape != length_um.shape:
        raise ValueError("counts and length_um must have the same length")
    if np.any(counts < 1):
        raise ValueError("every branch needs at least one bouton")
    p = config
    n_br = len(counts)
    branch_id = np.repeat(np.arange(n_br), counts)
    n = len(branch_id)
    z_c = rng.standard_normal(n)
    z_e = rng.standard_normal(n)
    competence = p.competence_median * np.exp(p.competence_sigma * z_c)
    rho = p.size_activation_correlation
    key = norm.cdf(-rho * z_c + np.sqrt(1 - rho ** 2) * z_e)
    q_rel = (competence / p.competence_median) ** p.q_size_exponent
    order = np.lexsort((key, branch_id))
    sd_set = np.sqrt(np.log(1 + p.setpoint_cv ** 2))
    setpoint = p.setpoint_median * np.exp(sd_set * rng.standard_normal(n_br))
    sd_mg = np.sqrt(np.log(1 + p.mg_i_branch_cv ** 2))
    mg_factor = np.exp(sd_mg * rng.standard_normal(n_br) - sd_mg ** 2 / 2)
    pop = BranchPopulation(branch_id[order], competence[order], q_rel[order], key[order],
                           length_um, setpoint, mg_factor)
    return pop, order


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
            pathways[name] = Pathway(name, pre[order], post[order], contact[order], pop)
        else:
            pathways[name] = Pathway(name, pre, post, contact, None)
    rng_v = np.random.default_rng(streams[-1])
    e_l_mV = float(e_l / mV)
    spread = float(culture.v_init_spread / mV)
    v_init = {pop: e_l_mV + spread * rng_v.random(sizes[pop]) for pop in ("exc", "inh")}
    return CultureStructure(n_exc, n_inh, int(seed), p, pathways, v_init)


# --------------------------------------------------------------------------------------
# Condition-dependent contact values
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactValues:
    """Release probability and quantal conductances of every contact of a pathway."""
    pr: np.ndarray          #: U per contact (0 for silent boutons)
    q_nS: np.ndarray        #: AMPA (or GABA_A) conductance per vesicle
    q_nmda_nS: np.ndarray   #: NMDA peak conductance per vesicle (0 for inhibitory)
    mg_i_mM: np.ndarray | None = None   #: branch [Mg]i of each excitatory contact


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
            q = q_ampa * pw.pop.q_rel * scale
            out[name] = ContactValues(pr, q, q * rec.nmda_ampa_ratio,
                                      np.asarray(mg_branch)[pw.pop.branch_id])
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
        out = []
        for name, syn in self.synapses.items():
            v = values[name]
            out.append((syn.U, v.pr))
            out.append((syn.q, v.q_nS * nS))
            if name in ("ee", "ei"):
                out.append((syn.q_nmda, v.q_nmda_nS * nS))
        for pop, g in self.groups.items():
            out.append((g.mg_o, params.magnesium.mg_o))
            on = pop == "exc" or culture.bg_to_inh
            out.append((g.bg_rate, culture.bg_rate if on else 0 * Hz))
            out.append((g.bg_w, culture.bg_weight))
        out.append((self.exc.b_slow, culture.b_slow))
        return out

    def set_condition(self, params: ModelParams, culture: CultureParams | None = None,
                      values: dict | None = None) -> None:
        """Runtime mode: set every condition-dependent value (before ``net.run``)."""
        culture = culture or self.culture
        for view, value in self._assignments(params, culture, values):
            view[:] = value
        self.params, self.culture = params, culture

    def run_args(self, params: ModelParams, culture: CultureParams | None = None,
                 values: dict | None = None) -> dict:
        """Standalone mode: ``run_args`` for ``device.run`` at another condition.

        Only values that are variables in the compiled project can change: [Mg]o, Pr and
        quantal sizes per contact, b_slow, background rate and weight.  Everything else
        in ``culture`` (sizes, connectivity, STP time constants, delays) must equal the
        build values (they are part of the project's cache key).
        """
        culture = culture or self.culture
        return {view: value for view, value in self._assignments(params, culture, values)}

    def spike_data(self) -> dict:
        """``{"exc": (times_s, ids), "inh": (times_s, ids)}`` from the monitors."""
        return {pop: (np.asarray(m.t / second, dtype=float), np.asarray(m.i, dtype=np.int64))
                for pop, m in self.spikes.items()}

    def check_finite(self) -> None:
        """Raise RuntimeError if any membrane potential became NaN (runaway dynamics)."""
        for pop, g in self.groups.items():
            v = np.asarray(g.v / mV)
            if not np.all(np.isfinite(v)):
                raise RuntimeError(f"culture: non-finite membrane potential in population "
                                   f"'{pop}' (runaway dynamics); lower q_ee_scale or "
                                   f"bg_weight")


def _plastic(blocks: Mapping | None) -> dict:
    blocks = dict(blocks or {})
    unknown = set(blocks) - set(PLASTIC_BLOCK_KEYS)
    if unknown:
        raise ValueError(f"unknown plastic_blocks keys {sorted(unknown)}; allowed: "
                         f"{', '.join(PLASTIC_BLOCK_KEYS)}")
    return blocks


def build_culture(n_neurons: int | None, params: ModelParams | None = None,
                  culture: CultureParams | None = None, *, seed: int,
                  plastic_blocks: Mapping | None = None, record_spikes: bool = True,
                  structure: CultureStructure | None = None,
                  name_prefix: str = "") -> Culture:
    """Build the culture network at the condition of ``params``.

    Parameters
    ----------
    n_neurons : int or None
        Number of neurons (None: ``culture.n_neurons``).
    params : ModelParams
        Condition: [Mg]o (``params.magnesium.mg_o``, read by the NMDA block), [Mg]i
        (``params.magnesium.mg_i``, read by the configuration), neuron, receptor, block,
        release and configuration parameters.  ``params.stp`` is not used: network
        contacts use ``culture.tau_f``/``tau_d``.
    culture : CultureParams
        Network parameters (defaults include the calibrated values).
    seed : int
        Structure seed: connectivity, branches, bouton competences, initial potentials.
        Brian2's own generator (release draws, background) is seeded by the caller
        (:func:`models.backend.seed_all`), as every Brian2 global is.
    plastic_blocks : mapping, optional
        ``extra_model``, ``extra_on_pre``, ``extra_on_post``, ``extra_namespace`` for the
        E->E contacts and ``neuron_eqs``, ``neuron_namespace`` for the excitatory neurons.
    record_spikes : bool
        Add SpikeMonitors for both populations.
    structure : CultureStructure, optional
        Reuse an already drawn structure (must match ``n_neurons``).
    name_prefix : str
        Prefix of every Brian2 object name (several cultures in one process).

    Returns
    -------
    Culture
    """
    params = params or ModelParams()
    culture = culture or CultureParams()
    n_neurons = culture.n_neurons if n_neurons is None else int(n_neurons)
    blocks = _plastic(plastic_blocks)
    if structure is None:
        structure = culture_structure(n_neurons, culture, params.configuration, seed=seed,
                                      e_l=params.neuron.e_l)
    elif structure.n_neurons != n_neurons:
        raise ValueError("structure does not match n_neurons")
    values = contact_values(structure, params, culture)
    stp = ShortTermPlasticityParams(tau_f=culture.tau_f, tau_d=culture.tau_d)

    exc_neuron = dataclasses.replace(params.neuron, b_slow=0 * pA)
    inh_neuron = dataclasses.replace(params.neuron, a=culture.inh_a, b=culture.inh_b,
                                     b_slow=0 * pA)
    common = dict(receptors=params.receptors, block=params.mg_block,
                  magnesium=params.magnesium)
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
    for pop, g in groups.items():
        g.v = structure.v_init[pop] * mV
        g.run_regularly(_BACKGROUND_CODE, when="synapses", order=-1,
                        name=f"{name_prefix}{pop}_background")

    synapses = {}
    for name, src, tgt in PATHWAYS:
        pw = structure.pathways[name]
        v = values[name]
        kind = "exc" if src == "exc" else "inh"
        extra = {}
        if name == "ee":
            extra = {k: blocks[k] for k in ("extra_model", "extra_on_pre", "extra_on_post",
                                            "extra_namespace") if k in blocks}
        synapses[name] = make_contacts(
            groups[src], groups[tgt], pw.pre, pw.post, pr=v.pr, q=v.q_nS * nS, kind=kind,
            stp=stp, receptors=params.receptors, spine_ca=params.spine_ca,
            delay=culture.delay, name=f"{name_prefix}{name}", **extra)
        if kind == "exc":
            synapses[name].q_nmda = v.q_nmda_nS * nS

    spikes = {}
    if record_spikes:
        spikes = {pop: SpikeMonitor(g, name=f"{name_prefix}{pop}_spikes")
                  for pop, g in groups.items()}
    net = Network(*groups.values(), *synapses.values(), *spikes.values())
    cult = Culture(net, groups, synapses, spikes, structure, values, culture, params)
    # Condition-dependent scalars (background, slow adaptation, [Mg]o).
    for view, value in cult._assignments(params, culture, values):
        if not hasattr(value, "__len__") or np.ndim(value) == 0:
            view[:] = value
    return cult

"""The culture's structure: who contacts whom with how many contacts, the branches
the excitatory contacts sit on and their bouton competences, drawn from the size,
the connectivity parameters and the seed alone (:func:`culture_structure`), and the
per-contact values a condition gives them (:func:`contact_values`).  Part of
:mod:`mgnet.models.culture`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import mM, mV, nS

from ..configuration import BranchPopulation, bouton_mg, equilibrium_pr, population_from_counts
from ..parameters import ConfigurationParams, CultureParams, ModelParams

__all__ = ["PATHWAYS", "Pathway", "CultureStructure", "ContactValues",
           "effective_connection_probability", "deal_into_branches", "culture_structure",
           "contact_values"]

#: Pathways in build order: (name, presynaptic population, postsynaptic population).
PATHWAYS = (("ee", "exc", "exc"), ("ei", "exc", "inh"), ("ie", "inh", "exc"),
            ("ii", "inh", "inh"))

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

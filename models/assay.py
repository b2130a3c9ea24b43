"""Virtual FM-dye / spine-Ca2+ assay: field stimulation of every bouton of many branches.

Zhou, Bi & Liu (2024) Nat Commun 15:3406, Methods (science.md §2): boutons are driven
by field stimulation with 30 single APs at 0.5 Hz (the "1AP" protocol), then by the
same 30 APs as 6 trains of 5 at 100 Hz (the "burst" protocol).  Every bouton is one
stochastic Tsodyks–Markram contact (:mod:`mgnet.models.synapses`) onto the postsynaptic
neuron of its branch (one conductance-based AdEx neuron per branch, so that B(V),
the NMDA driving force and back-propagating spikes shape spine Ca2+).  All boutons
fire together, as under field stimulation.

Counters are split by protocol phase inside the synapse code (a ``t_switch``
constant), so one simulation yields both protocols and nothing has to be read in
between; this lets the compile-once standalone device rerun new configurations
(Pr, q per bouton and [Mg]o) through ``run_args`` without recompiling.

Each assayed bouton has a readily releasable pool with Ca2+-dependent recovery and
facilitation (:mod:`mgnet.models.release_pool`; Dobrunz & Stevens 1997, Dittman, Kreitzer &
Regehr 2000), composed onto the standard contact of :mod:`mgnet.models.synapses` without
changing it: a preparing pathway runs one time step before the release pathway and
hands the bouton's release probability to the standard code as ``u`` (with ``U = 0``).
The culture network is unaffected.  A sample can carry a virtual GluN2B block
(``glun2b_blocked``): the GluN2B conductance is removed (``f_2b = 0`` and the NMDA
content scaled by ``1 - f_2b``), the rest of the run is identical (same seed, same
release draws), as with Ro 25-6981 in Zhou et al. (2024) Fig 3h.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, Network, SpikeGeneratorGroup, SpikeMonitor, mM, nS, second

from .backend import default_cache_dir, simulation_session
from .neurons import make_neurons
from .parameters import ModelParams, ReleasePoolParams
from .protocols import burst_times, one_ap_times
from .release_pool import (
    PREP_PATHWAY,
    pool_model,
    pool_namespace,
    pool_prep_code,
    pool_release_code,
    vesicle_probability,
)
from .synapses import make_contacts, nmda_table_assignments

__all__ = ["AssaySample", "AssayProtocol", "run_field_assay", "ASSAY_COUNTERS_MODEL",
           "PREP_LEAD", "default_cache_dir", "structure_signature"]

#: The release pathway runs this long after the preparing pathway of the pool (one
#: time step of the default clock; the field-stimulation latency is irrelevant here).
PREP_LEAD = 0.1e-3

#: Phase-1 (1AP) copies of the contact counters; phase 2 = total - phase 1.
ASSAY_COUNTERS_MODEL = """
t_switch : second (shared, constant)   # start of the burst protocol
n_rel_1 : 1                            # releases during the 1AP protocol
wca1_2a : 1                            # GluN2A Ca2+ during the 1AP protocol
wca1_2b : 1                            # GluN2B Ca2+ during the 1AP protocol
wca1_bap : 1                           # bAP Ca2+ during the 1AP protocol
"""
ASSAY_COUNTERS_ON_PRE = """
n_rel_1 += release*int(t < t_switch)
wca1_2a += ca_2a*int(t < t_switch)
wca1_2b += ca_2b*int(t < t_switch)
"""
ASSAY_COUNTERS_ON_POST = """
wca1_bap += ca_bap*int(t < t_switch)
"""


@dataclass(frozen=True)
class AssayProtocol:
    """The two stimulation protocols (defaults: Zhou et al. 2024 Methods)."""
    n_spikes: int = 30
    one_ap_rate: float = 0.5          # Hz
    burst_rate: float = 100.0         # Hz
    spikes_per_train: int = 5
    train_interval: float = 4.0       # s, onset to onset (>= 2 s)

    def times(self) -> tuple[np.ndarray, float, float]:
        """(spike times in s, t_switch, t_stop)."""
        t1 = np.asarray(one_ap_times(self.n_spikes, self.one_ap_rate * Hz))
        n_trains = self.n_spikes // self.spikes_per_train
        t2 = np.asarray(burst_times(n_trains, self.spikes_per_train, self.burst_rate * Hz,
                                    self.train_interval * second))
        start2 = t1[-1] + self.train_interval
        t_switch = start2 - self.train_interval / 2
        times = np.concatenate([t1, t2 + start2])
        return times, float(t_switch), float(times[-1] + 1.0)


@dataclass
class AssaySample:
    """One configuration to assay on the same anatomy."""
    pr: np.ndarray          #: true Pr of every bouton at rest (0 for silent boutons)
    q: np.ndarray           #: quantal AMPA conductance of every bouton (nS)
    mg_o: float             #: extracellular [Mg2+] of the recording solution (mM)
    n_rrp: np.ndarray | None = None    #: RRP size per bouton (None: one vesicle)
    q_nmda: np.ndarray | None = None   #: NMDA conductance per vesicle (nS; None: q*ratio)
    glun2b_blocked: bool = False       #: virtual GluN2B block (Ro 25-6981)


def structure_signature(branch_of_contact: np.ndarray, protocol: AssayProtocol,
                        params: ModelParams, seed: int) -> tuple:
    """What of an assay enters the generated code or the structure (the standalone
    project's signature, :class:`mgnet.models.backend.StandaloneSession`).  Mg levels and
    Pr/q arrive as run_args, and the configuration parameters act before the simulation."""
    return (np.asarray(branch_of_contact, dtype=np.int64), repr(protocol),
            *(repr(part) for part in (params.neuron, params.receptors, params.stp,
                                      params.spine_ca, params.mg_block,
                                      params.release_pool, params.calcium)),
            int(seed))


def run_field_assay(branch_of_contact, samples: list[AssaySample], params: ModelParams,
                    *, protocol: AssayProtocol | None = None, seed: int = 0,
                    device_name: str = "runtime", progress=None) -> list[dict]:
    """Assay every sample on one anatomy and return per-bouton counts and Ca2+.

    Parameters
    ----------
    branch_of_contact : array of int
        Branch (postsynaptic neuron) of every bouton; fixes the network structure.
    samples : list of AssaySample
        Configurations to assay (same number of boutons each).
    params : ModelParams
        Neuron, receptor, STP, spine-Ca2+ and block parameters (Mg values in the
        samples override ``params.magnesium.mg_o``).
    protocol : AssayProtocol
    seed : int
        Random seed (release draws).  Each sample uses the same seed, so samples
        are paired.
    device_name : {"runtime", "cpp_standalone"}
        Standalone builds once per structure (cached in :func:`default_cache_dir`)
        and reruns every sample with ``run_args``.

    Returns
    -------
    list of dict
        Per sample: ``n_release_1ap``, ``n_release_burst``, ``wca``, ``wca_burst``,
        ``wca_2b``, ``wca_burst_2b``, ``wca_nmda``, ``wca_burst_nmda``, ``wca_bap``,
        ``wca_burst_bap`` (per bouton; integrated Ca2+ *charge* in a.u., see
        :mod:`mgnet.models.synapses`), ``post_spikes_1ap``, ``post_spikes_burst`` (per branch).
    """
    protocol = protocol or AssayProtocol()
    j = np.asarray(branch_of_contact, dtype=int)
    n_branch = int(j.max()) + 1
    n_contacts = len(j)
    for s in samples:
        if len(s.pr) != n_contacts or len(s.q) != n_contacts:
            raise ValueError("every sample needs one pr and one q per bouton")
    times, t_switch, t_stop = protocol.times()

    def simulate():
        net.run(t_stop * second, namespace={})

    # Standalone: built once per structure (cached in default_cache_dir), every sample a
    # rerun with run_args; runtime: every sample from the stored state.  Same seed for
    # every sample (paired samples).
    results = []
    with simulation_session(device_name, "assay",
                            structure_signature(j, protocol, params, seed),
                            seed=seed) as session:
        net, post, contacts, spikes = _build_network(times, t_switch, j, n_branch,
                                                     samples[0].q, params)
        session.prepare(net, simulate, progress=progress)
        for k, s in enumerate(samples):
            if progress:
                progress(f"sample {k + 1}/{len(samples)}", k / len(samples))
            session.run(_run_args(s, post, contacts, params, n_contacts, n_branch), simulate)
            results.append(_collect(contacts, spikes, t_switch, n_branch))
    return results


def _sample_values(s: AssaySample, params: ModelParams, n_contacts: int) -> dict:
    """Per-contact values of one sample (plain floats: U_v, slots, nS)."""
    n_max = int(params.release_pool.n_rrp_max)
    f2b = float(params.receptors.glun2b_fraction)
    ratio = float(params.receptors.nmda_ampa_ratio)
    n = np.ones(n_contacts, int) if s.n_rrp is None else np.asarray(s.n_rrp, int)
    if np.any(n < 1) or np.any(n > n_max):
        raise ValueError(f"RRP sizes must lie in [1, {n_max}] (ReleasePoolParams.n_rrp_max)")
    q_n = (np.asarray(s.q, float) * ratio if s.q_nmda is None
           else np.asarray(s.q_nmda, float))
    f = f2b
    if s.glun2b_blocked:
        q_n, f = q_n * (1 - f2b), 0.0
    return {"U_v": vesicle_probability(s.pr, n), "n_slots": n.astype(float),
            "q": np.asarray(s.q, float), "q_nmda": q_n, "f_2b": f,
            "mg_o": float(s.mg_o)}


def _nmda_tables(contacts, mg_o_mM: float, params: ModelParams) -> list:
    """The NMDA Ca2+ coincidence tables at the sample's [Mg]o (models/nmda_calcium)."""
    return nmda_table_assignments(contacts, mg_o_mM * mM, neuron=params.neuron,
                                  receptors=params.receptors, spine_ca=params.spine_ca,
                                  block=params.mg_block, mg_i=params.magnesium.mg_i)


def _build_network(times, t_switch: float, branch: np.ndarray, n_branch: int, q,
                   params: ModelParams):
    """The assay network: one field-stimulation source, one neuron per branch and one
    contact (bouton) per entry of ``branch`` with the release pool and the phase-1
    counters (quantal sizes ``q`` in nS until a sample sets them).  Returns ``(network,
    branches, boutons, branch spike monitor)``."""
    pool: ReleasePoolParams = params.release_pool
    n_max = int(pool.n_rrp_max)
    pre = SpikeGeneratorGroup(1, np.zeros(len(times), int), times * second,
                              name="field_stimulation")
    post = make_neurons(n_branch, neuron=params.neuron, receptors=params.receptors,
                        block=params.mg_block, magnesium=params.magnesium,
                        spine_ca=params.spine_ca, name="branches")
    ns = pool_namespace(pool, params.stp)
    ns["prep_lead"] = PREP_LEAD * second
    contacts = make_contacts(
        pre, post, np.zeros(len(branch), int), branch, pr=0.0, q=q * nS,
        stp=params.stp, receptors=params.receptors, spine_ca=params.spine_ca,
        calcium=params.calcium, neuron=params.neuron, magnesium=params.magnesium,
        block=params.mg_block, name="boutons",
        delay=PREP_LEAD * second,
        extra_model=ASSAY_COUNTERS_MODEL + pool_model(n_max),
        extra_on_pre=ASSAY_COUNTERS_ON_PRE + pool_release_code(n_max),
        extra_on_post=ASSAY_COUNTERS_ON_POST,
        extra_namespace=ns,
        extra_pre_pathways={PREP_PATHWAY: pool_prep_code(n_max, pool.facilitation)},
        extra_pathway_delays={PREP_PATHWAY: 0 * second})
    contacts.t_switch = t_switch * second
    contacts.t_pool = -1e6 * second
    spikes = SpikeMonitor(post, name="branch_spikes")
    net = Network(pre, post, contacts, spikes)
    return net, post, contacts, spikes


def _run_args(s: AssaySample, post, contacts, params: ModelParams, n_contacts: int,
              n_branch: int) -> dict:
    """The assignments of one sample (``run_args`` of a standalone rerun)."""
    v = _sample_values(s, params, n_contacts)
    args = {contacts.U_v: v["U_v"], contacts.n_slots: v["n_slots"],
            contacts.q: v["q"] * nS, contacts.q_nmda: v["q_nmda"] * nS,
            post.f_2b: np.full(n_branch, v["f_2b"]), post.mg_o: v["mg_o"] * mM}
    args.update(dict(_nmda_tables(contacts, v["mg_o"], params)))
    return args


def _collect(contacts, spikes, t_switch: float, n_branch: int) -> dict:
    """Per-bouton counts and Ca2+ of both protocols and per-branch spikes of one run."""
    n_tot = np.array(contacts.n_release[:])
    n1 = np.array(contacts.n_rel_1[:])
    w2a, w2b, wbap = (np.array(contacts.wca_2a[:]), np.array(contacts.wca_2b[:]),
                      np.array(contacts.wca_bap[:]))
    w1_2a, w1_2b, w1_bap = (np.array(contacts.wca1_2a[:]), np.array(contacts.wca1_2b[:]),
                            np.array(contacts.wca1_bap[:]))
    st = np.asarray(spikes.t / second)
    si = np.asarray(spikes.i)
    return {
        "n_release_1ap": np.rint(n1).astype(np.int64),
        "n_release_burst": np.rint(n_tot - n1).astype(np.int64),
        "wca": w1_2a + w1_2b + w1_bap,
        "wca_burst": (w2a - w1_2a) + (w2b - w1_2b) + (wbap - w1_bap),
        "wca_2b": w1_2b, "wca_burst_2b": w2b - w1_2b,
        "wca_nmda": w1_2a + w1_2b, "wca_burst_nmda": (w2a - w1_2a) + (w2b - w1_2b),
        "wca_bap": w1_bap, "wca_burst_bap": wbap - w1_bap,
        "post_spikes_1ap": np.bincount(si[st < t_switch], minlength=n_branch),
        "post_spikes_burst": np.bincount(si[st >= t_switch], minlength=n_branch),
    }

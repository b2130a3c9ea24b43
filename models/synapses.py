"""Synaptic contacts: one Brian2 synapse per bouton-spine contact.

Every contact is a single release site with Tsodyks–Markram short-term plasticity
(Markram, Wang & Tsodyks 1998 PNAS 95:5323) and stochastic release (science.md §4
item 3).  All per-contact dynamics are event-driven: state is advanced in closed form
from the previous event, so nothing is integrated per contact per time step.

Release on a presynaptic spike at time t, previous spike at t_last:

* facilitation decays to 0, then jumps:  u <- u e^{-Δ/τF};  u <- u + U (1 - u)
  (so the first spike of a rested synapse releases with probability U = Pr);
* an empty site refills with probability 1 - e^{-Δ/τD} (vesicle recovery);
* a docked vesicle is released with probability u (Bernoulli); the site empties.

Averaged over trials, E[release] = u_n x_n with x_n = P(site full) obeying the
deterministic TM recursion x <- x (1 - u), x <- 1 - (1 - x) e^{-Δ/τD}; the tests
check this and the resulting paired-pulse ratio and steady state.

Each release opens AMPA (q) and NMDA (q_nmda, split into GluN2A/GluN2B by the
postsynaptic ``f_2b``) conductances and adds an NMDA Ca2+ transient to the contact's
spine, proportional to the block B(V) at that moment and the NMDA driving force;
each postsynaptic spike adds a back-propagating-spike transient.  Spine Ca2+ decays
with τ_Ca between events (closed form), and the integrated transients are summed in
``wca_2a``, ``wca_2b`` and ``wca_bap`` (arbitrary units: one unblocked GluN2A-only
release at the reference potential gives 1; integrated transients are proportional
to these sums because τ_Ca is a constant).
"""
from __future__ import annotations

import numpy as np
from brian2 import Synapses, second, nS, mV

from .magnesium import block_expr
from .neurons import nmda_peak_normalisation
from .parameters import (MgBlockParams, ReceptorParams, ShortTermPlasticityParams,
                         SpineCalciumParams)

__all__ = ["STP_MODEL", "STP_READOUT_MODEL", "STP_ON_PRE", "STP_COUNT_ON_PRE",
           "EXC_RECEPTOR_ON_PRE", "INH_RECEPTOR_ON_PRE", "NMDA_Q_MODEL", "SPINE_CA_STATE_MODEL",
           "SPINE_CA_MODEL", "NMDA_CA_ON_PRE", "SPINE_CA_STATE_ON_PRE", "SPINE_CA_ON_PRE",
           "SPINE_CA_ON_POST", "spine_ca_on_pre",
           "contact_namespace",
           "make_contacts", "tm_mean_release", "tm_steady_state_x"]

#: Per-contact state of stochastic single-site release with TM plasticity.
STP_MODEL = """
U : 1 (constant)      # release probability of a rested site (the bouton's Pr)
u : 1                 # TM facilitation variable (decays to 0 between spikes)
avail : 1             # 1 while a vesicle is docked at the site, else 0
t_last : second       # time of the previous presynaptic spike at this contact
q : siemens           # quantal AMPA (or GABA_A) conductance of this contact
"""
#: Read-outs of the virtual FM-dye assay (``readouts=True``): without them ``release``
#: is a temporary of the release step (same value, same random stream, not stored).
STP_READOUT_MODEL = """
release : 1           # 1 if the latest spike released a vesicle
n_release : 1         # releases counted since reset (virtual FM-dye assay)
n_spikes : 1          # presynaptic spikes counted since reset
"""

#: Release step; runs first in on_pre.  ``rand()`` draws are per contact.
STP_ON_PRE = """
u = u*exp(-(t - t_last)/tau_f)                                         # facilitation decays
avail = avail + (1 - avail)*int(rand() < 1 - exp(-(t - t_last)/tau_d))  # stochastic refill
u = u + U*(1 - u)                                                      # TM facilitation jump
release = avail*int(rand() < u)                                        # Bernoulli release
avail = avail - release                                                # site emptied
t_last = t
"""
#: Counting step of the assay read-outs (after the release step).
STP_COUNT_ON_PRE = """
n_release += release
n_spikes += 1
"""

#: Excitatory receptors: AMPA and the two NMDA components (difference of exponentials
#: normalised to unit peak by norm_2a / norm_2b).
EXC_RECEPTOR_ON_PRE = """
g_ampa_post += q*release                                                # AMPA
g_2a_d_post += q_nmda*(1 - f_2b_post)*norm_2a*release                   # GluN2A decay part
g_2a_r_post += q_nmda*(1 - f_2b_post)*norm_2a*release                   # GluN2A rise part
g_2b_d_post += q_nmda*f_2b_post*norm_2b*release                         # GluN2B decay part
g_2b_r_post += q_nmda*f_2b_post*norm_2b*release                         # GluN2B rise part
"""

#: Excitatory contacts onto neurons without NMDA receptors (ablation).
AMPA_ONLY_ON_PRE = """
g_ampa_post += q*release                                                # AMPA
"""

INH_RECEPTOR_ON_PRE = """
g_gaba_post += q*release                                                # GABA_A
"""

#: NMDA quantal conductance of an excitatory contact.
NMDA_Q_MODEL = """
q_nmda : siemens      # NMDA peak conductance per vesicle at this contact
"""
#: Event-driven spine Ca2+ state of the contact (a read-out: nothing feeds back on it).
SPINE_CA_STATE_MODEL = """
ca : 1                # spine Ca2+ just after the latest Ca2+ event (a.u.)
t_ca : second         # time of the latest Ca2+ event
wca_2a : 1            # integrated GluN2A Ca2+ since reset (a.u.)
wca_2b : 1            # integrated GluN2B Ca2+ since reset (a.u.)
wca_bap : 1           # integrated back-propagating-spike Ca2+ since reset (a.u.)
"""
SPINE_CA_MODEL = NMDA_Q_MODEL + SPINE_CA_STATE_MODEL

#: NMDA Ca2+ of the actual release (temporaries ``ca_2a``, ``ca_2b`` for the spine Ca2+
#: state, the plasticity rule and read-out code): charge of each subunit (kappa =
#: integral of the unit-peak conductance, relative to GluN2A) times the block at this
#: moment and the driving force relative to the reference potential.  The potential is
#: clipped to [v_ca_lo, E_NMDA]: in the time step in which the postsynaptic neuron
#: crosses its spike cut-off (synaptic events run before the reset) ``v_post`` holds the
#: AdEx runaway value, which must not produce a (negative) Ca2+ transient.  ``{block}``
#: is the block expression of models.magnesium evaluated at the clipped potential.
NMDA_CA_ON_PRE = """
v_ca = clip(v_post, v_ca_lo, v_ca_hi)
drive = ca_unit*release*(q_nmda/q_nmda_ref)*({block})*(e_nmda - v_ca)/(e_nmda - v_ref)
ca_2a = drive*(1 - f_2b_post)
ca_2b = drive*f_2b_post*kappa_2b*w_2b_ca
"""
#: Spine Ca2+ state: closed-form decay since the last Ca2+ event, then the jump.
SPINE_CA_STATE_ON_PRE = """
ca = ca*exp(-(t - t_ca)/tau_ca) + ca_2a + ca_2b                         # closed-form decay + jump
t_ca = t
wca_2a += ca_2a
wca_2b += ca_2b
"""
SPINE_CA_ON_PRE = NMDA_CA_ON_PRE + SPINE_CA_STATE_ON_PRE

#: Back-propagating spike: Ca2+ jump at every contact of the spiking neuron.
SPINE_CA_ON_POST = """
ca = ca*exp(-(t - t_ca)/tau_ca) + ca_bap                                # bAP Ca2+ jump
t_ca = t
wca_bap += ca_bap
"""


def contact_namespace(stp: ShortTermPlasticityParams | None = None,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None) -> dict:
    """Constants referenced by the contact equations."""
    stp = stp or ShortTermPlasticityParams()
    receptors = receptors or ReceptorParams()
    spine_ca = spine_ca or SpineCalciumParams()
    tr = receptors.tau_nmda_rise
    norm_2a = nmda_peak_normalisation(tr, receptors.tau_nmda_2a)
    norm_2b = nmda_peak_normalisation(tr, receptors.tau_nmda_2b)
    # Charge of a unit-peak difference of exponentials is norm*(tau_d - tau_r).
    kappa_2a = norm_2a * float(receptors.tau_nmda_2a - tr)
    kappa_2b = norm_2b * float(receptors.tau_nmda_2b - tr)
    return {
        "tau_f": stp.tau_f, "tau_d": stp.tau_d,
        "norm_2a": norm_2a, "norm_2b": norm_2b, "kappa_2b": kappa_2b / kappa_2a,
        "tau_ca": spine_ca.tau_ca, "ca_unit": spine_ca.ca_nmda_unblocked,
        "ca_bap": spine_ca.ca_bap, "w_2b_ca": spine_ca.glun2b_ca_weight,
        "v_ref": spine_ca.v_ref, "e_nmda": receptors.e_nmda,
        "v_ca_lo": -150 * mV, "v_ca_hi": receptors.e_nmda,
        "q_nmda_ref": receptors.q_ampa * receptors.nmda_ampa_ratio
        if receptors.nmda_ampa_ratio > 0 else 1 * nS,
    }


def spine_ca_on_pre(block: MgBlockParams | None = None, state: bool = True) -> str:
    """:data:`SPINE_CA_ON_PRE` (``state=False``: only :data:`NMDA_CA_ON_PRE`) with the
    block expression of ``block`` inserted."""
    code = SPINE_CA_ON_PRE if state else NMDA_CA_ON_PRE
    return code.replace("{block}", block_expr(block, v="v_ca", mg_suffix="_post"))


def make_contacts(source, target, i, j, *, pr, q=None, kind: str = "exc",
                  stp: ShortTermPlasticityParams | None = None,
                  receptors: ReceptorParams | None = None,
                  spine_ca: SpineCalciumParams | None = None,
                  block: MgBlockParams | None = None,
                  nmda: bool = True, delay=None, name: str = "contacts",
                  extra_model: str = "", extra_on_pre: str = "", extra_on_post: str = "",
                  extra_namespace: dict | None = None, dt=None,
                  extra_pre_pathways: dict[str, str] | None = None,
                  extra_pathway_delays: dict | None = None,
                  track_spine_ca: bool = True, readouts: bool = True) -> Synapses:
    """Create one synapse per contact from ``source`` to ``target``.

    Parameters
    ----------
    source, target : brian2 groups
        ``target`` must be built by :func:`models.neurons.make_neurons` (it provides
        the conductances, ``v``, ``f_2b`` and ``mg_block``).
    i, j : array_like of int
        Presynaptic and postsynaptic index of every contact; repeated pairs are
        several contacts of one connection.
    pr : float or array_like
        Release probability U of each contact, in [0, 1].
    q : Quantity, optional
        Quantal conductance per contact (default ``receptors.q_ampa`` for excitatory,
        ``receptors.q_gaba`` for inhibitory contacts).
    kind : {"exc", "inh"}
        Excitatory contacts carry AMPA+NMDA and spine Ca2+; inhibitory ones GABA_A.
    block : MgBlockParams
        Must be the block parameters the target was built with (the spine Ca2+ code
        evaluates the same block expression at the clipped potential).
    nmda : bool
        False if the target has no NMDA receptors (ablation); spine Ca2+ then only
        receives bAPs.
    extra_model, extra_on_pre, extra_on_post, extra_namespace
        Blocks of other mechanisms (e.g. plasticity) composed after these.
    extra_pre_pathways : dict, optional
        Additional presynaptically triggered pathways ``{name: code}`` (e.g. the
        delayed plasticity Ca2+ pathway of :mod:`models.plasticity`); the release
        code stays the ``"pre"`` pathway.
    extra_pathway_delays : dict, optional
        Scalar delays ``{name: Quantity}`` of the extra pathways (default: per-synapse
        delay variables, zero).
    track_spine_ca : bool
        Compute the NMDA Ca2+ of every release of excitatory contacts (temporaries
        ``ca_2a``, ``ca_2b`` that ``extra_on_pre`` may read) and, with ``readouts``,
        track the spine Ca2+ (default).  False leaves it out: for networks that never
        read it; release and conductances, and the random stream, are the same.
    readouts : bool
        Store the read-outs of the virtual assays (default): ``release`` of the latest
        spike, the counters ``n_release``/``n_spikes`` and the spine Ca2+ state ``ca``,
        ``t_ca``, ``wca_*`` (with its postsynaptic bAP pathway).  Nothing feeds back on
        them, so False (networks that never read them: 24 bytes less per contact, 64 with
        spine Ca2+) changes neither spikes nor the random stream; ``release`` is then a
        temporary of the release step.

    Returns
    -------
    brian2.Synapses
        Contacts at rest: ``u = 0``, ``avail = 1``, counters zero.
    """
    if kind not in ("exc", "inh"):
        raise ValueError(f"kind must be 'exc' or 'inh', got {kind!r}")
    i = np.asarray(i, dtype=int)
    j = np.asarray(j, dtype=int)
    if i.shape != j.shape:
        raise ValueError("i and j must have the same length")
    pr_arr = np.broadcast_to(np.asarray(pr, dtype=float), i.shape)
    if np.any((pr_arr < 0) | (pr_arr > 1)) or not np.all(np.isfinite(pr_arr)):
        raise ValueError("release probabilities must lie in [0, 1]")
    receptors = receptors or ReceptorParams()
    # Subexpressions of the target (e.g. mg_block_post) are resolved in the synapses'
    # namespace, so the target's constants come first.
    ns = dict(getattr(target, "namespace", None) or {})
    ns.update(contact_namespace(stp, receptors, spine_ca))
    ns.update(extra_namespace or {})
    model = STP_MODEL + (STP_READOUT_MODEL if readouts else "")
    on_pre = STP_ON_PRE + (STP_COUNT_ON_PRE if readouts else "")
    on_post = ""
    if kind == "exc" and track_spine_ca:
        model += SPINE_CA_MODEL if readouts else NMDA_Q_MODEL
        if nmda:
            on_pre += EXC_RECEPTOR_ON_PRE + spine_ca_on_pre(block, state=readouts)
        else:
            on_pre += AMPA_ONLY_ON_PRE
        on_post = SPINE_CA_ON_POST if readouts else ""
        default_q = receptors.q_ampa
    elif kind == "exc":
        model += NMDA_Q_MODEL
        on_pre += EXC_RECEPTOR_ON_PRE if nmda else AMPA_ONLY_ON_PRE
        default_q = receptors.q_ampa
    else:
        on_pre += INH_RECEPTOR_ON_PRE
        default_q = receptors.q_gaba
    on_pre = on_pre + extra_on_pre
    if extra_pre_pathways:
        # Several presynaptic pathways, each with its own delay (Brian2 dict form).
        on_pre = {"pre": on_pre, **extra_pre_pathways}
        base = {} if delay is None else dict(delay) if isinstance(delay, dict) else {"pre": delay}
        delay = {**base, **(extra_pathway_delays or {})}
    syn = Synapses(source, target, model=model + extra_model,
                   on_pre=on_pre,
                   on_post=(on_post + extra_on_post) or None,
                   namespace=ns, name=name, dt=dt, delay=delay)
    syn.connect(i=i, j=j)
    syn.U = pr_arr
    syn.u = 0
    syn.avail = 1
    # A rested contact: the previous spike lies far in the past.
    syn.t_last = -1e6 * second
    syn.q = default_q if q is None else q
    if kind == "exc":
        syn.q_nmda = receptors.q_ampa * receptors.nmda_ampa_ratio
    if kind == "exc" and track_spine_ca and readouts:
        syn.t_ca = -1e6 * second
    return syn


# ---------------------------------------------------------------------------------
# Tsodyks–Markram closed forms (trial-averaged), used by tests and analysis docs
# ---------------------------------------------------------------------------------
def tm_mean_release(U: float, isis, tau_f: float, tau_d: float) -> np.ndarray:
    """Expected release per spike of a rested contact for a spike train.

    Parameters
    ----------
    U : float
        Release probability of the first spike.
    isis : array_like
        Inter-spike intervals (seconds) between consecutive spikes; the train has
        ``len(isis) + 1`` spikes.
    tau_f, tau_d : float
        Facilitation and recovery time constants (seconds).

    Returns
    -------
    numpy.ndarray
        u_n x_n for each spike n (the deterministic TM recursion).
    """
    isis = np.asarray(isis, dtype=float)
    u, x = 0.0, 1.0
    out = []
    for n in range(len(isis) + 1):
        if n > 0:
            d = isis[n - 1]
            u = u * np.exp(-d / tau_f)
            x = 1 - (1 - x) * np.exp(-d / tau_d)
        u = u + U * (1 - u)
        out.append(u * x)
        x = x * (1 - u)
    return np.array(out)


def tm_steady_state_x(U: float, rate: float, tau_d: float) -> float:
    """Steady-state availability without facilitation (u = U) for periodic spikes.

    Exact discrete form x* = (1 - e^{-Δ/τD}) / (1 - (1 - U) e^{-Δ/τD}), Δ = 1/rate;
    for Δ << τD it tends to the continuous TM result 1 / (1 + U rate τD).
    """
    e = np.exp(-1.0 / (rate * tau_d))
    return (1 - e) / (1 - (1 - U) * e)

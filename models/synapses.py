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
postsynaptic ``f_2b``) conductances.  Its NMDA Ca2+ is integrated through the
postsynaptic voltage with back-propagating-spike kernels (:mod:`mgnet.models.nmda_calcium`:
the temporaries ``ca_2a``/``ca_2b`` of a release and ``cx_2a``/``cx_2b``, the excess a
postsynaptic spike gives the receptors still open); it scales with the contact's receptor
content q_nmda/(q_nmda_ref nmda_gain), so a network gain in q_nmda never enters Ca2+.
The assays' spine Ca2+ read-out decays with τ_Ca between events (closed form), and the
transients are summed in ``wca_2a``, ``wca_2b`` and ``wca_bap`` (arbitrary units: one
unblocked GluN2A-only release at the reference potential and [Ca]o gives 1).

**Composing other mechanisms, and leaving work out** (arguments of :func:`make_contacts`):

extra_model, extra_on_pre, extra_on_post, extra_namespace
    Blocks of other mechanisms (e.g. plasticity) composed after these.  They may read
    the NMDA Ca2+ temporaries ``ca_2a``/``ca_2b`` (release) and ``cx_2a``/``cx_2b``
    (postsynaptic spike).
extra_on_release : str
    Code composed right after the release step, before the conductance increments
    (e.g. the plasticity advance, so that a release uses the quantal size q of its
    own time); it may read ``release`` and must not depend on the NMDA Ca2+.
extra_pre_pathways : dict, optional
    Additional presynaptically triggered pathways ``{name: code}`` (e.g. the
    delayed plasticity Ca2+ pathway of :mod:`mgnet.models.plasticity`); the release
    code stays the ``"pre"`` pathway.
extra_pathway_delays : dict, optional
    Scalar delays ``{name: Quantity}`` of the extra pathways (default: per-synapse
    delay variables, zero).
track_spine_ca : bool
    Compute the NMDA Ca2+ of excitatory contacts (the temporaries above, the
    receptor traces) and, with ``readouts``, track the spine Ca2+ (default).  False
    leaves it out: for networks that never read it; release and conductances, and
    the random stream, are the same.  A condition (the plasticity rule's ``calcium_on``)
    skips that code where it is 0 (:func:`mgnet.models.plasticity.end_plasticity`).
readouts : bool
    Store the read-outs of the virtual assays (default): ``release`` of the latest
    spike, the counters ``n_release``/``n_spikes`` and the spine Ca2+ state ``ca``,
    ``t_ca``, ``wca_*`` (with its postsynaptic bAP pathway).  Nothing feeds back on them,
    so False changes neither spikes nor the random stream (``release`` is a temporary).
"""
from __future__ import annotations

import numpy as np
from brian2 import Synapses, nS, second

from .backend import exp_shared, prefetch_pathway, skip_unless, synapse_code_object_class
from .nmda_calcium import NMDA_CA_ON_POST as _NMDA_CA_ON_POST
from .nmda_calcium import TRACE_MODEL, nca_namespace, nmda_ca_on_pre, table_values
from .parameters import (
    CalciumParams,
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    ReceptorParams,
    ShortTermPlasticityParams,
    SpineCalciumParams,
)
from .tm_closed_form import tm_mean_release, tm_steady_state_x

__all__ = ["STP_MODEL", "STP_READOUT_MODEL", "STP_ON_PRE", "STP_COUNT_ON_PRE",
           "STP_TIME_ON_PRE", "EXC_RECEPTOR_ON_PRE", "INH_RECEPTOR_ON_PRE", "NMDA_Q_MODEL",
           "NMDA_CA_MODEL", "SPINE_CA_STATE_MODEL", "SPINE_CA_MODEL", "SPINE_CA_STATE_ON_PRE",
           "NMDA_CA_ON_POST", "SPINE_CA_ON_POST", "SPINE_CA_BAP_ONLY_ON_POST",
           "spine_ca_on_pre", "nmda_table_assignments", "check_tables",
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

#: Release step; runs first in on_pre.  ``rand()`` draws are per contact.  A contact at
#: rest that cannot release (U = 0, u = 0, site full: a silent bouton) is left as it is:
#: there every statement is an identity and ``release`` is 0 (skip_unless: only the two
#: random draws are saved).
STP_ON_PRE = """
release = 0*U                                                          # (a silent contact at rest)
""" + skip_unless("U + u + (1 - avail) > 0", """
u = u*exp_shared(-(t - t_last)/tau_f)                                  # facilitation decays
avail = avail + (1 - avail)*int(rand() < 1 - exp_shared(-(t - t_last)/tau_d))  # stochastic refill
u = u + U*(1 - u)                                                      # TM facilitation jump
release = avail*int(rand() < u)                                        # Bernoulli release
avail = avail - release                                                # site emptied
""", "stp")
#: Last step of every release pathway (after the NMDA Ca2+ and plasticity code, which
#: read the time since the previous spike).
STP_TIME_ON_PRE = """
t_last = t
"""
#: Counting step of the assay read-outs (after the release step).
STP_COUNT_ON_PRE = """
n_release += release
n_spikes += 1
"""

#: Excitatory receptors: AMPA and the two NMDA components (difference of exponentials
#: normalised to unit peak by norm_2a / norm_2b).
#: (Failures add 0: skipped, skip_unless.)
EXC_RECEPTOR_ON_PRE = skip_unless("release", """
g_ampa_post += q*release                                                # AMPA
g_2a_d_post += q_nmda*(1 - f_2b_post)*norm_2a*release                   # GluN2A decay part
g_2a_r_post += q_nmda*(1 - f_2b_post)*norm_2a*release                   # GluN2A rise part
g_2b_d_post += q_nmda*f_2b_post*norm_2b*release                         # GluN2B decay part
g_2b_r_post += q_nmda*f_2b_post*norm_2b*release                         # GluN2B rise part
""", "receptors")

#: Excitatory contacts onto neurons without NMDA receptors (ablation).
AMPA_ONLY_ON_PRE = skip_unless("release", """
g_ampa_post += q*release                                                # AMPA
""", "receptors")

INH_RECEPTOR_ON_PRE = skip_unless("release", """
g_gaba_post += q*release                                                # GABA_A
""", "receptors")

#: NMDA quantal conductance of an excitatory contact.
NMDA_Q_MODEL = """
q_nmda : siemens      # NMDA peak conductance per vesicle at this contact
"""
#: What the NMDA Ca2+ of a contact needs (models/nmda_calcium.py): the receptor traces and
#: the pathway's network gain.  ``q_nmda`` carries the gain calibration of a network
#: (q_ee_scale), the Ca2+ only the contact's receptor content q_nmda/(q_nmda_ref*gain).
NMDA_CA_MODEL = TRACE_MODEL + """
nmda_gain : 1 (shared, constant)  # network gain in q_nmda (1 outside calibrated networks)
nca_mg_o : mmolar (shared, constant)  # [Mg]o of the coincidence tables (checked)
"""
#: Event-driven spine Ca2+ state of the contact (a read-out: nothing feeds back on it).
SPINE_CA_STATE_MODEL = """
ca : 1                # spine Ca2+ just after the latest Ca2+ event (a.u.)
t_ca : second         # time of the latest Ca2+ event
wca_2a : 1            # integrated GluN2A Ca2+ since reset (a.u.)
wca_2b : 1            # integrated GluN2B Ca2+ since reset (a.u.)
wca_bap : 1           # integrated back-propagating-spike Ca2+ since reset (a.u.)
"""
SPINE_CA_MODEL = NMDA_Q_MODEL + NMDA_CA_MODEL + SPINE_CA_STATE_MODEL

#: Spine Ca2+ state: closed-form decay since the last Ca2+ event, then the jump.
SPINE_CA_STATE_ON_PRE = """
ca = ca*exp(-(t - t_ca)/tau_ca) + ca_2a + ca_2b                         # closed-form decay + jump
t_ca = t
wca_2a += ca_2a
wca_2b += ca_2b
"""

#: Back-propagating spike: VDCC Ca2+ jump (scaled with [Ca]o) and the NMDA excess of the
#: receptors this contact has open (``cx_2a``, ``cx_2b`` of NMDA_CA_ON_POST).
SPINE_CA_ON_POST = """
ca = ca*exp(-(t - t_ca)/tau_ca) + ca_bap*bap_ca_rel + cx_2a + cx_2b     # bAP Ca2+ jump
t_ca = t
wca_bap += ca_bap*bap_ca_rel
wca_2a += cx_2a
wca_2b += cx_2b
"""

#: Spine Ca2+ of contacts onto neurons without NMDA receptors (ablation): bAPs only.
SPINE_CA_BAP_ONLY_ON_POST = """
ca = ca*exp(-(t - t_ca)/tau_ca) + ca_bap*bap_ca_rel                     # bAP Ca2+ jump
t_ca = t
wca_bap += ca_bap*bap_ca_rel
"""

#: NMDA Ca2+ of a release (temporaries ``ca_2a``, ``ca_2b``) and of a postsynaptic spike
#: (``cx_2a``, ``cx_2b``): models/nmda_calcium.py.
NMDA_CA_ON_POST = _NMDA_CA_ON_POST


def contact_namespace(stp: ShortTermPlasticityParams | None = None,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None,
                      calcium: CalciumParams | None = None,
                      neuron: NeuronParams | None = None, *, tables: dict | None = None,
                      mg_o=None, block: MgBlockParams | None = None, mg_i=None) -> dict:
    """Constants referenced by the contact equations (NMDA Ca2+ tables at ``mg_o``, or the
    TimedArrays ``tables`` if given; :func:`mgnet.models.nmda_calcium.nca_namespace`)."""
    stp = stp or ShortTermPlasticityParams()
    receptors = receptors or ReceptorParams()
    spine_ca = spine_ca or SpineCalciumParams()
    calcium = calcium or CalciumParams()
    mg_o = MagnesiumParams().mg_o if mg_o is None else mg_o
    from .nmda_calcium import components
    comp = components(receptors)
    ns = nca_namespace(neuron=neuron, receptors=receptors, spine=spine_ca, calcium=calcium,
                       tables=tables, mg_o=mg_o, block=block, mg_i=mg_i)
    ns.update({
        "tau_f": stp.tau_f, "tau_d": stp.tau_d,
        # exp of the STP decays (repeated by the contacts of one presynaptic neuron)
        "exp_shared": exp_shared(),
        "norm_2a": comp["norm_2a"], "norm_2b": comp["norm_2b"],
        # Charge of a unit-peak GluN2B conductance relative to GluN2A.
        "kappa_2b": comp["norm_2b"] * comp["kappa_2b"] / (comp["norm_2a"] * comp["kappa_2a"]),
        "tau_ca": spine_ca.tau_ca, "ca_unit": spine_ca.ca_nmda_unblocked,
        "ca_bap": spine_ca.ca_bap, "w_2b_ca": spine_ca.glun2b_ca_weight,
        "v_ref": spine_ca.v_ref,
        # VDCC (bAP) Ca2+ relative to the unit's [Ca]o (read-out).
        "bap_ca_rel": float(calcium.ca_o / calcium.ca_o_unit) ** float(calcium.vdcc_exponent),
        "q_nmda_ref": receptors.q_ampa * receptors.nmda_ampa_ratio
        if receptors.nmda_ampa_ratio > 0 else 1 * nS,
        "tau_nmda_2a": receptors.tau_nmda_2a, "tau_nmda_2b": receptors.tau_nmda_2b,
        "tau_nmda_rise": receptors.tau_nmda_rise,
    })
    return ns


def spine_ca_on_pre(block: MgBlockParams | None = None, state: bool = True) -> str:
    """The NMDA Ca2+ of a release (:func:`mgnet.models.nmda_calcium.nmda_ca_on_pre`), followed by
    the spine Ca2+ read-out state update if ``state``."""
    return nmda_ca_on_pre(block) + (SPINE_CA_STATE_ON_PRE if state else "")


def nmda_table_assignments(syn, mg_o, *, neuron: NeuronParams | None = None,
                           receptors: ReceptorParams | None = None,
                           spine_ca: SpineCalciumParams | None = None,
                           block: MgBlockParams | None = None, mg_i=None) -> list:
    """``(key, value)`` pairs that re-target the NMDA Ca2+ tables of contacts ``syn`` to
    [Mg]o ``mg_o``: TimedArrays and ``nca_mg_o``, for ``run_args`` (standalone) or
    :func:`apply_assignments` (runtime).  Empty for contacts without NMDA Ca2+."""
    tables = getattr(syn, "nca_tables", None)
    if not tables:
        return []
    vals = table_values(mg_o, neuron=neuron, receptors=receptors, spine=spine_ca,
                        block=block, mg_i=mg_i)
    return [(tables[k], vals[k]) for k in tables] + [(syn.nca_mg_o, mg_o)]


def check_tables(syn, target, expected=None) -> None:
    """Raise RuntimeError if the NMDA Ca2+ tables of ``syn`` were built for another [Mg]o
    than the target's (or than ``expected``, the [Mg]o its NMDA Ca2+ should see, e.g. in
    the ablation of ``MgBlockParams.nmda_ca_mg_o``; set it through
    :func:`nmda_table_assignments`)."""
    if not getattr(syn, "nca_tables", None):
        return
    a = float(np.asarray(syn.nca_mg_o[:]).ravel()[0])
    b = (float(np.asarray(target.mg_o[:]).ravel()[0]) if expected is None
         else float(expected))
    if abs(a - b) > 1e-12 * max(1.0, abs(b)):
        # SI values of molar quantities are mol/m^3, i.e. mM
        raise RuntimeError(f"{syn.name}: NMDA Ca2+ tables were built for [Mg]o = {a:g} "
                           f"mM but should be at {b:g} mM; change [Mg]o with "
                           f"mgnet.models.synapses.nmda_table_assignments")


def make_contacts(source, target, i, j, *, pr, q=None, kind: str = "exc",
                  stp: ShortTermPlasticityParams | None = None,
                  receptors: ReceptorParams | None = None,
                  spine_ca: SpineCalciumParams | None = None,
                  calcium: CalciumParams | None = None, neuron: NeuronParams | None = None,
                  magnesium: MagnesiumParams | None = None, block: MgBlockParams | None = None,
                  nmda: bool = True, delay=None, name: str = "contacts",
                  extra_model: str = "", extra_on_pre: str = "", extra_on_post: str = "",
                  extra_on_release: str = "", extra_namespace: dict | None = None, dt=None,
                  extra_pre_pathways: dict[str, str] | None = None,
                  extra_pathway_delays: dict | None = None, track_spine_ca: bool | str = True,
                  readouts: bool = True, nmda_gain: float = 1.0) -> Synapses:
    """Create one synapse per contact from ``source`` to ``target``.

    Parameters
    ----------
    source, target : brian2 groups
        ``target`` must be built by :func:`mgnet.models.neurons.make_neurons` (it provides
        the conductances, ``v``, ``f_2b``, ``mg_o``, ``bap_s`` and ``mg_block``).
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
    neuron, magnesium, block : parameter dataclasses
        Must be those the target was built with: the NMDA Ca2+ code evaluates the same
        block expression, the subthreshold potential is capped at ``neuron.v_t``, and
        the coincidence tables (models/nmda_calcium.py) are built for ``neuron.v_reset``
        and ``magnesium.mg_o``.  A later change of the target's [Mg]o must go through
        :func:`nmda_table_assignments` (checked by :func:`check_tables`).
    spine_ca, calcium : parameter dataclasses
        bAP kernel, Ca2+ reversal, GluN2B Ca2+ weight; [Ca]o of the medium.
    nmda : bool
        False if the target has no NMDA receptors (ablation); spine Ca2+ then only
        receives bAPs.
    extra_model, extra_on_pre, extra_on_post, extra_on_release, extra_namespace : optional
        Code and constants of other mechanisms (e.g. plasticity) composed with the
        contacts' own (see "Composing other mechanisms" in the module docstring).
    extra_pre_pathways, extra_pathway_delays : dict, optional
        More presynaptically triggered pathways (the release code stays ``"pre"``) and
        their scalar delays; see the module docstring.
    track_spine_ca, readouts : bool
        Compute the NMDA Ca2+ and store the assays' read-outs (default both); False
        changes neither spikes nor the random stream (see the module docstring).
    nmda_gain : float
        Gain calibration of the network contained in ``q_nmda`` (e.g. the culture's
        q_ee_scale): the Ca2+ of a release scales with the contact's receptor content
        q_nmda/(q_nmda_ref * nmda_gain), so a network gain never enters Ca2+.

    Returns
    -------
    brian2.Synapses
        Contacts at rest: ``u = 0``, ``avail = 1``, counters and traces zero.  Contacts
        with NMDA Ca2+ carry ``syn.nca_tables`` (name -> TimedArray).
    """
    i, j, pr_arr = _checked_contacts(kind, i, j, pr, nmda_gain)
    receptors = receptors or ReceptorParams()
    magnesium = magnesium or MagnesiumParams()
    nmda_ca = kind == "exc" and track_spine_ca and nmda
    ns, tables = _namespace_and_tables(target, name, nmda_ca, stp, receptors, spine_ca,
                                       calcium, neuron, magnesium, block, extra_namespace)
    model, on_pre, on_post, default_q = _contact_code(kind, nmda, track_spine_ca, readouts,
                                                      block, receptors, extra_on_release,
                                                      extra_on_post)
    on_pre, delay = _pathways(on_pre + extra_on_pre + STP_TIME_ON_PRE, delay,
                              extra_pre_pathways, extra_pathway_delays)
    syn = Synapses(source, target, model=model + extra_model, on_pre=on_pre,
                   on_post=(on_post + extra_on_post) or None, namespace=ns, name=name, dt=dt,
                   delay=delay, codeobj_class=synapse_code_object_class())
    if hasattr(syn, "post"):
        prefetch_pathway(syn.post)
    _initialise_contacts(syn, i, j, pr_arr, default_q if q is None else q, kind, receptors,
                         nmda_ca, tables, nmda_gain, magnesium, track_spine_ca and readouts)
    return syn


def _checked_contacts(kind: str, i, j, pr, nmda_gain: float):
    """``(i, j, pr)`` of new contacts as arrays (one release probability per contact);
    ValueError on an unknown ``kind``, ``i`` and ``j`` of different lengths, a release
    probability outside [0, 1] or an ``nmda_gain`` that is not positive."""
    if kind not in ("exc", "inh"):
        raise ValueError(f"kind must be 'exc' or 'inh', got {kind!r}")
    i = np.asarray(i, dtype=int)
    j = np.asarray(j, dtype=int)
    if i.shape != j.shape:
        raise ValueError("i and j must have the same length")
    pr_arr = np.broadcast_to(np.asarray(pr, dtype=float), i.shape)
    if np.any((pr_arr < 0) | (pr_arr > 1)) or not np.all(np.isfinite(pr_arr)):
        raise ValueError("release probabilities must lie in [0, 1]")
    if not float(nmda_gain) > 0:
        raise ValueError(f"nmda_gain must be > 0, got {nmda_gain}")
    return i, j, pr_arr


def _namespace_and_tables(target, name: str, nmda_ca: bool, stp, receptors, spine_ca,
                          calcium, neuron, magnesium: MagnesiumParams, block,
                          extra_namespace: dict | None):
    """(namespace, NMDA Ca2+ coincidence tables or None) of new contacts: the target's
    constants, the contacts' (:func:`contact_namespace`; with NMDA Ca2+ ``nmda_ca``, the
    tables at the target's [Mg]o as TimedArrays named ``<name>_...``) and
    ``extra_namespace``."""
    # Subexpressions of the target (e.g. mg_block_post) are resolved in the synapses'
    # namespace, so the target's constants come first.
    ns = dict(getattr(target, "namespace", None) or {})
    tables = None
    if nmda_ca:
        from .nmda_calcium import coincidence_tables, table_objects
        tables = table_objects(coincidence_tables(magnesium.mg_o, neuron=neuron,
                                                  receptors=receptors, spine=spine_ca,
                                                  block=block, mg_i=magnesium.mg_i),
                               prefix=f"{name}_")
    ns.update(contact_namespace(stp, receptors, spine_ca, calcium, neuron,
                                tables=tables, mg_o=magnesium.mg_o, block=block,
                                mg_i=magnesium.mg_i))
    ns.update(extra_namespace or {})
    return ns, tables


def _contact_code(kind: str, nmda: bool, track_spine_ca: bool | str, readouts: bool,
                  block, receptors: ReceptorParams, extra_on_release: str,
                  extra_on_post: str):
    """(model, release pathway up to the receptors' code, postsynaptic pathway, default
    quantal size) of contacts of ``kind`` (see :func:`make_contacts`)."""
    def gated(code: str, name: str) -> str:
        # a condition as track_spine_ca: the NMDA Ca2+ code is skipped where it is 0
        cond = track_spine_ca if isinstance(track_spine_ca, str) else None
        return skip_unless(cond, code, name) if cond and code else code

    model = STP_MODEL + (STP_READOUT_MODEL if readouts else "")
    on_pre = STP_ON_PRE + (STP_COUNT_ON_PRE if readouts else "") + extra_on_release
    on_post = ""
    if kind == "exc" and track_spine_ca:
        model += NMDA_Q_MODEL + (NMDA_CA_MODEL if nmda else "")
        model += SPINE_CA_STATE_MODEL if readouts else ""
        if nmda:
            on_pre += EXC_RECEPTOR_ON_PRE + gated(spine_ca_on_pre(block, state=readouts),
                                                  "spine_ca_tracked")
            wants_post = readouts or "cx_2" in extra_on_post
            on_post = gated(NMDA_CA_ON_POST if wants_post else "", "spine_ca_post_tracked")
            on_post += SPINE_CA_ON_POST if readouts else ""
        else:
            on_pre += AMPA_ONLY_ON_PRE
            on_post = SPINE_CA_BAP_ONLY_ON_POST if readouts else ""
        default_q = receptors.q_ampa
    elif kind == "exc":
        model += NMDA_Q_MODEL
        on_pre += EXC_RECEPTOR_ON_PRE if nmda else AMPA_ONLY_ON_PRE
        default_q = receptors.q_ampa
    else:
        on_pre += INH_RECEPTOR_ON_PRE
        default_q = receptors.q_gaba
    return model, on_pre, on_post, default_q


def _pathways(on_pre: str, delay, extra_pre_pathways: dict | None,
              extra_pathway_delays: dict | None):
    """``(on_pre, delay)`` of the ``Synapses``: the release code and ``delay`` as given, or
    with extra presynaptic pathways the pathway dict ``{"pre": release code, **extra}``
    and one delay per pathway."""
    if extra_pre_pathways:
        # Several presynaptic pathways, each with its own delay (Brian2 dict form).
        on_pre = {"pre": on_pre, **extra_pre_pathways}
        base = {} if delay is None else dict(delay) if isinstance(delay, dict) else {"pre": delay}
        delay = {**base, **(extra_pathway_delays or {})}
    return on_pre, delay


def _initialise_contacts(syn, i, j, pr_arr, q, kind: str, receptors: ReceptorParams,
                         nmda_ca: bool, tables, nmda_gain: float, magnesium: MagnesiumParams,
                         spine_ca_readouts: bool) -> None:
    """Connect ``i`` -> ``j`` and set the contacts at rest (``u = 0``, ``avail = 1``, no
    recent spike), with release probabilities ``pr_arr`` and quantal size ``q``; contacts
    with NMDA Ca2+ ``nmda_ca`` carry their ``tables`` (``syn.nca_tables``), the gain and
    the tables' [Mg]o; excitatory contacts with ``spine_ca_readouts`` (``track_spine_ca``
    and ``readouts``) start their spine Ca2+ read-out at rest."""
    syn.connect(i=i, j=j)
    syn.U = pr_arr
    syn.u = 0
    syn.avail = 1
    # A rested contact: the previous spike lies far in the past.
    syn.t_last = -1e6 * second
    syn.q = q
    if kind == "exc":
        syn.q_nmda = receptors.q_ampa * receptors.nmda_ampa_ratio
    if nmda_ca:
        syn.add_attribute("nca_tables")
        syn.nca_tables = tables
        syn.nmda_gain = float(nmda_gain)
        syn.nca_mg_o = magnesium.mg_o
    if kind == "exc" and spine_ca_readouts:
        syn.t_ca = -1e6 * second

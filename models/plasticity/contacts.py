"""Plastic contacts: the rule's Brian2 blocks composed onto the excitatory contacts of
:func:`mgnet.models.synapses.make_contacts` (:func:`plasticity_blocks`,
:func:`make_plastic_contacts`) and the efficacy-weight relation (:func:`rho_to_weight`)."""
from __future__ import annotations

import numpy as np
from brian2 import second

from ..backend import skip_unless
from ..magnesium import block_namespace
from ..parameters import (
    CalciumParams,
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    PlasticityParams,
    ReceptorParams,
    ShortTermPlasticityParams,
    SpineCalciumParams,
)
from ..synapses import make_contacts
from .calcium import reference_nmda_ca
from .rule import (
    CA_PRE_PATHWAY,
    _advance_code,
    _check,
    _model,
    _pop_code,
    _push_code,
    plasticity_namespace,
)

__all__ = ["plasticity_blocks", "make_plastic_contacts", "end_plasticity", "q_down_for",
           "rho_to_weight", "weight_to_rho"]


def plasticity_blocks(params: PlasticityParams | None = None, *,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None,
                      block: MgBlockParams | None = None, nmda: bool = True,
                      readouts: bool = True, calcium: CalciumParams | None = None,
                      neuron: NeuronParams | None = None):
    """Brian2 blocks of the plasticity rule, to compose with :func:`make_contacts`.

    ``readouts=False`` leaves out the read-out ``c_pre_sum`` (nothing feeds back on it).

    Returns
    -------
    model : str
        Per-contact variables (appended to the contact model).
    on_pre : dict
        ``{"release": code of the release pathway after the release step and before
        the conductances (advance at a release), "pre": code appended to the release
        pathway (push C_pre,eff), "ca_pre": code of the delayed pathway (advance, pop,
        jump)}``; the ``ca_pre`` pathway needs the delay ``params.delay`` (+ the synaptic
        delay).
    on_post : str
        Appended to the postsynaptic pathway (advance, jump by C_post at the medium's
        [Ca]o plus C_pre times the NMDA excess ``cx_2a + cx_2b`` that the spike adds to
        this contact's open receptors, relative to the reference release).
    namespace : dict
        The ``pl_`` constants, including the reference NMDA Ca2+ ``pl_ca_ref``.
    """
    params = params or PlasticityParams()
    _check(params)
    ca_ref = reference_nmda_ca(params, receptors=receptors, spine_ca=spine_ca, block=block,
                               calcium=calcium, neuron=neuron) if nmda else 1.0
    adv = _advance_code(params)
    # The advance of the release pathway keeps q current: it runs before the conductance
    # increments ("release"), so a release uses q = w(rho) of its own time, and only for
    # a release: after a failure it is skipped (q is used only by a release; the next
    # event's advance covers the interval exactly; mgnet.models.backend.skip_unless).
    # Once the Ca2+ is no longer tracked (calcium_on = 0, end_plasticity) the advance
    # at a release is skipped as well: plasticity is frozen for good, so it would
    # change only c_pl and t_pl.
    on_pre = {"release": skip_unless("calcium_on", skip_unless("release", adv, "pl_release"),
                                     "pl_release_tracked"),
              "pre": _push_code(params, nmda, readouts),
              CA_PRE_PATHWAY: _pop_code(params)}
    if nmda:
        jump = ("c_pl = c_pl + pl_c_post + pl_c_pre*clip((cx_2a + cx_2b)/pl_ca_ref, 0, 1e30)"
                "   # bAP jump + NMDA unblock of open receptors\n")
    else:
        jump = "c_pl = c_pl + pl_c_post                                         # bAP jump\n"
    # Contacts that a postsynaptic spike reaches lie scattered in memory: q follows rho
    # without reading q_down there.
    on_post = _advance_code(params, q_update="ratio") + jump
    return (_model(params, readouts), on_pre, on_post,
            plasticity_namespace(params, ca_ref, calcium))


def q_down_for(q, rho_init, b: float):
    """DOWN-state quantal size that gives quantal size ``q`` at efficacy ``rho_init``:
    q_down = q / (1 + (b − 1) ρ_init)."""
    return q / (1 + (b - 1) * np.asarray(rho_init, dtype=float))


def rho_to_weight(rho, b: float):
    """Weight relative to the DOWN state, w/w0 = 1 + (b − 1) ρ (w = w0 + ρ (w1 − w0))."""
    return 1 + (b - 1) * np.asarray(rho, dtype=float)


def weight_to_rho(w_rel, b: float):
    """Inverse of :func:`rho_to_weight`."""
    if b == 1:
        raise ValueError("b = 1: the weight does not depend on rho")
    return (np.asarray(w_rel, dtype=float) - 1) / (b - 1)


def make_plastic_contacts(source, target, i, j, *, pr, q=None,
                          plasticity: PlasticityParams | None = None, rho_init=0.0,
                          stp: ShortTermPlasticityParams | None = None,
                          receptors: ReceptorParams | None = None,
                          spine_ca: SpineCalciumParams | None = None,
                          block: MgBlockParams | None = None, nmda: bool = True,
                          delay=None, name: str = "contacts", dt=None, t_start=None,
                          extra_model: str = "", extra_on_pre: str = "",
                          extra_on_post: str = "", extra_namespace: dict | None = None,
                          readouts: bool = True, calcium: CalciumParams | None = None,
                          neuron: NeuronParams | None = None,
                          magnesium: MagnesiumParams | None = None,
                          nmda_gain: float = 1.0):
    """Excitatory contacts (:func:`mgnet.models.synapses.make_contacts`) with the plasticity rule.

    The one function that builds plastic contacts (plasticity-induction, the culture and
    the memory experiments): what the tests validate is what the networks run.

    Parameters
    ----------
    plasticity : PlasticityParams
        Rule parameters (default: the "hippocampal_cultures" set).
    rho_init : float or array_like
        Initial efficacy of each contact in [0, 1].  ``q`` (default ``receptors.q_ampa``)
        is the quantal size at ``rho_init``: q_down = q / (1 + (b − 1) ρ_init).
    block : MgBlockParams
        Must be the block of ``target`` (checked): the reference NMDA Ca2+ uses it.
    delay : Quantity, optional
        Scalar synaptic delay of the release pathway; the Ca2+ pathway gets
        ``delay + plasticity.delay``.  (Per-synapse delays set later on ``syn.delay``
        must also be added to ``syn.ca_pre.delay``.)
    readouts : bool
        Store the assay read-outs of the contacts and ``c_pre_sum`` (default); False
        leaves them out without changing the dynamics (networks that never read them).
    calcium, neuron, magnesium : parameter dataclasses
        [Ca]o of the medium (scales C_post and the NMDA Ca2+); the target's neuron and
        Mg2+ parameters (the NMDA Ca2+ tables, :func:`mgnet.models.synapses.make_contacts`).
    nmda_gain : float
        Network gain contained in ``q_nmda`` (e.g. q_ee_scale); never enters Ca2+.
    t_start : Quantity, optional
        Network time at which the contacts start to exist (default 0 s; pass ``net.t``
        when adding contacts to a network that has already run).  ρ evolves (cubic
        drift) from then on.
    Other parameters as in :func:`mgnet.models.synapses.make_contacts`.

    Returns
    -------
    brian2.Synapses
        With ``rho = rho_init``, ``c_pl = 0``, ``t_pl = t_start`` and
        ``plasticity_on = 1``.
    """
    params = plasticity or PlasticityParams()
    block = block or MgBlockParams()
    _check_target_block(target, block)
    rho_arr = _checked_rho(rho_init)
    model, on_pre, on_post, ns = plasticity_blocks(params, receptors=receptors,
                                                   spine_ca=spine_ca, block=block, nmda=nmda,
                                                   readouts=readouts, calcium=calcium,
                                                   neuron=neuron)
    ca_delay = params.delay + (0 * second if delay is None else delay)
    syn = make_contacts(source, target, i, j, pr=pr, q=q, kind="exc", stp=stp,
                        receptors=receptors, spine_ca=spine_ca, block=block, nmda=nmda,
                        delay=delay, calcium=calcium, neuron=neuron, magnesium=magnesium,
                        nmda_gain=nmda_gain, name=name, dt=dt,
                        extra_model=model + extra_model,
                        extra_on_release=on_pre["release"],
                        extra_on_pre=on_pre["pre"] + extra_on_pre,
                        extra_on_post=on_post + extra_on_post,
                        extra_namespace={**ns, **(extra_namespace or {})},
                        extra_pre_pathways={CA_PRE_PATHWAY: on_pre[CA_PRE_PATHWAY]},
                        extra_pathway_delays={CA_PRE_PATHWAY: ca_delay}, readouts=readouts,
                        track_spine_ca=True if readouts else "calcium_on")
    # end_plasticity may switch off the postsynaptic pathway only if it carries nothing
    # but the rule's Ca2+ (no read-outs, no other mechanism's code)
    syn._post_is_plasticity_only = not readouts and not extra_on_post
    syn._calcium_gated = not readouts
    _initialise_plastic_state(syn, params, rho_arr, q, receptors, t_start)
    return syn


def end_plasticity(syn, ended: bool = True) -> None:
    """End plasticity for the rest of the simulation (``ended=True``), or start it.

    Ended: ρ and q are frozen (``plasticity_on = 0``, as for a reversible freeze) and the
    rule's Ca2+ is no longer tracked (``calcium_on = 0``): the release pathway skips
    the NMDA Ca2+, the receptor traces, the advance and the push of C_pre,eff, and the
    delayed Ca2+ pathway and the postsynaptic (bAP) pathway are switched off (the
    latter only when it carries nothing else).  Exact for everything the network does
    afterwards, since plasticity stays frozen: the same spikes, ρ and q as with
    ``plasticity_on = 0`` alone (no random numbers are drawn by the skipped code while
    ρ is frozen).  The contacts' Ca2+ state (``c_pl``, ``t_pl``, the traces, the
    pending amplitudes) is stale afterwards, so ``ended=False`` (``plasticity_on = 1``,
    ``calcium_on = 1``, pathways on) is for a network that starts from a state stored
    before the end (a rerun), or at build time.  Used for the recall phase of the memory
    experiments, where most of the simulated time is recall.

    Raises
    ------
    ValueError
        For contacts with assay read-outs (``readouts=True``): their spine Ca2+ is read,
        so it keeps being tracked; freeze them with ``plasticity_on = 0``.
    """
    gated = getattr(syn, "_calcium_gated", None)
    if gated is None:
        raise ValueError("end_plasticity needs contacts built by make_plastic_contacts")
    if not gated:
        raise ValueError("contacts with assay read-outs keep tracking their Ca2+: freeze "
                         "them with plasticity_on = 0")
    on = 0 if ended else 1
    syn.plasticity_on = on
    syn.calcium_on = on
    getattr(syn, CA_PRE_PATHWAY).active = not ended
    if syn._post_is_plasticity_only and hasattr(syn, "post"):
        syn.post.active = not ended


def _check_target_block(target, block: MgBlockParams) -> None:
    """Raise ValueError unless ``block`` is the Mg2+ block ``target`` was built with (the
    reference NMDA Ca2+ uses it)."""
    tns = getattr(target, "namespace", None) or {}
    if "K_mg" in tns:
        ref = block_namespace(block)
        if (abs(float(tns["K_mg"] - ref["K_mg"])) > 1e-15
                or abs(float(tns["gamma_mg"] - ref["gamma_mg"])) > 1e-12):
            raise ValueError("the target's Mg2+ block differs from `block`; pass the "
                             "MgBlockParams the target was built with")


def _checked_rho(rho_init) -> np.ndarray:
    """``rho_init`` as a float array; ValueError unless every value lies in [0, 1]."""
    rho_arr = np.asarray(rho_init, dtype=float)
    if np.any((rho_arr < 0) | (rho_arr > 1)) or not np.all(np.isfinite(rho_arr)):
        raise ValueError("rho_init must lie in [0, 1]")
    return rho_arr


def _initialise_plastic_state(syn, params: PlasticityParams, rho_arr: np.ndarray, q,
                              receptors: ReceptorParams | None, t_start) -> None:
    """The order of the Ca2+ pathway and the initial plasticity state of new contacts:
    ``rho = rho_init``, ``q_down`` (q at ``rho_init``), ``c_pl = 0``, ``t_pl = t_start``,
    no pending Ca2+, ``plasticity_on = 1`` and ``calcium_on = 1``."""
    # The pop must follow the push of the same time step when the delay is 0 (Brian2
    # gives every presynaptic pathway order -1 and the postsynaptic one +1).
    getattr(syn, CA_PRE_PATHWAY).order = 0
    rho_each = np.broadcast_to(rho_arr, (len(syn),))
    syn.rho = rho_each
    # From the arguments, not syn.q: standalone cannot read state before the run.
    q_each = (receptors or ReceptorParams()).q_ampa if q is None else q
    syn.q_down = q_down_for(q_each, rho_each, params.b)
    syn.c_pl = 0
    # Not syn.clock.t: a shared clock keeps the end time of a previous network's run.
    syn.t_pl = 0 * second if t_start is None else t_start
    syn.n_pend = 0
    syn.plasticity_on = 1
    syn.calcium_on = 1

"""The plasticity Ca2+ of one contact with numpy: the NMDA Ca2+ of the reference release
that normalises C_pre (:func:`reference_nmda_ca`) and the Ca2+ jumps of a protocol
(:func:`calcium_events`), from the very code strings of the contacts
(:mod:`mgnet.models.nmda_calcium`)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from brian2 import mV, second

from ..magnesium import block_namespace
from ..nmda_calcium import NMDA_CA_ON_POST, nmda_ca_on_pre
from ..parameters import (
    CalciumParams,
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    PlasticityParams,
    ReceptorParams,
    SpineCalciumParams,
)
from ..synapses import contact_namespace, spine_ca_on_pre
from .numpy_twin import _exec, _si_namespace
from .rule import c_post_at

__all__ = ["reference_nmda_ca", "calcium_events"]


def reference_nmda_ca(params: PlasticityParams | None = None, *,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None,
                      block: MgBlockParams | None = None,
                      calcium: CalciumParams | None = None,
                      neuron: NeuronParams | None = None,
                      mg_i=None) -> float:
    """NMDA Ca2+ (``ca_2a + ca_2b``, a.u.) of one reference release: the preset's fitting
    condition.

    Evaluates the release code of :func:`mgnet.models.nmda_calcium.nmda_ca_on_pre` with numpy
    for release = 1, receptor content 1 (q_nmda = q_nmda_ref, no network gain), no
    earlier bAP, V = ``ref_v``, [Mg]o = ``ref_mg_o``, [Ca]o = ``ref_ca_o`` and f_2b =
    ``ref_glun2b_fraction``.  A release there gives C_pre,eff = C_pre exactly; elsewhere
    C_pre,eff = C_pre x (its NMDA Ca2+)/(this).
    """
    params = params or PlasticityParams()
    receptors = receptors or ReceptorParams()
    calcium = calcium or CalciumParams()
    mg_i = MagnesiumParams().mg_i if mg_i is None else mg_i
    ref_calcium = dataclasses.replace(calcium, ca_o=params.ref_ca_o)
    ns = dict(contact_namespace(None, receptors, spine_ca, ref_calcium, neuron,
                                mg_o=params.ref_mg_o, block=block, mg_i=mg_i))
    ns.update(block_namespace(block))
    ns.update(exp=np.exp, clip=np.clip, ms=1e-3 * second, release=1.0, q_nmda=ns["q_nmda_ref"],
              nmda_gain=1.0,
              v_post=params.ref_v, f_2b_post=float(params.ref_glun2b_fraction),
              mg_o_post=params.ref_mg_o, nca_mg_o=params.ref_mg_o, mg_i_post=mg_i, bap_s_post=0 * mV,
              nt_2a=0.0, nt_2b=0.0, nt_r=0.0, t=0 * second, t_last=-1 * second)
    _exec(spine_ca_on_pre(block, state=False), ns)
    ref = float(ns["ca_2a"] + ns["ca_2b"])
    if not ref > 0:
        raise ValueError("the reference NMDA Ca2+ is zero (NMDA receptors ablated?): "
                         "C_pre cannot be normalised")
    return ref


_EVENT_NS: dict = {}


def calcium_events(pre_times, post_times, params: PlasticityParams | None = None, *,
                   release=None, v_sub=None, receptors: ReceptorParams | None = None,
                   spine_ca: SpineCalciumParams | None = None,
                   block: MgBlockParams | None = None,
                   calcium: CalciumParams | None = None,
                   neuron: NeuronParams | None = None,
                   magnesium: MagnesiumParams | None = None, f_2b: float | None = None,
                   receptor_factor: float = 1.0):
    """Times (s) and sizes of the plasticity Ca2+ jumps of one contact (numpy twin).

    Runs the very code strings of the contacts (the NMDA Ca2+ of each release and of
    each postsynaptic spike, :mod:`mgnet.models.nmda_calcium`; the C_pre/C_post scaling of
    :func:`plasticity_blocks`) event by event with numpy, so the closed forms
    (:func:`time_above_thresholds`, :func:`linear_moments`) can be applied to any
    protocol with the network's own Ca2+ model.

    Parameters
    ----------
    pre_times : array_like
        Arrival times (s) of presynaptic spikes at the contact.
    post_times : array_like
        Postsynaptic spike times (s).
    release : array_like, optional
        1/0 per presynaptic spike (default: every spike releases).
    v_sub : float or array_like, optional
        Subthreshold postsynaptic potential (volt) at each presynaptic spike (default
        ``neuron.v_reset``, the potential the bAP kernels ride on).
    magnesium, calcium : the condition ([Mg]o, [Ca]o)
    f_2b : float, optional
        GluN2B fraction (default ``receptors.glun2b_fraction``).
    receptor_factor : float
        The contact's receptor content relative to the reference (q_nmda/(q_nmda_ref*gain)).

    Returns
    -------
    times, amplitudes : numpy.ndarray
        Jumps in time order: a release's own Ca2+ at its time + D, a postsynaptic spike's
        C_post plus the NMDA excess it adds to the open receptors at its time.
    """
    params = params or PlasticityParams()
    receptors = receptors or ReceptorParams()
    spine_ca = spine_ca or SpineCalciumParams()
    calcium = calcium or CalciumParams()
    neuron = neuron or NeuronParams()
    magnesium = magnesium or MagnesiumParams()
    f_2b = receptors.glun2b_fraction if f_2b is None else float(f_2b)
    pre = np.atleast_1d(np.asarray(pre_times, float))
    post = np.atleast_1d(np.asarray(post_times, float))
    rel = np.ones(len(pre)) if release is None else np.asarray(release, float)
    vs = np.broadcast_to(np.asarray((neuron.v_reset if v_sub is None else v_sub) / mV,
                                    dtype=float), pre.shape)
    ca_ref, ns = _event_namespace(params, receptors, spine_ca, block, calcium, neuron,
                                  magnesium, f_2b, receptor_factor)
    return _replay_events(pre, post, rel, vs, ca_ref, ns, params, spine_ca, calcium, block)


def _event_namespace(params: PlasticityParams, receptors: ReceptorParams,
                     spine_ca: SpineCalciumParams, block: MgBlockParams | None,
                     calcium: CalciumParams, neuron: NeuronParams, magnesium: MagnesiumParams,
                     f_2b: float, receptor_factor: float) -> tuple[float, dict]:
    """(reference NMDA Ca2+, the contact code's namespace in SI floats) of one condition of
    :func:`calcium_events`, cached in :data:`_EVENT_NS` (cleared beyond 256 conditions)."""
    key = repr((params, receptors, spine_ca, block, calcium, neuron, magnesium, f_2b,
                float(receptor_factor)))
    if key not in _EVENT_NS:
        ca_ref = reference_nmda_ca(params, receptors=receptors, spine_ca=spine_ca, block=block,
                                   calcium=calcium, neuron=neuron, mg_i=magnesium.mg_i)
        ns = dict(contact_namespace(None, receptors, spine_ca, calcium, neuron,
                                    mg_o=magnesium.mg_o, block=block, mg_i=magnesium.mg_i))
        ns.update(block_namespace(block))
        ns.update(nmda_gain=1.0, q_nmda=ns["q_nmda_ref"] * float(receptor_factor),
                  f_2b_post=f_2b, mg_o_post=magnesium.mg_o, nca_mg_o=magnesium.mg_o, mg_i_post=magnesium.mg_i)
        ns = _si_namespace(ns)
        ns.update(exp=math.exp, clip=lambda x, lo, hi: min(max(x, lo), hi), ms=1e-3)
        if len(_EVENT_NS) > 256:
            _EVENT_NS.clear()
        _EVENT_NS[key] = (ca_ref, ns)
    return _EVENT_NS[key]


def _replay_events(pre, post, rel, vs, ca_ref: float, ns: dict, params: PlasticityParams,
                   spine_ca: SpineCalciumParams, calcium: CalciumParams,
                   block: MgBlockParams | None):
    """Run the contact's Ca2+ code with numpy event by event (presynaptic spikes ``pre``
    with releases ``rel`` at subthreshold potentials ``vs`` in mV, postsynaptic spikes
    ``post``) on a copy of ``ns``: the plasticity Ca2+ jumps (times, amplitudes) of
    :func:`calcium_events`, in time order."""
    ns = dict(ns, nt_2a=0.0, nt_2b=0.0, nt_r=0.0, t_last=-1e6)
    c_pre, c_post = float(params.c_pre), c_post_at(params, calcium)
    D = float(params.delay)
    tau_s = float(spine_ca.tau_bap_slow)
    bap_amp = float(ns["bap_slow_amp"]) * 1e3          # mV
    pre_code = nmda_ca_on_pre(block)
    # Brian2 order within a time step: the release pathway (-1) before the postsynaptic
    # pathway (+1).
    events = sorted([(t, 0, k) for k, t in enumerate(pre)] +
                    [(t, 1, k) for k, t in enumerate(post)])
    bap, t_bap = 0.0, -1e6
    times, amps = [], []
    for t, kind, k in events:
        ns["t"] = t
        ns["bap_s_post"] = bap * np.exp(-(t - t_bap) / tau_s) * 1e-3      # V
        if kind == 0:
            ns.update(release=float(rel[k]), v_post=float(vs[k]) * 1e-3)
            _exec(pre_code, ns)
            times.append(t + D)
            amps.append(c_pre * max(float(ns["ca_2a"] + ns["ca_2b"]) / ca_ref, 0.0))
            ns["t_last"] = t
        else:
            _exec(NMDA_CA_ON_POST, ns)
            times.append(t)
            amps.append(c_post + c_pre * max(float(ns["cx_2a"] + ns["cx_2b"]) / ca_ref, 0.0))
            bap = float(ns["bap_s_post"]) * 1e3 + bap_amp
            t_bap = t
    order = np.argsort(times, kind="stable")
    return np.asarray(times)[order], np.asarray(amps)[order]

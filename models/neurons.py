"""Conductance-based adaptive exponential integrate-and-fire neurons (AdEx).

Brette & Gerstner (2005) J Neurophysiol 94:3637, with a second, slow spike-triggered
adaptation current (Masquelier & Deco 2013) and the synaptic conductances of
science.md §4 item 4: AMPA, NMDA split into GluN2A and GluN2B components (each a
difference of exponentials, the GluN2B fraction ``f_2b`` a per-neuron state variable)
gated by the Mg2+ block B(V) of :mod:`mgnet.models.magnesium`, and GABA_A.

The equations are composed from one string block per mechanism; each line carries a
comment.  [Mg]o (``mg_o``) and, for the optional inside block, [Mg]i (``mg_i``) are
``(shared, constant)`` variables so that compile-once standalone runs can change them
through ``run_args``.
"""
from __future__ import annotations

from brian2 import Equations, NeuronGroup

from .backend import vectorise_state_update
from .magnesium import block_expr, block_namespace
from .nmda_calcium import NEURON_BAP_EQS, NEURON_BAP_RESET, nmda_peak_normalisation
from .parameters import (
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    ReceptorParams,
    SpineCalciumParams,
)

__all__ = ["MEMBRANE_EQS", "ADAPTATION_EQS", "AMPA_EQS", "NMDA_EQS", "NO_NMDA_EQS",
           "GABA_EQS", "neuron_equations", "neuron_namespace", "make_neurons",
           "nmda_peak_normalisation"]

#: AdEx membrane; I_syn and I_ext are supplied by the receptor and drive blocks.
MEMBRANE_EQS = """
dv/dt = (g_l*(e_l - v) + g_l*delta_t*exp((v - v_t)/delta_t)
         + I_syn - w - w_slow + I_ext)/c_m : volt (unless refractory)  # AdEx membrane
I_ext : amp                                                            # injected current
"""

#: Fast subthreshold+spike-triggered adaptation and slow spike-triggered adaptation.
ADAPTATION_EQS = """
dw/dt = (a*(v - e_l) - w)/tau_w : amp          # fast adaptation (Brette & Gerstner 2005)
dw_slow/dt = -w_slow/tau_w_slow : amp          # slow adaptation that ends network bursts
"""

#: AMPA: single exponential conductance, incremented by q per released vesicle.
AMPA_EQS = """
dg_ampa/dt = -g_ampa/tau_ampa : siemens        # AMPA conductance
I_ampa = g_ampa*(e_ampa - v) : amp             # AMPA current
"""

#: NMDA: GluN2A and GluN2B components, each a difference of exponentials (rise, decay);
#: the membrane current is gated by the Mg2+ block (expression inserted below).
NMDA_EQS = """
dg_2a_d/dt = -g_2a_d/tau_nmda_2a : siemens     # GluN2A decay variable
dg_2a_r/dt = -g_2a_r/tau_nmda_rise : siemens   # GluN2A rise variable
dg_2b_d/dt = -g_2b_d/tau_nmda_2b : siemens     # GluN2B decay variable
dg_2b_r/dt = -g_2b_r/tau_nmda_rise : siemens   # GluN2B rise variable
g_nmda = (g_2a_d - g_2a_r) + (g_2b_d - g_2b_r) : siemens  # total NMDA conductance
mg_block = {block} : 1                         # Mg2+ block B(V) (Jahr & Stevens 1990)
I_nmda = g_nmda*mg_block*(e_nmda - v) : amp    # NMDA current through the block
f_2b : 1                                       # GluN2B fraction of NMDA conductance
mg_o : mmolar (shared, constant)               # extracellular [Mg2+]
mg_i : mmolar (shared, constant)               # intracellular [Mg2+] (inside block only)
"""

#: Ablation: no NMDA receptors at all (used to test that NMDA-off equals AMPA-only).
NO_NMDA_EQS = """
I_nmda = 0*amp : amp                           # NMDA ablated
"""

#: GABA_A: single exponential conductance.
GABA_EQS = """
dg_gaba/dt = -g_gaba/tau_gaba : siemens        # GABA_A conductance
I_gaba = g_gaba*(e_gaba - v) : amp             # GABA_A current
I_syn = I_ampa + I_nmda + I_gaba : amp         # total synaptic current
"""


def neuron_equations(block: MgBlockParams | None = None, nmda: bool = True,
                     extra: str = "") -> Equations:
    """Compose the neuron equations.

    Parameters
    ----------
    block : MgBlockParams
        Mg2+ block preset / inside-block switch.
    nmda : bool
        Include NMDA receptors (False gives the AMPA+GABA-only ablation).
    extra : str
        Additional equation lines (e.g. noise or metaplasticity blocks) from other
        mechanism modules.
    """
    nmda_block = (NMDA_EQS.replace("{block}", block_expr(block)) + NEURON_BAP_EQS if nmda
                  else NO_NMDA_EQS)
    return Equations(MEMBRANE_EQS + ADAPTATION_EQS + AMPA_EQS + nmda_block + GABA_EQS + extra)


def neuron_namespace(neuron: NeuronParams | None = None,
                     receptors: ReceptorParams | None = None,
                     block: MgBlockParams | None = None,
                     spine_ca: SpineCalciumParams | None = None) -> dict:
    """Brian2 namespace with every constant the neuron equations reference."""
    neuron = neuron or NeuronParams()
    receptors = receptors or ReceptorParams()
    spine_ca = spine_ca or SpineCalciumParams()
    ns = {
        "c_m": neuron.c_m, "g_l": neuron.g_l, "e_l": neuron.e_l, "v_t": neuron.v_t,
        "delta_t": neuron.delta_t, "v_reset": neuron.v_reset, "v_spike": neuron.v_spike,
        "a": neuron.a, "b": neuron.b, "tau_w": neuron.tau_w, "b_slow": neuron.b_slow,
        "tau_w_slow": neuron.tau_w_slow,
        "tau_ampa": receptors.tau_ampa, "tau_nmda_rise": receptors.tau_nmda_rise,
        "tau_nmda_2a": receptors.tau_nmda_2a, "tau_nmda_2b": receptors.tau_nmda_2b,
        "tau_gaba": receptors.tau_gaba, "e_ampa": receptors.e_ampa,
        "e_nmda": receptors.e_nmda, "e_gaba": receptors.e_gaba,
        # slow tail of back-propagating spikes at the spines (models/nmda_calcium.py)
        "tau_bap_slow": spine_ca.tau_bap_slow,
        "bap_slow_amp": spine_ca.bap_amplitude * (1 - spine_ca.bap_fast_fraction),
    }
    ns.update(block_namespace(block))
    return ns


def make_neurons(n: int, *, neuron: NeuronParams | None = None,
                 receptors: ReceptorParams | None = None,
                 block: MgBlockParams | None = None,
                 magnesium: MagnesiumParams | None = None,
                 spine_ca: SpineCalciumParams | None = None,
                 nmda: bool = True, extra_eqs: str = "", extra_namespace: dict | None = None,
                 name: str = "neurons", method: str = "euler", dt=None) -> NeuronGroup:
    """Build ``n`` conductance-based AdEx neurons at rest.

    Parameters
    ----------
    n : int
        Number of neurons.
    neuron, receptors, block, magnesium, spine_ca : parameter dataclasses
        Defaults from :mod:`mgnet.models.parameters` (``spine_ca``: the bAP kernel whose slow
        tail ``bap_s`` the neurons carry for the NMDA Ca2+ of their contacts).
    nmda : bool
        False removes NMDA receptors (ablation).
    extra_eqs, extra_namespace
        Equation lines and constants of other mechanisms composed into the group.
    name : str
        Brian2 object name.
    method : str
        Integration method; "euler" is adequate at dt = 0.1 ms for AdEx with a
        spike cut-off at ``v_spike`` (Brette & Gerstner 2005 used dt = 0.1 ms).

    Returns
    -------
    brian2.NeuronGroup
        With ``v = e_l`` and all conductances zero; ``f_2b`` set from
        ``receptors.glun2b_fraction``; ``mg_o``/``mg_i`` from ``magnesium``.
    """
    if n < 1:
        raise ValueError(f"need at least one neuron, got {n}")
    neuron = neuron or NeuronParams()
    receptors = receptors or ReceptorParams()
    block = block or MgBlockParams()
    magnesium = magnesium or MagnesiumParams()
    ns = neuron_namespace(neuron, receptors, block, spine_ca)
    ns.update(extra_namespace or {})
    eqs = neuron_equations(block, nmda=nmda, extra=extra_eqs)
    reset = "v = v_reset; w += b; w_slow += b_slow" + (f"; {NEURON_BAP_RESET}" if nmda else "")
    group = NeuronGroup(n, eqs, threshold="v > v_spike", reset=reset,
                        refractory="t_ref", method=method, namespace=dict(ns, t_ref=neuron.t_ref),
                        name=name, dt=dt)
    # SIMD neuron loop in standalone projects (same arithmetic; mgnet.models.backend).
    vectorise_state_update(group)
    group.v = neuron.e_l
    if nmda:
        group.f_2b = receptors.glun2b_fraction
        group.mg_o = magnesium.mg_o
        group.mg_i = magnesium.mg_i
    return group

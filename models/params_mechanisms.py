"""Parameters of the synapse and neuron mechanisms: the NMDA Mg2+ block, the two
magnesium concentrations, the release-probability law, short-term plasticity, receptors,
spine and plasticity Ca2+ and the AdEx neuron (science.md §4 items 1-4).  Re-exported by
:mod:`mgnet.models.parameters`, which composes them into :class:`ModelParams`.

Magnesium is kept in two separate parameters: ``mg_o`` (extracellular, read by the
NMDA block) and ``mg_i`` (presynaptic intracellular, read by the release-probability
law and the configuration).  Every mechanism states which one it reads.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Hz, Quantity, mM, ms, mV, nA, nS, pA, pF, second, um, umolar  # noqa: F401

from mgnet.models.param_spec import param

__all__ = ["MgBlockParams", "MagnesiumParams", "ReleaseParams", "ShortTermPlasticityParams",
           "ReceptorParams", "SpineCalciumParams", "CalciumParams", "NeuronParams"]


# ---------------------------------------------------------------------------------
# Mechanism 1: NMDA Mg2+ block (reads [Mg]o; optional inside block reads [Mg]i)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MgBlockParams:
    """Voltage-dependent Mg2+ block of NMDA receptors.

    B(V) = 1 / (1 + [Mg]o / K_o * exp(-gamma * V)).  Named presets live in
    :data:`mgnet.models.magnesium.BLOCK_PRESETS`; the defaults are Jahr & Stevens (1990).
    """
    preset: str = param("jahr_stevens_1990", "Jahr & Stevens (1990) J Neurosci 10:3178",
                        choices=("jahr_stevens_1990", "bbp_2022"),
                        doc="named block parameter set; K_o and gamma follow it")
    inside_block: bool = param(False, "Johnson & Ascher (1990) Biophys J 57:1085",
                               doc="also apply block by intracellular [Mg]i (optional)")
    kd_inside_0mV: Quantity = param(8.0 * mM, "Johnson & Ascher (1990): K_d ~ 8 mM at 0 mV",
                                    low=0.1 * mM, high=1000 * mM, uncertain=True,
                                    doc="inside-block dissociation constant at 0 mV")
    delta_inside: Quantity = param(0.0236 / mV,
                                   "Johnson & Ascher (1990): electrical distance ~0.3, z=2 "
                                   "(2*0.3*F/RT at 35 C)", low=0 / mV, high=0.2 / mV,
                                   uncertain=True,
                                   doc="voltage sensitivity of the inside block (K_d falls "
                                       "e-fold per 1/delta of depolarisation)")
    nmda_ca_mg_o: str = param("condition", "issue 14: the ablation in which the block acts "
                              "on the membrane current but not on the plasticity Ca2+",
                              choices=("condition", "baseline"),
                              doc="[Mg]o that the NMDA Ca2+ of a release (plasticity, "
                                  "spine Ca2+, metaplastic load) sees: the condition's "
                                  "(physiology) or the baseline's 0.8 mM (an ablation; "
                                  "the membrane current still sees the condition's)")


# ---------------------------------------------------------------------------------
# Magnesium concentrations (the two independent parameters)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MagnesiumParams:
    """Extracellular and presynaptic intracellular free Mg2+."""
    mg_o: Quantity = param(0.8 * mM, "Slutsky et al. (2004) Neuron 44:835: culture baseline "
                           "0.8 mM (physiological CSF 0.7-1.2 mM)", low=0 * mM, high=100 * mM,
                           doc="extracellular [Mg2+]o, read by the NMDA block")
    mg_i: Quantity = param(0.5 * mM, "Zhou, Bi & Liu (2024) Nat Commun 15:3406; resting free "
                           "[Mg2+]i of cultured neurons ~0.5 mM (Romani 2011)",
                           low=0.01 * mM, high=20 * mM,
                           doc="presynaptic intracellular [Mg2+]i, read by the Pr law")
    mg_i_ref: Quantity = param(0.5 * mM, "convention: reference [Mg]i at which Pr = c_b",
                               low=0.01 * mM, high=20 * mM,
                               doc="reference [Mg]i of the Pr power law")


# ---------------------------------------------------------------------------------
# Mechanism 2: release probability law and presynaptic configuration ([Mg]i)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleaseParams:
    """Per-bouton release probability as a power law of [Mg]i.

    Pr = min(pr_max, c_b * ([Mg]i/[Mg]ref)^-k), with c_b the bouton's release
    competence.  k is uncertain and is calibrated once against T6 (silent fraction).
    """
    k: float = param(1.0, "Zhou et al. (2024) Fig 4d (double-log slope; uncertain). Not "
                     "identifiable from T6 (only ([Mg]i ratio)^-k is): fixed at 1, see "
                     "docs/calibration.md", low=0.0, high=5.0, uncertain=True,
                     doc="exponent of the Pr power law in [Mg]i")
    pr_max: float = param(0.95, "convention: a single release site never releases with "
                          "certainty; Zhou et al. (2024) Fig 1c maximum Pr ~0.9",
                          low=0.0, high=1.0, doc="upper bound of Pr")
    functional_threshold: float = param(0.04, "Zhou et al. (2024) Methods: functional "
                                        "bouton Pr >= 0.04", low=0.0, high=1.0,
                                        doc="measured Pr at or above which a bouton is functional")


# ---------------------------------------------------------------------------------
# Mechanism 3: short-term plasticity (Tsodyks-Markram), stochastic single-site release
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShortTermPlasticityParams:
    """Tsodyks–Markram facilitation and depression of one release site.

    u decays to 0 between spikes (time constant tau_f) and is incremented by
    U(1 - u) at each spike, so the first spike releases with probability U = Pr;
    the vesicle recovers with time constant tau_d (Markram, Wang & Tsodyks 1998).
    """
    tau_f: Quantity = param(100 * ms, "Dittman, Kreitzer & Regehr (2000) J Neurosci "
                            "20:1374: facilitation decay at CA3-CA1 synapses ~100 ms",
                            low=1 * ms, high=10 * second, uncertain=True,
                            doc="facilitation time constant")
    tau_d: Quantity = param(500 * ms, "Dittman, Kreitzer & Regehr (2000): resting recovery "
                            "rate k0 ~2 /s", low=1 * ms, high=20 * second, uncertain=True,
                            doc="vesicle recovery (depression) time constant")


# ---------------------------------------------------------------------------------
# Mechanism 4: postsynaptic receptors and spine Ca2+
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReceptorParams:
    """AMPA, NMDA (GluN2A/GluN2B) and GABA_A conductances per contact."""
    q_ampa: Quantity = param(0.5 * nS, "Jonas, Major & Sakmann (1993) J Physiol 472:615 "
                             "(quantal AMPA conductance ~0.1-1 nS at hippocampal synapses)",
                             low=0 * nS, high=20 * nS, doc="AMPA conductance per vesicle (q)")
    nmda_ampa_ratio: float = param(0.3, "Myme et al. (2003) J Neurophysiol 90:771 "
                                   "(NMDA/AMPA peak conductance ratio ~0.2-0.5)",
                                   low=0.0, high=5.0, uncertain=True,
                                   doc="NMDA peak conductance per vesicle / q")
    q_gaba: Quantity = param(1.0 * nS, "Brunel & Wang (2001) J Comput Neurosci 11:63 order "
                             "of magnitude", low=0 * nS, high=50 * nS,
                             doc="GABA_A conductance per vesicle")
    tau_ampa: Quantity = param(2.0 * ms, "Destexhe, Mainen & Sejnowski (1998) in Methods in "
                               "Neuronal Modeling: AMPA decay ~2 ms", low=0.1 * ms, high=50 * ms,
                               doc="AMPA decay time constant")
    tau_nmda_rise: Quantity = param(2.0 * ms, "Brunel & Wang (2001): NMDA rise 2 ms",
                                    low=0.1 * ms, high=50 * ms, doc="NMDA rise time constant")
    tau_nmda_2a: Quantity = param(50 * ms, "Vicini et al. (1998) J Neurophysiol 79:555: "
                                  "GluN2A decay ~50 ms", low=1 * ms, high=1 * second,
                                  doc="GluN2A decay time constant")
    tau_nmda_2b: Quantity = param(300 * ms, "Vicini et al. (1998): GluN2B decay ~300 ms",
                                  low=1 * ms, high=2 * second, doc="GluN2B decay time constant")
    glun2b_fraction: float = param(0.5, "uncertain, no independent value found: GluN2B "
                                   "subunits are abundant in DIV-14 hippocampal cultures "
                                   "(Williams 1993 Mol Pharmacol 44:851; Fischer 1997) but no "
                                   "NMDA-EPSC decay or ifenprodil-block fraction was "
                                   "retrievable; not taken from T7's 57 % (a peak fraction f "
                                   "gives a charge share 5.43 f/(5.43 f + 1 - f): 0.5 -> 84 %)",
                                   low=0.0, high=1.0, uncertain=True,
                                   doc="initial GluN2B fraction of NMDA peak conductance")
    tau_gaba: Quantity = param(8.0 * ms, "Bartos et al. (2002) PNAS 99:13222 (GABA_A decay "
                               "~2-10 ms)", low=0.1 * ms, high=100 * ms,
                               doc="GABA_A decay time constant")
    e_ampa: Quantity = param(0 * mV, "reversal of non-selective cation channels",
                             low=-30 * mV, high=30 * mV, doc="AMPA reversal")
    e_nmda: Quantity = param(0 * mV, "reversal of non-selective cation channels",
                             low=-30 * mV, high=30 * mV, doc="NMDA reversal")
    e_gaba: Quantity = param(-70 * mV, "Cl- reversal in mature hippocampal neurons",
                             low=-100 * mV, high=-40 * mV, doc="GABA_A reversal")


@dataclass(frozen=True)
class SpineCalciumParams:
    """NMDA and back-propagating-spike Ca2+ of a contact (models/nmda_calcium.py).

    The NMDA Ca2+ of a release is the integral of g_NMDA(t) B(V_loc(t)) (E_Ca - V_loc(t))
    over the receptor's time course (science.md §4 item 4), with V_loc the postsynaptic
    potential plus the depolarisation of back-propagating spikes (bAP kernel
    ``bap_amplitude`` * (f e^{-t/tau_fast} + (1 - f) e^{-t/tau_slow})).  The spine Ca2+
    read-out of the assays decays with ``tau_ca`` between events (no per-contact ODE).
    Units: one unblocked GluN2A-only release at ``v_ref`` and [Ca]o =
    ``CalciumParams.ca_o_unit`` gives ``ca_nmda_unblocked`` (arbitrary units).
    """
    tau_ca: Quantity = param(11.95 * ms, "Graupner & Brunel (2012) PNAS 109:3991, hippocampal "
                             "cultures set (Wittenberg & Wang 2006)", low=0.1 * ms,
                             high=1 * second, doc="spine Ca2+ decay time constant (read-out)")
    ca_nmda_unblocked: float = param(1.0, "normalisation: Ca2+ of one release with B = 1 at "
                                     "V = v_ref sets the arbitrary unit", low=0.0, high=1e3,
                                     doc="NMDA Ca2+ amplitude per release with no block, per "
                                         "unit NMDA conductance at the reference driving force")
    ca_bap: float = param(0.2, "Sabatini, Oertner & Svoboda (2002) Neuron 33:439: bAP Ca2+ "
                          "smaller than synaptic NMDA Ca2+ at depolarised spines", low=0.0,
                          high=1e3, uncertain=True, doc="Ca2+ amplitude of one bAP (read-out)")
    glun2b_ca_weight: float = param(1.0, "uncertain: Sobczyk, Scheuss & Svoboda (2005) J "
                                    "Neurosci 25:6037 found NR2B block lowers spine Ca2+ per "
                                    "unit NMDA current, i.e. GluN2B carries more Ca2+ per "
                                    "charge than GluN2A; by how much is not established, so "
                                    "1 (equal) is kept as the neutral value",
                                    low=0.0, high=10.0, uncertain=True,
                                    doc="Ca2+ per unit charge of GluN2B relative to GluN2A")
    v_ref: Quantity = param(-65 * mV, "convention: reference potential for the unit",
                            low=-100 * mV, high=0 * mV, doc="reference potential")
    e_ca: Quantity = param(40 * mV, "Blue Brain GluSynapse.mod (Chindemi et al. 2022 Nat "
                           "Commun 13:3038): the NMDA Ca2+ current as a Ca2+-only channel "
                           "reversing at +40 mV (Jahr & Stevens 1993 PNAS 90:11573)",
                           low=0 * mV, high=200 * mV, uncertain=True,
                           doc="reversal of the NMDA Ca2+ current (its driving force is "
                               "e_ca - V, not e_nmda - V)")
    bap_amplitude: Quantity = param(
        67 * mV, "back-propagating AP at the spine: peak depolarisation above rest, J "
        "Physiol spine model (PMC6636706, Table 1); Shouval, Bear & Cooper (2002) PNAS "
        "99:10831 use 100 mV", low=0 * mV, high=150 * mV, uncertain=True,
        doc="peak of the bAP kernel at the spine")
    bap_fast_fraction: float = param(0.75, "Shouval, Bear & Cooper (2002): I_f = 0.75",
                                     low=0.0, high=1.0, uncertain=True,
                                     doc="fraction of the bAP kernel in its fast component")
    tau_bap_fast: Quantity = param(3 * ms, "Shouval, Bear & Cooper (2002): 3 ms", low=0.1 * ms,
                                   high=100 * ms, uncertain=True,
                                   doc="decay of the fast bAP component")
    tau_bap_slow: Quantity = param(40 * ms, "J Physiol spine model (PMC6636706, Table 1); "
                                   "Shouval et al. (2002) use 25 ms", low=1 * ms,
                                   high=500 * ms, uncertain=True,
                                   doc="decay of the slow bAP component (its residual is "
                                       "tracked per neuron)")


@dataclass(frozen=True)
class CalciumParams:
    """Extracellular Ca2+ of the medium and how Ca2+ influx depends on it.

    Read by the NMDA Ca2+ of every release (fractional Ca2+ current
    Pf = [Ca]o/([Ca]o + pf_k), Schneggenburger et al. 1993 as in the Blue Brain
    GluSynapse model) and by the postsynaptic (bAP/VDCC) Ca2+ jump of the plasticity rule,
    C_post ∝ ([Ca]o)^vdcc_exponent (linear, as Higgins, Graupner & Brunel 2014 rescale
    their in-vitro set to in-vivo [Ca]o).  Each plasticity preset records the [Ca]o at
    which it was fitted (``PlasticityParams.ref_ca_o``).
    """
    ca_o: Quantity = param(
        1.8 * mM, "culture medium of dissociated hippocampal cultures: Neurobasal, CaCl2 "
        "1.8 mM and MgCl2 0.81 mM (Brewer et al. 1993 J Neurosci Res 35:567; the 0.8 mM "
        "[Mg]o baseline of Slutsky et al. 2004 is the same medium); value from the "
        "formulation, not verified against the primary paper here", low=0.1 * mM,
        high=20 * mM, uncertain=True, doc="extracellular [Ca2+]o of the medium")
    pf_k: Quantity = param(
        120 * mM / (4 * 1.38), "Schneggenburger et al. (1993) Neuron 11:133, as in Blue Brain "
        "GluSynapse.mod: Pf = 0.6 * 4[Ca]o/(4[Ca]o + 120 mM/1.38)", low=0.1 * mM,
        high=1000 * mM, doc="[Ca]o at which the NMDA fractional Ca2+ current is half "
                            "its maximum")
    vdcc_exponent: float = param(
        1.0, "Higgins, Graupner & Brunel (2014) PLoS Comput Biol 10:e1003834 scale C_pre and "
        "C_post linearly with [Ca]o (2.5 -> 1.5 mM: x0.6); uncertain", low=0.0, high=4.0,
        uncertain=True, doc="C_post is proportional to [Ca]o**vdcc_exponent")
    ca_o_unit: Quantity = param(2 * mM, "convention: [Ca]o of the arbitrary Ca2+ unit "
                                "(the Blue Brain slice value)", low=0.1 * mM, high=20 * mM,
                                doc="[Ca]o at which the NMDA Ca2+ unit is defined")


# ---------------------------------------------------------------------------------
# Neurons: conductance-based adaptive exponential integrate-and-fire (AdEx)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class NeuronParams:
    """Conductance-based AdEx neuron with a fast and a slow adaptation current.

    Defaults: Brette & Gerstner (2005) J Neurophysiol 94:3637, with a slow
    adaptation current (tau 4 s) for culture network bursts (Masquelier & Deco 2013).
    """
    c_m: Quantity = param(281 * pF, "Brette & Gerstner (2005)", low=1 * pF, high=10000 * pF,
                          doc="membrane capacitance")
    g_l: Quantity = param(30 * nS, "Brette & Gerstner (2005)", low=0.1 * nS, high=1000 * nS,
                          doc="leak conductance")
    e_l: Quantity = param(-70.6 * mV, "Brette & Gerstner (2005)", low=-100 * mV, high=-30 * mV,
                          doc="leak reversal")
    v_t: Quantity = param(-50.4 * mV, "Brette & Gerstner (2005)", low=-80 * mV, high=0 * mV,
                          doc="threshold slope point")
    delta_t: Quantity = param(2 * mV, "Brette & Gerstner (2005)", low=0.1 * mV, high=20 * mV,
                              doc="slope factor")
    v_reset: Quantity = param(-70.6 * mV, "Brette & Gerstner (2005)", low=-100 * mV,
                              high=-30 * mV, doc="reset potential")
    v_spike: Quantity = param(0 * mV, "numerical cut-off (Brette & Gerstner 2005 use +20 mV)",
                              low=-40 * mV, high=50 * mV, doc="spike detection threshold")
    t_ref: Quantity = param(2 * ms, "convention", low=0 * ms, high=20 * ms,
                            doc="absolute refractory period")
    a: Quantity = param(4 * nS, "Brette & Gerstner (2005)", low=0 * nS, high=100 * nS,
                        doc="subthreshold adaptation")
    b: Quantity = param(80.5 * pA, "Brette & Gerstner (2005)", low=0 * pA, high=2 * nA,
                        doc="spike-triggered fast adaptation increment")
    tau_w: Quantity = param(144 * ms, "Brette & Gerstner (2005)", low=1 * ms, high=10 * second,
                            doc="fast adaptation time constant")
    b_slow: Quantity = param(0 * pA, "Masquelier & Deco (2013) PLoS ONE 8:e75824: slow "
                             "adaptation terminates culture bursts (off by default; set by "
                             "the culture calibration)", low=0 * pA, high=2 * nA, uncertain=True,
                             doc="spike-triggered slow adaptation increment")
    tau_w_slow: Quantity = param(4 * second, "Masquelier & Deco (2013): adaptation 4 s",
                                 low=10 * ms, high=100 * second, doc="slow adaptation time constant")

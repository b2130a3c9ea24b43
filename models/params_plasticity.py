"""Plasticity parameters: the calcium-based rule of every excitatory contact with its
published presets (Graupner & Brunel 2012; science.md §4 item 5) and the slow GluN2B
metaplasticity (Slutsky et al. 2004; item 6).  Re-exported by
:mod:`mgnet.models.parameters` (sections ``plasticity`` and ``metaplasticity`` of
:class:`ModelParams`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from brian2 import Hz, Quantity, mM, ms, mV, nA, nS, pA, pF, second, um, umolar  # noqa: F401

from mgnet.models.param_spec import param

__all__ = ["PlasticityParams", "PLASTICITY_PRESETS", "PLASTICITY_PRESET_SOURCES",
           "plasticity_preset", "MetaplasticityParams"]


# ---------------------------------------------------------------------------------
# Mechanism 5: calcium-based synaptic plasticity (Graupner & Brunel 2012; science.md §4
# item 5; models/plasticity/, docs/plasticity.md).  Reads [Mg]o only through the NMDA
# Ca2+ of each release (C_pre scales with it); the reference condition below fixes the unit.
# ---------------------------------------------------------------------------------
#: Where every published value below comes from.  The values are those of the SI Tables
#: S1 (STDP-curve sets) and S2 (fits to data) of Graupner & Brunel (2012), as transcribed
#: by the first author in `synapticChange.py` (`choseParameterSet`) of
#: github.com/mgraupe/CalciumBasedPlasticityModel; noise term as in the Correction,
#: PNAS 109:21551 (2012), doi:10.1073/pnas.1220044110.
_GB2012 = ("Graupner & Brunel (2012) PNAS 109:3991, SI Table {table} ('{name}'), values as in "
           "the authors' code github.com/mgraupe/CalciumBasedPlasticityModel "
           "synapticChange.py")
_GB_CULT = _GB2012.format(table="S2", name="hippocampal cultures") + \
    " (fit to Wang et al. 2005 Nat Neurosci 8:187)"


@dataclass(frozen=True)
class PlasticityParams:
    """Graupner & Brunel (2012) calcium-based plasticity rule of every excitatory contact.

    ``tau drho/dt = -rho(1-rho)(rho*-rho) + gamma_p(1-rho)Θ[c-theta_p] - gamma_d rho Θ[c-theta_d]
    + sigma sqrt(tau) sqrt(Θ[c-theta_p]+Θ[c-theta_d]) eta(t)``; c jumps by ``c_pre`` (times
    the NMDA Ca2+ of the actual release relative to the reference condition) a delay
    ``delay`` after a presynaptic spike and by ``c_post`` at a postsynaptic spike, and
    decays with ``tau_ca``.  The AMPA quantal size follows w = w0 (1 + (b - 1) rho).
    Defaults: the published "hippocampal cultures" set; other published sets in
    :data:`PLASTICITY_PRESETS`.
    """
    tau_ca: Quantity = param(11.9536 * ms, _GB_CULT + "; science.md rounds to 11.95 ms",
                             low=0.1 * ms, high=1 * second, doc="plasticity Ca2+ decay time")
    c_pre: float = param(0.58156, _GB_CULT, low=0.0, high=100.0,
                         doc="Ca2+ jump of one release at the reference condition")
    c_post: float = param(1.76444, _GB_CULT, low=0.0, high=100.0,
                          doc="Ca2+ jump of one postsynaptic spike")
    theta_d: float = param(1.0, _GB_CULT + " (sets the Ca2+ unit)", low=1e-6, high=100.0,
                           doc="depression threshold")
    theta_p: float = param(1.3, _GB_CULT, low=1e-6, high=100.0, doc="potentiation threshold")
    gamma_d: float = param(61.141, _GB_CULT, low=0.0, high=1e5, doc="depression rate (units of 1/tau)")
    gamma_p: float = param(113.6545, _GB_CULT, low=0.0, high=1e5,
                           doc="potentiation rate (units of 1/tau)")
    sigma: float = param(2.5654, _GB_CULT, low=0.0, high=1e3, doc="noise amplitude")
    tau: Quantity = param(33.7596 * second, _GB_CULT + "; science.md rounds to 33.76 s",
                          low=1 * ms, high=1e5 * second, doc="time constant of rho")
    rho_star: float = param(0.5, _GB_CULT + "; every published set uses 1/2 and the "
                            "event-driven closed form requires it", low=0.5, high=0.5,
                            doc="unstable fixed point between DOWN (0) and UP (1)")
    delay: Quantity = param(10 * ms, _GB_CULT, low=0 * ms, high=100 * ms,
                            doc="delay of the presynaptic Ca2+ transient (D)")
    beta: float = param(0.5, _GB_CULT, low=0.0, high=1.0,
                        doc="fraction of synapses initially in the DOWN state (Graupner & "
                            "Brunel's beta): networks start a fraction beta DOWN, 1 - beta UP")
    b: float = param(36.0263, _GB_CULT + "; fitted to slice/culture data, uncertain as a "
                     "network weight ratio", low=1.0, high=1000.0, uncertain=True,
                     doc="w1/w0: UP-state over DOWN-state weight")
    noise: bool = param(True, "Graupner & Brunel (2012); False gives the deterministic rule",
                        doc="include the noise term (sigma)")
    bistable: bool = param(True, "Graupner & Brunel (2012); False drops the cubic term "
                           "(the linear rule of their time-above-threshold analysis)",
                           doc="include the cubic (bistability) term")
    ref_v: Quantity = param(-70.6 * mV, "holding potential of the preset's fitting condition: "
                            "the plasticity data were taken at rest in current clamp; the "
                            "model's rest e_l (Brette & Gerstner 2005) stands for it",
                            low=-100 * mV, high=0 * mV,
                            doc="membrane potential of the reference release (C_pre_eff = c_pre)")
    ref_mg_o: Quantity = param(2.0 * mM, "bath of the hippocampal-culture STDP recordings of "
                               "the Bi lab (Bi & Poo 1998; Wang et al. 2005): 2 mM MgCl2 "
                               "(unverified: Methods not retrievable here)", low=0.001 * mM,
                               high=100 * mM, uncertain=True,
                               doc="[Mg]o of the preset's fitting condition (reference release)")
    ref_ca_o: Quantity = param(3.0 * mM, "bath of the hippocampal-culture STDP recordings of "
                               "the Bi lab (Bi & Poo 1998; Wang et al. 2005): 3 mM CaCl2 "
                               "(unverified: Methods not retrievable here)", low=0.1 * mM,
                               high=20 * mM, uncertain=True,
                               doc="[Ca]o of the preset's fitting condition: C_pre and C_post "
                                   "are the published values there")
    ref_glun2b_fraction: float = param(0.5, "this project: default ReceptorParams."
                                       "glun2b_fraction", low=0.0, high=1.0,
                                       doc="GluN2B fraction of the reference release")
    preset: str = param("hippocampal_cultures", "this project: the published set these values "
                        "start from; in a config, [params.plasticity] preset = NAME loads "
                        "it and the table's other keys override single values",
                        doc="name of the plasticity preset (PLASTICITY_PRESETS)")
    pending_slots: int = param(4, "this project: FIFO of presynaptic Ca2+ amplitudes in "
                               "flight during the delay (docs/plasticity.md)", low=1, high=16,
                               doc="releases that can be in flight within one delay")


def _gb_set(table: str, name: str, **values) -> PlasticityParams:
    """A published Graupner & Brunel (2012) set (all 13 published numbers given)."""
    return PlasticityParams(**values)


#: Fitting condition of the hippocampal-slice sets (Wittenberg & Wang 2006; Li et al. 2016):
#: a standard ACSF, 2.5 mM CaCl2 and 1.3 mM MgCl2 (uncertain: the papers' Methods were
#: not retrievable here).
_SLICE_CA, _SLICE_MG = 2.5 * mM, 1.3 * mM
#: The synthetic Table S1 sets fit no experiment: their reference is a conventional slice
#: bath (2 mM Ca2+, 1 mM Mg2+, the Blue Brain slice values).
_S1_REF = {"ref_ca_o": 2.0 * mM, "ref_mg_o": 1.0 * mM}

#: The published parameter sets of Graupner & Brunel (2012): SI Table S1 (the six STDP
#: curve types of Fig. 2) and Table S2 (fits to hippocampal cultures, hippocampal slices,
#: cortical slices).  tau_ca and D in the tables are in ms; tau in s.
PLASTICITY_PRESETS: dict[str, PlasticityParams] = {
    "hippocampal_cultures": PlasticityParams(),
    "hippocampal_slices": _gb_set(
        "S2", "hippocampal slices", tau_ca=48.8373 * ms, c_pre=1.0, c_post=0.275865,
        theta_d=1.0, theta_p=1.3, gamma_d=313.0965, gamma_p=1645.59, sigma=9.1844,
        tau=688.355 * second, rho_star=0.5, delay=18.8008 * ms, beta=0.7, b=5.28145,
        ref_ca_o=_SLICE_CA, ref_mg_o=_SLICE_MG),
    "cortical_slices": _gb_set(
        "S2", "cortical slices", tau_ca=22.6936 * ms, c_pre=0.5617539, c_post=1.23964,
        theta_d=1.0, theta_p=1.3, gamma_d=331.909, gamma_p=725.085, sigma=3.3501,
        tau=346.3615 * second, rho_star=0.5, delay=4.6098 * ms, beta=0.5, b=5.40988,
        ref_ca_o=2.5 * mM, ref_mg_o=1.0 * mM),
    "DP": _gb_set(
        "S1", "DP", tau_ca=20 * ms, c_pre=1.0, c_post=2.0, theta_d=1.0, theta_p=1.3,
        gamma_d=200.0, gamma_p=321.808, sigma=2.8284, tau=150 * second, rho_star=0.5,
        delay=13.7 * ms, beta=0.5, b=5.0, **_S1_REF),
    "DPD": _gb_set(
        "S1", "DPD", tau_ca=20 * ms, c_pre=0.9, c_post=0.9, theta_d=1.0, theta_p=1.3,
        gamma_d=250.0, gamma_p=550.0, sigma=2.8284, tau=150 * second, rho_star=0.5,
        delay=4.6 * ms, beta=0.5, b=5.0, **_S1_REF),
    "DPD_prime": _gb_set(
        "S1", "DPDprime", tau_ca=20 * ms, c_pre=1.0, c_post=2.0, theta_d=1.0, theta_p=2.5,
        gamma_d=50.0, gamma_p=600.0, sigma=2.8284, tau=150 * second, rho_star=0.5,
        delay=2.2 * ms, beta=0.5, b=5.0, **_S1_REF),
    "P": _gb_set(
        "S1", "P", tau_ca=20 * ms, c_pre=2.0, c_post=2.0, theta_d=1.0, theta_p=1.3,
        gamma_d=160.0, gamma_p=257.447, sigma=2.8284, tau=150 * second, rho_star=0.5,
        delay=0 * ms, beta=0.5, b=5.0, **_S1_REF),
    "D": _gb_set(
        "S1", "D", tau_ca=20 * ms, c_pre=0.6, c_post=0.6, theta_d=1.0, theta_p=1.3,
        gamma_d=500.0, gamma_p=550.0, sigma=5.6568, tau=150 * second, rho_star=0.5,
        delay=0 * ms, beta=0.5, b=5.0, **_S1_REF),
    "D_prime": _gb_set(
        "S1", "Dprime", tau_ca=20 * ms, c_pre=1.0, c_post=2.0, theta_d=1.0, theta_p=3.5,
        gamma_d=60.0, gamma_p=600.0, sigma=2.8284, tau=150 * second, rho_star=0.5,
        delay=0 * ms, beta=0.5, b=5.0, **_S1_REF),
    # Li, Kulvicius & Tetzlaff (2016) PLoS ONE 11:e0161679 thresholds on the hippocampal-
    # slice set, as used by Luboeinski & Tetzlaff (2021) Commun Biol 4:275 (code
    # jlubo/memory-consolidation-stc, Network.cpp: Ca_pre 1.0, Ca_post 0.2758 unscaled,
    # theta_p 3.0, theta_d 1.2; their networks use both amplitudes x 0.6).
    "li_2016": _gb_set(
        "-", "Li et al. 2016", tau_ca=48.8373 * ms, c_pre=1.0, c_post=0.2758,
        theta_d=1.2, theta_p=3.0, gamma_d=313.0965, gamma_p=1645.59, sigma=9.1844,
        tau=688.355 * second, rho_star=0.5, delay=18.8008 * ms, beta=0.5, b=5.28145,
        ref_ca_o=_SLICE_CA, ref_mg_o=_SLICE_MG),
}
PLASTICITY_PRESETS = {k: dataclasses.replace(v, preset=k) for k, v in PLASTICITY_PRESETS.items()}
#: Source of each preset (for run-file provenance and docs).
PLASTICITY_PRESET_SOURCES: dict[str, str] = {
    "hippocampal_cultures": _GB_CULT,
    "hippocampal_slices": _GB2012.format(table="S2", name="hippocampal slices")
    + " (fit to Wittenberg & Wang 2006 J Neurosci 26:6610)",
    "cortical_slices": _GB2012.format(table="S2", name="cortical slices")
    + " (fit to Sjostrom, Turrigiano & Nelson 2001 Neuron 32:1149)",
    "DP": _GB2012.format(table="S1", name="DP") + "; Fig. 2 'DP' curve",
    "DPD": _GB2012.format(table="S1", name="DPD") + "; Fig. 2 'DPD' curve",
    "DPD_prime": _GB2012.format(table="S1", name="DPD'") + "; Fig. 2 'DPD'' curve",
    "P": _GB2012.format(table="S1", name="P") + "; Fig. 2 'P' curve",
    "D": _GB2012.format(table="S1", name="D") + "; Fig. 2 'D' curve",
    "D_prime": _GB2012.format(table="S1", name="D'") + "; Fig. 2 'D'' curve",
    "li_2016": "Li, Kulvicius & Tetzlaff (2016) PLoS ONE 11:e0161679 thresholds (theta_p 3.0, "
    "theta_d 1.2) on the Graupner & Brunel (2012) hippocampal-slice set, as in Luboeinski & "
    "Tetzlaff (2021) Commun Biol 4:275 (code jlubo/memory-consolidation-stc)",
}


def plasticity_preset(name: str) -> PlasticityParams:
    """A published Graupner & Brunel (2012) parameter set by name.

    Raises
    ------
    KeyError
        If ``name`` is not a preset; the message lists the allowed names.
    """
    if name not in PLASTICITY_PRESETS:
        raise KeyError(f"unknown plasticity preset '{name}'; allowed: "
                       f"{', '.join(PLASTICITY_PRESETS)}")
    return PLASTICITY_PRESETS[name]


# ---------------------------------------------------------------------------------
# Mechanism 6: GluN2B metaplasticity (Slutsky et al. 2004) — reads the NMDA Ca2+ load
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetaplasticityParams:
    """Slow per-neuron regulation of the GluN2B fraction by chronic NMDA Ca2+ load.

    Slutsky et al. (2004) Neuron 44:835: raising [Mg]o from 0.8 to 1.2 mM lowers the
    NMDA Ca2+ influx of uncorrelated background activity and, over hours, up-regulates
    NR2B-containing receptors.  The target fraction is a decreasing Hill function of
    the neuron's chronic load L (NMDA Ca2+ per second, a.u./s):
    f* = f_min + (f_max - f_min) / (1 + (L / L_half)^n), approached with tau_meta.
    L_half is the baseline culture's own mean load (so the baseline is a steady state
    at f* = the default fraction when f_min + f_max = 2 * default); it is measured, not
    fitted, by the background-filtering experiment.
    """
    f_min: float = param(0.2, "Slutsky et al. (2004) Fig 5: NR2B share varies ~2-fold; "
                         "bounds uncertain", low=0.0, high=1.0, uncertain=True,
                         doc="GluN2B fraction at very high chronic load")
    f_max: float = param(0.8, "Slutsky et al. (2004); bounds uncertain", low=0.0, high=1.0,
                         uncertain=True, doc="GluN2B fraction at zero chronic load")
    hill: float = param(1.0, "simplest monotone regulation (uncertain)", low=0.1,
                        high=10.0, uncertain=True, doc="Hill coefficient of f*(L)")
    tau_meta: Quantity = param(6 * 3600 * second, "Slutsky et al. (2004): NR2B up-regulation "
                               "develops over hours (4-24 h) of elevated Mg2+; uncertain",
                               low=60 * second, high=30 * 24 * 3600 * second,
                               uncertain=True, doc="time constant of the GluN2B fraction")

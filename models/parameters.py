"""Model parameters: one frozen dataclass per mechanism, every default with its source.

Each field is declared with :func:`param`, which records the literature source, the
allowed range and whether the value is uncertain (or still awaiting calibration) in
the field's metadata.  The config loader (``experiments/config.py``) reads that
metadata to validate user input, and ``docs/parameters.md`` can be generated from it,
so this file is the single source of truth for every constant of the model.

Magnesium is kept in two separate parameters: ``mg_o`` (extracellular, read by the
NMDA block) and ``mg_i`` (presynaptic intracellular, read by the release-probability
law and the configuration).  Every mechanism states which one it reads.

Condition presets (science.md §5) are dictionaries of overrides applied to these
dataclasses; see :data:`CONDITIONS` and :func:`condition`.
"""
from __future__ import annotations

import dataclasses
import functools as _functools
from dataclasses import dataclass, field
from typing import Any

from brian2 import Quantity, mM, mV, ms, nS, pF, pA, nA, second, Hz, um, umolar  # noqa: F401

# absolute: tests load copies of this file
from mgnet.models.calibration_files import Lazy, LazyMapping, read_calibration

__all__ = [
    "param", "param_info", "MgBlockParams", "MagnesiumParams", "ReleaseParams",
    "ShortTermPlasticityParams", "ReceptorParams", "SpineCalciumParams",
    "NeuronParams", "CalciumParams", "ConfigurationParams", "ReleasePoolParams", "AssayParams",
    "ModelParams", "CONDITIONS", "condition", "nmda_ca_mg_o", "with_overrides", "competence_sigma_from_pr",
    "PR_LOG_SIGMA",
]


def param(default: Any, source: str, *, low: Any = None, high: Any = None,
          uncertain: bool = False, calibrated: str | None = None,
          choices: tuple | None = None, doc: str = ""):
    """Declare a model parameter with its provenance.

    Parameters
    ----------
    default : Quantity, float, int, bool, str or Lazy
        Default value (a :class:`~mgnet.models.calibration_files.Lazy` is computed when
        the first instance is made: a value read from a calibration file).  Physical values are Brian2 quantities; their dimension is
        the dimension every override must have.
    source : str or Lazy
        Literature source (or "convention" / "this project" with a reason).
    low, high : same dimension as ``default``, optional
        Inclusive bounds enforced by the config loader.
    uncertain : bool
        The literature value is uncertain; the parameter is exposed, not hidden.
    calibrated : str, optional
        Name of the calibration target (e.g. "T6") that sets this value once.
    choices : tuple, optional
        Allowed values for string parameters.
    doc : str
        One-line meaning, with units in words where helpful.
    """
    meta = dict(source=source, low=low, high=high, uncertain=uncertain,
                calibrated=calibrated, choices=choices, doc=doc)
    if isinstance(default, Lazy) or any(isinstance(v, Lazy) for v in meta.values()):
        # read from a calibration file on first use, not at import (calibration_files)
        meta = LazyMapping(meta)
    if isinstance(default, Lazy):
        return field(default_factory=default, metadata=meta)
    if isinstance(default, Quantity):
        # Quantities are numpy arrays (mutable, unhashable): dataclasses need a factory.
        return field(default_factory=lambda d=default: d, metadata=meta)
    return field(default=default, metadata=meta)


def param_info(cls_or_obj) -> dict[str, dict]:
    """Metadata of every parameter of a parameter dataclass (name -> metadata dict)."""
    return {f.name: dict(f.metadata) for f in dataclasses.fields(cls_or_obj)}


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


# ---------------------------------------------------------------------------------
# T6 calibration (science.md §3 T6; docs/calibration.md).  `mgnet calibrate t6 --write`
# (experiments/calibrate.py) writes models/calibration.toml (versioned data,
# models/calibration_files.py); it is read on first use, not at import (models/ never
# imports experiments/).  Calibrated: ConfigurationParams.anatomical_density and
# .setpoint_median, and ELEVATED_MG_I.  If the file is missing, the old hard-coded values
# are used and T6_CALIBRATED is False.
# ---------------------------------------------------------------------------------
from pathlib import Path as _Path

from mgnet.models.units import parse_value  # absolute: tests load copies of this file

#: The T6 calibration file (read on first use).
CALIBRATION_FILE = _Path(__file__).with_name("calibration.toml")
#: Uncalibrated fallbacks (used only when CALIBRATION_FILE is missing).
_T6_FALLBACK = {"anatomical_density": 6.0, "elevated_mg_i_mM": 0.8}
#: Set-point median used when the calibration file does not calibrate it (older files).
_SETPOINT_FALLBACK = 0.6
_T6_COMMAND = "mgnet calibrate t6 --write"


def load_t6_calibration(path=CALIBRATION_FILE) -> dict | None:
    """T6-calibrated values ``{"anatomical_density": float, "elevated_mg_i_mM": float}``
    (plus ``"setpoint_median"`` when the file calibrates it against the boutons per
    branch of Zhou et al. 2024 Fig 1b/1c) from ``path``, or None if the file does not
    exist.  Reads the file every time (the model defaults use the cached :func:`_t6`).

    Raises
    ------
    ValueError
        If the file exists but is not a calibration file of a readable schema version or
        lacks ``[calibrated]`` anatomical_density / elevated_mg_i.
    """
    try:
        data = read_calibration(path, _T6_COMMAND)
    except ValueError as exc:
        raise ValueError(f"malformed T6 calibration: {exc}") from exc
    if data is None:
        return None
    try:
        cal = data["calibrated"]
        out = {"anatomical_density": float(cal["anatomical_density"]),
               "elevated_mg_i_mM": parse_value(cal["elevated_mg_i"], "mM")}
        if "setpoint_median" in cal:
            out["setpoint_median"] = float(cal["setpoint_median"])
        return out
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed T6 calibration ({exc}); re-run "
                         f"'{_T6_COMMAND}'") from exc


@_functools.cache
def _t6_file() -> dict | None:
    """models/calibration.toml, read once on first use (None if missing)."""
    return load_t6_calibration(CALIBRATION_FILE)


def _t6() -> dict:
    """The T6 values in use: calibrated, or the uncalibrated fallbacks."""
    return _t6_file() or dict(_T6_FALLBACK)


def _t6_density_source() -> str:
    return (("calibrated against T6 (models/calibration.toml): measured silent-bouton "
             "fraction 53 % at baseline, Zhou et al. (2024) Nat Commun 15:3406; see "
             "docs/calibration.md" if _t6_file() is not None else
             "UNCALIBRATED fallback (models/calibration.toml missing; run "
             f"'{_T6_COMMAND}')")
            + ". Literature: cultured hippocampal neurons at 2-3 weeks carry ~0.4-0.8 synapses "
            "per um of dendrite (Papa et al. 1995 J Neurosci 15:1); uncertain")


def _setpoint_calibrated() -> bool:
    return "setpoint_median" in _t6()


def _setpoint_source() -> str:
    return ("calibrated (models/calibration.toml) so that a baseline branch carries on average "
            "13.1 functional boutons (measured Pr >= 0.04), the n of Zhou et al. (2024) Fig "
            "1b/1c: 863 boutons on 66 branches; docs/calibration.md.  The ΣPr values of Fig "
            "1b,e could not be read; uncertain" if _setpoint_calibrated() else
            "Zhou et al. (2024) Fig 1b,e: branch sum of Pr per 10 um (uncertain; not "
            f"calibrated: run '{_T6_COMMAND}')")


#: Log-normal sd of bouton Pr at baseline: Zhou et al. (2024) Fig 1c spans Pr 0.04-0.9;
#: Murthy, Sejnowski & Stevens (1997) Neuron 18:599 (FM-dye Pr of cultured hippocampal
#: boutons, broad, mean ~0.3).  The competence spread is this minus the [Mg]i part.
PR_LOG_SIGMA = 0.7
_MG_BRANCH_CV, _MG_BOUTON_CV, _K_DEFAULT = 0.3, 0.3, 1.0


def competence_sigma_from_pr(pr_log_sigma: float, mg_branch_cv: float, mg_bouton_cv: float,
                             k: float) -> float:
    """Log-normal sd of competence that leaves the bouton Pr distribution with log-sd
    ``pr_log_sigma`` once the [Mg]i scatter (log-variance ln(1 + cv^2) between and within
    branches, times k^2) is added: ``sqrt(pr_log_sigma^2 - k^2 (v_branch + v_bouton))``."""
    import math
    v = math.log(1 + mg_branch_cv ** 2) + math.log(1 + mg_bouton_cv ** 2)
    rest = pr_log_sigma ** 2 - k ** 2 * v
    if rest <= 0:
        raise ValueError("the [Mg]i scatter alone exceeds the Pr spread")
    return math.sqrt(rest)


# ---------------------------------------------------------------------------------
# Mechanism 2 (cont.): the bouton population of a dendritic branch (reads [Mg]i)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConfigurationParams:
    """Anatomy, competence, set-point and slow dynamics of branch configurations.

    Each branch carries a fixed number of anatomical boutons.  A bouton has a release
    competence c (its Pr at the reference [Mg]i when active), a quantal size that grows
    with its size, and an activation key; the boutons whose key lies below the branch's
    activation level ``a`` are active (can release), the rest are silent.  A slow
    homeostatic process moves ``a`` so that the branch's total Pr returns to its
    set-point; [Mg]i reaches the release machinery through a two-stage slow cascade
    (energy supply, then transport of release proteins; Sun et al. 2015), so the
    configuration follows a [Mg]i step with a lag of hours.
    """
    anatomical_density: float = param(
        Lazy(lambda: _t6()["anatomical_density"]), Lazy(_t6_density_source), low=0.5,
        high=50.0, uncertain=True,
        calibrated=Lazy(lambda: "T6" if _t6_file() is not None else None),
        doc="anatomical boutons per 10 um of branch")
    length_min_um: float = param(20.0, "Zhou et al. (2024) Fig 1: analysed branch segments "
                                 "of tens of um", low=1.0, high=1000.0,
                                 doc="shortest branch segment (um)")
    length_max_um: float = param(60.0, "Zhou et al. (2024) Fig 1", low=1.0, high=1000.0,
                                 doc="longest branch segment (um)")
    competence_median: float = param(
        0.3, "Murthy, Sejnowski & Stevens (1997) Neuron 18:599: FM-dye Pr of hippocampal "
        "boutons broadly distributed with mean ~0.3", low=0.001, high=1.0, uncertain=True,
        doc="median release competence (Pr of an active bouton at the reference [Mg]i)")
    competence_sigma: float = param(
        round(competence_sigma_from_pr(PR_LOG_SIGMA, _MG_BRANCH_CV, _MG_BOUTON_CV,
                                       _K_DEFAULT), 4),
        "derived: the bouton Pr spread (log-sd 0.7: Zhou et al. 2024 Fig 1c spans 0.04-0.9; "
        "Murthy et al. 1997) minus the [Mg]i part, sqrt(0.7^2 - k^2 (ln(1+0.3^2) + "
        "ln(1+0.3^2))) (mgnet.models.parameters.competence_sigma_from_pr); the Fig 1c histogram "
        "could not be read, uncertain", low=0.0, high=3.0, uncertain=True,
        doc="log-normal sigma of competence across boutons")
    q_size_exponent: float = param(
        0.5, "Murthy et al. (2001) Neuron 32:673 and Holderith et al. (2012) Nat Neurosci "
        "15:988: bouton size (active zone) correlates with Pr and PSD size with q; "
        "exponent uncertain", low=0.0, high=3.0, uncertain=True,
        doc="q = q_ampa * (c / competence_median)^exponent")
    size_activation_correlation: float = param(
        0.3, "silent boutons are small and immature (Sun et al. 2015 Mol Brain 8:42; "
        "Voronin & Cherubini 2004); strength uncertain", low=-1.0, high=1.0, uncertain=True,
        doc="correlation between bouton competence and early activation")
    setpoint_median: float = param(
        Lazy(lambda: _t6().get("setpoint_median", _SETPOINT_FALLBACK)),
        Lazy(_setpoint_source), low=0.01, high=20.0, uncertain=True,
        calibrated=Lazy(lambda: "boutons per branch" if _setpoint_calibrated() else None),
        doc="median branch set-point of sum Pr per 10 um")
    setpoint_cv: float = param(0.2, "not read from the paper: the ΣPr spread of Zhou et al. "
                               "(2024) Fig 1e-f (box plots, Source Data) could not be "
                               "retrieved (docs/calibration.md); placeholder, uncertain; "
                               "T1 depends on it most", low=0.0, high=2.0, uncertain=True,
                               doc="coefficient of variation of set-points across branches")
    mg_i_branch_cv: float = param(
        _MG_BRANCH_CV, "Zhou et al. (2024) Fig 4e: branch-mean [Mg]i of 55/56 branches varies "
        "(values not retrievable); the part of [Mg]i shared by the boutons of one branch "
        "(uncertain)", low=0.0, high=2.0, uncertain=True,
        doc="coefficient of variation of the branch-shared [Mg]i across branches")
    mg_i_bouton_cv: float = param(
        _MG_BOUTON_CV, "Zhou et al. (2024) Fig 4d: [Mg]i measured per bouton (204/444 "
        "boutons; values not retrievable).  [Mg]i belongs to each bouton's own axon and the "
        "boutons of one branch come from different axons, so it also varies within a branch; "
        "the magnitude of the old single CV is kept (uncertain)",
        low=0.0, high=2.0, uncertain=True,
        doc="coefficient of variation of [Mg]i between the boutons of one branch")
    mg_i_measurement_cv: float = param(
        0.25, "Zhou et al. (2024) Fig 4b-c: [Mg]i imaged with Magnesium Green, a "
        "single-wavelength indicator (Kd ~1 mM) whose per-bouton loading is not normalised "
        "as with ratiometric dyes; its imaging error is not reported: placeholder, uncertain",
        low=0.0, high=2.0, uncertain=True,
        doc="relative scatter of measured vs true [Mg]i (dose-response assay)")
    tau_mg_cascade: Quantity = param(
        1.5 * 3600 * second, "Zhou et al. (2024) Fig 4a: little change 1-2 h after a [Mg]i "
        "step, clear at ~4 h (two-stage cascade; uncertain)", low=1 * second,
        high=100 * 3600 * second, uncertain=True,
        doc="time constant of each of the two cascade stages")
    tau_homeostasis: Quantity = param(
        1.0 * 3600 * second, "presynaptic homeostasis of total release over hours "
        "(Zhou et al. 2024; Slutsky et al. 2010); uncertain", low=1 * second,
        high=100 * 3600 * second, uncertain=True,
        doc="time constant of the set-point homeostasis of the activation level")
    aged_competence_factor: float = param(
        1.0, "aged hippocampus: fewer, larger synapses (Slutsky et al. 2010); applied by "
        "the 'aged' presets", low=0.1, high=10.0, uncertain=True,
        doc="multiplies every competence (larger, higher-Pr boutons)")


# ---------------------------------------------------------------------------------
# Virtual bouton assay (models/assay.py, models/release_pool.py): release pool,
# recording solution and spine geometry.  Used by the assays only; the culture network
# keeps the single-vesicle contact of models/synapses.py.
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleasePoolParams:
    """Readily releasable pool and Ca2+-dependent recovery of an assayed bouton.

    See :mod:`mgnet.models.release_pool`.  ``n_rrp_median = 1``, ``facilitation = "tm"`` and
    ``k_rec_max = 1/tau_d`` reproduce the single-vesicle contact of models/synapses.py.
    """
    n_rrp_median: float = param(
        5.0, "Dobrunz & Stevens (1997) Neuron 18:995: single CA3-CA1 release sites hold a "
        "small RRP that grows with Pr; Schikorski & Stevens (1997) J Neurosci 17:5858: ~10 "
        "docked vesicles per active zone in CA1 and in culture (an upper bound: not every "
        "docked vesicle is release-ready, Kaeser & Regehr 2017); uncertain",
        low=1.0, high=64.0, uncertain=True,
        doc="RRP size of a median-sized bouton (slots scale with q_rel, the PSD size)")
    n_rrp_max: int = param(16, "convention: docking slots written into the Brian2 code "
                           "(bigger pools are clipped)", low=1, high=64,
                           doc="largest RRP size")
    facilitation: str = param(
        "dkr", "Dittman, Kreitzer & Regehr (2000) J Neurosci 20:1374: facilitation by "
        "residual Ca2+ at a saturable site, F = F1 + (1 - F1) CaXF/(CaXF + KF), so that "
        "facilitation is largest at low-Pr sites (Dobrunz & Stevens 1997); 'tm': the "
        "Tsodyks-Markram jump of models/synapses.py", choices=("dkr", "tm"),
        doc="facilitation model of the assayed bouton")
    facilitation_s1: float = param(
        0.379, "Dittman et al. (2000) Table 2, Schaffer collateral: F1 = 0.24, rho = 2.2 give "
        "CaXF/(CaXF + KF) = F1 (rho - 1)/(1 - F1) = 0.379 one spike after a spike at zero "
        "interval (values as transcribed in cnmodel DKRmodel.py 'DKR_SC')", low=0.0,
        high=0.999, uncertain=True,
        doc="saturation of the facilitation site after one spike (sets KF)")
    k_rec_max: Quantity = param(
        30.0 * Hz, "Dittman et al. (2000) Table 2, Schaffer collateral: kmax = 30 /s "
        "(k0 = 2 /s is 1/ShortTermPlasticityParams.tau_d)", low=0 * Hz, high=1000 * Hz,
        uncertain=True, doc="maximal Ca2+-driven refill rate of an empty slot")
    k_rec_kd: float = param(2.0, "Dittman et al. (2000) Table 2, Schaffer collateral: KD = 2 "
                            "(in units of the Ca2+ jump per spike)", low=1e-3, high=1e3,
                            uncertain=True, doc="affinity of the recovery site")
    tau_rec_ca: Quantity = param(50 * ms, "Dittman et al. (2000) Table 2, Schaffer collateral: "
                                 "tau_D = 50 ms", low=1 * ms, high=10 * second,
                                 uncertain=True, doc="decay of the recovery-driving Ca2+")


@dataclass(frozen=True)
class AssayParams:
    """Recording solution and spine read-out of the virtual FM-dye / spine Ca2+ assay."""
    mg_o: Quantity = param(
        0.8 * mM, "both conditions are imaged in one recording (working) solution; Zhou et "
        "al. (2024) Methods could not be retrieved, Fig 4g calls it the 'physiological Mg2+ "
        "condition': [Mg]o of the baseline culture (Slutsky et al. 2004); uncertain",
        low=0 * mM, high=100 * mM, uncertain=True,
        doc="[Mg]o of the recording solution (read by the NMDA block during the assay)")
    ca_o: Quantity = param(
        2.0 * mM, "standard Tyrode / working solution; Zhou et al. (2024) Fig 4h uses 4.8 mM "
        "as a raised-Ca variant; the Methods value could not be retrieved; uncertain (used "
        "only where the neuron model reads [Ca]o)", low=0 * mM, high=20 * mM, uncertain=True,
        doc="[Ca]o of the recording solution")
    use_condition_mg_o: bool = param(
        False, "ablation: assay each condition in its own culture [Mg]o (the old behaviour)",
        doc="use the condition's [Mg]o instead of the recording solution's")
    nmda_size_exponent: float = param(
        0.0, "NMDA receptor content scales little with synapse size, unlike AMPA (Racca et "
        "al. 2000 J Neurosci 20:2512; Takumi et al. 1999 Nat Neurosci 2:618); NMDA current "
        "independent of spine size (Sobczyk, Scheuss & Svoboda 2005 J Neurosci 25:6037)",
        low=0.0, high=2.0, uncertain=True,
        doc="q_nmda = q_ampa * nmda_ampa_ratio * q_rel^exponent in the assay")
    spine_volume_exponent: float = param(
        1.0, "spine head volume proportional to PSD area (Harris & Stevens 1989 J Neurosci "
        "9:2982; Arellano et al. 2007 Front Neurosci 1:131), and q to PSD area (Nusser et "
        "al. 1998 Neuron 21:545)", low=0.0, high=3.0, uncertain=True,
        doc="spine volume relative to the median one = q_rel^exponent")
    bap_concentration_size_exponent: float = param(
        0.0, "bAP Ca2+ enters through VDCCs spread over the spine, so its concentration "
        "depends little on spine size (Sabatini, Oertner & Svoboda 2002 Neuron 33:439); "
        "uncertain", low=0.0, high=3.0, uncertain=True,
        doc="bAP Ca2+ concentration scales with q_rel^-exponent")


@dataclass(frozen=True)
class ModelParams:
    """All mechanism parameters of one condition."""
    magnesium: MagnesiumParams = field(default_factory=MagnesiumParams)
    mg_block: MgBlockParams = field(default_factory=MgBlockParams)
    release: ReleaseParams = field(default_factory=ReleaseParams)
    stp: ShortTermPlasticityParams = field(default_factory=ShortTermPlasticityParams)
    receptors: ReceptorParams = field(default_factory=ReceptorParams)
    spine_ca: SpineCalciumParams = field(default_factory=SpineCalciumParams)
    calcium: CalciumParams = field(default_factory=CalciumParams)
    neuron: NeuronParams = field(default_factory=NeuronParams)
    configuration: ConfigurationParams = field(default_factory=ConfigurationParams)
    plasticity: PlasticityParams = field(default_factory=lambda: PlasticityParams())
    release_pool: ReleasePoolParams = field(default_factory=ReleasePoolParams)
    assay: AssayParams = field(default_factory=AssayParams)


def with_overrides(params: ModelParams, overrides: dict[str, dict[str, Any]]) -> ModelParams:
    """Return a copy of ``params`` with ``{section: {name: value}}`` applied.

    Values must already carry the right units (the config loader checks them).
    """
    changes = {}
    for section, values in overrides.items():
        if not hasattr(params, section):
            raise KeyError(f"unknown parameter section '{section}'")
        changes[section] = dataclasses.replace(getattr(params, section), **values)
    return dataclasses.replace(params, **changes)


# ---------------------------------------------------------------------------------
# Condition presets (science.md §5)
# ---------------------------------------------------------------------------------
#: Elevated [Mg]i, calibrated against T6 (models/calibration.toml): the equilibrated
#: measured silent-bouton fraction falls from 53 % to 30 % (Zhou et al. 2024) with k fixed
#: at ReleaseParams.k (T6 identifies only ([Mg]i,elev/[Mg]i,base)^-k; docs/calibration.md).
#: If the file is missing: the uncalibrated placeholder 0.8 mM (T6_CALIBRATED is False).
#: Read on first use (module attribute, see :func:`__getattr__`).
_ELEVATED_MG_I = Lazy(lambda: _t6()["elevated_mg_i_mM"] * mM)
#: Aged [Mg]i.  Uncertain: aged neurons have lower [Mg]i (Slutsky 2010); placeholder.
AGED_MG_I = 0.35 * mM
#: Aged boutons are larger with higher Pr (Slutsky 2010: fewer, larger synapses);
#: uncertain placeholder.
AGED_COMPETENCE_FACTOR = 1.5

#: Condition name -> overrides.  The names are listed without reading a calibration file;
#: a preset's values are resolved when it is looked up.
CONDITIONS: LazyMapping = LazyMapping({
    # [Mg]o 0.8 mM, [Mg]i 0.5 mM, young configuration.
    "baseline": {},
    # Both arms raised ([Mg]i calibrated against T6, see ELEVATED_MG_I).
    "elevated_mg": {"magnesium": {"mg_o": 1.2 * mM, "mg_i": _ELEVATED_MG_I}},
    # Ablation: only the NMDA-block arm.
    "elevated_mg_o_only": {"magnesium": {"mg_o": 1.2 * mM}},
    # Ablation: only the presynaptic configuration arm.
    "elevated_mg_i_only": {"magnesium": {"mg_i": _ELEVATED_MG_I}},
    # DLoHi-like aged configuration (lower [Mg]i; uncalibrated placeholder).
    "aged": {"magnesium": {"mg_i": AGED_MG_I},
             "configuration": {"aged_competence_factor": AGED_COMPETENCE_FACTOR}},
    "aged_elevated_mg": {"magnesium": {"mg_o": 1.2 * mM, "mg_i": _ELEVATED_MG_I},
                         "configuration": {"aged_competence_factor": AGED_COMPETENCE_FACTOR}},
    # Ablation (issue 14): both arms raised, but the NMDA Ca2+ that drives plasticity
    # sees the baseline [Mg]o; the membrane current sees 1.2 mM.
    "elevated_mg_membrane_block_only": {"magnesium": {"mg_o": 1.2 * mM,
                                                      "mg_i": _ELEVATED_MG_I},
                                        "mg_block": {"nmda_ca_mg_o": "baseline"}},
})


def nmda_ca_mg_o(params: "ModelParams"):
    """[Mg]o seen by the NMDA Ca2+ of releases (``mg_block.nmda_ca_mg_o``)."""
    if params.mg_block.nmda_ca_mg_o == "baseline":
        return MagnesiumParams().mg_o
    return params.magnesium.mg_o


def condition(name: str, base: ModelParams | None = None) -> ModelParams:
    """Parameters of a named condition preset (science.md §5).

    Raises
    ------
    KeyError
        If ``name`` is not a preset; the message lists the allowed names.
    """
    if name not in CONDITIONS:
        raise KeyError(f"unknown condition '{name}'; allowed: {', '.join(CONDITIONS)}")
    return with_overrides(base or ModelParams(), CONDITIONS[name])


# ---------------------------------------------------------------------------------
# Mechanism 7: the culture network (science.md §4 item 7; models/culture.py,
# docs/culture.md).  The network calibration (`experiments/calibrate_culture.py`,
# `mgnet calibrate-culture --write`) writes models/culture_calibration.toml; its
# [calibrated] values become the CultureParams defaults, read on first use.  If the file is
# missing, the uncalibrated fallbacks below are used and CULTURE_CALIBRATED is False.
# ---------------------------------------------------------------------------------
#: The network calibration file (read on first use).
CULTURE_CALIBRATION_FILE = _Path(__file__).with_name("culture_calibration.toml")
#: Uncalibrated fallbacks (used only when CULTURE_CALIBRATION_FILE is missing).
_CULTURE_FALLBACK = {"q_ee_scale": 14.0, "bg_weight_nS": 12.0, "b_slow_pA": 20.0,
                     "bg_mod_cv": 0.0}
_CULTURE_COMMAND = "mgnet calibrate-culture --write"


def load_culture_calibration(path=CULTURE_CALIBRATION_FILE) -> dict | None:
    """Calibrated network values ``{"q_ee_scale", "bg_weight_nS", "b_slow_pA",
    "bg_mod_cv"}`` (plain floats) from ``path``, or None if the file does not exist.
    Reads the file every time (the CultureParams defaults use the cached :func:`_culture`).

    Raises
    ------
    ValueError
        If the file exists but is not a calibration file of a readable schema version or
        its ``[calibrated]`` table lacks one of the keys.
    """
    try:
        data = read_calibration(path, _CULTURE_COMMAND)
    except ValueError as exc:
        raise ValueError(f"malformed culture calibration: {exc}") from exc
    if data is None:
        return None
    try:
        cal = data["calibrated"]
        return {key: float(cal[key]) for key in _CULTURE_FALLBACK}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed culture calibration ({exc}); re-run "
                         f"'{_CULTURE_COMMAND}'") from exc


@_functools.cache
def _culture_file() -> dict | None:
    """models/culture_calibration.toml, read once on first use (None if missing)."""
    return load_culture_calibration(CULTURE_CALIBRATION_FILE)


def _culture() -> dict:
    """The culture values in use: calibrated, or the uncalibrated fallbacks."""
    return _culture_file() or dict(_CULTURE_FALLBACK)


def _culture_source(extra: str = "") -> Lazy:
    def source() -> str:
        return ("calibrated once so that the baseline culture lands in the burst bands of "
                "science.md §4 item 7 (models/culture_calibration.toml, 'mgnet "
                "calibrate-culture'; docs/culture.md)" if _culture_file() is not None else
                "UNCALIBRATED fallback (models/culture_calibration.toml missing; run "
                f"'{_CULTURE_COMMAND}')") + extra
    return Lazy(source)


@dataclass(frozen=True)
class CultureParams:
    """Culture network: size, connectivity, network STP, background drive (docs/culture.md).

    Excitatory contacts (E->E and E->I) take their release probability and functional
    state from the bouton configuration of :mod:`mgnet.models.configuration` at the condition's
    [Mg]i (each postsynaptic neuron's excitatory contacts are grouped into dendritic
    branches); inhibitory contacts have a fixed Pr.  Three values are set once by the
    network calibration (``calibrated="culture"``): the E->E quantal scale, the
    background event conductance and the slow adaptation of excitatory cells.
    """
    n_neurons: int = param(2000, "convention: a small dissociated culture / MEA field; "
                           "sizes 200-20000 supported", low=10, high=200000,
                           doc="number of neurons")
    exc_fraction: float = param(0.8, "science.md §4 item 7: E/I ~ 80/20", low=0.0, high=1.0,
                                doc="fraction of excitatory neurons")
    connection_probability: float = param(
        0.1, "Brunel (2000) J Comput Neurosci 8:183 (sparse random network, p = 0.1); "
        "uncertain for cultures", low=0.0, high=1.0, uncertain=True,
        doc="probability that an ordered pair is connected, at reference_size neurons")
    reference_size: int = param(
        2000, "this project: the expected in-degree is held at "
        "connection_probability*reference_size at every size (p = min(1, p*N_ref/N)) so "
        "that the calibrated input per neuron does not change with network size", low=1,
        high=200000, doc="size at which connection_probability applies")
    extra_contacts_mean: float = param(
        2.0, "science.md §4 item 7: several contacts per connection; contacts per "
        "connection = 1 + Poisson(mean), mean 3 anatomical contacts (uncertain)",
        low=0.0, high=50.0, uncertain=True,
        doc="mean of the Poisson number of contacts beyond the first, per connection")
    pr_inh: float = param(
        0.5, "uncertain: GABAergic boutons in hippocampal cultures release with "
        "intermediate Pr; Zhou et al. (2024) measured glutamatergic boutons only, so "
        "inhibitory Pr does not follow [Mg]i here", low=0.0, high=1.0, uncertain=True,
        doc="release probability of every inhibitory contact")
    tau_f: Quantity = param(1.6 * second, "Masquelier & Deco (2013) PLoS ONE 8:e75824: "
                            "tau_f 1.6 s for culture network bursts", low=1 * ms,
                            high=20 * second, uncertain=True,
                            doc="TM facilitation time constant of network contacts")
    tau_d: Quantity = param(0.8 * second, "Masquelier & Deco (2013): tau_d 0.8 s",
                            low=1 * ms, high=20 * second, uncertain=True,
                            doc="TM recovery (depression) time constant of network contacts")
    q_ee_scale: float = param(
        Lazy(lambda: _culture()["q_ee_scale"]), _culture_source(), low=0.0, high=100.0,
        uncertain=True, calibrated="culture",
        doc="multiplies every E->E quantal conductance (q = q_ampa * q_rel * scale; NMDA "
            "follows through nmda_ampa_ratio)")
    q_ei_scale: float = param(
        1.0, "this project: E->I contacts at the same scale as E->E (ratio; uncertain)",
        low=0.0, high=100.0, uncertain=True,
        doc="E->I quantal scale relative to q_ee_scale")
    q_inh_scale: float = param(
        3.0, "this project: inhibition strong enough to keep the between-burst state "
        "quiet (uncertain; GABA_A quantal conductances ~1-5 nS, Bartos et al. 2002)",
        low=0.0, high=100.0, uncertain=True,
        doc="multiplies q_gaba for I->E and I->I contacts")
    bg_rate: Quantity = param(
        150 * Hz, "this project: Poisson stand-in for spontaneous synaptic input (minis and "
        "spontaneous EPSPs from unmodelled cells) onto each neuron; few large events keep "
        "the between-burst state quiet (docs/culture.md)", low=0 * Hz,
        high=1e6 * Hz, uncertain=True, doc="background AMPA event rate per neuron")
    bg_weight: Quantity = param(
        Lazy(lambda: _culture()["bg_weight_nS"] * nS), _culture_source(), low=0 * nS,
        high=100 * nS,
        uncertain=True, calibrated="culture",
        doc="AMPA conductance per background event")
    bg_weight_cv: float = param(
        0.0, "this project: heterogeneous spontaneous drive / intrinsic excitability of "
        "cultured neurons (a few spontaneously active 'leader' cells initiate bursts, "
        "Eytan & Marom 2006 J Neurosci 26:8465); log-normal with mean 1 per neuron",
        low=0.0, high=3.0, uncertain=True,
        doc="coefficient of variation of the per-neuron background weight factor")
    bg_mod_cv: float = param(
        Lazy(lambda: _culture()["bg_mod_cv"]), _culture_source(
            "; the modelled neurons are a sample of a larger culture whose spontaneous input "
            "to them fluctuates slowly and is shared (without it the inter-burst intervals "
            "are clock-like, CV < 0.1)"),
        low=0.0, high=2.0, uncertain=True, calibrated="culture",
        doc="SD of the shared, slowly fluctuating relative modulation of bg_rate "
            "(Ornstein-Uhlenbeck, rate * max(0, 1 + x))")
    bg_mod_tau: Quantity = param(
        10 * second, "this project: slow fluctuations of the spontaneous drive over several "
        "inter-burst intervals (uncertain; 2 s gave IBI CV ~0.3, 10 s ~0.5; docs/culture.md)",
        low=1 * ms,
        high=1000 * second, uncertain=True,
        doc="correlation time of the shared background modulation")
    bg_to_inh: bool = param(True, "convention: interneurons receive the same background",
                            doc="apply the background input to inhibitory cells too")
    b_slow: Quantity = param(
        Lazy(lambda: _culture()["b_slow_pA"] * pA), _culture_source(
            "; slow adaptation ends culture bursts (Masquelier & Deco 2013, tau 4 s = "
            "NeuronParams.tau_w_slow)"),
        low=0 * pA, high=2 * nA, uncertain=True, calibrated="culture",
        doc="slow spike-triggered adaptation increment of excitatory cells")
    inh_a: Quantity = param(0 * nS, "fast-spiking interneurons: no subthreshold adaptation "
                            "(AdEx tonic/fast-spiking class, Naud et al. 2008 Biol Cybern "
                            "99:335)", low=0 * nS, high=100 * nS,
                            doc="subthreshold adaptation of inhibitory cells")
    inh_b: Quantity = param(0 * pA, "fast-spiking interneurons: no spike-frequency "
                            "adaptation (Naud et al. 2008)", low=0 * pA, high=2 * nA,
                            doc="spike-triggered adaptation of inhibitory cells")
    delay: Quantity = param(1.5 * ms, "convention: axonal + synaptic delay ~1-2 ms in "
                            "cultures", low=0 * ms, high=20 * ms,
                            doc="synaptic delay of every network contact (homogeneous)")
    v_init_spread: Quantity = param(
        5 * mV, "convention: random initial potentials between e_l and e_l + spread "
        "(subthreshold: they cannot by themselves make a neuron fire)", low=0 * mV,
        high=15 * mV, doc="spread of the initial membrane potentials")


__all__ += ["CultureParams", "CULTURE_CALIBRATED", "CULTURE_CALIBRATION_FILE",
            "load_culture_calibration"]


# ---------------------------------------------------------------------------------
# Mechanism 5: calcium-based synaptic plasticity (Graupner & Brunel 2012; science.md §4
# item 5; models/plasticity.py, docs/plasticity.md).  Reads [Mg]o only through the NMDA
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


__all__ += ["PlasticityParams", "PLASTICITY_PRESETS", "PLASTICITY_PRESET_SOURCES",
            "plasticity_preset"]


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


__all__ += ["MetaplasticityParams"]


#: Module attributes computed on first use (PEP 562): each reads a calibration file.
_LAZY_ATTRIBUTES = {
    #: True if the T6 values come from models/calibration.toml.
    "T6_CALIBRATED": lambda: _t6_file() is not None,
    #: True if the set-point median comes from the calibration file (boutons per branch).
    "SETPOINT_CALIBRATED": _setpoint_calibrated,
    "ELEVATED_MG_I": _ELEVATED_MG_I,
    #: True if the calibrated CultureParams defaults come from culture_calibration.toml.
    "CULTURE_CALIBRATED": lambda: _culture_file() is not None,
}


def __getattr__(name: str):
    """``T6_CALIBRATED``, ``SETPOINT_CALIBRATED``, ``ELEVATED_MG_I`` and
    ``CULTURE_CALIBRATED``, read from the calibration files on first use."""
    if name in _LAZY_ATTRIBUTES:
        return _LAZY_ATTRIBUTES[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

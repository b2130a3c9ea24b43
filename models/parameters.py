"""Model parameters: one frozen dataclass per mechanism, every default with its source.

Each field is declared with :func:`param`, which records the literature source, the
allowed range and whether the value is uncertain (or still awaiting calibration) in
the field's metadata.  The config loader (``experiments/config.py``) reads that
metadata to validate user input, and ``docs/parameters.md`` can be generated from it,
so these dataclasses are the single source of truth for every constant of the model.

This module composes them into :class:`ModelParams` (one section per mechanism, the one
route by which a physical value reaches a run: ``[params.<section>]`` in a config) and
holds the T6-calibrated bouton configuration, the assay and the condition presets.  The
other sections live in their own modules and are re-exported here:
:mod:`~mgnet.models.params_mechanisms` (block, magnesium, release, STP, receptors, Ca2+,
neuron), :mod:`~mgnet.models.params_culture` (the culture network and its calibration),
:mod:`~mgnet.models.params_plasticity` (the plasticity rule, its presets and the GluN2B
metaplasticity); :func:`param` is in :mod:`~mgnet.models.param_spec`.

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

from brian2 import Hz, Quantity, mM, ms, mV, nA, nS, pA, pF, second, um, umolar  # noqa: F401

# absolute: tests load copies of this file
from mgnet.models.calibration_files import Lazy, LazyMapping, read_calibration  # noqa: F401
from mgnet.models.param_spec import param, param_info
from mgnet.models.params_culture import (
    CULTURE_CALIBRATION_FILE,
    CultureParams,
    _culture_file,
    load_culture_calibration,
)
from mgnet.models.params_mechanisms import (
    CalciumParams,
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    ReceptorParams,
    ReleaseParams,
    ShortTermPlasticityParams,
    SpineCalciumParams,
)
from mgnet.models.params_plasticity import (
    PLASTICITY_PRESET_SOURCES,
    PLASTICITY_PRESETS,
    MetaplasticityParams,
    PlasticityParams,
    plasticity_preset,
)

__all__ = [
    "param", "param_info", "MgBlockParams", "MagnesiumParams", "ReleaseParams",
    "ShortTermPlasticityParams", "ReceptorParams", "SpineCalciumParams",
    "NeuronParams", "CalciumParams", "ConfigurationParams", "ReleasePoolParams", "AssayParams",
    "ModelParams", "CONDITIONS", "condition", "nmda_ca_mg_o", "with_overrides", "competence_sigma_from_pr",
    "PR_LOG_SIGMA",
]


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
    culture: CultureParams = field(default_factory=CultureParams)
    metaplasticity: MetaplasticityParams = field(default_factory=MetaplasticityParams)


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


def nmda_ca_mg_o(params: ModelParams):
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


# CULTURE_CALIBRATED is read on first use (__getattr__ below)
__all__ += ["CultureParams", "CULTURE_CALIBRATED", "CULTURE_CALIBRATION_FILE",  # noqa: F822
            "load_culture_calibration"]


__all__ += ["PlasticityParams", "PLASTICITY_PRESETS", "PLASTICITY_PRESET_SOURCES",
            "plasticity_preset"]

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

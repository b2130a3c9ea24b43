"""Culture network parameters (science.md §4 item 7; models/culture/, docs/culture.md)
and the network calibration they read their calibrated defaults from.  Re-exported by
:mod:`mgnet.models.parameters` (section ``culture`` of :class:`ModelParams`).
"""
from __future__ import annotations

import functools as _functools
from dataclasses import dataclass
from pathlib import Path as _Path

from brian2 import Hz, Quantity, mM, ms, mV, nA, nS, pA, pF, second, um, umolar  # noqa: F401

from mgnet.models.calibration_files import Lazy, read_calibration
from mgnet.models.param_spec import param

__all__ = ["CultureParams", "CULTURE_CALIBRATION_FILE", "load_culture_calibration"]


# ---------------------------------------------------------------------------------
# Mechanism 7: the culture network (science.md §4 item 7; models/culture/,
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

"""Report tables beside the targets: exhausted branches, uncertain parameters, sample sizes
and the NMDA charge ratio.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats as _st

from ..run_file import RunData
from .data import (
    ASSAY_EXPERIMENT,
    DOSE_EXPERIMENT,
    MAX_EXHAUSTED_FRACTION,
    PAPER_SAMPLE_SIZE,
    ConditionData,
    _as_runs,
)


def _fraction_ci(k: int, n: int) -> tuple[float, float]:
    """Wilson 95 % interval of a proportion k/n (NaN for n = 0)."""
    if n <= 0:
        return float("nan"), float("nan")
    ci = _st.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def _exhaustion_row(label: str, ex: np.ndarray, ratio: np.ndarray | None,
                    source: str) -> dict[str, Any]:
    ex = np.asarray(ex, bool)
    ratio = np.full(ex.size, np.nan) if ratio is None else np.asarray(ratio, float)
    frac = float(ex.mean()) if ex.size else float("nan")
    lo, hi = _fraction_ci(int(ex.sum()), int(ex.size))
    return {"condition": label, "source": source, "n_branches": int(ex.size),
            "n_exhausted": int(ex.sum()), "exhausted_fraction": frac,
            "ci_low": lo, "ci_high": hi,
            "exhausted_setpoint_ratio": float(np.nanmean(ratio[ex]))
            if ex.any() and np.isfinite(ratio[ex]).any() else float("nan"),
            "setpoint_ratio": float(np.nanmean(ratio))
            if ratio.size and np.isfinite(ratio).any() else float("nan"),
            "premise_holds": bool(frac <= MAX_EXHAUSTED_FRACTION),
            "verdict": _premise_verdict(frac, lo)}


def _premise_verdict(frac: float, ci_low: float) -> str:
    """Words for the report: the premise holds (fraction ≤ the limit), fails with the limit
    inside the 95 % interval (sampling scatter about a condition calibrated to the limit),
    or fails outright."""
    if not np.isfinite(frac):
        return "n/a"
    if frac <= MAX_EXHAUSTED_FRACTION:
        return "yes"
    if np.isfinite(ci_low) and ci_low <= MAX_EXHAUSTED_FRACTION:
        return (f"**no** (above {MAX_EXHAUSTED_FRACTION:.0%}, but the 95 % interval contains "
                "it: sampling scatter about the limit that C3 is calibrated to)")
    return "**no: the homeostasis premise fails**"


def exhaustion_table(conds: Mapping[str, ConditionData],
                     dose: RunData | Sequence[RunData] | None = None) -> list[dict[str, Any]]:
    """Per condition: the fraction of exhausted branches (every anatomical bouton active and
    ΣPr still below the set-point: homeostasis cannot hold the branch; science.md §4 item 2)
    and their ΣPr relative to the set-point, from ``/branches/exhausted`` and
    ``/branches/setpoint_ratio`` (true ΣPr of the active boutons / set-point).

    Parameters
    ----------
    conds : mapping of condition to ConditionData
        ``bouton-assay`` conditions (all seeds pooled).
    dose : RunData or sequence, optional
        ``mg-dose-response`` runs: one more row per [Mg]i group (``/branches/mg_level``).

    Returns one dict per condition (and dose group) with ``condition``, ``source``
    (experiment), ``n_branches``, ``n_exhausted``, ``exhausted_fraction`` with its Wilson
    95 % interval ``ci_low``/``ci_high``, ``exhausted_setpoint_ratio`` (mean over exhausted
    branches), ``setpoint_ratio`` (mean over all), ``premise_holds`` (exhausted fraction
    ≤ :data:`MAX_EXHAUSTED_FRACTION`) and ``verdict`` (the same in words, saying whether
    the limit lies inside the interval); conditions whose runs lack the columns are
    skipped.
    """
    out = []
    for cond, cd in conds.items():
        raw = cd.branch_extra
        if "exhausted" not in raw:
            continue
        out.append(_exhaustion_row(cond, raw["exhausted"], raw.get("setpoint_ratio"),
                                   ASSAY_EXPERIMENT))
    runs = [r for r in _as_runs(dose) if r.branches is not None
            and "exhausted" in r.branches and "mg_level" in r.branches]
    if runs:
        ex = np.concatenate([np.asarray(r.branches["exhausted"], bool) for r in runs])
        lev = np.concatenate([np.asarray(r.branches["mg_level"], float) for r in runs])
        for level in np.unique(lev[np.isfinite(lev)]):
            sel = lev == level
            out.append(_exhaustion_row(f"[Mg]i group {level:.4g} mM", ex[sel], None,
                                       DOSE_EXPERIMENT))
    return out


#: Parameters that could not be read from Zhou et al. (2024) or rest on one literature
#: value, with the target each most affects (science.md §3: the report names it) and
#: where its value comes from.  ``calibrated`` entries are set by C1–C3.
UNCERTAIN_PARAMETERS: dict[str, tuple[str, str]] = {
    "configuration.setpoint_median": (
        "T1 (boutons per branch: 30-trial noise of ΣPr, silent reserve)",
        "calibrated C1: 863/66 functional boutons per branch (Fig 1b/1c n)"),
    "configuration.anatomical_density": (
        "T2, T5 (the silent reserve)", "calibrated C2: 53 % silent at baseline (T6)"),
    "magnesium.mg_i": ("T2, T3, T5 (size of the configuration shift; elevated_mg)",
                       "calibrated C3: T6 elevated, limited to ≤ 20 % exhausted branches"),
    "configuration.setpoint_cv": (
        "T1 (hyperbola R², ΣPr–P̄r)", "placeholder: Fig 1e–f ΣPr spread not readable"),
    "configuration.mg_i_branch_cv": (
        "T1 (P̄r range), T3", "placeholder: Fig 4e branch [Mg]i not readable"),
    "configuration.mg_i_bouton_cv": ("T3 (R²)", "placeholder: Fig 4d bouton [Mg]i not readable"),
    "configuration.mg_i_measurement_cv": (
        "T3 (R²)", "placeholder: Magnesium Green imaging error not reported"),
    "configuration.competence_sigma": (
        "T3 (R²), T4", "derived: Pr log-sd 0.7 (Murthy et al. 1997; Fig 1c range) minus the "
        "[Mg]i part; Fig 1c histogram not readable"),
    "configuration.q_size_exponent": (
        "T7 (exponent b), T8 (G)", "literature direction (Murthy et al. 2001; Holderith et al. "
        "2012), exponent uncertain"),
    "configuration.size_activation_correlation": (
        "T2, T6 (which boutons are recruited)", "direction from Sun et al. 2015; strength "
        "uncertain"),
    "release.k": ("T3 (slope)", "literature default 1; not identifiable from T6"),
    "release_pool.n_rrp_median": (
        "T4, T5 (burst release)", "Dobrunz & Stevens 1997; Schikorski & Stevens 1997"),
    "receptors.glun2b_fraction": (
        "T7 (GluN2B share)", "no independent DIV-14 culture value found (docs/calibration.md §5)"),
    "assay.mg_o": ("T7 (ΣwCa_burst)", "recording solution: Methods not readable"),
    "configuration.tau_mg_cascade": (
        "Fig 4a lag", "Fig 4a: little change at 1–2 h, clear at ≈ 4 h"),
}


def parameter_table(conds: Mapping[str, ConditionData]) -> list[dict[str, Any]]:
    """The :data:`UNCERTAIN_PARAMETERS` with their values in the runs of each condition.

    Returns one dict per parameter: ``parameter`` (``section.name``), ``values`` (text,
    ``"0.5 mM (baseline), 0.7015 mM (elevated_mg)"`` when conditions differ, else the one
    value), ``target`` (the target it most affects) and ``source``.
    """
    out = []
    for key, (target, source) in UNCERTAIN_PARAMETERS.items():
        section, _, name = key.partition(".")
        vals = {c: cd.params.get(section, {}).get(name) for c, cd in conds.items()}
        vals = {c: v for c, v in vals.items() if v is not None}
        if not vals:
            text = "not recorded"
        elif len({str(v) for v in vals.values()}) == 1:
            text = str(next(iter(vals.values())))
        else:
            text = ", ".join(f"{v} ({c})" for c, v in vals.items())
        out.append({"parameter": key, "values": text, "target": target, "source": source})
    return out


def sample_size_notes(conds: Mapping[str, ConditionData]) -> list[str]:
    """One sentence per condition whose pooled sample is below the paper's (≥ 60 branches,
    ≥ 800 boutons); statistics from such runs are weaker than the paper's."""
    notes = []
    for cond, cd in conds.items():
        nf = int(np.sum(cd.functional))
        if cd.n_branches < PAPER_SAMPLE_SIZE["branches"] or nf < PAPER_SAMPLE_SIZE["boutons"]:
            notes.append(f"{cond}: {cd.n_branches} branches and {nf} functional boutons "
                         f"(paper: ≥ {PAPER_SAMPLE_SIZE['branches']} branches, "
                         f"≥ {PAPER_SAMPLE_SIZE['boutons']} boutons)")
    return notes


# ------------------------------------------------------------------ why a target failed


def nmda_charge_ratio(tau_rise_ms: float, tau_2a_ms: float, tau_2b_ms: float) -> float:
    """Charge of a unit-peak GluN2B conductance relative to a unit-peak GluN2A one.

    Each conductance is the difference of exponentials e^(−t/τ_decay) − e^(−t/τ_rise)
    scaled to peak 1 (as in models/synapses.py), whose integral is
    (τ_decay − τ_rise) / peak.  With 2 ms rise, 50 ms and 300 ms decays: 5.43.
    """
    def charge(td: float) -> float:
        tr = tau_rise_ms
        if not (td > tr > 0):
            return float("nan")
        tp = td * tr / (td - tr) * math.log(td / tr)
        peak = math.exp(-tp / td) - math.exp(-tp / tr)
        return (td - tr) / peak
    return charge(tau_2b_ms) / charge(tau_2a_ms)

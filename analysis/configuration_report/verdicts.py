"""The targets' static text (:data:`TARGETS`) and the helpers that format a target's numbers
and verdict into one table row.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import ASSAY_EXPERIMENT, ConditionData, _fig


@dataclass(frozen=True)
class _Target:
    kind: str
    finding: str
    paper: str
    tolerance: str
    figure: str
    calibrations: str = ""


#: Static text of each target (science.md §3 and the figure legends of Zhou 2024).
TARGETS: dict[str, _Target] = {
    "T1": _Target(
        "V",
        "D vs P̄r across branches is hyperbolic; D vs 1/P̄r linear; ΣPr independent of P̄r",
        "hyperbola R² 0.87; D vs 1/P̄r R² 0.84; ΣPr vs P̄r R² 0.006 (n.s.); 66 + 67 "
        "branches of both conditions pooled",
        "branches of both conditions pooled, median over seeds: hyperbola and D vs 1/P̄r "
        "R² ≥ 0.75; ΣPr–P̄r regression P > 0.05",
        _fig("fig1b"), "C1, C2, C3 (most affected by C1; the set-point spread is uncertain)",
    ),
    "T2": _Target(
        "V",
        "raising [Mg]i shifts bouton Pr down, D up, P̄r down, ΣPr unchanged",
        "Pr KS P < 0.0001; D ↑, P̄r ↓; ΣPr KS P = 0.09",
        "Pr KS P < 0.001; D up; P̄r down; ΣPr change within ±10 % and KS P > 0.05",
        _fig("fig1c"), "C3 (and C1, C2 through the silent reserve)",
    ),
    "T3": _Target(
        "V",
        "bouton Pr falls as a power law of [Mg]i",
        "double-log fit R² 0.54, negative slope",
        "log–log slope < 0 and 0.35 ≤ R² ≤ 0.75 (measured [Mg]i, functional boutons, the "
        "two groups pooled)",
        _fig("fig4d"), "C3 (the elevated group's [Mg]i)",
    ),
    "T4": _Target(
        "V",
        "burst facilitation ΔPr is largest for low-Pr boutons",
        "ΔPr largest for low-Pr boutons",
        "Spearman ρ(ΔPr, Pr) < 0; mean ΔPr(Pr < 0.2) ≥ 2 × mean ΔPr(Pr > 0.4) (baseline)",
        _fig("fig1d"), "none directly (bouton-level; C1, C2 select the active boutons)",
    ),
    "T5": _Target(
        "V",
        "branch ΣPr_burst and STF rise with Mg while ΣPr does not",
        "ΣPr_burst +84 % (configuration shift), +161 % (0.8 → 1.2 mM) (uncertain); STF ↑",
        "ΣPr_burst KS P < 0.001; mean increase +30 % … +200 %; STF rises",
        _fig("fig1ef"), "C3 (size of the configuration shift), C1",
    ),
    "T6": _Target(
        "C",
        "silent-bouton fraction falls with Mg (calibration target)",
        "≈ 53 % → ≈ 30 % silent (uncertain)",
        "each condition within ±5 percentage points of the paper",
        _fig("fig1c"), "is C2 (baseline) and C3 (elevated)",
    ),
    "T7": _Target(
        "V",
        "spine Ca²⁺ scales sub-linearly with Pr; burst spine Ca²⁺ per branch rises with Mg; "
        "GluN2B carries most NMDA spine Ca²⁺",
        "wCa = 31.10·Pr^0.55 − 3.95 (R² 0.76); ΣwCa_burst ↑ with Mg; GluN2B ≈ 57 % "
        "(blockade, Fig 3h)",
        "b of a·Pr^b + c 0.4–0.7; branch ΣwCa_burst higher with Mg (Mann–Whitney P < 0.001); "
        "GluN2B share of spine Ca²⁺ (virtual block) 40–70 %",
        _fig("fig3a"), "C3",
    ),
    "T8": _Target(
        "V",
        "DHiLo branches: lower basal transmission G, higher burst transmission G_burst",
        "G ≈ −35 %, G_burst ≈ +35 % (uncertain)",
        "DHiLo vs DLoHi: G lower by 15–50 %; G_burst higher by 15–60 %",
        _fig("g_split"), "C1, C2, C3",
    ),
    "T9": _Target(
        "V",
        "coding capacity per 10 µm higher for DHiLo / elevated Mg",
        "higher for DHiLo and elevated Mg; decreases with P̄r",
        "≥ 20 % more bits at matched ΣPr (DHiLo vs DLoHi and elevated vs baseline); "
        "Spearman ρ(capacity, P̄r) < 0 with P < 0.05",
        _fig("capacity"), "C1, C2, C3",
    ),
}


# ------------------------------------------------------------------------------- formatting


def _f(x: float, nd: int = 3) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.{nd}g}"


def _pct(x: float, signed: bool = True) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x * 100:+.0f} %" if signed else f"{x * 100:.0f} %"


def _p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "P n/a"
    if p == 0:
        return "P < 1e-300"
    if p < 1e-3:
        return f"P = {p:.1e}"
    return f"P = {p:.3f}" if p < 0.1 else f"P = {p:.2f}"


def _check(name: str, passed: bool | None, text: str) -> dict[str, Any]:
    """One criterion: ``name``, ``passed`` (True/False/None), ``text`` (the measured value
    against the requirement, in words)."""
    return {"name": name, "passed": None if passed is None else bool(passed), "text": text}


def _verdict(checks: Sequence[Mapping[str, Any]]) -> bool | None:
    states = [c["passed"] for c in checks]
    if any(s is False for s in states):
        return False
    if not states or any(s is None for s in states):
        return None
    return True


def _row(tid: str, model: str, checks: list, values: dict, notes: Sequence[str] = ()
         ) -> dict[str, Any]:
    spec = TARGETS[tid]
    return {
        "id": tid,
        "kind": spec.kind,
        "finding": spec.finding,
        "paper": spec.paper,
        "model": model,
        "tolerance": spec.tolerance,
        "reproduced": _verdict(checks),
        "figure": spec.figure,
        "calibrations": spec.calibrations,
        "checks": checks,
        "values": values,
        "notes": list(notes),
    }


def _not_run(tid: str, reason: str) -> dict[str, Any]:
    row = _row(tid, f"not run ({reason})", [], {})
    row["reproduced"] = None
    row["figure"] = ""
    return row


def _need(conds: Mapping[str, ConditionData], problems: Mapping[str, str] | None,
          *names: str) -> str | None:
    """Reason text if a needed condition is missing, else None."""
    problems = problems or {}
    missing = []
    for n in names:
        if n not in conds:
            missing.append(f"{ASSAY_EXPERIMENT} {n}: {problems[n]}" if n in problems
                           else f"no {ASSAY_EXPERIMENT} run for condition {n}")
    return "; ".join(missing) if missing else None


def _col(cd: ConditionData, key: str) -> np.ndarray | None:
    v = cd.boutons.get(key)
    return None if v is None else np.asarray(v, float)


# ---------------------------------------------------------------------------------- targets


def _rng(values: Mapping[str, Any], key: str, nd: int = 2, pct: bool = False,
         share: bool = False) -> str:
    """" [min–max over seeds]" when the row aggregates several seeds (``pct``: signed
    percentages, ``share``: unsigned percentages)."""
    r = values.get("_range", {}).get(key)
    if not r:
        return ""
    lo, hi = r
    if pct or share:
        return f" [{_pct(lo, not share)} … {_pct(hi, not share)}]"
    return f" [{_f(lo, nd)} … {_f(hi, nd)}]"

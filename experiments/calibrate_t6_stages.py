"""The two stages of the T6 calibration (:func:`mgnet.experiments.calibrate.calibrate_t6`).

Stage 1 solves the set-point median (functional boutons per branch) and the anatomical
density (baseline silent fraction) at baseline; stage 2 finds the elevated [Mg]i with the
elevated silent fraction and applies the exhausted-branch policy.  Identifiability and
the policies: the docstring of :mod:`mgnet.experiments.calibrate` and
``docs/calibration.md``.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .calibrate_t6_assay import T6Evaluator

#: Log-spaced grid points used to verify monotonicity / locate the bracket.
_GRID_DENSITY = 16
_GRID_MG = 48
#: Largest elevation searched, as a multiple of baseline [Mg]i.
_MG_MAX_FACTOR = 20.0


class CalibrationError(ValueError):
    """The calibration target cannot be reached, or the objective is not monotone."""


# --------------------------------------------------------------------------------------
# The two calibration stages
# --------------------------------------------------------------------------------------
def _say(verbose: bool, msg: str) -> None:
    if verbose:
        print(msg, flush=True)


def _calibrate_density(ev: T6Evaluator, target: float, verbose: bool,
                       setpoint_median: float | None = None) -> tuple[float, dict]:
    """Stage 1b: anatomical density with measured silent fraction ``target`` at baseline
    (set-point median ``setpoint_median``)."""
    lo, hi = ev.density_bounds
    grid = np.geomspace(lo, hi, _GRID_DENSITY)
    values = np.array([ev.measured(d, ev.mg_base, setpoint_median) for d in grid])
    if not values.min() < target < values.max():
        raise CalibrationError(
            f"T6 baseline target {target:.3f} unreachable: the measured silent fraction "
            f"spans only {values.min():.3f}-{values.max():.3f} for anatomical_density in "
            f"[{lo}, {hi}] boutons per 10 um")
    j = int(np.flatnonzero(values >= target)[0])
    # Monotone where it matters: from the grid point below the bracket upwards (at the
    # lowest densities every bouton is active and the fraction is ~0 with noise).
    win = values[max(j - 2, 0):]
    if j == 0 or np.any(np.diff(win) < 0):
        i = max(j - 2, 0) + (int(np.flatnonzero(np.diff(win) < 0)[0]) if np.any(
            np.diff(win) < 0) else 0)
        raise CalibrationError(
            f"baseline silent fraction is not monotone in anatomical_density around the "
            f"target ({values[i]:.4f} at {grid[i]:.3g}, {values[i + 1]:.4f} at "
            f"{grid[i + 1]:.3g})")
    _say(verbose, f"  stage 1: monotone on {_GRID_DENSITY} grid points; root bracketed in "
                  f"[{grid[j - 1]:.3g}, {grid[j]:.3g}] boutons/10 um")
    root = brentq(lambda d: ev.measured(d, ev.mg_base, setpoint_median) - target,
                  grid[j - 1], grid[j], xtol=1e-6, rtol=1e-10)
    return float(root), {"grid": grid.tolist(), "values": values.tolist()}


def _density_root(ev: T6Evaluator, target: float, sp: float, guess: float) -> float:
    """Density with baseline silent fraction ``target`` at set-point median ``sp``,
    bracketed by expanding around ``guess`` (the fraction rises with density)."""
    lo_b, hi_b = ev.density_bounds
    f = lambda d: ev.measured(d, ev.mg_base, sp) - target  # noqa: E731
    a = b = min(max(guess, lo_b), hi_b)
    fa = fb = f(a)
    while fa > 0 and a > lo_b:
        a = max(a / 1.5, lo_b)
        fa = f(a)
    while fb < 0 and b < hi_b:
        b = min(b * 1.5, hi_b)
        fb = f(b)
    if fa > 0 or fb < 0:
        raise CalibrationError(
            f"T6 baseline target {target:.3f} unreachable at setpoint_median {sp:.4g}: the "
            f"measured silent fraction spans {fa + target:.3f}-{fb + target:.3f} for "
            f"anatomical_density in [{lo_b}, {hi_b}] boutons per 10 um")
    if fa == 0:
        return a
    if a == b:
        return a
    return float(brentq(f, a, b, xtol=1e-6, rtol=1e-10))


def _calibrate_baseline(ev: T6Evaluator, target_silent: float, target_functional: float,
                        verbose: bool) -> tuple[float, float, dict]:
    """Stage 1: set-point median (functional boutons per branch) and anatomical density
    (silent fraction), solved jointly at baseline.

    The functional boutons per branch grow with the set-point median S and depend on the
    density D only through branches that run out of boutons; the silent fraction depends
    on both.  The two roots are therefore alternated (S at fixed D, then D at fixed S)
    until both change by less than 1e-3 relative (the functions are piecewise constant at
    the 1e-4 level: one bouton more or less); the final density is re-checked with
    the full grid of stage 1b.  Returns ``(setpoint_median, density, info)``.
    """
    from mgnet.models.parameters import ConfigurationParams, param_info
    info_sp = param_info(ConfigurationParams)["setpoint_median"]
    lo, hi = float(info_sp["low"]), float(info_sp["high"])
    sp = float(ev.config.setpoint_median)
    density = _density_root(ev, target_silent, sp, float(ev.config.anatomical_density))
    history = []
    for _ in range(12):
        g = lambda x, density=density: ev.fractions(density, ev.mg_base, x)["functional_per_branch"] \
            - target_functional  # noqa: E731
        a = b = sp
        ga = gb = g(a)
        while ga > 0 and a > lo:
            a = max(a / 1.5, lo)
            ga = g(a)
        while gb < 0 and b < hi:
            b = min(b * 1.5, hi)
            gb = g(b)
        if ga > 0 or gb < 0:
            raise CalibrationError(
                f"functional boutons per branch {target_functional:.2f} unreachable: the "
                f"baseline gives {ga + target_functional:.2f}-{gb + target_functional:.2f} "
                f"for setpoint_median in [{a:.3g}, {b:.3g}] at density {density:.3g}")
        sp_new = a if a == b else float(brentq(g, a, b, xtol=1e-7, rtol=1e-9))
        d_new = _density_root(ev, target_silent, sp_new, density)
        history.append((sp_new, d_new))
        done = (abs(sp_new - sp) <= 1e-3 * sp and abs(d_new - density) <= 1e-3 * density)
        sp, density = sp_new, d_new
        if done:
            break
    else:
        raise CalibrationError(f"stage 1 did not converge: {history[-3:]}")
    sp = round(sp, 4)
    density, d_info = _calibrate_density(ev, target_silent, False, sp)
    _say(verbose, f"  stage 1: set-point median and density converged in {len(history)} "
                  f"alternations")
    return sp, round(density, 4), {"history": history, **d_info}


def _calibrate_elevation(ev: T6Evaluator, density: float, target: float,
                         verbose: bool, setpoint_median: float | None = None
                         ) -> tuple[float, dict]:
    """Stage 2: elevated [Mg]i (mM) with measured silent fraction ``target``.

    The measured silent fraction first falls as [Mg]i rises (recruitment), then rises
    again once Pr of the recruited boutons drops below what 30 trials can detect.  The
    calibration takes the descending branch (the smallest elevation reaching the
    target) and checks it is monotone there.
    """
    m0 = ev.mg_base
    sp = setpoint_median
    grid = np.geomspace(m0, m0 * _MG_MAX_FACTOR, _GRID_MG)
    values = np.array([ev.measured(density, m, sp) for m in grid])
    i_min = int(np.argmin(values))
    lo_i, hi_i = max(i_min - 1, 0), min(i_min + 1, len(grid) - 1)
    res = minimize_scalar(lambda m: ev.measured(density, m, sp),
                          bounds=(grid[lo_i], grid[hi_i]),
                          method="bounded", options={"xatol": 1e-5})
    m_floor, s_floor = (float(res.x), float(res.fun)) if res.fun < values[i_min] \
        else (float(grid[i_min]), float(values[i_min]))
    info = {"grid": grid.tolist(), "values": values.tolist(),
            "floor_mg_i_mM": m_floor, "floor_silent_fraction": s_floor}
    if values[0] <= target:
        raise CalibrationError(
            f"T6 elevated target {target:.3f} is not below the baseline silent fraction "
            f"{values[0]:.3f}")
    if s_floor > target:
        raise CalibrationError(
            f"T6 elevated target {target:.3f} unreachable: raising [Mg]i lowers the measured "
            f"silent fraction at most to {s_floor:.4f} (at {m_floor:.3g} mM, k = "
            f"{ev.release.k}); beyond that, recruited boutons fall below the 30-trial "
            f"detection limit.  k cannot fix this (T6 identifies only the Pr ratio); the "
            f"floor is set by ConfigurationParams (competence_median, competence_sigma, "
            f"size_activation_correlation, setpoint_median, mg_i_branch_cv)")
    desc = values[:i_min + 1]
    if np.any(np.diff(desc) > 0):
        i = int(np.flatnonzero(np.diff(desc) > 0)[0])
        raise CalibrationError(
            f"measured silent fraction is not monotone between baseline and its minimum "
            f"({desc[i]:.4f} at {grid[i]:.3g} mM < {desc[i + 1]:.4f} at {grid[i + 1]:.3g} mM)")
    j = int(np.flatnonzero(values[:i_min + 1] <= target)[0]) if values[i_min] <= target \
        else None
    a = grid[j - 1] if j is not None else grid[max(i_min - 1, 0)]
    b = grid[j] if j is not None else m_floor
    _say(verbose, f"  stage 2: descending branch monotone up to the floor {s_floor:.4f} at "
                  f"{m_floor:.3g} mM; root bracketed in [{a:.4g}, {b:.4g}] mM")
    root = brentq(lambda m: ev.measured(density, m, sp) - target, a, b, xtol=1e-7,
                  rtol=1e-10)
    return float(root), info


def _constrain_exhaustion(ev: T6Evaluator, density: float, sp: float, mg_root: float,
                          max_exhausted: float, policy: str, verbose: bool
                          ) -> tuple[float, dict]:
    """Apply the exhausted-branch policy to the stage-2 root.

    Returns the elevated [Mg]i to store and ``{"exhausted_at_root", "policy",
    "constrained", "warning"}``.
    """
    ex_root = ev.fractions(density, mg_root, sp)["exhausted"]
    info = {"exhausted_at_root": ex_root, "policy": policy, "constrained": False,
            "warning": ""}
    if ex_root <= max_exhausted:
        return mg_root, info
    msg = (f"the T6 elevated target leaves {ex_root:.1%} of the branches exhausted (every "
           f"bouton active, ΣPr below its set-point) at [Mg]i = {mg_root:.4g} mM, more than "
           f"{max_exhausted:.0%}: homeostasis cannot hold ΣPr there (science.md §4 item 2)")
    if policy == "refuse":
        raise CalibrationError(msg + "; re-run with on_exhausted='constrain' or 'warn'")
    if policy == "warn":
        info["warning"] = "WARNING: " + msg
        _say(verbose, "  " + info["warning"])
        return mg_root, info
    ex = lambda m: ev.fractions(density, m, sp)["exhausted"] - max_exhausted  # noqa: E731
    if ex(ev.mg_base) > 0:
        raise CalibrationError(msg + f"; already {ex(ev.mg_base) + max_exhausted:.1%} "
                                     f"exhausted at baseline")
    m = brentq(ex, ev.mg_base, mg_root, xtol=1e-6, rtol=1e-9)
    # exhaustion is a step function of [Mg]i: step back until within the bound
    while ex(m) > 0 and m > ev.mg_base:
        m -= 1e-5
    info["constrained"] = True
    info["warning"] = ("constrained: " + msg + f"; the largest [Mg]i leaving at most "
                       f"{max_exhausted:.0%} exhausted is {m:.4g} mM")
    _say(verbose, "  " + info["warning"])
    return float(m), info

"""One-time, re-runnable calibration of the presynaptic configuration against T6.

T6 (science.md §3; Zhou, Bi & Liu 2024 Nat Commun 15:3406): the *measured* silent-bouton
fraction (measured Pr < 0.04 over 30 single spikes at 0.5 Hz) is ≈ 53 % at baseline and
≈ 30 % at elevated Mg (configuration equilibrated).  The configuration model
(:mod:`mgnet.models.configuration`; science.md §4 item 2) gives an active bouton
Pr = min(pr_max, c·([Mg]i/[Mg]ref)^-k) and lets homeostasis recruit silent boutons until
the branch ΣPr is back at its set-point.

Identifiability (documented in ``docs/calibration.md``):

* at baseline ([Mg]i = [Mg]ref) the power law is 1 whatever k is.  How many boutons of a
  branch are functional is set by its set-point and the competences: **stage 1** finds
  ``ConfigurationParams.setpoint_median`` so that a baseline branch carries on average
  the paper's 863/66 = 13.08 functional boutons (Fig 1b/1c n; an untested distribution,
  science.md §3); the silent fraction is then set by the anatomical bouton density:
  **stage 1** also finds ``ConfigurationParams.anatomical_density`` (53 % silent); the
  two are solved jointly;
* after elevation only r = ([Mg]i,elev/[Mg]i,base)^-k enters, so k and the elevated [Mg]i
  are not separately identifiable from T6: **stage 2** keeps k at its literature default
  (``ReleaseParams.k``) and finds the elevated [Mg]i (``ELEVATED_MG_I``).  Homeostasis
  can only recruit the boutons a branch has: if the T6 root leaves more than
  ``max_exhausted`` (20 %) of the branches *exhausted* (every bouton active, ΣPr below the
  set-point), the calibration by default takes the largest [Mg]i that leaves at most that
  fraction exhausted and reports the silent fraction it reaches (``on_exhausted =
  "constrain"``); ``"refuse"`` raises instead and ``"warn"`` keeps the T6 root with a
  warning written into the file (science.md T6: the procedure must not leave branches
  without a silent reserve).

"Measured" mimics the virtual FM-dye assay: a bouton is functional if it releases at least
``ceil(0.04·30) = 2`` times in 30 trials.  With 2 s spacing the trials are treated as
independent Bernoulli trials with the per-spike Tsodyks–Markram mean release averaged over
the train (:func:`mgnet.models.synapses.tm_mean_release`; τF 100 ms, τD 500 ms leave ≤ 2 % of
depression at 0.5 Hz), i.e. the count is binomial.  The objective is the *expected*
measured silent fraction (P(count < 2) per bouton, pooled over all anatomical boutons, as
``silent_fraction_pooled`` of :mod:`mgnet.analysis.configuration_metrics`), averaged over a
large fixed-seed population, so the calibration is deterministic.

The population is drawn once with :func:`mgnet.models.configuration.sample_branches` at the
upper density bound and thinned with fixed uniform variables (common random numbers):
a Poisson count thinned with probability D/D_max is Poisson with mean D·L/10 and the
bouton attributes are i.i.d., so the thinned population has exactly the distribution of
``sample_branches`` at density D, while the objective changes smoothly and monotonically
with D instead of jumping with every re-draw.

Entry points: :func:`calibrate_t6`, ``mgnet calibrate t6 [--write]`` (registered by
:func:`add_parser`, run by :func:`run_cli`) and ``python -m mgnet.experiments.calibrate t6``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import functools
import math
import shlex
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import binom

from mgnet.experiments.calibration_cli import NOT_WRITTEN, add_write_flags, write_requested
from mgnet.models.calibration_files import SCHEMA_VERSION as CALIBRATION_SCHEMA_VERSION
from mgnet.models.units import parse_value

__all__ = ["CalibrationError", "CALIBRATION_FILE", "DOCS_FILE", "DEFAULT_SEED",
           "DEFAULT_N_BRANCHES", "TARGET_BASELINE", "TARGET_ELEVATED", "N_TRIALS", "RATE_HZ",
           "TARGET_FUNCTIONAL_PER_BRANCH", "MAX_EXHAUSTED",
           "functional_probability", "T6Evaluator", "calibrate_t6", "read_calibration",
           "format_mg", "parse_mg", "add_parser", "run_cli", "main"]

_REPO = Path(__file__).resolve().parent.parent
#: Where the calibrated values live; ``models/parameters.py`` reads this file on first use.
CALIBRATION_FILE = _REPO / "models" / "calibration.toml"
#: Documentation whose generated block is refreshed when the default file is written.
DOCS_FILE = _REPO / "docs" / "calibration.md"
DOCS_BEGIN = "<!-- BEGIN GENERATED: mgnet calibrate t6 -->"
DOCS_END = "<!-- END GENERATED: mgnet calibrate t6 -->"

DEFAULT_SEED = 2024
DEFAULT_N_BRANCHES = 2000
#: T6 targets: measured silent fraction at baseline / elevated Mg (Zhou et al. 2024).
TARGET_BASELINE = 0.53
TARGET_ELEVATED = 0.30
#: Functional boutons per baseline branch: Zhou et al. (2024) Fig 1c n = 863 boutons
#: (5 repeats) on the Fig 1b n = 66 branches (5 repeats).
TARGET_FUNCTIONAL_PER_BRANCH = 863 / 66
#: Largest fraction of exhausted branches the elevated-Mg calibration may leave.
MAX_EXHAUSTED = 0.20
ON_EXHAUSTED = ("constrain", "refuse", "warn")
#: The virtual FM-dye 1AP protocol (science.md §2).
N_TRIALS = 30
RATE_HZ = 0.5
#: Log-spaced grid points used to verify monotonicity / locate the bracket.
_GRID_DENSITY = 16
_GRID_MG = 48
#: Largest elevation searched, as a multiple of baseline [Mg]i.
_MG_MAX_FACTOR = 20.0


class CalibrationError(ValueError):
    """The calibration target cannot be reached, or the objective is not monotone."""


# --------------------------------------------------------------------------------------
# Units: "1.05 mM" <-> 1.05 (mM); the reader is mgnet.models.units.parse_value
# --------------------------------------------------------------------------------------
def parse_mg(text: str) -> float:
    """Concentration string (``"0.83 mM"``, ``"830 uM"``) -> value in mM: the one float unit
    parser, :func:`mgnet.models.units.parse_value` with ``unit="mM"``."""
    return parse_value(text, "mM")


def format_mg(value_mM: float, digits: int = 4) -> str:
    """Value in mM -> ``"1.047 mM"`` (``digits`` significant figures)."""
    return f"{float(f'{value_mM:.{digits}g}'):g} mM"


# --------------------------------------------------------------------------------------
# The virtual assay, in expectation
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _per_trial_table(n_trials: int, rate_hz: float, tau_f_s: float, tau_d_s: float,
                     n_grid: int = 501) -> tuple[np.ndarray, np.ndarray]:
    """U grid and the TM mean release per spike averaged over the 1AP train."""
    from mgnet.models.synapses import tm_mean_release
    isis = np.full(n_trials - 1, 1.0 / rate_hz)
    u = np.linspace(0.0, 1.0, n_grid)
    p = np.array([tm_mean_release(x, isis, tau_f_s, tau_d_s).mean() for x in u])
    return u, p


def _stp_seconds(stp=None) -> tuple[float, float]:
    from mgnet.models.parameters import ShortTermPlasticityParams
    stp = stp or ShortTermPlasticityParams()
    return float(stp.tau_f), float(stp.tau_d)   # Brian2 quantities -> seconds


def min_releases(threshold: float, n_trials: int = N_TRIALS) -> int:
    """Smallest release count n with n / n_trials >= threshold (0.04, 30 -> 2)."""
    return max(0, int(math.ceil(threshold * n_trials - 1e-9)))


def functional_probability(pr_true, *, threshold: float | None = None,
                           n_trials: int = N_TRIALS, rate_hz: float = RATE_HZ,
                           stp=None) -> np.ndarray:
    """Probability that a bouton is *measured* functional in the 1AP assay.

    The release count over ``n_trials`` spikes at ``rate_hz`` is taken as binomial with
    the per-spike probability equal to the Tsodyks–Markram mean release averaged over the
    train (:func:`mgnet.models.synapses.tm_mean_release`); a bouton is functional if the count
    reaches ``ceil(threshold · n_trials)``.  Silent boutons (Pr = 0) give 0.
    """
    from mgnet.models.parameters import ReleaseParams
    thr = ReleaseParams().functional_threshold if threshold is None else threshold
    u, p = _per_trial_table(int(n_trials), float(rate_hz), *_stp_seconds(stp))
    p_trial = np.interp(np.asarray(pr_true, dtype=float), u, p)
    n_min = min_releases(thr, n_trials)
    if n_min == 0:
        return np.ones_like(p_trial)
    return binom.sf(n_min - 1, n_trials, p_trial)


class T6Evaluator:
    """Deterministic expected silent fractions of one fixed-seed branch population.

    Parameters
    ----------
    n_branches, seed
        Population size and seed of :func:`mgnet.models.configuration.sample_branches`.
    config, release, stp, magnesium
        Parameter dataclasses (defaults: the package defaults).  ``config``'s own
        ``anatomical_density`` is ignored: the density is the argument of the methods.
    density_max
        Density at which the population is drawn before thinning (default: the upper
        bound of ``anatomical_density``).
    """

    def __init__(self, n_branches: int = DEFAULT_N_BRANCHES, seed: int = DEFAULT_SEED, *,
                 config=None, release=None, stp=None, magnesium=None,
                 density_max: float | None = None):
        from mgnet.models.configuration import sample_branches
        from mgnet.models.parameters import (ConfigurationParams, MagnesiumParams, ReleaseParams,
                                       param_info)
        from brian2 import mM
        self.config = config or ConfigurationParams()
        self.release = release or ReleaseParams()
        self.stp = stp
        mag = magnesium or MagnesiumParams()
        self.mg_base = float(mag.mg_i / mM)
        self.mg_ref = float(mag.mg_i_ref / mM)
        info = param_info(ConfigurationParams)["anatomical_density"]
        self.density_bounds = (float(info["low"]), float(info["high"]))
        self.density_max = float(density_max or self.density_bounds[1])
        self.n_branches = int(n_branches)
        self.seed = int(seed)
        base_cfg = dataclasses.replace(self.config, anatomical_density=self.density_max)
        self._full = sample_branches(self.n_branches, base_cfg, rng=self.seed)
        # Thinning variables: an independent stream derived from the same seed.
        self._v = np.random.default_rng([self.seed, 6]).random(self._full.n_boutons)
        self._starts = self._full.starts()
        self._pop_cache: dict[float, Any] = {}

    def population(self, density: float, setpoint_median: float | None = None):
        """The population at ``density`` (boutons per 10 µm), by thinning, with every
        set-point scaled to the median ``setpoint_median`` (default: the config's)."""
        from mgnet.models.configuration import BranchPopulation
        density = float(density)
        if not 0 < density <= self.density_max:
            raise ValueError(f"density must be in (0, {self.density_max}], got {density}")
        if setpoint_median is not None and setpoint_median != self.config.setpoint_median:
            pop = self.population(density)
            return dataclasses.replace(
                pop, setpoint=pop.setpoint * (float(setpoint_median)
                                              / self.config.setpoint_median))
        if density in self._pop_cache:
            return self._pop_cache[density]
        keep = self._v < density / self.density_max
        # sample_branches keeps at least one bouton per branch: keep the first candidate.
        counts = np.add.reduceat(keep.astype(np.int64), self._starts[:-1])
        for b in np.flatnonzero(counts == 0):
            s, e = self._starts[b], self._starts[b + 1]
            keep[s + int(np.argmin(self._v[s:e]))] = True
        f = self._full
        pop = BranchPopulation(f.branch_id[keep], f.competence[keep], f.q_rel[keep],
                               f.key[keep], f.length_um, f.setpoint, f.mg_factor,
                               None if f.mg_factor_bouton is None
                               else f.mg_factor_bouton[keep])
        if len(self._pop_cache) > 64:
            self._pop_cache.clear()
        self._pop_cache[density] = pop
        return pop

    def fractions(self, density: float, mg_i_mM: float,
                  setpoint_median: float | None = None) -> dict[str, float]:
        """Silent fractions of the equilibrated configuration at condition [Mg]i.

        Returns ``measured`` (expected fraction with measured Pr < threshold, the T6
        quantity), ``true`` (pr_true < threshold), ``inactive`` (pr_true = 0),
        ``functional_per_branch`` (expected measured-functional boutons per branch),
        ``exhausted`` (fraction of branches with every bouton active and ΣPr below the
        set-point), ``setpoint_ratio`` (mean ΣPr / set-point) and ``n_boutons``.
        """
        from mgnet.models.configuration import equilibrium_state
        pop = self.population(density, setpoint_median)
        st = equilibrium_state(pop, float(mg_i_mM), self.mg_ref, self.release, self.config)
        pr = st["pr"]
        p_func = functional_probability(pr, threshold=self.release.functional_threshold,
                                        stp=self.stp)
        return {"measured": float(1.0 - p_func.mean()),
                "true": float(np.mean(pr < self.release.functional_threshold)),
                "inactive": float(np.mean(pr == 0.0)),
                "functional_per_branch": float(p_func.sum() / pop.n_branches),
                "exhausted": float(np.mean(st["exhausted"])),
                "setpoint_ratio": float(np.mean(st["setpoint_ratio"])),
                "n_boutons": int(pop.n_boutons)}

    def measured(self, density: float, mg_i_mM: float,
                 setpoint_median: float | None = None) -> float:
        """Expected measured silent fraction (the T6 objective)."""
        return self.fractions(density, mg_i_mM, setpoint_median)["measured"]


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
    from mgnet.models.parameters import param_info, ConfigurationParams
    info_sp = param_info(ConfigurationParams)["setpoint_median"]
    lo, hi = float(info_sp["low"]), float(info_sp["high"])
    sp = float(ev.config.setpoint_median)
    density = _density_root(ev, target_silent, sp, float(ev.config.anatomical_density))
    history = []
    for _ in range(12):
        g = lambda x: ev.fractions(density, ev.mg_base, x)["functional_per_branch"] \
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


def calibrate_t6(n_branches: int = DEFAULT_N_BRANCHES, seed: int = DEFAULT_SEED,
                 write: bool = False, path: str | Path = CALIBRATION_FILE, *,
                 target_baseline: float = TARGET_BASELINE,
                 target_elevated: float = TARGET_ELEVATED,
                 target_functional: float | None = TARGET_FUNCTIONAL_PER_BRANCH,
                 max_exhausted: float = MAX_EXHAUSTED, on_exhausted: str = "constrain",
                 command: str | None = None, verbose: bool = True,
                 update_docs: bool | None = None) -> dict:
    """Calibrate the set-point median, ``anatomical_density`` and the elevated [Mg]i.

    Parameters
    ----------
    n_branches, seed
        Population of :func:`mgnet.models.configuration.sample_branches` (fixed seed).
    write, path
        Write the result (with provenance) to ``path`` as TOML.
    target_baseline, target_elevated
        Measured silent fractions to reach (T6: 0.53, 0.30).
    target_functional
        Functional boutons per baseline branch (Fig 1b/1c n: 863/66); None keeps the
        config's set-point median (the old two-parameter calibration).
    max_exhausted, on_exhausted
        Largest exhausted-branch fraction the elevated [Mg]i may leave, and what to do if
        the T6 root leaves more: ``"constrain"`` (largest [Mg]i within the bound),
        ``"refuse"`` (raise) or ``"warn"`` (keep the root, record a warning).
    command
        Command line recorded as provenance (default: the Python call).
    verbose
        Print progress and the result.
    update_docs
        Refresh the generated block of ``docs/calibration.md`` (default: only when
        writing the default calibration file).

    Returns
    -------
    dict
        ``anatomical_density``, ``elevated_mg_i`` (string), ``elevated_mg_i_mM``,
        ``achieved_baseline``, ``achieved_elevated``, ``k``, ``pr_ratio``, diagnostics,
        provenance and ``path`` (None if not written).

    Raises
    ------
    CalibrationError
        A target is unreachable or the objective is not monotone on its bracket.
    """
    from mgnet.models.parameters import ReleaseParams
    t0 = time.time()
    path = Path(path)
    if not (0 < target_elevated < target_baseline < 1):
        raise CalibrationError("targets must satisfy 0 < elevated < baseline < 1")
    if on_exhausted not in ON_EXHAUSTED:
        raise CalibrationError(f"on_exhausted must be one of {', '.join(ON_EXHAUSTED)}")
    if not 0 <= max_exhausted < 1:
        raise CalibrationError("max_exhausted must lie in [0, 1)")
    if command is None:
        command = (f"python -c 'from mgnet.experiments.calibrate import calibrate_t6; "
                   f"calibrate_t6(n_branches={n_branches}, seed={seed})'")
    release = ReleaseParams()
    _say(verbose, f"T6 calibration: {n_branches} branches (seed {seed}); targets: measured "
                  f"silent fraction {target_baseline:.2f} baseline, {target_elevated:.2f} "
                  f"elevated; k fixed at {release.k}")
    ev = T6Evaluator(n_branches, seed, release=release)
    _say(verbose, f"  population drawn at {ev.density_max:g} boutons/10 um "
                  f"({ev._full.n_boutons} boutons) for thinning ({time.time() - t0:.1f} s)")

    if target_functional is None:
        sp = float(ev.config.setpoint_median)
        density, d_info = _calibrate_density(ev, target_baseline, verbose, sp)
        density = round(density, 4)
    else:
        sp, density, d_info = _calibrate_baseline(ev, target_baseline, target_functional,
                                                  verbose)
    _say(verbose, f"  stage 1 done: setpoint_median = {sp}, anatomical_density = {density} "
                  f"boutons per 10 um ({time.time() - t0:.1f} s)")
    mg_root, m_info = _calibrate_elevation(ev, density, target_elevated, verbose, sp)
    mg_elev, x_info = _constrain_exhaustion(ev, density, sp, mg_root, max_exhausted,
                                            on_exhausted, verbose)
    mg_str = format_mg(mg_elev)
    mg_elev = parse_mg(mg_str)   # the stored value is what the model will use
    _say(verbose, f"  stage 2 done: elevated [Mg]i = {mg_str} ({time.time() - t0:.1f} s)")

    base = ev.fractions(density, ev.mg_base, sp)
    elev = ev.fractions(density, mg_elev, sp)
    ratio = (mg_elev / ev.mg_base) ** (-release.k)
    from .provenance import git_state, package_version
    commit, dirty = git_state()
    tau_f, tau_d = _stp_seconds()
    result: dict[str, Any] = {
        "setpoint_median": float(sp),
        "target_functional_per_branch": (float(target_functional)
                                         if target_functional is not None else float("nan")),
        "achieved_functional_per_branch": base["functional_per_branch"],
        "exhausted_baseline": base["exhausted"], "exhausted_elevated": elev["exhausted"],
        "setpoint_ratio_baseline": base["setpoint_ratio"],
        "setpoint_ratio_elevated": elev["setpoint_ratio"],
        "t6_root_mg_i": format_mg(mg_root),
        "exhausted_at_t6_root": x_info["exhausted_at_root"],
        "max_exhausted": float(max_exhausted), "on_exhausted": on_exhausted,
        "constrained": bool(x_info["constrained"]), "exhaustion_warning": x_info["warning"],
        "anatomical_density": density,
        "elevated_mg_i": mg_str,
        "elevated_mg_i_mM": mg_elev,
        "target_baseline": float(target_baseline),
        "target_elevated": float(target_elevated),
        "achieved_baseline": base["measured"],
        "achieved_elevated": elev["measured"],
        "true_silent_baseline": base["true"], "true_silent_elevated": elev["true"],
        "inactive_baseline": base["inactive"], "inactive_elevated": elev["inactive"],
        "n_boutons_baseline": base["n_boutons"],
        "k": float(release.k),
        "pr_ratio": float(ratio),
        "mg_i_baseline": format_mg(ev.mg_base),
        "mg_i_ref": format_mg(ev.mg_ref),
        "floor_silent_fraction": m_info["floor_silent_fraction"],
        "floor_mg_i": format_mg(m_info["floor_mg_i_mM"]),
        "n_branches": int(n_branches), "seed": int(seed),
        "density_max": ev.density_max,
        "n_trials": N_TRIALS, "rate_hz": RATE_HZ,
        "functional_threshold": float(release.functional_threshold),
        "min_releases": min_releases(release.functional_threshold),
        "tau_f_s": tau_f, "tau_d_s": tau_d,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": commit, "git_dirty": bool(dirty),
        "command": command,
        "mgnet_version": package_version("mgnet"),
        "numpy_version": np.__version__, "scipy_version": package_version("scipy"),
        "runtime_s": round(time.time() - t0, 2),
        "path": None,
    }
    _say(verbose, f"result: setpoint_median = {sp}, anatomical_density = {density} boutons/10 "
                  f"um, elevated [Mg]i = {mg_str} (Pr ratio r = {ratio:.4f} at k = "
                  f"{release.k})")
    _say(verbose, f"        functional boutons per branch {base['functional_per_branch']:.2f}; "
                  f"exhausted branches {base['exhausted']:.1%} baseline, "
                  f"{elev['exhausted']:.1%} elevated (T6 root {format_mg(mg_root)}: "
                  f"{x_info['exhausted_at_root']:.1%})")
    _say(verbose, f"        measured silent fraction {result['achieved_baseline']:.4f} baseline "
                  f"(target {target_baseline}), {result['achieved_elevated']:.4f} elevated "
                  f"(target {target_elevated}); floor {result['floor_silent_fraction']:.4f} at "
                  f"{result['floor_mg_i']}; {result['runtime_s']:.1f} s")
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(_to_toml(result), encoding="utf-8")
        tmp.replace(path)
        result["path"] = str(path)
        _say(verbose, f"wrote {path}")
        if update_docs is None:
            update_docs = path.resolve() == CALIBRATION_FILE.resolve()
        if update_docs and DOCS_FILE.exists():
            _update_docs(result)
            _say(verbose, f"updated the generated block of {DOCS_FILE}")
    else:
        _say(verbose, NOT_WRITTEN)
    return result


# --------------------------------------------------------------------------------------
# TOML output (hand-written: the stdlib has a reader only)
# --------------------------------------------------------------------------------------


def _toml_table(name: str, items: Sequence[tuple[str, Any, str]]) -> str:
    """One TOML table: ``key = value  # comment`` per item."""
    from .config import toml_value as _tv
    lines = [f"[{name}]"]
    for key, value, comment in items:
        lines.append(f"{key} = {_tv(value)}" + (f"  # {comment}" if comment else ""))
    return "\n".join(lines)


def _to_toml(r: dict) -> str:
    table = _toml_table
    head = ("# T6 calibration of the presynaptic configuration (science.md §3 T6, §4 item 2).\n"
            "# GENERATED by experiments/calibrate.py - do not edit by hand; re-run\n"
            "#     mgnet calibrate t6 --write   (or: python -m mgnet.experiments.calibrate t6 "
            "--write)\n"
            "# models/parameters.py reads [calibrated] on first use.  See docs/calibration.md.\n"
            f"schema_version = {CALIBRATION_SCHEMA_VERSION}")
    calibrated = table("calibrated", [
        ("setpoint_median", r["setpoint_median"],
         "median branch set-point, sum Pr per 10 um (ConfigurationParams.setpoint_median)"),
        ("anatomical_density", r["anatomical_density"],
         "anatomical boutons per 10 um (ConfigurationParams.anatomical_density)"),
        ("elevated_mg_i", r["elevated_mg_i"], "elevated presynaptic [Mg]i (ELEVATED_MG_I)"),
    ])
    targets = table("targets", [
        ("source", "Zhou, Bi & Liu (2024) Nat Commun 15:3406 (science.md T6; Fig 1b/1c n)",
         ""),
        ("functional_per_branch", r["target_functional_per_branch"],
         "863 boutons (Fig 1c) / 66 branches (Fig 1b), baseline"),
        ("silent_fraction_baseline", r["target_baseline"], "measured silent fraction"),
        ("silent_fraction_elevated", r["target_elevated"], "measured, equilibrated"),
        ("max_exhausted", r["max_exhausted"], "largest exhausted-branch fraction allowed"),
        ("on_exhausted", r["on_exhausted"], "policy when the T6 root exceeds it"),
    ])
    achieved = table("achieved", [
        ("silent_fraction_baseline", r["achieved_baseline"], "expected measured value"),
        ("silent_fraction_elevated", r["achieved_elevated"], "expected measured value"),
        ("true_silent_fraction_baseline", r["true_silent_baseline"], "pr_true < threshold"),
        ("true_silent_fraction_elevated", r["true_silent_elevated"], "pr_true < threshold"),
        ("inactive_fraction_baseline", r["inactive_baseline"], "pr_true == 0"),
        ("inactive_fraction_elevated", r["inactive_elevated"], "pr_true == 0"),
        ("floor_silent_fraction_elevated", r["floor_silent_fraction"],
         "lowest measured silent fraction reachable by raising [Mg]i"),
        ("floor_mg_i", r["floor_mg_i"], "[Mg]i at that floor"),
        ("n_boutons_baseline", r["n_boutons_baseline"], ""),
        ("functional_per_branch_baseline", r["achieved_functional_per_branch"],
         "expected measured-functional boutons per branch"),
        ("exhausted_fraction_baseline", r["exhausted_baseline"],
         "branches with every bouton active and sum Pr below the set-point"),
        ("exhausted_fraction_elevated", r["exhausted_elevated"], "at the stored [Mg]i"),
        ("setpoint_ratio_baseline", r["setpoint_ratio_baseline"], "mean sum Pr / set-point"),
        ("setpoint_ratio_elevated", r["setpoint_ratio_elevated"], "mean sum Pr / set-point"),
        ("t6_root_mg_i", r["t6_root_mg_i"], "[Mg]i reaching the T6 elevated target"),
        ("exhausted_fraction_at_t6_root", r["exhausted_at_t6_root"], ""),
        ("constrained", r["constrained"], "stored [Mg]i limited by max_exhausted"),
        ("exhaustion_warning", r["exhaustion_warning"], ""),
    ])
    fixed = table("fixed", [
        ("k", r["k"], "ReleaseParams.k, literature default; not identifiable from T6"),
        ("pr_ratio", r["pr_ratio"], "([Mg]i,elev/[Mg]i,base)^-k: the only identified quantity"),
        ("mg_i_baseline", r["mg_i_baseline"], "MagnesiumParams.mg_i"),
        ("mg_i_ref", r["mg_i_ref"], "MagnesiumParams.mg_i_ref"),
        ("n_branches", r["n_branches"], "population size (sample_branches)"),
        ("seed", r["seed"], ""),
        ("density_max", r["density_max"], "population drawn here, then thinned"),
        ("n_trials", r["n_trials"], "virtual FM-dye assay: 30 spikes"),
        ("rate_hz", r["rate_hz"], "at 0.5 Hz"),
        ("functional_threshold", r["functional_threshold"], "measured Pr >= 0.04"),
        ("min_releases", r["min_releases"], "ceil(0.04 * 30)"),
        ("tau_f_s", r["tau_f_s"], "Tsodyks-Markram facilitation"),
        ("tau_d_s", r["tau_d_s"], "Tsodyks-Markram recovery"),
        ("assay_model", "binomial(30, mean TM release per spike); expected P(count >= 2)", ""),
    ])
    prov = table("provenance", [
        ("created_utc", r["created_utc"], ""),
        ("git_commit", r["git_commit"], ""),
        ("git_dirty", r["git_dirty"], "uncommitted changes in tracked files"),
        ("command", r["command"], ""),
        ("mgnet_version", r["mgnet_version"], ""),
        ("numpy_version", r["numpy_version"], ""),
        ("scipy_version", r["scipy_version"], ""),
        ("runtime_s", r["runtime_s"], ""),
    ])
    return "\n\n".join([head, calibrated, targets, achieved, fixed, prov]) + "\n"


def read_calibration(path: str | Path | None = None) -> dict:
    """The calibration file (default :data:`CALIBRATION_FILE`) as a dict; raises
    FileNotFoundError if missing."""
    with open(CALIBRATION_FILE if path is None else path, "rb") as fh:
        return tomllib.load(fh)


def _docs_block(r: dict) -> str:
    from mgnet.analysis.markdown import markdown_table
    when = r["created_utc"]
    commit = r["git_commit"][:12] + (" (dirty tree)" if r["git_dirty"] else "")
    return "\n".join([
        DOCS_BEGIN,
        f"_Generated by `{r['command']}` on {when} at commit `{commit}`; "
        f"runtime {r['runtime_s']:.1f} s._",
        "",
        markdown_table([
        ["`setpoint_median` (calibrated: boutons per branch)",
         f"**{r['setpoint_median']}** per 10 µm"],
        ["`anatomical_density` (calibrated: T6 baseline)",
         f"**{r['anatomical_density']}** boutons per 10 µm"],
        ["`ELEVATED_MG_I` (calibrated: T6 elevated, exhaustion-limited)",
         f"**{r['elevated_mg_i']}**"],
        ["functional boutons per baseline branch",
         f"{r['achieved_functional_per_branch']:.2f} (target {r['target_functional_per_branch']:.2f} = 863/66)"],
        ["[Mg]i reaching the T6 elevated target",
         f"{r['t6_root_mg_i']} ({r['exhausted_at_t6_root']:.1%} of branches exhausted there)"],
        ["exhausted branches, baseline / elevated",
         f"{r['exhausted_baseline']:.1%} / {r['exhausted_elevated']:.1%} (limit {r['max_exhausted']:.0%}, policy `{r['on_exhausted']}`)"],
        ["mean ΣPr / set-point, baseline / elevated",
         f"{r['setpoint_ratio_baseline']:.3f} / {r['setpoint_ratio_elevated']:.3f}"],
        ["k (fixed, literature default)",
         f"{r['k']}"],
        ["Pr ratio r = ([Mg]i,elev/[Mg]i,base)^−k (the identified quantity)",
         f"{r['pr_ratio']:.4f}"],
        ["baseline [Mg]i = [Mg]ref",
         f"{r['mg_i_baseline']}"],
        ["measured silent fraction, baseline",
         f"{r['achieved_baseline']:.4f} (target {r['target_baseline']})"],
        ["measured silent fraction, elevated",
         f"{r['achieved_elevated']:.4f} (target {r['target_elevated']})"],
        ["true silent fraction (pr_true < 0.04), baseline / elevated",
         f"{r['true_silent_baseline']:.4f} / {r['true_silent_elevated']:.4f}"],
        ["inactive fraction (pr_true = 0), baseline / elevated",
         f"{r['inactive_baseline']:.4f} / {r['inactive_elevated']:.4f}"],
        ["floor of the measured silent fraction when raising [Mg]i",
         f"{r['floor_silent_fraction']:.4f} at {r['floor_mg_i']}"],
        ["population",
         f"{r['n_branches']} branches, seed {r['seed']}, {r['n_boutons_baseline']} boutons at baseline"],
        ], ["quantity", "value"]),
        DOCS_END,
    ])


def _update_docs(r: dict, docs: Path = DOCS_FILE) -> None:
    text = docs.read_text(encoding="utf-8")
    if DOCS_BEGIN not in text or DOCS_END not in text:
        return
    pre, rest = text.split(DOCS_BEGIN, 1)
    _, post = rest.split(DOCS_END, 1)
    docs.write_text(pre + _docs_block(r) + post, encoding="utf-8")


# --------------------------------------------------------------------------------------
# Command line: `mgnet calibrate t6 [--write | --dry-run]`
# --------------------------------------------------------------------------------------
def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got '{text}'")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got '{text}'")
    return value


def _configure(c: argparse.ArgumentParser, add_debug: bool) -> argparse.ArgumentParser:
    if add_debug:
        c.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    c.add_argument("target", choices=("t6",),
                   help="calibration target (t6: silent-bouton fraction, Zhou et al. 2024)")
    add_write_flags(c, "models/calibration.toml (or --out)")
    c.add_argument("--n-branches", type=_nonneg_int, default=DEFAULT_N_BRANCHES,
                   help=f"population size (default {DEFAULT_N_BRANCHES})")
    c.add_argument("--seed", type=_nonneg_int, default=DEFAULT_SEED,
                   help=f"population seed (default {DEFAULT_SEED})")
    c.add_argument("--out", default=None,
                   help="calibration file (default models/calibration.toml)")
    c.add_argument("--on-exhausted", choices=ON_EXHAUSTED, default="constrain",
                   help="if the T6 elevated target leaves more than --max-exhausted of the "
                        "branches exhausted: constrain (default), refuse or warn")
    c.add_argument("--max-exhausted", type=float, default=MAX_EXHAUSTED,
                   help=f"largest exhausted-branch fraction allowed (default {MAX_EXHAUSTED})")
    c.set_defaults(func=run_cli)
    return c


def add_parser(subparsers, parents: Sequence[argparse.ArgumentParser] | None = None):
    """Register the ``calibrate`` subcommand on an argparse ``subparsers`` object.

    Pass ``parents`` (e.g. the CLI's common ``--debug`` parser); without them the
    subcommand adds its own ``--debug``.  Sets ``func=run_cli``.
    """
    c = subparsers.add_parser(
        "calibrate", parents=list(parents or ()),
        help="one-time calibration of documented parameters (t6: anatomical bouton density "
             "and elevated [Mg]i against the silent-bouton fraction)")
    return _configure(c, add_debug=parents is None)


def run_cli(args: argparse.Namespace, prog: str = "mgnet") -> int:
    """Run the calibration selected on the command line; returns the exit status."""
    if args.target != "t6":   # pragma: no cover - argparse restricts choices
        raise CalibrationError(f"unknown calibration target '{args.target}'; allowed: t6")
    if args.n_branches < 1:
        raise CalibrationError("--n-branches must be >= 1")
    parts = [prog, "calibrate", "t6"]
    if args.n_branches != DEFAULT_N_BRANCHES:
        parts += ["--n-branches", str(args.n_branches)]
    if args.seed != DEFAULT_SEED:
        parts += ["--seed", str(args.seed)]
    if args.out:
        parts += ["--out", args.out]
    on_ex = getattr(args, "on_exhausted", "constrain")
    max_ex = getattr(args, "max_exhausted", MAX_EXHAUSTED)
    if on_ex != "constrain":
        parts += ["--on-exhausted", on_ex]
    if max_ex != MAX_EXHAUSTED:
        parts += ["--max-exhausted", str(max_ex)]
    write = write_requested(args)
    parts.append("--write" if write else "--dry-run")
    try:
        calibrate_t6(n_branches=args.n_branches, seed=args.seed, write=write,
                     path=Path(args.out) if args.out else CALIBRATION_FILE,
                     command=shlex.join(parts), verbose=True,
                     on_exhausted=on_ex, max_exhausted=max_ex)
    except CalibrationError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"{prog}: calibration failed: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mgnet.experiments.calibrate t6 [--write]`` (same options as the CLI)."""
    p = _configure(argparse.ArgumentParser(prog="python -m mgnet.experiments.calibrate",
                                           description=__doc__.splitlines()[0]),
                   add_debug=False)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    return run_cli(args, prog="python -m mgnet.experiments.calibrate")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

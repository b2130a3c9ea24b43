"""The virtual FM-dye assay of the T6 calibration, in expectation, and the fixed-seed
branch population it is evaluated on (:class:`T6Evaluator`).

"Measured" mimics the virtual FM-dye assay: a bouton is functional if it releases at least
``ceil(0.04·30) = 2`` times in 30 trials.  With 2 s spacing the trials are treated as
independent Bernoulli trials with the per-spike Tsodyks–Markram mean release averaged over
the train (:func:`mgnet.models.synapses.tm_mean_release`), i.e. the count is binomial; the
objective is the *expected* measured silent fraction over a large fixed-seed population
thinned with common random numbers (see :mod:`mgnet.experiments.calibrate`).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
from scipy.stats import binom

DEFAULT_SEED = 2024
DEFAULT_N_BRANCHES = 2000
#: The virtual FM-dye 1AP protocol (science.md §2).
N_TRIALS = 30
RATE_HZ = 0.5


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
        from brian2 import mM

        from mgnet.models.configuration import sample_branches
        from mgnet.models.parameters import (
            ConfigurationParams,
            MagnesiumParams,
            ReleaseParams,
            param_info,
        )
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

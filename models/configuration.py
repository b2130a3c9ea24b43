"""Presynaptic configuration of dendritic branches, set by intracellular Mg2+ ([Mg]i).

Zhou, Bi & Liu (2024) Nat Commun 15:3406 (Figs 1, 4); Sun et al. (2015) Mol Brain 8:42;
science.md §4 item 2.  Reads **[Mg]i only**.

A branch has a fixed set of anatomical boutons (no synaptogenesis).  Bouton *i* has

* a release competence ``c_i`` (log-normal): its release probability when active,
  ``Pr_i = min(pr_max, c_i * (m_b / [Mg]ref) ** -k)``, where ``m_b`` is the [Mg]i level
  that has reached the release machinery of branch *b* (see the cascade below);
* a quantal size ``q_i = q_ampa * (c_i / c_median) ** q_size_exponent`` (bigger boutons
  have both higher Pr and bigger PSDs);
* its own [Mg]i factor ``f_i`` (log-normal, mean 1, ``mg_i_bouton_cv``): the [Mg]i that
  reaches its release machinery is ``m_b * f_i``.  [Mg]i belongs to the bouton's own axon
  (the boutons of a branch come from different axons), so it varies within a branch
  as well as between branches (``mg_i_branch_cv``, the shared part of branch *b*);
* an activation key ``e_i`` in (0, 1), correlated with competence (small boutons are
  the last to be activated); bouton *i* is active iff ``e_i < a_b``, the branch's
  activation level.  Inactive boutons are silent (Pr = 0).

Dynamics (time in hours; numpy, no Brian2 needed):

* cascade: ``dm1/dt = ([Mg]i - m1)/tau``, ``dm_b/dt = (m1 - m_b)/tau`` (energy supply,
  then transport of Ca2+-sensing release proteins; two stages give the observed lag);
* homeostasis: ``da_b/dt = (S*_b - SumPr_b(a_b, m_b)) / (S*_b tau_h)``, so the branch's
  total Pr (per 10 um) returns to its set-point ``S*_b``.  When [Mg]i rises, every
  Pr falls and silent boutons are recruited until SumPr is back at S*: many boutons
  with low Pr (DHiLo).  Nothing in this module refers to D, P̄r or their hyperbola:
  those are measured by the virtual assay and must emerge.

``SumPr(a)`` is made continuous by crediting the next bouton in activation order
with the fraction of its key interval that ``a`` has covered; at equilibrium that
bouton is active if the fraction exceeds one half.

**Exhausted branches.**  Homeostasis can only recruit the boutons a branch has.  A branch
whose every anatomical bouton is active and whose ΣPr is still below its set-point is
*exhausted*: its ΣPr is no longer held, which breaks the premise of the mechanism
(science.md §4 item 2).  :func:`equilibrium_state` and :func:`branch_reserve` report
which branches are exhausted and their ΣPr relative to the set-point.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from .parameters import ConfigurationParams, ReleaseParams

__all__ = ["BranchPopulation", "population_from_counts", "sample_branches",
           "release_probabilities", "bouton_mg",
           "equilibrium_activation", "equilibrium_pr", "equilibrium_state", "branch_reserve",
           "reconfiguration_time_course"]


@dataclass(frozen=True)
class BranchPopulation:
    """Anatomy of a set of branches (fixed by the seed; conditions change only Mg).

    Per-bouton arrays are ordered by branch, then by activation key.
    """
    branch_id: np.ndarray       #: per bouton
    competence: np.ndarray      #: per bouton, c_i (before the aged factor)
    q_rel: np.ndarray           #: per bouton, q_i / q_ampa
    key: np.ndarray             #: per bouton, activation key e_i, sorted within a branch
    length_um: np.ndarray       #: per branch
    setpoint: np.ndarray        #: per branch, S*_b (sum Pr per 10 um)
    mg_factor: np.ndarray       #: per branch, [Mg]i of the branch / condition [Mg]i
    #: per bouton, [Mg]i of the bouton's axon / [Mg]i of its branch (None: all 1)
    mg_factor_bouton: np.ndarray | None = None

    @property
    def n_branches(self) -> int:
        return len(self.length_um)

    @property
    def n_boutons(self) -> int:
        return len(self.branch_id)

    def bouton_factor(self) -> np.ndarray:
        """Per-bouton [Mg]i factor (ones if the population has none)."""
        if self.mg_factor_bouton is None:
            return np.ones(self.n_boutons)
        return self.mg_factor_bouton

    def starts(self) -> np.ndarray:
        """Index of each branch's first bouton (length n_branches + 1)."""
        return np.searchsorted(self.branch_id, np.arange(self.n_branches + 1))


def population_from_counts(counts, length_um, params: ConfigurationParams | None = None,
                           rng: np.random.Generator | int = 0
                           ) -> tuple[BranchPopulation, np.ndarray]:
    """Bouton population for branches with given bouton counts and lengths.

    Draws every bouton's competence (log-normal), activation key (correlated with
    competence: larger boutons are activated first) and quantal size, and every
    branch's set-point and [Mg]i factor (log-normal); if ``mg_i_bouton_cv > 0``, also
    every bouton's own [Mg]i factor (log-normal, mean 1; drawn last, so that the other
    draws do not depend on it).  :func:`sample_branches` (random
    counts) and the culture network (counts from its connectivity) both use it.

    Returns
    -------
    pop : BranchPopulation
        Boutons ordered by branch, then activation key.
    order : ndarray of int
        ``order[k]`` is the position, in the branch-major input order, of bouton k.
    """
    p = params or ConfigurationParams()
    rng = np.random.default_rng(rng)
    counts = np.asarray(counts, dtype=int)
    length_um = np.asarray(length_um, dtype=float)
    if counts.shape != length_um.shape:
        raise ValueError("counts and length_um must have the same length")
    if np.any(counts < 1):
        raise ValueError("every branch needs at least one bouton")
    n_br = len(counts)
    branch_id = np.repeat(np.arange(n_br), counts)
    n = len(branch_id)
    z_c = rng.standard_normal(n)
    z_e = rng.standard_normal(n)
    competence = p.competence_median * np.exp(p.competence_sigma * z_c)
    rho = p.size_activation_correlation
    # Larger boutons (high z_c) get lower keys, i.e. are activated first.
    key = norm.cdf(-rho * z_c + np.sqrt(1 - rho ** 2) * z_e)
    q_rel = (competence / p.competence_median) ** p.q_size_exponent
    # Sort boutons by key within each branch so activation is a prefix.
    order = np.lexsort((key, branch_id))
    sd_set = np.sqrt(np.log(1 + p.setpoint_cv ** 2))
    setpoint = p.setpoint_median * np.exp(sd_set * rng.standard_normal(n_br))
    sd_mg = np.sqrt(np.log(1 + p.mg_i_branch_cv ** 2))
    mg_factor = np.exp(sd_mg * rng.standard_normal(n_br) - sd_mg ** 2 / 2)
    f_b = None
    if p.mg_i_bouton_cv > 0:
        sd_b = np.sqrt(np.log(1 + p.mg_i_bouton_cv ** 2))
        f_b = np.exp(sd_b * rng.standard_normal(n) - sd_b ** 2 / 2)[order]
    pop = BranchPopulation(branch_id[order], competence[order], q_rel[order], key[order],
                           length_um, setpoint, mg_factor, f_b)
    return pop, order


def sample_branches(n_branches: int, params: ConfigurationParams | None = None,
                    rng: np.random.Generator | int = 0) -> BranchPopulation:
    """Draw the anatomy of ``n_branches`` branches.

    Parameters
    ----------
    n_branches : int
        Number of branches.
    params : ConfigurationParams
        Densities and distributions.
    rng : numpy Generator or int seed
        Same seed, same anatomy: conditions are compared on identical branches.
    """
    if n_branches < 1:
        raise ValueError("need at least one branch")
    p = params or ConfigurationParams()
    rng = np.random.default_rng(rng)
    if p.length_max_um < p.length_min_um:
        raise ValueError("length_max_um must be >= length_min_um")
    length = rng.uniform(p.length_min_um, p.length_max_um, n_branches)
    n_anat = np.maximum(1, rng.poisson(p.anatomical_density * length / 10.0))
    pop, _ = population_from_counts(n_anat, length, p, rng)
    return pop


def bouton_mg(pop: BranchPopulation, m_b: np.ndarray) -> np.ndarray:
    """[Mg]i of every bouton given the [Mg]i of each branch (``m_b * f_i``)."""
    return np.asarray(m_b, dtype=float)[pop.branch_id] * pop.bouton_factor()


def release_probabilities(pop: BranchPopulation, m_b: np.ndarray, mg_ref: float,
                          release: ReleaseParams | None = None,
                          config: ConfigurationParams | None = None) -> np.ndarray:
    """Pr of every bouton if it were active, given each branch's effective [Mg]i ``m_b``
    (same units as ``mg_ref``; each bouton sees ``m_b`` times its own factor)."""
    release = release or ReleaseParams()
    config = config or ConfigurationParams()
    m = bouton_mg(pop, m_b)
    c = pop.competence * config.aged_competence_factor
    return np.clip(c * (m / mg_ref) ** (-release.k), 0.0, release.pr_max)


def _sum_pr_at(pop: BranchPopulation, pr_if_active: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Continuous SumPr per 10 um at activation levels ``a`` (one per branch)."""
    starts = pop.starts()
    out = np.empty(pop.n_branches)
    for b in range(pop.n_branches):
        keys = pop.key[starts[b]:starts[b + 1]]
        pr = pr_if_active[starts[b]:starts[b + 1]]
        k = np.searchsorted(keys, a[b])          # boutons fully active
        total = pr[:k].sum()
        if k < len(keys):
            lo = keys[k - 1] if k > 0 else 0.0
            total += pr[k] * (a[b] - lo) / max(keys[k] - lo, 1e-12)
        out[b] = total * 10.0 / pop.length_um[b]
    return out


def equilibrium_activation(pop: BranchPopulation, pr_if_active: np.ndarray) -> np.ndarray:
    """Activation level of each branch at which SumPr equals its set-point (or 1 if the
    branch cannot reach it with all boutons active)."""
    starts = pop.starts()
    a = np.empty(pop.n_branches)
    for b in range(pop.n_branches):
        keys = pop.key[starts[b]:starts[b + 1]]
        pr = pr_if_active[starts[b]:starts[b + 1]] * 10.0 / pop.length_um[b]
        target = pop.setpoint[b]
        cum = np.concatenate([[0.0], np.cumsum(pr)])
        k = np.searchsorted(cum, target)         # first prefix reaching the target
        if k >= len(cum):
            a[b] = 1.0
            continue
        lo = keys[k - 2] if k >= 2 else 0.0
        frac = (target - cum[k - 1]) / max(pr[k - 1], 1e-12)
        a[b] = lo + frac * (keys[k - 1] - lo)
    return a


def _active(pop: BranchPopulation, a: np.ndarray) -> np.ndarray:
    """Boolean active mask: key below a, plus the partly covered bouton if > half."""
    starts = pop.starts()
    active = np.zeros(pop.n_boutons, dtype=bool)
    for b in range(pop.n_branches):
        keys = pop.key[starts[b]:starts[b + 1]]
        k = np.searchsorted(keys, a[b])
        active[starts[b]:starts[b] + k] = True
        if k < len(keys):
            lo = keys[k - 1] if k > 0 else 0.0
            if (a[b] - lo) / max(keys[k] - lo, 1e-12) > 0.5:
                active[starts[b] + k] = True
    return active


def equilibrium_pr(pop: BranchPopulation, mg_i: float, mg_ref: float,
                   release: ReleaseParams | None = None,
                   config: ConfigurationParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Equilibrated configuration at condition [Mg]i ``mg_i`` (same units as mg_ref).

    Returns
    -------
    pr_true : ndarray
        True release probability per bouton (0 for silent boutons).
    mg_branch : ndarray
        [Mg]i of each branch.
    """
    mg_branch = mg_i * pop.mg_factor
    pr_if = release_probabilities(pop, mg_branch, mg_ref, release, config)
    a = equilibrium_activation(pop, pr_if)
    return np.where(_active(pop, a), pr_if, 0.0), mg_branch


def branch_reserve(pop: BranchPopulation, pr_if_active: np.ndarray,
                   rtol: float = 1e-9) -> dict[str, np.ndarray]:
    """Silent reserve of every branch for the given Pr-if-active of its boutons.

    Returns
    -------
    dict
        ``max_sum_pr`` (ΣPr per 10 um with every anatomical bouton active) and
        ``exhausted`` (True where even that stays below the set-point: homeostasis
        cannot hold the branch's ΣPr), both per branch.
    """
    tot = np.bincount(pop.branch_id, weights=pr_if_active, minlength=pop.n_branches)
    max_sum = tot * 10.0 / pop.length_um
    return {"max_sum_pr": max_sum, "exhausted": max_sum < pop.setpoint * (1 - rtol)}


def equilibrium_state(pop: BranchPopulation, mg_i: float, mg_ref: float,
                      release: ReleaseParams | None = None,
                      config: ConfigurationParams | None = None) -> dict[str, np.ndarray]:
    """Equilibrated configuration at condition [Mg]i with its diagnostics.

    Returns
    -------
    dict
        Per bouton: ``pr`` (true Pr, 0 if silent), ``mg_bouton`` ([Mg]i of the bouton),
        ``active``.  Per branch: ``mg_branch``, ``activation``, ``exhausted`` (every
        bouton active and ΣPr still below the set-point), ``sum_pr_true`` (ΣPr per 10 um
        of the active boutons), ``setpoint_ratio`` (``sum_pr_true / setpoint``).
    """
    mg_branch = mg_i * pop.mg_factor
    pr_if = release_probabilities(pop, mg_branch, mg_ref, release, config)
    a = equilibrium_activation(pop, pr_if)
    active = _active(pop, a)
    pr = np.where(active, pr_if, 0.0)
    sums = np.bincount(pop.branch_id, weights=pr, minlength=pop.n_branches)
    sums = sums * 10.0 / pop.length_um
    reserve = branch_reserve(pop, pr_if)
    return {"pr": pr, "active": active, "mg_bouton": bouton_mg(pop, mg_branch),
            "mg_branch": mg_branch, "activation": a, "exhausted": reserve["exhausted"],
            "sum_pr_true": sums, "setpoint_ratio": sums / pop.setpoint}


def reconfiguration_time_course(pop: BranchPopulation, mg_before: float, mg_after: float,
                                times_h, mg_ref: float,
                                release: ReleaseParams | None = None,
                                config: ConfigurationParams | None = None,
                                dt_h: float = 0.02) -> dict:
    """Configuration after a step of condition [Mg]i from ``mg_before`` to ``mg_after``
    at t = 0, starting from equilibrium.

    Returns
    -------
    dict
        ``times_h``; ``pr_true`` (len(times) x n_boutons); ``m_b``, ``a`` and
        ``exhausted`` (every bouton active and ΣPr below the set-point)
        (len(times) x n_branches); ``sum_pr_true`` (len(times) x n_branches).
    """
    config = config or ConfigurationParams()
    times_h = np.asarray(times_h, dtype=float)
    if np.any(times_h < 0) or np.any(np.diff(times_h) < 0):
        raise ValueError("times must be non-negative and increasing")
    tau = float(config.tau_mg_cascade) / 3600.0
    tau_h = float(config.tau_homeostasis) / 3600.0
    m1 = mg_before * pop.mg_factor
    m2 = m1.copy()
    target = mg_after * pop.mg_factor
    a = equilibrium_activation(pop, release_probabilities(pop, m2, mg_ref, release, config))
    out = {"times_h": times_h, "pr_true": [], "m_b": [], "a": [], "sum_pr_true": [],
           "exhausted": []}
    t = 0.0
    for t_next in times_h:
        while t < t_next - 1e-12:
            h = min(dt_h, t_next - t)
            m1 = m1 + h * (target - m1) / tau
            m2 = m2 + h * (m1 - m2) / tau
            pr_if = release_probabilities(pop, m2, mg_ref, release, config)
            s = _sum_pr_at(pop, pr_if, a)
            a = np.clip(a + h * (pop.setpoint - s) / (pop.setpoint * tau_h), 0.0, 1.0)
            t += h
        pr_if = release_probabilities(pop, m2, mg_ref, release, config)
        pr = np.where(_active(pop, a), pr_if, 0.0)
        out["pr_true"].append(pr)
        out["m_b"].append(m2.copy())
        out["a"].append(a.copy())
        out["sum_pr_true"].append(_sum_pr_at(pop, pr_if, a))
        out["exhausted"].append(branch_reserve(pop, pr_if)["exhausted"])
    for k in ("pr_true", "m_b", "a", "sum_pr_true", "exhausted"):
        out[k] = np.array(out[k])
    return out

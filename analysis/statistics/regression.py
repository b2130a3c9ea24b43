"""Regression-type summaries: ANCOVA of a log outcome with a group indicator, relative
change of two means, and the median split of a covariate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from .base import _as_1d, _AsDict

# --------------------------------------------------------------------------------------------
# ANCOVA
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AncovaResult(_AsDict):
    """Result of :func:`ancova` (ordinary least squares y = b0 + b1·x + c·group).

    Attributes
    ----------
    effect : float
        c, the group difference at equal covariate.
    stderr : float
        Standard error of c.
    low, high : float
        t-based CI of c (``ci`` coverage, n − p degrees of freedom).
    p_value : float
        Two-sided t-test of c ≠ 0.
    slope, slope_stderr : float
        b1 and its standard error (NaN when the covariate is constant and dropped).
    dof : int
        Residual degrees of freedom.
    n_group, n_reference : int
        Observations in each group.
    ci : float
        Nominal coverage.
    """

    effect: float
    stderr: float
    low: float
    high: float
    p_value: float
    slope: float
    slope_stderr: float
    dof: int
    n_group: int
    n_reference: int
    ci: float


def ancova(y: Any, covariate: Any, group: Any, ci: float = 0.95) -> AncovaResult:
    """One-covariate ANCOVA by least squares (numpy lstsq, t distribution from scipy).

    Fits y = b0 + b1·x + c·g with g = 1 in the group and 0 in the reference, a common
    slope (the classical ANCOVA assumption), and tests c.  With a constant covariate the
    model reduces to the pooled two-sample t-test.

    Parameters
    ----------
    y, covariate : array_like
        Response and covariate per observation.
    group : array_like of bool
        True for the group, False for the reference.  Rows with a non-finite y or
        covariate are dropped.
    ci : float, default 0.95

    Returns
    -------
    AncovaResult

    Raises
    ------
    ValueError
        Fewer than two observations in a group, or no residual degrees of freedom.
    """
    ya, xa = _as_1d(y, "y"), _as_1d(covariate, "covariate")
    g = np.asarray(group, dtype=bool).reshape(-1)
    if not (ya.size == xa.size == g.size):
        raise ValueError("y, covariate and group must have equal length")
    if not 0 < ci < 1:
        raise ValueError("ci must be in (0, 1)")
    ok = np.isfinite(ya) & np.isfinite(xa)
    ya, xa, g = ya[ok], xa[ok], g[ok]
    ng, nr = int(g.sum()), int((~g).sum())
    if ng < 2 or nr < 2:
        raise ValueError(f"ancova needs ≥ 2 observations per group (have {ng} and {nr})")
    cols = [np.ones_like(ya)]
    has_x = np.ptp(xa) > 1e-12 * max(1.0, float(np.abs(xa).max()))
    if has_x:
        cols.append(xa)
    cols.append(g.astype(float))
    X = np.column_stack(cols)
    beta, _, rank, _ = np.linalg.lstsq(X, ya, rcond=None)
    dof = int(ya.size - X.shape[1])
    if dof < 1 or rank < X.shape[1]:
        raise ValueError("ancova: the design is rank-deficient or has no residual d.o.f. "
                         "(covariate confounded with group?)")
    resid = ya - X @ beta
    cov = float(resid @ resid) / dof * np.linalg.inv(X.T @ X)
    c, se = float(beta[-1]), float(math.sqrt(max(cov[-1, -1], 0.0)))
    tq = float(_st.t.ppf(0.5 + ci / 2.0, dof))
    if se > 0:
        p = float(2.0 * _st.t.sf(abs(c) / se, dof))
    else:
        p = 0.0 if c != 0 else 1.0
    return AncovaResult(
        effect=c, stderr=se, low=c - tq * se, high=c + tq * se, p_value=p,
        slope=float(beta[1]) if has_x else float("nan"),
        slope_stderr=float(math.sqrt(max(cov[1, 1], 0.0))) if has_x else float("nan"),
        dof=dof, n_group=ng, n_reference=nr, ci=float(ci))


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def relative_change(a: Any, b: Any) -> float:
    """Relative change of the mean from a to b: (mean(b) − mean(a)) / mean(a).

    Used for the percentage changes the targets quote (e.g. ΣPr within ±10 %, ΣPr_burst
    +30…+200 %).  Non-finite values are ignored; a and b need not be paired or of equal length.

    Returns
    -------
    float
        The relative change; NaN if mean(a) == 0 or a sample has no finite value.
    """
    aa, bb = _as_1d(a, "a"), _as_1d(b, "b")
    aa, bb = aa[np.isfinite(aa)], bb[np.isfinite(bb)]
    if aa.size == 0 or bb.size == 0:
        return float("nan")
    ma, mb = float(aa.mean()), float(bb.mean())
    if ma == 0:
        return float("nan")
    return (mb - ma) / ma


@dataclass(frozen=True, eq=False)  # eq=False: comparing array fields with == is ambiguous
class MedianSplit(_AsDict):
    """Result of :func:`median_split`.

    Attributes
    ----------
    threshold : float
        Median of the finite values.
    above : ndarray of bool
        True where value > threshold (strictly).
    below : ndarray of bool
        True where value ≤ threshold (finite values only).
    valid : ndarray of bool
        True where the value is finite; non-finite values are in neither group.
    """

    threshold: float
    above: np.ndarray
    below: np.ndarray
    valid: np.ndarray


def median_split(values: Any) -> MedianSplit:
    """Split values at their median.

    Parameters
    ----------
    values : array_like
        One value per item (e.g. P̄r per branch).

    Returns
    -------
    MedianSplit
        ``threshold`` (median of finite values), boolean masks ``above``, ``below``,
        ``valid`` aligned with ``values``.

    Notes
    -----
    Ties: values *equal* to the median go to ``below`` (``above`` is strictly greater).  With
    an odd number of distinct values the median item therefore lands in ``below``, so the
    groups can differ in size by one (or more with many ties, e.g. Pr values k/30).
    Non-finite values (NaN, e.g. P̄r of a branch with no functional bouton) are in neither
    group.
    """
    v = _as_1d(values, "values")
    valid = np.isfinite(v)
    if not valid.any():
        raise ValueError("median_split needs at least one finite value")
    thr = float(np.median(v[valid]))
    above = valid & (v > thr)
    below = valid & ~above
    return MedianSplit(threshold=thr, above=above, below=below, valid=valid)

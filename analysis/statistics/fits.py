"""Curve fits of the configuration targets: hyperbola, straight line, power law and offset
power law, each with its R² and parameter uncertainty.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from .base import _AsDict, _paired_finite


def _r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """Coefficient of determination 1 − SS_res/SS_tot (SS_tot about the mean of y).

    Used for fits without an intercept too, where it can be negative; that is the honest
    number for "how much of the variance across branches does the curve explain".
    """
    ss_res = float(np.sum((y - yhat) ** 2))
    ss_tot = float(np.sum((y - np.mean(y)) ** 2))
    if ss_tot == 0.0:
        return float("nan")
    return 1.0 - ss_res / ss_tot


# --------------------------------------------------------------------------------------------
# fits
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HyperbolicFit(_AsDict):
    """Result of :func:`hyperbolic_fit`.

    Attributes
    ----------
    k : float
        Fitted constant of y = k / x.
    r2 : float
        1 − SS_res/SS_tot of y against k / x.
    n : int
        Number of finite, non-zero-x pairs used.
    n_dropped : int
        Pairs dropped (non-finite or x == 0).
    """

    k: float
    r2: float
    n: int
    n_dropped: int = 0

    def predict(self, x: Any) -> np.ndarray:
        """Evaluate the fitted curve k / x."""
        return self.k / np.asarray(x, dtype=float)


def hyperbolic_fit(x: Any, y: Any) -> HyperbolicFit:
    """Least-squares fit of the one-parameter hyperbola y = k / x.

    This is the paper's D = k / P̄r fit (T1).  With regressor u = 1/x the model is linear
    through the origin, so the least-squares estimate is closed-form:
    k = Σ u·y / Σ u².

    Parameters
    ----------
    x, y : array_like
        Paired samples (e.g. x = P̄r per branch, y = D per branch).  Pairs with a non-finite
        value or x == 0 are dropped (branches without functional boutons have P̄r = NaN).

    Returns
    -------
    HyperbolicFit
        ``k``, ``r2`` (1 − SS_res/SS_tot of y against k/x), ``n``, ``n_dropped``.

    Raises
    ------
    ValueError
        If fewer than two usable pairs remain.
    """
    xa, ya, dropped = _paired_finite(x, y)
    nz = xa != 0
    dropped += int((~nz).sum())
    xa, ya = xa[nz], ya[nz]
    if xa.size < 2:
        raise ValueError("hyperbolic_fit needs at least two finite pairs with x != 0")
    u = 1.0 / xa
    k = float(np.dot(u, ya) / np.dot(u, u))
    return HyperbolicFit(k=k, r2=_r2(ya, k * u), n=int(xa.size), n_dropped=dropped)


@dataclass(frozen=True)
class LinearFit(_AsDict):
    """Result of :func:`linear_fit` (ordinary least squares y = intercept + slope·x).

    Attributes
    ----------
    slope, intercept : float
    r2 : float
        Squared Pearson correlation (equal to the OLS coefficient of determination).
    p_value : float
        Two-sided p-value of the t-test of slope ≠ 0.
    stderr : float
        Standard error of the slope.
    n, n_dropped : int
    """

    slope: float
    intercept: float
    r2: float
    p_value: float
    stderr: float
    n: int
    n_dropped: int = 0

    def predict(self, x: Any) -> np.ndarray:
        """Evaluate intercept + slope·x."""
        return self.intercept + self.slope * np.asarray(x, dtype=float)


def linear_fit(x: Any, y: Any) -> LinearFit:
    """Ordinary least-squares line with a two-sided test of slope ≠ 0.

    Used for D vs 1/P̄r (T1, paper R² 0.84) and for ΣPr vs P̄r, which must be *not*
    significant (T1: P > 0.05).

    Parameters
    ----------
    x, y : array_like
        Paired samples; pairs with a non-finite value are dropped.

    Returns
    -------
    LinearFit
        ``slope``, ``intercept``, ``r2``, ``p_value``, ``stderr``, ``n``, ``n_dropped``.

    Raises
    ------
    ValueError
        If fewer than three usable pairs remain (the slope test needs n − 2 ≥ 1 d.o.f.) or
        x is constant.
    """
    xa, ya, dropped = _paired_finite(x, y)
    if xa.size < 3:
        raise ValueError("linear_fit needs at least three finite pairs")
    if np.ptp(xa) == 0:
        raise ValueError("linear_fit: x is constant, slope undefined")
    res = _st.linregress(xa, ya)
    return LinearFit(
        slope=float(res.slope),
        intercept=float(res.intercept),
        r2=float(res.rvalue**2),
        p_value=float(res.pvalue),
        stderr=float(res.stderr),
        n=int(xa.size),
        n_dropped=dropped,
    )


@dataclass(frozen=True)
class PowerLawFit(_AsDict):
    """Result of :func:`power_law_fit`: y = prefactor · x^exponent.

    Attributes
    ----------
    exponent : float
        Slope b of log10 y = a + b log10 x.
    prefactor : float
        10^a.
    r2 : float
        Coefficient of determination in log–log space (what the paper reports).
    p_value : float
        Two-sided p-value of exponent ≠ 0.
    stderr : float
        Standard error of the exponent.
    n : int
        Pairs used.
    n_dropped : int
        Pairs dropped because x ≤ 0, y ≤ 0 or non-finite.
    """

    exponent: float
    prefactor: float
    r2: float
    p_value: float
    stderr: float
    n: int
    n_dropped: int

    def predict(self, x: Any) -> np.ndarray:
        """Evaluate prefactor · x^exponent."""
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent


def power_law_fit(x: Any, y: Any) -> PowerLawFit:
    """Double-log linear regression log10 y = a + b log10 x.

    Used for Pr vs [Mg]i (T3, paper R² 0.54) and wCa vs Pr (T7, exponent 0.55).  Logarithms
    need positive values, so pairs with x ≤ 0 or y ≤ 0 (e.g. silent boutons with measured
    Pr = 0) are dropped and counted; callers should normally pass functional boutons only and
    check ``n_dropped``.

    Parameters
    ----------
    x, y : array_like
        Paired samples.

    Returns
    -------
    PowerLawFit
        ``exponent`` b, ``prefactor`` 10^a, ``r2`` (log space), ``p_value``, ``stderr``,
        ``n``, ``n_dropped``.
    """
    xa, ya, dropped = _paired_finite(x, y)
    pos = (xa > 0) & (ya > 0)
    dropped += int((~pos).sum())
    lf = linear_fit(np.log10(xa[pos]), np.log10(ya[pos]))
    return PowerLawFit(
        exponent=lf.slope,
        prefactor=float(10.0**lf.intercept),
        r2=lf.r2,
        p_value=lf.p_value,
        stderr=lf.stderr,
        n=lf.n,
        n_dropped=dropped,
    )


@dataclass(frozen=True)
class OffsetPowerFit(_AsDict):
    """Result of :func:`offset_power_fit`: y = a · x^b + c (least squares in linear space).

    Attributes
    ----------
    a, b, c : float
        Prefactor, exponent and offset.
    r2 : float
        1 − SS_res/SS_tot in linear space (what the paper reports for its curve fit).
    b_stderr : float
        Standard error of b from the fit's covariance (NaN if undetermined).
    n, n_dropped : int
    """

    a: float
    b: float
    c: float
    r2: float
    b_stderr: float
    n: int
    n_dropped: int = 0

    def predict(self, x: Any) -> np.ndarray:
        """Evaluate a · x^b + c."""
        return self.a * np.asarray(x, dtype=float) ** self.b + self.c


def offset_power_fit(x: Any, y: Any, b_bounds: tuple[float, float] = (0.01, 5.0)
                     ) -> OffsetPowerFit:
    """Least-squares fit of y = a · x^b + c, the curve of Zhou et al. (2024) Fig 3a
    (wCa = 31.10 · Pr^0.55 − 3.95, R² 0.76).

    An offset changes the exponent a log–log fit would report (for the paper's own curve
    over Pr 0.04–0.9 the log–log slope is ≈ 0.75), so T7 fits this form as the paper did
    and reports the log–log exponent beside it.  For fixed b the model is linear in (a, c),
    so the fit is a one-dimensional bounded search over b with a closed-form (a, c) inner
    solution, which cannot get stuck in a local minimum of a and c.

    Parameters
    ----------
    x, y : array_like
        Pairs with x > 0; non-finite pairs and x ≤ 0 are dropped.
    b_bounds : (float, float)
        Search interval of the exponent.

    Raises
    ------
    ValueError
        Fewer than four usable pairs, or x constant.
    """
    from scipy.optimize import minimize_scalar

    xa, ya, dropped = _paired_finite(x, y)
    pos = xa > 0
    dropped += int((~pos).sum())
    xa, ya = xa[pos], ya[pos]
    if xa.size < 4:
        raise ValueError("offset_power_fit needs at least four pairs with x > 0")
    if np.ptp(xa) == 0:
        raise ValueError("offset_power_fit: x is constant")
    lx = np.log(xa)

    def inner(b: float) -> tuple[float, float, float]:
        X = np.column_stack([np.exp(b * lx), np.ones_like(xa)])
        coef, *_ = np.linalg.lstsq(X, ya, rcond=None)
        resid = ya - X @ coef
        return float(resid @ resid), float(coef[0]), float(coef[1])

    grid = np.linspace(b_bounds[0], b_bounds[1], 200)
    sse = np.array([inner(b)[0] for b in grid])
    i = int(np.argmin(sse))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(lambda b: inner(b)[0], bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-7})
    b = float(res.x) if res.fun <= sse[i] else float(grid[i])
    s_min, a, c = inner(b)
    # standard error of b from the Gauss-Newton covariance of (a, b, c)
    J = np.column_stack([xa ** b, a * xa ** b * lx, np.ones_like(xa)])
    dof = xa.size - 3
    try:
        cov = np.linalg.inv(J.T @ J) * (s_min / dof if dof > 0 else np.nan)
        b_se = float(np.sqrt(max(cov[1, 1], 0.0)))
    except np.linalg.LinAlgError:
        b_se = float("nan")
    return OffsetPowerFit(a=a, b=b, c=c, r2=_r2(ya, a * xa ** b + c), b_stderr=b_se,
                          n=int(xa.size), n_dropped=dropped)

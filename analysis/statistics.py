"""Statistics used to compare the model with Zhou, Bi & Liu (2024) and to report predictions.

The paper reports regression R² for curve fits (hyperbola D = k / P̄r, lines, double-log power
laws), two-sided two-sample Kolmogorov–Smirnov tests between conditions and Spearman
correlations; the memory-encoding predictions (science.md §6) are reported as paired
comparisons over seeds with bootstrap 95 % confidence intervals and effect sizes.  Every
function here takes plain array-likes, drops non-finite entries (reporting how many), and
returns a small frozen dataclass so that results can be logged or serialised with
``as_dict()``.

This module is pure numpy/scipy on purpose: analysis must run on saved run files without
Brian2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
from scipy import stats as _st

__all__ = [
    "HyperbolicFit",
    "LinearFit",
    "PowerLawFit",
    "OffsetPowerFit",
    "KSResult",
    "SpearmanResult",
    "BootstrapCI",
    "PairedBootstrap",
    "MedianSplit",
    "hyperbolic_fit",
    "linear_fit",
    "power_law_fit",
    "offset_power_fit",
    "ks_test",
    "spearman",
    "bootstrap_ci",
    "paired_bootstrap",
    "relative_change",
    "median_split",
    "binomial_sd",
]


class _AsDict:
    """Mixin giving result dataclasses a plain-dict view for JSON/CSV reports."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a ``dict`` (arrays are left as arrays)."""
        return asdict(self)  # type: ignore[call-overload]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _as_1d(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _paired_finite(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Return the pairs where both values are finite and the number of pairs dropped."""
    xa, ya = _as_1d(x, "x"), _as_1d(y, "y")
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have equal length, got {xa.size} and {ya.size}")
    ok = np.isfinite(xa) & np.isfinite(ya)
    return xa[ok], ya[ok], int(xa.size - ok.sum())


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


# --------------------------------------------------------------------------------------------
# tests between samples
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KSResult(_AsDict):
    """Two-sample Kolmogorov–Smirnov result: ``statistic`` (sup |F_a − F_b|), ``p_value``
    (two-sided), ``n_a``, ``n_b`` (finite values used)."""

    statistic: float
    p_value: float
    n_a: int
    n_b: int


def ks_test(a: Any, b: Any) -> KSResult:
    """Two-sided two-sample Kolmogorov–Smirnov test, as used by the paper between conditions.

    Parameters
    ----------
    a, b : array_like
        Samples (e.g. bouton Pr at baseline and at elevated Mg).  Non-finite values are
        dropped independently in each sample.

    Returns
    -------
    KSResult
        ``statistic``, ``p_value``, ``n_a``, ``n_b``.

    Notes
    -----
    scipy's ``method='auto'`` is used: exact p-values for small samples, the asymptotic
    distribution for large ones.  With the many ties of 30-trial Pr estimates (values k/30)
    the test is conservative, which is also true of the paper's analysis.
    """
    aa, bb = _as_1d(a, "a"), _as_1d(b, "b")
    aa, bb = aa[np.isfinite(aa)], bb[np.isfinite(bb)]
    if aa.size == 0 or bb.size == 0:
        raise ValueError("ks_test needs at least one finite value in each sample")
    res = _st.ks_2samp(aa, bb, alternative="two-sided")
    return KSResult(
        statistic=float(res.statistic), p_value=float(res.pvalue), n_a=int(aa.size), n_b=int(bb.size)
    )


@dataclass(frozen=True)
class SpearmanResult(_AsDict):
    """Spearman rank correlation: ``rho``, two-sided ``p_value``, ``n`` pairs used."""

    rho: float
    p_value: float
    n: int


def spearman(x: Any, y: Any) -> SpearmanResult:
    """Spearman rank correlation with a two-sided p-value (e.g. ρ(ΔPr, Pr) < 0 for T4).

    Parameters
    ----------
    x, y : array_like
        Paired samples; pairs with a non-finite value are dropped.

    Returns
    -------
    SpearmanResult
        ``rho``, ``p_value``, ``n``.
    """
    xa, ya, _ = _paired_finite(x, y)
    if xa.size < 3:
        raise ValueError("spearman needs at least three finite pairs")
    res = _st.spearmanr(xa, ya)
    return SpearmanResult(rho=float(res.statistic), p_value=float(res.pvalue), n=int(xa.size))


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------


def _apply_stat(stat: Callable[..., Any], samples: np.ndarray) -> np.ndarray:
    """Apply ``stat`` to each row of ``samples``.

    numpy reductions accept ``axis=``, which keeps the bootstrap vectorised; arbitrary
    user callables fall back to a row loop.
    """
    try:
        out = np.asarray(stat(samples, axis=1), dtype=float)
        if out.shape == (samples.shape[0],):
            return out
    except TypeError:
        pass
    return np.array([stat(row) for row in samples], dtype=float)


@dataclass(frozen=True)
class BootstrapCI(_AsDict):
    """Percentile bootstrap confidence interval.

    Attributes
    ----------
    estimate : float
        ``stat`` of the original sample.
    low, high : float
        Percentile interval bounds.
    ci : float
        Nominal coverage (e.g. 0.95).
    n : int
        Sample size (finite values).
    n_boot : int
        Bootstrap resamples.
    """

    estimate: float
    low: float
    high: float
    ci: float
    n: int
    n_boot: int


def bootstrap_ci(
    x: Any,
    stat: Callable[..., Any] = np.mean,
    n_boot: int = 10000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> BootstrapCI:
    """Percentile bootstrap confidence interval of a one-sample statistic.

    Parameters
    ----------
    x : array_like
        Sample; non-finite values are dropped.
    stat : callable, default ``np.mean``
        Statistic.  If it accepts ``axis=`` (numpy reductions) all resamples are evaluated in
        one vectorised call.
    n_boot : int, default 10000
        Number of resamples.
    ci : float, default 0.95
        Nominal coverage; the interval is the (1−ci)/2 and (1+ci)/2 percentiles.
    seed : int or None, default 0
        Seed for ``numpy.random.default_rng``; a fixed seed makes reports reproducible.

    Returns
    -------
    BootstrapCI
        ``estimate``, ``low``, ``high``, ``ci``, ``n``, ``n_boot``.
    """
    xa = _as_1d(x, "x")
    xa = xa[np.isfinite(xa)]
    if xa.size == 0:
        raise ValueError("bootstrap_ci needs at least one finite value")
    if not 0 < ci < 1:
        raise ValueError("ci must be in (0, 1)")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, xa.size, size=(int(n_boot), xa.size))
    boots = _apply_stat(stat, xa[idx])
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(boots, [alpha, 1.0 - alpha])
    return BootstrapCI(
        estimate=float(stat(xa)),
        low=float(low),
        high=float(high),
        ci=float(ci),
        n=int(xa.size),
        n_boot=int(n_boot),
    )


@dataclass(frozen=True)
class PairedBootstrap(_AsDict):
    """Paired comparison of condition b against condition a (e.g. elevated Mg vs baseline, same
    connectivity seed).

    Attributes
    ----------
    n : int
        Number of complete pairs.
    mean_a, mean_b : float
        Condition means.
    mean_diff : float
        mean(b − a).
    diff_low, diff_high : float
        Percentile bootstrap CI of the mean difference (pairs resampled together).
    rel_change : float
        (mean(b) − mean(a)) / mean(a).
    rel_low, rel_high : float
        Percentile bootstrap CI of the relative change (NaN if a resample has mean(a) = 0).
    cohen_dz : float
        mean(b − a) / sd(b − a) (ddof = 1); NaN when n < 2 or all differences are equal.
    p_value : float
        Two-sided sign-flip (paired permutation) p-value for mean difference ≠ 0.
    p_method : str
        ``"exact"`` (all 2^n sign patterns, n ≤ 16) or ``"monte_carlo"``.
    ci : float
        Nominal coverage.
    n_boot : int
        Bootstrap resamples (also the number of random sign flips when Monte Carlo).
    """

    n: int
    mean_a: float
    mean_b: float
    mean_diff: float
    diff_low: float
    diff_high: float
    rel_change: float
    rel_low: float
    rel_high: float
    cohen_dz: float
    p_value: float
    p_method: str
    ci: float
    n_boot: int


_EXACT_SIGNFLIP_MAX_N = 16  # 2^16 = 65 536 patterns × n: still a few MB and milliseconds


def paired_bootstrap(
    a: Any,
    b: Any,
    n_boot: int = 10000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> PairedBootstrap:
    """Paired bootstrap comparison of b against a with effect size and sign-flip p-value.

    Pairs (a_i, b_i) are resampled together so that the between-seed variability shared by
    both conditions cancels, which is the point of running conditions on the same seeds.

    Parameters
    ----------
    a, b : array_like
        Paired samples of equal length (a = reference condition).  Pairs with a non-finite
        value are dropped.
    n_boot : int, default 10000
        Bootstrap resamples; also the number of random sign flips if n > 16.
    ci : float, default 0.95
        Nominal CI coverage.
    seed : int or None, default 0
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    PairedBootstrap
        See the class docstring for the fields.

    Notes
    -----
    The p-value tests H0 "the within-pair differences are symmetric about 0" by flipping
    signs of the differences: p = (1 + #{|mean(s·d)| ≥ |mean(d)|}) / (1 + n_flips) for Monte
    Carlo flips, and the exact proportion over all 2^n patterns (which includes the observed
    one) when n ≤ 16.  A tiny relative tolerance counts floating-point ties as extreme.
    """
    aa, bb, _ = _paired_finite(a, b)
    n = int(aa.size)
    if n < 2:
        raise ValueError("paired_bootstrap needs at least two complete pairs")
    if not 0 < ci < 1:
        raise ValueError("ci must be in (0, 1)")
    rng = np.random.default_rng(seed)
    d = bb - aa
    mean_a, mean_b, mean_d = float(aa.mean()), float(bb.mean()), float(d.mean())

    idx = rng.integers(0, n, size=(int(n_boot), n))
    ma, mb = aa[idx].mean(axis=1), bb[idx].mean(axis=1)
    md = mb - ma
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (mb - ma) / ma
    alpha = (1.0 - ci) / 2.0
    q = [alpha, 1.0 - alpha]
    diff_low, diff_high = np.quantile(md, q)
    if np.all(np.isfinite(rel)):
        rel_low, rel_high = np.quantile(rel, q)
    else:
        rel_low = rel_high = float("nan")

    sd = float(d.std(ddof=1))
    cohen_dz = mean_d / sd if sd > 0 else float("nan")

    obs = abs(mean_d)
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if n <= _EXACT_SIGNFLIP_MAX_N:
        # row j of the sign matrix is the binary expansion of j: all 2^n patterns exactly once
        bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
        signs = 1.0 - 2.0 * bits
        flipped = np.abs(signs @ d) / n
        p_value = float(np.mean(flipped >= obs - tol))
        p_method = "exact"
    else:
        signs = rng.choice(np.array([-1.0, 1.0]), size=(int(n_boot), n))
        flipped = np.abs(signs @ d) / n
        p_value = float((1 + np.sum(flipped >= obs - tol)) / (1 + int(n_boot)))
        p_method = "monte_carlo"

    return PairedBootstrap(
        n=n,
        mean_a=mean_a,
        mean_b=mean_b,
        mean_diff=mean_d,
        diff_low=float(diff_low),
        diff_high=float(diff_high),
        rel_change=(mean_b - mean_a) / mean_a if mean_a != 0 else float("nan"),
        rel_low=float(rel_low),
        rel_high=float(rel_high),
        cohen_dz=float(cohen_dz),
        p_value=p_value,
        p_method=p_method,
        ci=float(ci),
        n_boot=int(n_boot),
    )


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


def binomial_sd(n: Any, p: Any, proportion: bool = False) -> np.ndarray | float:
    """Standard deviation of a binomial count, sqrt(n p (1 − p)).

    Used to judge estimation noise of 30-trial Pr (``proportion=True``: sd of k/n,
    sqrt(p(1 − p)/n)) and to set bounds on false-positive counts in tests.

    Parameters
    ----------
    n : int or array_like
        Number of trials.
    p : float or array_like
        Success probability in [0, 1].
    proportion : bool, default False
        Return the sd of the proportion k/n instead of the count k.

    Returns
    -------
    float or ndarray
    """
    n_arr, p_arr = np.asarray(n, dtype=float), np.asarray(p, dtype=float)
    if np.any((p_arr < 0) | (p_arr > 1)):
        raise ValueError("p must be in [0, 1]")
    if np.any(n_arr < 0):
        raise ValueError("n must be non-negative")
    var = n_arr * p_arr * (1.0 - p_arr)
    if proportion:
        with np.errstate(divide="ignore", invalid="ignore"):
            var = p_arr * (1.0 - p_arr) / n_arr
    out = np.sqrt(var)
    return float(out) if out.ndim == 0 else out

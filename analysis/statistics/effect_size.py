"""Standardised effect sizes: Cohen's d_z of paired differences and Hedges' g with its
small-sample correction.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .base import _as_1d, _paired_finite

# --------------------------------------------------------------------------------------------
# effect sizes
# --------------------------------------------------------------------------------------------


def hedges_correction(df: float) -> float:
    """Small-sample bias correction J(df) of a standardised mean difference.

    J(df) = Γ(df/2) / (√(df/2) Γ((df − 1)/2)) (Hedges 1981), ≈ 1 − 3/(4 df − 1); Hedges'
    g = J · d is unbiased for normal data.

    Parameters
    ----------
    df : float
        Degrees of freedom of the SD in the denominator (n − 1 paired, n_a + n_b − 2
        independent).

    Returns
    -------
    float
        J in (0, 1); NaN for df ≤ 1.
    """
    from scipy.special import gammaln

    if not df > 1:
        return float("nan")
    return float(np.exp(gammaln(df / 2.0) - gammaln((df - 1.0) / 2.0)) / math.sqrt(df / 2.0))


def cohen_dz(a: Any, b: Any) -> float:
    """Paired Cohen's d_z = mean(b − a) / SD(b − a) (ddof = 1).

    Parameters
    ----------
    a, b : array_like
        Paired samples (a = reference); pairs with a non-finite value are dropped.

    Returns
    -------
    float
        d_z; NaN with fewer than two pairs or when all differences are equal.
    """
    aa, bb, _ = _paired_finite(a, b)
    d = bb - aa
    if d.size < 2:
        return float("nan")
    sd = float(d.std(ddof=1))
    return float(d.mean() / sd) if sd > 0 else float("nan")


def hedges_g(a: Any, b: Any, paired: bool = False) -> float:
    """Hedges' g of b against a: a standardised mean difference with the small-sample
    correction :func:`hedges_correction`.

    Parameters
    ----------
    a, b : array_like
        Samples (a = reference).  Independent: non-finite values dropped per sample.
        Paired: pairs with a non-finite value dropped.
    paired : bool, default False
        False: g_s = J(n_a + n_b − 2) (mean(b) − mean(a)) / s_pooled, with s_pooled² the
        (ddof = 1) variances weighted by n − 1.  True: g_z = J(n − 1) d_z
        (:func:`cohen_dz`), the unbiased version of the paired effect size.

    Returns
    -------
    float
        g; NaN when the SD is 0 or there are too few values.

    References
    ----------
    Hedges, L. V. (1981) J. Educ. Stat. 6, 107–128; Lakens, D. (2013) Front. Psychol. 4,
    863 (worked example used in the tests: d_s = 1.13, g_s = 1.08, d_z = 1.50).
    """
    if paired:
        aa, _, _ = _paired_finite(a, b)
        return float(hedges_correction(aa.size - 1) * cohen_dz(a, b))
    aa, bb = _as_1d(a, "a"), _as_1d(b, "b")
    aa, bb = aa[np.isfinite(aa)], bb[np.isfinite(bb)]
    df = aa.size + bb.size - 2
    if aa.size < 1 or bb.size < 1 or df < 2:
        return float("nan")
    ss = float(((aa - aa.mean()) ** 2).sum() + ((bb - bb.mean()) ** 2).sum())
    sp = math.sqrt(ss / df)
    if sp == 0:
        return float("nan")
    return float(hedges_correction(df) * (bb.mean() - aa.mean()) / sp)

"""Distribution and rank tests: two-sample Kolmogorov–Smirnov and Spearman correlation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from .base import _as_1d, _AsDict, _paired_finite

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

"""Multiple-comparison corrections of a family of p values: Holm and Benjamini–Hochberg.
"""
from __future__ import annotations

from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# multiple comparisons
# --------------------------------------------------------------------------------------------


def _pvalue_family(pvalues: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pvalues, dtype=float)
    ok = np.isfinite(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    return p, ok


def holm(pvalues: Any) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate).

    Sorted p_(1) ≤ … ≤ p_(m): p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j)).  Rejecting
    where p̃ ≤ α controls the probability of any false rejection at α, under any
    dependence between the tests, and is uniformly more powerful than Bonferroni.

    Parameters
    ----------
    pvalues : array_like
        The family's p-values (any shape).  Non-finite entries (comparisons that could not
        be made) are not counted in m and stay NaN.

    Returns
    -------
    ndarray
        Adjusted p-values, same shape and order as the input.
    """
    p, ok = _pvalue_family(pvalues)
    out = np.full(p.shape, np.nan)
    vals = p[ok]
    m = vals.size
    if m:
        order = np.argsort(vals, kind="stable")
        adj = np.maximum.accumulate((m - np.arange(m)) * vals[order])
        res = np.empty(m)
        res[order] = np.minimum(adj, 1.0)
        out[ok] = res
    return out


def benjamini_hochberg(pvalues: Any) -> np.ndarray:
    """Benjamini–Hochberg (1995) adjusted p-values (false discovery rate).

    Sorted p_(1) ≤ … ≤ p_(m): p̃_(i) = min_{j ≥ i} min(1, m p_(j) / j).  Rejecting where
    p̃ ≤ q controls the expected fraction of false rejections at q for independent or
    positively dependent tests.

    Parameters
    ----------
    pvalues : array_like
        The family's p-values; non-finite entries are not counted and stay NaN.

    Returns
    -------
    ndarray
        Adjusted p-values, same shape and order as the input.
    """
    p, ok = _pvalue_family(pvalues)
    out = np.full(p.shape, np.nan)
    vals = p[ok]
    m = vals.size
    if m:
        order = np.argsort(vals, kind="stable")
        scaled = vals[order] * m / np.arange(1, m + 1)
        adj = np.minimum.accumulate(scaled[::-1])[::-1]
        res = np.empty(m)
        res[order] = np.minimum(adj, 1.0)
        out[ok] = res
    return out

"""Multiple-comparison corrections of a family of p values: Holm and Benjamini–Hochberg.
"""
from __future__ import annotations

from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# multiple comparisons
# --------------------------------------------------------------------------------------------


def _adjusted(pvalues: Any, step) -> np.ndarray:
    """Adjusted p-values of a family: the finite p-values sorted, ``step(sorted, m)`` gives
    their adjusted values in that order (capped at 1 here), put back in the input's
    order; non-finite entries are not counted in m and stay NaN."""
    p = np.asarray(pvalues, dtype=float)
    ok = np.isfinite(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(p.shape, np.nan)
    vals = p[ok]
    m = vals.size
    if m:
        order = np.argsort(vals, kind="stable")
        res = np.empty(m)
        res[order] = np.minimum(step(vals[order], m), 1.0)
        out[ok] = res
    return out


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
    return _adjusted(pvalues, lambda s, m: np.maximum.accumulate((m - np.arange(m)) * s))


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
    return _adjusted(pvalues, lambda s, m: np.minimum.accumulate((s * m / np.arange(1, m + 1))
                                                                  [::-1])[::-1])

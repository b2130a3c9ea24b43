"""Proportions: the binomial standard deviation of a fraction and the binary entropy.
"""
from __future__ import annotations

from typing import Any

import numpy as np


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


# --------------------------------------------------------------------------------------------
# information
# --------------------------------------------------------------------------------------------
def binary_entropy(p: Any) -> np.ndarray | float:
    """Binary (Bernoulli) entropy in bits, H(p) = −p log₂p − (1−p) log₂(1−p).

    The one implementation (issue 16): the per-bouton coding capacity of a release site
    (configuration_metrics, science.md §2, T9) and the label entropy / capacity bound of the
    memory metrics (memory_metrics) both use it.

    Parameters
    ----------
    p : float or array_like
        Probabilities in [0, 1].

    Returns
    -------
    float or ndarray
        H(p) in bits; exactly 0 at p = 0 and p = 1 (the limit of p log p), exactly 1 at
        p = 0.5.  NaN inputs give NaN (a missing probability has no entropy).  Values are
        computed with log₂ as the memory metrics always did, so their run metrics keep
        their bits; the configuration metrics' former ``scipy.special.entr`` version agreed
        to the last unit in the last place.

    Raises
    ------
    ValueError
        If a finite p lies outside [0, 1] (the memory metrics' former copy returned 0 there,
        which hid the error).
    """
    pa = np.asarray(p, dtype=float)
    finite = np.isfinite(pa)
    if np.any(finite & ((pa < 0) | (pa > 1))):
        raise ValueError("binary_entropy: p must lie in [0, 1]")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(pa * np.log2(pa) + (1 - pa) * np.log2(1 - pa))
    h = np.where((pa == 0) | (pa == 1), 0.0, h)
    return float(h) if h.ndim == 0 else h

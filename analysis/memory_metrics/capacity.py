"""Memory capacity: how many patterns are recalled above criterion, from overlaps or trials.
"""
from __future__ import annotations

import numpy as np

from .recall import completion_curve


def capacity(P_values, median_overlaps, threshold, *, contiguous=True, interpolate=False):
    """Capacity: the largest number of stored patterns P with median overlap above threshold.

    Parameters
    ----------
    P_values : array_like
        Numbers of stored patterns tested (any order).
    median_overlaps : array_like
        Median recall overlap at each P.
    threshold : float
        Overlap that counts as recalled (strictly above).
    contiguous : bool, optional
        If True (default), P values are taken in increasing order and the capacity is the last
        P before the first failure, so a noisy success at larger P after a failure is not
        counted. If False, the largest passing P anywhere. Identical for monotone curves.
    interpolate : bool, optional
        If True (only with ``contiguous``), linearly interpolate the threshold crossing between
        the last passing and the first failing P, giving a non-integer estimate.

    Returns
    -------
    float
        Capacity; 0 if even the smallest P fails (a lower bound: nothing tested was
        recalled); the largest tested P if none fails (a lower bound again).
    """
    P = np.asarray(P_values, dtype=float).ravel()
    m = np.asarray(median_overlaps, dtype=float).ravel()
    if P.shape != m.shape:
        raise ValueError("P_values and median_overlaps differ in length")
    order = np.argsort(P, kind="stable")
    P, m = P[order], m[order]
    ok = m > threshold  # NaN compares False: an undefined overlap is a failure
    if not contiguous:
        return float(P[ok].max()) if ok.any() else 0.0
    fails = np.flatnonzero(~ok)
    if fails.size == 0:
        return float(P[-1]) if P.size else 0.0
    k = fails[0]
    if k == 0:
        return 0.0
    if interpolate and np.isfinite(m[k]):
        frac = (m[k - 1] - threshold) / (m[k - 1] - m[k])
        return float(P[k - 1] + frac * (P[k] - P[k - 1]))
    return float(P[k - 1])


def capacity_from_trials(P_of_trial, overlaps, threshold, **kwargs):
    """Capacity from single recall trials: median overlap per P, then :func:`capacity`.

    Parameters
    ----------
    P_of_trial : array_like
        Number of stored patterns P of the simulation each recall trial belongs to.
    overlaps : array_like
        Recall overlap of each trial (NaN trials are dropped; a P whose trials are all
        NaN counts as a failure).
    threshold : float
        Median overlap that counts as recalled (strictly above).
    **kwargs
        Passed to :func:`capacity` (``contiguous``, ``interpolate``).

    Returns
    -------
    dict
        ``P`` (sorted tested values), ``median``, ``n`` (trials per P) and ``capacity``.
    """
    curve = completion_curve(P_of_trial, overlaps)
    return {"P": curve["cue_fraction"], "median": curve["median"], "n": curve["n"],
            "capacity": capacity(curve["cue_fraction"], curve["median"], threshold,
                                 **kwargs)}

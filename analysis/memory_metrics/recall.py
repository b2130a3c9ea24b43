"""Recall of a stored pattern from a cue: overlap, latency, false activation, completion
curve, the active set from spikes and presentations to criterion.
"""
from __future__ import annotations

import math

import numpy as np

from .structure import _as_mask

# --------------------------------------------------------------------------------------------
# recall


def recall_overlap(active, members, cued, *, threshold=None):
    """Pattern overlap of the response on the non-cued neurons.

    m = Σᵢ (ξᵢ − f) sᵢ / (N f (1 − f)), the sum over the N non-cued neurons, with ξ the
    membership, s the response (1 = active) and f the member fraction *among the non-cued
    neurons*. Taking f from the same set makes Σᵢ(ξᵢ − f) = 0, so

    - perfect recall (s = ξ on the non-cued set) gives exactly 1;
    - activity independent of ξ gives 0 in expectation, whatever its level (all-active is
      exactly 0);
    - for binary s, m = (fraction of non-cued members active) − (fraction of non-members
      active), a hit rate minus a false-alarm rate, in [−1, 1].

    Parameters
    ----------
    active : array_like, shape (N_total,)
        Response per neuron: boolean, or numeric (rates / counts) together with ``threshold``.
        Numeric responses without a threshold enter as they are, which breaks the
        "perfect recall = 1" normalisation.
    members : array_like of bool, shape (N_total,)
        Membership ξ of the cued pattern.
    cued : array_like of bool, shape (N_total,)
        Neurons that were stimulated by the cue; they are excluded from the sum (the cue
        itself is not recall).
    threshold : float, optional
        If given, ``s = active > threshold``.

    Returns
    -------
    float
        The overlap m (NaN if the non-cued set holds no members or only members).
    """
    s = np.asarray(active)
    s = (s > threshold) if threshold is not None else s
    s = s.astype(float).ravel()
    xi = _as_mask(members, s.size).astype(float).ravel()
    cued = _as_mask(cued, s.size).ravel()
    keep = ~cued
    s, xi = s[keep], xi[keep]
    n = s.size
    if n == 0:
        return float("nan")
    f = xi.mean()
    if f <= 0.0 or f >= 1.0:
        return float("nan")
    return float(np.sum((xi - f) * s) / (n * f * (1.0 - f)))


def recall_latency(times, ids, members, cued, cue_time, *, fraction=0.5, t_max=None):
    """Time from cue onset until a fraction of the non-cued members have fired.

    Parameters
    ----------
    times, ids : array_like
        Spike times (s) and neuron ids of the recall trial.
    members, cued : array_like of bool, shape (N,)
        Membership of the cued pattern and the cued neurons.
    cue_time : float
        Cue onset (s). Only spikes at or after it count.
    fraction : float, optional
        Fraction of non-cued members that must have fired at least once. The count needed is
        ``ceil(fraction * n_noncued_members)`` (at least 1). Default 0.5.
    t_max : float, optional
        End of the readout window (s, absolute); spikes after it do not count.

    Returns
    -------
    float
        Latency (s), or ``inf`` if the fraction is not reached in the window: a failed recall
        counts as infinitely slow, so medians over trials remain meaningful. NaN if the cued
        pattern has no non-cued members.
    """
    times = np.asarray(times, dtype=float).ravel()
    ids = np.asarray(ids).ravel().astype(np.int64, copy=False)
    members = np.asarray(members, dtype=bool).ravel()
    cued = _as_mask(cued, members.size).ravel()
    target = members & ~cued
    n_target = int(target.sum())
    if n_target == 0:
        return float("nan")
    need = max(1, math.ceil(fraction * n_target - 1e-12))
    sel = (times >= cue_time) & (ids >= 0) & (ids < members.size)
    if t_max is not None:
        sel &= times <= t_max
    times, ids = times[sel], ids[sel]
    sel = target[ids]
    times, ids = times[sel], ids[sel]
    if times.size == 0:
        return float("inf")
    # First spike of each target neuron after the cue, then the need-th earliest of those.
    first = np.full(members.size, np.inf)
    np.minimum.at(first, ids, times)
    first = np.sort(first[target])
    t_reach = first[need - 1]
    return float(t_reach - cue_time) if np.isfinite(t_reach) else float("inf")


def false_activation(active, members_all_patterns, pattern_index, *, cued=None,
                     exclude_other_patterns=False, threshold=None):
    """Fraction of non-members of the cued pattern that become active.

    Parameters
    ----------
    active : array_like, shape (N,)
        Response vector (boolean, or numeric with ``threshold``).
    members_all_patterns : array_like of bool, shape (P, N) or (N,)
        Membership of every stored pattern (a single pattern may be passed as 1-D).
    pattern_index : int
        Row of the cued pattern.
    cued : array_like of bool, optional
        Cued neurons, excluded from the denominator (cues are normally members anyway).
    exclude_other_patterns : bool, optional
        If True, count only neurons that belong to no stored pattern, isolating spread into
        unrelated cells from the (also interesting) co-activation of other assemblies.
        Default False: every non-member of the cued pattern counts.
    threshold : float, optional
        If given, ``active > threshold`` defines activity.

    Returns
    -------
    float
        Active non-members / non-members (NaN if there are none).
    """
    s = np.asarray(active)
    s = (s > threshold) if threshold is not None else s.astype(bool)
    s = s.ravel()
    mem = np.atleast_2d(np.asarray(members_all_patterns, dtype=bool))
    pool = ~mem[pattern_index]
    if exclude_other_patterns:
        pool &= ~mem.any(axis=0)
    if cued is not None:
        pool &= ~_as_mask(cued, s.size).ravel()
    if not pool.any():
        return float("nan")
    return float(s[pool].mean())


def completion_curve(cue_fractions, overlaps):
    """Pattern-completion curve: recall overlap summarised per cue fraction.

    Parameters
    ----------
    cue_fractions : array_like
        Cue fraction of each recall trial.
    overlaps : array_like
        Overlap of each trial (same length); NaN trials are dropped.

    Returns
    -------
    dict of ndarray
        ``cue_fraction`` (sorted unique values), ``median``, ``mean``, ``q25``, ``q75`` and
        ``n`` (trials per fraction; statistics are NaN where ``n`` is 0).
    """
    cf = np.asarray(cue_fractions, dtype=float).ravel()
    ov = np.asarray(overlaps, dtype=float).ravel()
    if cf.shape != ov.shape:
        raise ValueError("cue_fractions and overlaps differ in length")
    levels = np.unique(cf[np.isfinite(cf)])
    out = {k: np.full(levels.size, np.nan) for k in ("median", "mean", "q25", "q75")}
    out["n"] = np.zeros(levels.size, dtype=int)
    for k, level in enumerate(levels):
        v = ov[(cf == level) & np.isfinite(ov)]
        out["n"][k] = v.size
        if v.size:
            out["median"][k] = np.median(v)
            out["mean"][k] = v.mean()
            out["q25"][k], out["q75"][k] = np.percentile(v, [25, 75])
    out["cue_fraction"] = levels
    return out


def active_from_spikes(times, ids, n_neurons, t0, t1, min_spikes=1):
    """Binary response vector: neurons with at least ``min_spikes`` spikes in ``[t0, t1)``.

    Parameters
    ----------
    times, ids : array_like
        Spike times (s) and neuron ids.
    n_neurons : int
        Population size (length of the result).
    t0, t1 : float
        Readout window (s), half-open.
    min_spikes : int, optional
        Spike count that makes a neuron "active". Default 1.

    Returns
    -------
    ndarray of bool, shape (n_neurons,)
    """
    times = np.asarray(times, dtype=float).ravel()
    ids = np.asarray(ids).ravel().astype(np.int64, copy=False)
    sel = (times >= t0) & (times < t1) & (ids >= 0) & (ids < n_neurons)
    counts = np.bincount(ids[sel], minlength=n_neurons)
    return counts >= min_spikes


# --------------------------------------------------------------------------------------------
# encoding speed, capacity, forgetting


def presentations_to_criterion(snr_by_presentation, criterion, *, offset=0, sustained=False):
    """First presentation at which the assembly SNR reaches a criterion.

    Parameters
    ----------
    snr_by_presentation : array_like
        SNR measured after successive presentations, in order.
    criterion : float
        SNR to reach (``>=``).
    offset : int, optional
        Added to the 0-based index. With element k measured after k + 1 presentations use
        ``offset=1`` to get a presentation count; with element 0 the pre-encoding value
        (k presentations) keep the default 0.
    sustained : bool, optional
        If True, the SNR must also stay at or above the criterion for every later element, so
        a noisy early crossing does not count. Default False.

    Returns
    -------
    float
        ``index + offset`` of the first qualifying element, NaN if never reached.
    """
    snr = np.asarray(snr_by_presentation, dtype=float).ravel()
    ok = snr >= criterion
    if sustained:
        # ok_from[k] is True when every element from k on satisfies the criterion.
        ok = np.flip(np.logical_and.accumulate(np.flip(ok)))
    idx = np.flatnonzero(ok)
    return float(idx[0] + offset) if idx.size else float("nan")

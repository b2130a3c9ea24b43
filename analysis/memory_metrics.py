"""Memory-encoding metrics of science.md §6, computed from saved spikes and weights.

The memory experiments (encoding of P cell assemblies, consolidation under spontaneous network
bursts, cued recall with plasticity off) are scored with:

- assembly weight SNR (Δ⟨w⟩ / σout), after encoding and over consolidation time
  (:func:`assembly_snr`, :func:`forgetting_curve`, :func:`lifetime`);
- recall overlap, recall latency, false activation and the pattern-completion curve
  (:func:`recall_overlap`, :func:`recall_latency`, :func:`false_activation`,
  :func:`completion_curve`, :func:`active_from_spikes`);
- encoding speed (:func:`presentations_to_criterion`);
- capacity and bits per synapse (:func:`capacity`, :func:`capacity_from_trials`,
  :func:`bits_per_synapse`, :func:`stored_bits_per_synapse`);
- retention of the synaptic states themselves (:func:`state_kappa`, :func:`trace_lifetime`);
- structure (:func:`silent_fraction`, :func:`weight_histograms`, :func:`contacts_per_connection`);
- the instrument of issue 14 (science.md §6): the rate read-out Q of Luboeinski & Tetzlaff
  (2021) (:func:`rates_in_window`, :func:`recall_q`), the rejection of cues that fall into a
  spontaneous network burst (:func:`cues_in_bursts`), and the encoding metric Δf_UP with its
  z-score against random pseudo-assemblies (:func:`up_fraction_difference`,
  :func:`up_fraction_z`).

All inputs are plain arrays: spike times in seconds with integer neuron ids (SONATA layout);
synapses as parallel arrays ``w``, ``pre``, ``post`` (one entry per contact); assembly
membership as boolean vectors over neurons (or a ``(P, N)`` boolean matrix for several
patterns). This module never imports brian2.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import curve_fit

from .statistics import binary_entropy

__all__ = [
    "assembly_weight_stats",
    "assembly_snr",
    "recall_overlap",
    "recall_latency",
    "false_activation",
    "completion_curve",
    "presentations_to_criterion",
    "capacity",
    "capacity_from_trials",
    "forgetting_curve",
    "lifetime",
    "state_kappa",
    "trace_lifetime",
    "bits_per_synapse",
    "stored_bits_per_synapse",
    "binary_entropy",
    "silent_fraction",
    "weight_histograms",
    "contacts_per_connection",
    "active_from_spikes",
    "rates_in_window",
    "recall_q",
    "cues_in_bursts",
    "up_fraction_difference",
    "up_fraction_z",
]


# --------------------------------------------------------------------------------------------
# helpers


def _as_mask(members, n=None):
    """Boolean membership vector from a boolean vector or an index array."""
    arr = np.asarray(members)
    if arr.dtype == bool:
        if n is not None and arr.shape[-1] != n:
            raise ValueError(f"membership has {arr.shape[-1]} neurons, expected {n}")
        return arr
    if n is None:
        raise ValueError("index-array membership needs the population size")
    mask = np.zeros(n, dtype=bool)
    mask[arr.astype(np.int64)] = True
    return mask


def _synapse_arrays(w, pre, post):
    w = np.asarray(w, dtype=float).ravel()
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    if not (w.shape == pre.shape == post.shape):
        raise ValueError("w, pre and post must have the same length")
    return w, pre, post


def _aggregate_connections(w, pre, post):
    """Sum contacts of the same (pre, post) pair: one entry per connection."""
    if w.size == 0:
        return w, pre, post
    n = int(max(pre.max(), post.max())) + 1
    key = pre * n + post
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w, minlength=uniq.size)
    return summed, uniq // n, uniq % n


def _co_member(pre, post, members):
    """Synapse labels for one pattern (1-D members) or any of several (2-D members).

    Returns ``(both, neither)``: both ends in the same assembly / neither end in the assembly
    (for 2-D: in no assembly at all).
    """
    members = np.asarray(members, dtype=bool)
    if members.ndim == 1:
        a, b = members[pre], members[post]
        return a & b, ~a & ~b
    both = np.any(members[:, pre] & members[:, post], axis=0)
    anym = members.any(axis=0)
    return both, ~anym[pre] & ~anym[post]


# --------------------------------------------------------------------------------------------
# assembly weight SNR


def assembly_weight_stats(w, pre, post, members, *, exclude_mixed=False, aggregate=False):
    """Weight statistics inside and outside one assembly.

    Parameters
    ----------
    w, pre, post : array_like
        Weight, presynaptic and postsynaptic neuron index of every contact. Pass only the
        E→E pathway: "out" is *every other* synapse given, so other pathways would
        contaminate it.
    members : array_like of bool, shape (N,)
        Assembly membership over the neurons indexed by ``pre`` / ``post``.
    exclude_mixed : bool, optional
        If False (default), "out" is every synapse not in "in", including those with exactly
        one member end, as in science.md §6. If True, "out" keeps only synapses with neither
        end in the assembly, which removes heterosynaptic effects on member↔non-member
        synapses from the reference distribution.
    aggregate : bool, optional
        If True, contacts of the same (pre, post) pair are summed first, so the statistic is
        over connections (total coupling) rather than contacts. Default False.

    Returns
    -------
    dict
        ``mean_in``, ``mean_out``, ``sd_out`` (``ddof=1``), ``n_in``, ``n_out`` and ``snr``;
        NaN where undefined (no "in" synapses, fewer than two "out" synapses), ±inf if
        ``sd_out`` is 0 with a nonzero difference.
    """
    w, pre, post = _synapse_arrays(w, pre, post)
    if aggregate:
        w, pre, post = _aggregate_connections(w, pre, post)
    members = np.asarray(members)
    n = int(max(pre.max(), post.max())) + 1 if pre.size else 0
    members = _as_mask(members, None if members.dtype == bool else n)
    if members.ndim != 1:
        raise ValueError("assembly_snr takes one pattern (1-D membership)")
    both, neither = _co_member(pre, post, members)
    out = neither if exclude_mixed else ~both
    w_in, w_out = w[both], w[out]
    nan = float("nan")
    mean_in = float(w_in.mean()) if w_in.size else nan
    mean_out = float(w_out.mean()) if w_out.size else nan
    sd_out = float(w_out.std(ddof=1)) if w_out.size >= 2 else nan
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = float(np.divide(mean_in - mean_out, sd_out))
    return {
        "mean_in": mean_in,
        "mean_out": mean_out,
        "sd_out": sd_out,
        "n_in": int(w_in.size),
        "n_out": int(w_out.size),
        "snr": snr,
    }


def assembly_snr(w, pre, post, members, *, exclude_mixed=False, aggregate=False):
    """Assembly weight signal-to-noise ratio SNR = (⟨w⟩in − ⟨w⟩out) / σout.

    "in" are synapses whose pre- and postsynaptic neurons are both assembly members; "out" are
    all other synapses passed in (restrict the arrays to E→E). See
    :func:`assembly_weight_stats` for the parameters; this returns only ``snr``.

    Returns
    -------
    float
        The SNR (NaN if undefined).
    """
    return assembly_weight_stats(
        w, pre, post, members, exclude_mixed=exclude_mixed, aggregate=aggregate
    )["snr"]


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


def lifetime(times, snr, level=1.0):
    """Time at which the SNR first falls below ``level``.

    The crossing is located by linear interpolation between the last sample at or above the
    level and the first sample below it. Times are returned in the coordinate of ``times``, so
    pass times relative to the end of encoding to get a lifetime.

    Parameters
    ----------
    times, snr : array_like
        Sample times and SNR values (sorted by time internally).
    level : float, optional
        Level that defines forgetting. Default 1.0.

    Returns
    -------
    float
        Crossing time; ``inf`` if the SNR never falls below the level; ``times[0]`` if the
        first sample is already below it.
    """
    t = np.asarray(times, dtype=float).ravel()
    y = np.asarray(snr, dtype=float).ravel()
    if t.shape != y.shape or t.size == 0:
        raise ValueError("times and snr must be non-empty and equally long")
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    below = np.flatnonzero(y < level)
    if below.size == 0:
        return float("inf")
    k = below[0]
    if k == 0:
        return float(t[0])
    t0, t1, y0, y1 = t[k - 1], t[k], y[k - 1], y[k]
    return float(t0 + (y0 - level) / (y0 - y1) * (t1 - t0))


def _exp_decay(t, a, tau):
    return a * np.exp(-t / tau)


def _exp_decay_offset(t, a, tau, c):
    return a * np.exp(-t / tau) + c


def forgetting_curve(times, snr, *, level=1.0, offset=False):
    """Forgetting curve with an exponential fit and lifetimes.

    Fits SNR(t) = A·exp(−t/τ) (+ C if ``offset``) by least squares (``scipy.optimize.
    curve_fit``), started from a log-linear regression on the positive samples; if the fit
    fails the log-linear estimate is kept.

    Parameters
    ----------
    times, snr : array_like
        Sample times (relative to the end of encoding) and SNR values.
    level : float, optional
        Forgetting level for the lifetimes. Default 1.0.
    offset : bool, optional
        Fit a constant floor C as well (for traces that decay to a nonzero plateau).

    Returns
    -------
    dict
        ``times``, ``snr`` (sorted); ``amplitude`` A, ``tau`` τ (``inf`` if the SNR does not
        decay), ``offset`` C (0 without offset); ``lifetime`` (interpolated, from
        :func:`lifetime`) and ``lifetime_fit`` (time at which the fitted curve reaches
        ``level``: τ·ln(A / (level − C)); ``inf`` if it never does).
    """
    t = np.asarray(times, dtype=float).ravel()
    y = np.asarray(snr, dtype=float).ravel()
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    finite = np.isfinite(t) & np.isfinite(y)
    tf, yf = t[finite], y[finite]

    a, tau, c = float("nan"), float("nan"), 0.0
    pos = yf > 0
    if pos.sum() >= 2:
        slope, intercept = np.polyfit(tf[pos], np.log(yf[pos]), 1)
        a = float(np.exp(intercept))
        tau = float(-1.0 / slope) if slope < 0 else float("inf")
    if np.isfinite(tau) and tf.size >= (3 if offset else 2):
        try:
            if offset:
                popt, _ = curve_fit(_exp_decay_offset, tf, yf, p0=(a, tau, 0.0), maxfev=10000)
                a, tau, c = (float(v) for v in popt)
            else:
                popt, _ = curve_fit(_exp_decay, tf, yf, p0=(a, tau), maxfev=10000)
                a, tau = (float(v) for v in popt)
        except (RuntimeError, ValueError):
            pass  # keep the log-linear estimate
        if tau <= 0:
            tau = float("inf")

    if np.isfinite(tau) and a > 0 and level - c > 0 and a > level - c:
        life_fit = float(tau * math.log(a / (level - c)))
    elif np.isfinite(a) and a + c < level:
        life_fit = 0.0
    else:
        life_fit = float("inf")
    return {
        "times": t,
        "snr": y,
        "amplitude": a,
        "tau": tau,
        "offset": c,
        "lifetime": lifetime(t, y, level) if t.size else float("nan"),
        "lifetime_fit": life_fit,
    }


def state_kappa(reference, states):
    """Cohen's κ between binary synaptic states and a reference snapshot.

    κ = (a − a_chance) / (1 − a_chance), with a the fraction of synapses in the same
    state as in ``reference`` and a_chance = p_ref·p + (1 − p_ref)(1 − p) the agreement
    expected if the states were redrawn independently with the same UP fractions.  κ is
    1 for an unchanged configuration and 0 once it is forgotten, whatever the UP
    fraction; for symmetric two-state switching at rate k per synapse,
    κ(t) = exp(−2kt).  It measures how much of a *whole* weight configuration (e.g. the
    one left by encoding) survives, assembly-specific or not.

    Parameters
    ----------
    reference : array_like of bool, shape (n,)
        States at the reference time (True = UP; e.g. ``rho > 0.5``).
    states : array_like of bool, shape (n,) or (T, n)
        States at one or several later times.

    Returns
    -------
    float or ndarray
        κ per row of ``states`` (NaN where a_chance = 1: every synapse in one state in
        both snapshots).
    """
    ref = np.asarray(reference, dtype=bool).ravel()
    st = np.asarray(states, dtype=bool)
    one = st.ndim == 1
    st = np.atleast_2d(st)
    if st.shape[1] != ref.size:
        raise ValueError(f"states have {st.shape[1]} synapses, reference {ref.size}")
    agree = (st == ref[None, :]).mean(axis=1)
    p_ref, p = ref.mean(), st.mean(axis=1)
    chance = p_ref * p + (1 - p_ref) * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(chance < 1, (agree - chance) / (1 - chance), np.nan)
    return float(kappa[0]) if one else kappa


def trace_lifetime(times, kappa, level=math.exp(-1)):
    """Lifetime of a synaptic-state configuration: first time κ falls below ``level``.

    :func:`lifetime` applied to a :func:`state_kappa` curve (times relative to the
    reference snapshot; linear interpolation between samples).  With the default level
    1/e it equals the time constant of an exponential decay κ = exp(−t/τ).

    Returns
    -------
    float
        Crossing time; ``inf`` if κ stays at or above the level over the samples.
    """
    return lifetime(times, kappa, level=level)


# --------------------------------------------------------------------------------------------
# information


def _mi_from_counts(n11, n10, n01, n00):
    """Plug-in mutual information (bits) of 2x2 tables given as count arrays.

    ``n11``: label & above, ``n10``: label & not above, ``n01``: not label & above,
    ``n00``: neither. Works elementwise on arrays of tables.
    """
    n = n11 + n10 + n01 + n00
    cells = np.stack([n11, n10, n01, n00]).astype(float) / n
    p_label = (n11 + n10) / n
    p_above = (n11 + n01) / n
    marg = np.stack([p_label * p_above, p_label * (1 - p_above),
                     (1 - p_label) * p_above, (1 - p_label) * (1 - p_above)])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(cells > 0, cells * np.log2(cells / marg), 0.0)
    return terms.sum(axis=0)


def bits_per_synapse(w, pre, post, members, *, threshold=None):
    """Information about the stored assemblies carried per synapse by its weight.

    Definition: the mutual information I(L; B) (bits) between a synapse's binary label
    L = "both ends belong to a common assembly" and its binarised weight B = (w > θ). This is
    the information that an ideal single-threshold reader of one synapse gains about the
    stored structure, so the network's total stored information is ``n_synapses`` times it
    and the value is already "per synapse". It is measured from the weights themselves,
    unlike the capacity-based :func:`stored_bits_per_synapse`, so it can be tracked over
    consolidation and compared between conditions at equal P. It is bounded by H(L), reached
    when in- and out-weights are perfectly separated, and is 0 when weights are independent
    of the assemblies.

    Parameters
    ----------
    w, pre, post : array_like
        Contacts (restrict to E→E).
    members : array_like of bool, shape (N,) or (P, N)
        Membership of one or several patterns.
    threshold : float, optional
        Binarisation threshold θ. If None, θ maximises I exactly over every split of the
        sorted weights (the best single-threshold reader). The plug-in estimate is biased
        upward by ≈ 1/(2 n ln 2) bits for n synapses and the choice of the best split adds a
        selection bias of a few times that: negligible for the 10⁴–10⁶ synapses of a network,
        not for a few hundred. Fix θ (e.g. from a separate run) to avoid the selection part.

    Returns
    -------
    dict
        ``bits_per_synapse`` (I(L; B)), ``threshold`` (θ used), ``label_entropy`` (H(L), the
        upper bound), ``n_synapses`` and ``total_bits`` (``n_synapses`` · I).
    """
    w, pre, post = _synapse_arrays(w, pre, post)
    label, _ = _co_member(pre, post, np.asarray(members, dtype=bool))
    n = w.size
    if n == 0:
        nan = float("nan")
        return {"bits_per_synapse": nan, "threshold": nan, "label_entropy": nan,
                "n_synapses": 0, "total_bits": nan}
    n_label = int(label.sum())
    if threshold is None:
        order = np.argsort(w, kind="stable")
        ws, ls = w[order], label[order]
        # Candidate θ = each distinct value: "above" is everything after its last occurrence.
        last = np.flatnonzero(np.r_[ws[1:] != ws[:-1], True])
        below_label = np.cumsum(ls)[last]
        below_all = last + 1
        n10 = below_label
        n00 = below_all - below_label
        n11 = n_label - n10
        n01 = (n - n_label) - n00
        mi_all = _mi_from_counts(n11, n10, n01, n00)
        k = int(np.argmax(mi_all))
        mi, thr = float(mi_all[k]), float(ws[last[k]])
    else:
        thr = float(threshold)
        above = w > thr
        mi = float(_mi_from_counts(np.sum(label & above), np.sum(label & ~above),
                                   np.sum(~label & above), np.sum(~label & ~above)))
    return {
        "bits_per_synapse": max(mi, 0.0),
        "threshold": thr,
        "label_entropy": binary_entropy(n_label / n),
        "n_synapses": int(n),
        "total_bits": max(mi, 0.0) * n,
    }


def stored_bits_per_synapse(P, n_neurons, f, n_synapses):
    """Capacity-based stored information per synapse (Gardner / Willshaw style).

    P random binary patterns of N neurons with coding level f hold P·N·H(f) bits; dividing by
    the number of synapses gives the bits per synapse the network stores when it recalls P
    patterns (use P = :func:`capacity`). It credits every bit of the patterns as stored, so it
    is an upper-bound style figure for comparison with theory (Gardner 1988: 2 bits per
    synapse for dense patterns in the perceptron limit).

    Parameters
    ----------
    P : float
        Number of patterns (e.g. the capacity).
    n_neurons : int
        Neurons per pattern vector (E cells).
    f : float
        Coding level (assembly fraction).
    n_synapses : int
        Plastic synapses (contacts or connections, stated by the caller).

    Returns
    -------
    float
        P·N·H(f) / n_synapses in bits.
    """
    return float(P * n_neurons * binary_entropy(f) / n_synapses)


# --------------------------------------------------------------------------------------------
# structure


def silent_fraction(w, threshold):
    """Fraction of synapses whose weight (or Pr) is below ``threshold`` (strictly).

    Use ``threshold=0.04`` on Pr for the paper's silent-bouton rule (science.md §2), or a small
    weight for silent (AMPA-less) synapses. NaN for an empty input.
    """
    w = np.asarray(w, dtype=float).ravel()
    return float(np.mean(w < threshold)) if w.size else float("nan")


def weight_histograms(w, *, pre=None, post=None, members=None, bins=50, range=None,
                      density=False):
    """Histograms of all weights and, with membership, of in- and out-assembly weights.

    Parameters
    ----------
    w : array_like
        Weights.
    pre, post, members : array_like, optional
        Needed together for the in/out split; ``members`` may be (N,) or (P, N) ("in" =
        both ends in a common assembly).
    bins : int or array_like, optional
        Bin count or edges, shared by every histogram. Default 50.
    range : tuple, optional
        ``(low, high)``; default the range of ``w``.
    density : bool, optional
        Normalise each histogram to unit area. Default False (counts).

    Returns
    -------
    dict of ndarray
        ``edges``, ``all`` and, with membership, ``in``, ``out`` (every non-"in" synapse) and
        ``out_strict`` (neither end in any assembly).
    """
    w = np.asarray(w, dtype=float).ravel()
    edges = np.histogram_bin_edges(w, bins=bins, range=range)
    out = {"edges": edges, "all": np.histogram(w, bins=edges, density=density)[0]}
    if members is not None:
        if pre is None or post is None:
            raise ValueError("the in/out split needs pre and post")
        w, pre, post = _synapse_arrays(w, pre, post)
        both, neither = _co_member(pre, post, np.asarray(members, dtype=bool))
        for name, sel in (("in", both), ("out", ~both), ("out_strict", neither)):
            if sel.any():
                out[name] = np.histogram(w[sel], bins=edges, density=density)[0]
            else:
                out[name] = np.zeros(edges.size - 1)
    return out


def contacts_per_connection(pre, post):
    """Number of contacts of every connected (pre, post) pair.

    Returns
    -------
    ndarray of int
        One count per distinct connection (order of the sorted pair keys).
    """
    pre = np.asarray(pre).ravel().astype(np.int64)
    post = np.asarray(post).ravel().astype(np.int64)
    if pre.size == 0:
        return np.zeros(0, dtype=int)
    n = int(max(pre.max(), post.max())) + 1
    _, counts = np.unique(pre * n + post, return_counts=True)
    return counts


# --------------------------------------------------------------------------------------------
# instrument of issue 14: rate read-out Q, burst rejection, Δf_UP and its z-score


def rates_in_window(times, ids, n_neurons, t0, t1):
    """Firing rate (Hz) of every neuron in the window ``[t0, t1)``.

    Parameters
    ----------
    times, ids : array_like
        Spike times (s) and neuron ids.
    n_neurons : int
        Population size (length of the result).
    t0, t1 : float
        Window (s), half-open; ``t1 > t0``.

    Returns
    -------
    ndarray of float, shape (n_neurons,)
        Spike count in the window divided by its length.
    """
    if not t1 > t0:
        raise ValueError("the rate window needs t1 > t0")
    times = np.asarray(times, dtype=float).ravel()
    ids = np.asarray(ids).ravel().astype(np.int64, copy=False)
    sel = (times >= t0) & (times < t1) & (ids >= 0) & (ids < n_neurons)
    return np.bincount(ids[sel], minlength=n_neurons) / float(t1 - t0)


def recall_q(rates, members, cued, *, controls=None):
    """Recall quality Q of Luboeinski & Tetzlaff (2021), from firing rates.

    Q = (ν_ans − ν_ctrl) / ν_as, with ν_as the mean rate of the cued neurons ("assembly,
    stimulated"), ν_ans that of the assembly members that were not cued ("assembly, not
    stimulated") and ν_ctrl that of the control neurons (by default every neuron that is
    neither a member nor cued).  It is the excess activity of the non-cued members over
    the controls in units of the activity the cue itself evokes: 1 when the non-cued
    members fire like the cued ones and the controls are silent, 0 when the members fire
    like the controls (no completion, *whatever* the overall activity), negative when the
    members fire less.  Same formula and error propagation as
    ``analysis/calculateQ.py`` of the authors' repository (jlubo/memory-consolidation-stc):
    the uncertainties are the population standard deviations of the three rate sets.

    A sham cue (cued neurons that are *not* members) is scored with the same call: then
    every member is "not stimulated" and Q measures how much the sham drives the assembly.

    Parameters
    ----------
    rates : array_like, shape (N,)
        Rate (or spike count; Q is scale-free) of every neuron in the read-out window.
    members : array_like of bool, shape (N,)
        Membership of the assembly that is read out.
    cued : array_like of bool, shape (N,)
        Neurons the cue stimulated.
    controls : array_like of bool, shape (N,), optional
        Control neurons; default ``~members & ~cued``.

    Returns
    -------
    dict
        ``Q``, ``Q_err``, ``v_as``, ``v_ans``, ``v_ctrl`` (mean rates) and their
        ``*_err`` (standard deviations), ``n_as``, ``n_ans``, ``n_ctrl``.  Q is NaN when a
        set is empty or ν_as = 0 (the cue evoked nothing: no read-out is possible).
    """
    r = np.asarray(rates, dtype=float).ravel()
    xi = _as_mask(members, r.size).ravel()
    cue = _as_mask(cued, r.size).ravel()
    ctrl = (~xi & ~cue) if controls is None else _as_mask(controls, r.size).ravel()
    sets = {"as": cue, "ans": xi & ~cue, "ctrl": ctrl & ~cue}
    out: dict = {}
    nan = float("nan")
    for k, sel in sets.items():
        out[f"n_{k}"] = int(sel.sum())
        out[f"v_{k}"] = float(r[sel].mean()) if sel.any() else nan
        out[f"v_{k}_err"] = float(r[sel].std()) if sel.any() else nan
    v_as, v_ans, v_ctrl = out["v_as"], out["v_ans"], out["v_ctrl"]
    if not (np.isfinite(v_as) and v_as > 0 and np.isfinite(v_ans) and np.isfinite(v_ctrl)):
        out["Q"], out["Q_err"] = nan, nan
        return out
    out["Q"] = float((v_ans - v_ctrl) / v_as)
    out["Q_err"] = float(np.sqrt((out["v_ans_err"] / v_as) ** 2 + (out["v_ctrl_err"] / v_as) ** 2
                                 + (out["v_as_err"] * (v_ans - v_ctrl) / v_as ** 2) ** 2))
    return out


def cues_in_bursts(t_cues, bursts, *, pre_window, guard=0.01):
    """Which cues fall inside (or right after) a spontaneous network burst.

    A cue at time t is rejected when a detected network burst overlaps its pre-cue window
    ``[t − pre_window, t − guard)``, i.e. it started before ``t − guard`` and had not ended
    by ``t − pre_window``.  Bursts come from :func:`mgnet.analysis.bursts.detect_network_bursts` on
    the whole recording; a burst that the cue itself ignites starts at the cue or after it
    (the detector puts burst edges on spikes, and a cue's own pulse can at most fall in the
    5-ms bin that straddles it), so the ``guard`` keeps cue-evoked bursts from rejecting
    their own cue, while a spontaneous burst that the cue merely prolongs (the detector
    merges epochs < 0.1 s apart) still starts before the guard and rejects it.

    Parameters
    ----------
    t_cues : array_like
        Cue onset times (s).
    bursts : structured array or array_like, shape (n, 2)
        Detected bursts (``start``/``stop`` fields of :data:`mgnet.analysis.bursts.BURST_DTYPE`)
        or ``(start, stop)`` rows (s).
    pre_window : float
        Length of the pre-cue window (s).
    guard : float, optional
        Bursts that start within ``guard`` before the cue count as cue-evoked (s).
        Default 0.01 (two 5-ms detector bins).

    Returns
    -------
    ndarray of bool
        True for every rejected cue.
    """
    t = np.asarray(t_cues, dtype=float).ravel()
    arr = np.asarray(bursts)
    if arr.size == 0:
        return np.zeros(t.size, dtype=bool)
    if arr.dtype.names is not None:
        starts = np.asarray(arr["start"], float)
        stops = np.asarray(arr["stop"], float)
    else:
        arr = np.asarray(bursts, dtype=float).reshape(-1, 2)
        starts, stops = arr[:, 0], arr[:, 1]
    before = starts[None, :] < (t[:, None] - guard)
    overlaps = stops[None, :] >= (t[:, None] - pre_window)
    return np.any(before & overlaps, axis=1)


def _as_pattern_matrix(members):
    m = np.asarray(members, dtype=bool)
    return m[None, :] if m.ndim == 1 else m


def up_fraction_difference(up, pre, post, members):
    """Encoding metric Δf_UP: UP fraction of in-assembly contacts minus that of all others.

    "In-assembly" contacts have both ends in the assembly; "others" are every other contact
    passed (restrict to E→E).  Unlike the weight SNR it has no ceiling below 1 set by the
    initial UP fraction: it ranges from −1 to 1, and a planted assembly (every in-assembly
    contact UP) gives 1 − f_UP(others).

    Parameters
    ----------
    up : array_like of bool (or efficacies ρ, thresholded at ½)
        State of every contact.
    pre, post : array_like of int
        Presynaptic and postsynaptic neuron of every contact.
    members : array_like of bool, shape (N,) or (P, N)
        One assembly or several (one value per row).

    Returns
    -------
    float or ndarray
        Δf_UP (NaN for an assembly without in-assembly contacts).
    """
    up = np.asarray(up)
    up = (up > 0.5) if up.dtype != bool else up
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    m = _as_pattern_matrix(members)
    out = np.full(m.shape[0], np.nan)
    n_up, n = float(up.sum()), up.size
    for k, row in enumerate(m):
        both = row[pre] & row[post]
        n_in = int(both.sum())
        if n_in == 0 or n_in == n:
            continue
        up_in = float(up[both].sum())
        out[k] = up_in / n_in - (n_up - up_in) / (n - n_in)
    return float(out[0]) if np.asarray(members).ndim == 1 else out


def up_fraction_z(up, pre, post, members, *, population=None, n_pseudo=1000, seed=0):
    """Δf_UP of an assembly and its z-score against random pseudo-assemblies.

    The null distribution is Δf_UP of ``n_pseudo`` random sets of the same size drawn
    without replacement from ``population`` (by default every neuron that appears in
    ``pre``/``post`` range, i.e. the same excitatory population), computed on the same
    contact states.  z = (Δf_UP − mean_null) / sd_null.  It answers "is this assembly's
    UP fraction special?" in units of what any set of that size shows by chance, so it is
    comparable across network sizes and UP fractions.

    The pseudo-assemblies are evaluated at once through the connection matrices:
    with C_ij the number of contacts from j to i and U_ij the number of those UP, a set
    with indicator x has xᵀCx in-assembly contacts of which xᵀUx are UP.

    Parameters
    ----------
    up, pre, post : array_like
        Contact states (bool or ρ, thresholded at ½) and ends, as in
        :func:`up_fraction_difference`.
    members : array_like of bool, shape (N,) or (P, N)
        The assembly (or assemblies: one z each, the null drawn per size).
    population : array_like of bool, shape (N,), optional
        Neurons the pseudo-assemblies are drawn from; default all N.
    n_pseudo : int, optional
        Pseudo-assemblies (≥ 1000 for the report). Default 1000.
    seed : int, optional
        Seed of the draw (numpy ``default_rng``).

    Returns
    -------
    dict
        ``delta`` (Δf_UP per assembly), ``null_mean``, ``null_sd``, ``z`` (arrays for 2-D
        ``members``, floats for 1-D).
    """
    up = np.asarray(up)
    up = (up > 0.5) if up.dtype != bool else up
    up = up.ravel()
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    one = np.asarray(members).ndim == 1
    m = _as_pattern_matrix(members)
    n = m.shape[1]
    pop = np.ones(n, bool) if population is None else _as_mask(population, n).ravel()
    pool = np.flatnonzero(pop)
    C = np.zeros((n, n))
    U = np.zeros((n, n))
    np.add.at(C, (post, pre), 1.0)
    np.add.at(U, (post[up], pre[up]), 1.0)
    n_all, up_all = float(up.size), float(up.sum())
    rng = np.random.default_rng(seed)
    delta = up_fraction_difference(up, pre, post, m)
    res = {k: np.full(m.shape[0], np.nan) for k in ("null_mean", "null_sd", "z")}
    null_cache: dict = {}
    for k, row in enumerate(m):
        size = int(row.sum())
        if size not in null_cache:
            X = np.zeros((int(n_pseudo), n))
            for j in range(int(n_pseudo)):
                X[j, rng.choice(pool, size, replace=False)] = 1.0
            n_in = np.einsum("ij,ij->i", X @ C, X)
            u_in = np.einsum("ij,ij->i", X @ U, X)
            ok = (n_in > 0) & (n_in < n_all)
            d = np.full(int(n_pseudo), np.nan)
            d[ok] = u_in[ok] / n_in[ok] - (up_all - u_in[ok]) / (n_all - n_in[ok])
            d = d[np.isfinite(d)]
            null_cache[size] = (float(d.mean()), float(d.std(ddof=1))) if d.size > 1 else (
                float("nan"), float("nan"))
        mu, sd = null_cache[size]
        res["null_mean"][k], res["null_sd"][k] = mu, sd
        with np.errstate(divide="ignore", invalid="ignore"):
            res["z"][k] = (delta[k] - mu) / sd if sd > 0 else float("nan")
    out = {"delta": delta, **res}
    if one:
        out = {k: float(np.asarray(v).ravel()[0]) for k, v in out.items()}
    return out

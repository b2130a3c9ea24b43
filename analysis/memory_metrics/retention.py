"""Retention over time: when the assembly SNR falls below a level, forgetting curves with
their exponential fits, and Cohen's κ of synaptic states against a snapshot with its
lifetime.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import curve_fit


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


#: 1/e, the default level of :func:`trace_lifetime`.
ONE_OVER_E = math.exp(-1)


def trace_lifetime(times, kappa, level=ONE_OVER_E):
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

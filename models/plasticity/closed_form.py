"""Closed-form analysis of the rule: time above thresholds of a Ca2+ trace
(:func:`event_segments`, :func:`time_above_thresholds`), the linear (OU) reduction composed
over the jumps (:func:`linear_moments`) and Graupner & Brunel's predictions
(:func:`stdp_prediction`, :func:`protocol_outcome`, :func:`change_in_strength`)."""
from __future__ import annotations

import math

import numpy as np
from brian2 import Quantity, second

from ..parameters import PlasticityParams
from .rule import _check, _rates

__all__ = ["event_segments", "time_above_thresholds", "pair_segments", "linear_moments",
           "change_in_strength", "stdp_prediction", "protocol_outcome"]


def _seconds(x):
    return np.asarray(x / second if isinstance(x, Quantity) else x, dtype=float)


def _hertz(x) -> float:
    return float(x * second) if isinstance(x, Quantity) else float(x)


def event_segments(times, amplitudes, tau_ca, *, period=None, t_end=None):
    """Piecewise-exponential Ca2+ trace of a sum of transients, segment by segment.

    Parameters
    ----------
    times, amplitudes : array_like
        Times (s) and sizes of the Ca2+ jumps (a presynaptic jump at spike time + D).
    tau_ca : float or Quantity
        Decay time constant.
    period : float, optional
        If given, the transients repeat with this period and the periodic steady state
        is returned (one period, starting at the earliest transient).
    t_end : float, optional
        Non-periodic case: end of the last segment (default: infinity).

    Returns
    -------
    tops, lengths : numpy.ndarray
        Ca2+ just after each transient (time order) and the time until the next one.
    """
    t = _seconds(times).ravel()
    a = np.broadcast_to(np.asarray(amplitudes, dtype=float), t.shape)
    tau = float(_seconds(tau_ca))
    if np.any(a < 0):
        raise ValueError("amplitudes must be >= 0")
    if period is None:
        order = np.argsort(t, kind="stable")
        t, a = t[order], a[order]
        tops = np.array([np.sum(a[:k + 1] * np.exp(-(t[k] - t[:k + 1]) / tau))
                         for k in range(len(t))])
        end = np.inf if t_end is None else float(_seconds(t_end))
        lengths = np.diff(np.append(t, end))
        return tops, lengths
    T = float(_seconds(period))
    s = np.mod(t - t.min(), T)
    order = np.argsort(s, kind="stable")
    s, a = s[order], a[order]
    gain = 1.0 / -np.expm1(-T / tau)
    tops = np.array([np.sum(a * np.exp(-np.mod(s[k] - s, T) / tau)) * gain
                     for k in range(len(s))])
    lengths = np.diff(np.append(s, s[0] + T))
    return tops, lengths


def time_above_thresholds(times, amplitudes, tau_ca, thresholds, *, period=None,
                          t_end=None):
    """Exact time the trace Σ a_i e^{−(t−t_i)/τ_Ca} spends at or above each threshold.

    Each segment starting at c0 with length L contributes clip(τ_Ca ln(c0/θ), 0, L).
    With ``period``: time per period in the periodic steady state (divide by the period
    for Graupner & Brunel's α).  Returns an array with one entry per threshold (s).
    """
    tops, lengths = event_segments(times, amplitudes, tau_ca, period=period, t_end=t_end)
    tau = float(_seconds(tau_ca))
    out = []
    for theta in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        with np.errstate(divide="ignore"):
            above = np.clip(tau * np.log(np.maximum(tops, 1e-300) / theta), 0, lengths)
        out.append(float(np.sum(above)))
    return np.array(out)


def pair_segments(dt, params: PlasticityParams, frequency=1.0, c_pre=None):
    """Segments of one period of pre–post pairs at ``frequency`` (Δt = t_post − t_pre)."""
    D = float(_seconds(params.delay))
    c_pre = params.c_pre if c_pre is None else c_pre
    T = 1.0 / _hertz(frequency)
    return event_segments([D, float(_seconds(dt))], [c_pre, params.c_post], params.tau_ca,
                          period=T)


def _pieces(tops, lengths, params: PlasticityParams):
    """Durations of the two linear pieces of every segment (the Brian2 scheme)."""
    r = _rates(params)
    tau = float(_seconds(params.tau_ca))
    with np.errstate(divide="ignore"):
        T_hi = np.clip(tau * np.log(np.maximum(tops, 1e-300) / r["theta_hi"]), 0, lengths)
        T_lo = np.clip(tau * np.log(np.maximum(tops, 1e-300) / r["theta_lo"]), 0, lengths)
    return T_hi, T_lo - T_hi


def linear_moments(tops, lengths, params: PlasticityParams, rho0, repeats: int = 1):
    """Mean and variance of ρ for the linear rule (no cubic, no clipping) over segments.

    Each piece maps (m, v) -> (ρ̄ + (m − ρ̄)e^{−kT}, e^{−2kT} v + s²(1 − e^{−2kT})/(2k)),
    composed in time order (the exact pulsed dynamics the event-driven scheme
    integrates), then repeated ``repeats`` times (a protocol of identical periods).
    """
    r = _rates(params)
    T_hi, T_mid = _pieces(np.asarray(tops, float), np.asarray(lengths, float), params)
    A, B, W = 1.0, 0.0, 0.0   # one repeat: m -> A m + B, v -> A^2 v + W
    for th, tm in zip(T_hi, T_mid, strict=True):
        for seg, T in (("hi", th), ("mid", tm)):
            k, target, s2 = r[seg]["k"], r[seg]["target"], r[seg]["s2"]
            e = math.exp(-k * T)
            w = s2 * (-math.expm1(-2 * k * T)) / (2 * k) if k > 0 else s2 * T
            A, B, W = e * A, e * B + target * (1 - e), e * e * W + w
    n = int(repeats)
    if A < 1:
        AN = A ** n
        mean = AN * np.asarray(rho0, float) + B * (1 - AN) / (1 - A)
        var = W * (1 - AN ** 2) / (1 - A ** 2)
    else:
        mean = np.asarray(rho0, float) + n * B
        var = n * W
    return mean, var


def change_in_strength(up, down, beta: float, b: float):
    """Graupner & Brunel (2012) Methods: mean weight after / before a protocol,
    ([(1−U)β + D(1−β)] + b[Uβ + (1−D)(1−β)]) / (β + (1−β) b)."""
    up, down = np.asarray(up, float), np.asarray(down, float)
    return (((1 - up) * beta + down * (1 - beta)) + b * (up * beta + (1 - down) * (1 - beta))) \
        / (beta + (1 - beta) * b)


def stdp_prediction(dt_list, params: PlasticityParams | None = None, *, n_pairs: int = 60,
                    frequency=1.0, rho0: float = 0.5, c_pre=None) -> dict:
    """Graupner & Brunel's closed-form prediction for pre–post pairs at a frequency.

    For each Δt = t_post − t_pre (s): the fractions of time above threshold α_d, α_p
    (periodic steady state; the presynaptic transient at t_pre + D), the OU reduction
    Γ_x = γ_x α_x, ρ̄ = Γ_p/(Γ_p + Γ_d), τ_eff = τ/(Γ_p + Γ_d),
    Var∞ = σ²(α_p + α_d)/(2(Γ_p + Γ_d)), the transition probabilities U (from ρ = 0)
    and D (from ρ = 1) after T = n_pairs/f and the change in strength with (β, b).
    All of this neglects the cubic, as in the paper.

    Returns
    -------
    dict of numpy.ndarray
        ``dt``, ``alpha_d``, ``alpha_p``, ``rho_bar``, ``tau_eff``, ``var_inf``,
        ``rho_mean`` (the OU mean from ``rho0``: drift averaged over the period, the
        paper's reduction), ``rho_pulsed`` and ``var_pulsed`` (the linear rule with the
        drive in pulses, composed exactly piece by piece: what the event-driven Brian2
        scheme integrates when ``bistable=False``), ``up``, ``down``, ``change``.
    """
    from scipy.special import erfc
    params = params or PlasticityParams()
    _check(params)
    dts = np.atleast_1d(_seconds(dt_list)).astype(float)
    f = _hertz(frequency)
    T_period = 1.0 / f
    T_total = n_pairs * T_period
    tau = float(_seconds(params.tau))
    sig2 = float(params.sigma) ** 2 if params.noise else 0.0
    keys = ("alpha_d", "alpha_p", "rho_bar", "tau_eff", "var_inf", "rho_mean",
            "rho_pulsed", "var_pulsed", "up", "down", "change")
    out = {k: np.zeros(len(dts)) for k in keys}
    out["dt"] = dts
    for n, dt in enumerate(dts):
        tops, lengths = pair_segments(dt, params, f, c_pre)
        tau_ca = float(_seconds(params.tau_ca))
        with np.errstate(divide="ignore"):
            above = [np.sum(np.clip(tau_ca * np.log(np.maximum(tops, 1e-300) / th), 0, lengths))
                     for th in (params.theta_d, params.theta_p)]
        ad, ap = above[0] / T_period, above[1] / T_period
        Gp, Gd = params.gamma_p * ap, params.gamma_d * ad
        G = Gp + Gd
        if G > 0:
            rho_bar, tau_eff = Gp / G, tau / G
            var_inf = sig2 * (ap + ad) / (2 * G)
            decay = math.exp(-T_total / tau_eff)
            var_T = var_inf * (1 - decay ** 2)
            mean = lambda r0, rho_bar=rho_bar, decay=decay: rho_bar + (r0 - rho_bar) * decay  # noqa: E731
        else:
            rho_bar, tau_eff, var_inf = np.nan, np.inf, np.inf if sig2 * (ap + ad) > 0 else 0.0
            var_T = sig2 * (ap + ad) * T_total / tau
            mean = lambda r0: r0  # noqa: E731
        if var_T > 0:
            up = 0.5 * erfc((params.rho_star - mean(0.0)) / math.sqrt(2 * var_T))
            down = 0.5 * erfc((mean(1.0) - params.rho_star) / math.sqrt(2 * var_T))
        else:
            up = float(mean(0.0) > params.rho_star)
            down = float(mean(1.0) < params.rho_star)
        m_p, v_p = linear_moments(tops, lengths, params, rho0, repeats=n_pairs)
        for k, v in zip(keys, (ad, ap, rho_bar, tau_eff, var_inf, mean(rho0), m_p, v_p,
                               up, down, change_in_strength(up, down, params.beta, params.b)), strict=True):
            out[k][n] = v
    return out


def protocol_outcome(times, amplitudes, params: PlasticityParams, t_end: float) -> dict:
    """Graupner & Brunel's closed-form outcome of a protocol given its Ca2+ jumps.

    The linear rule (no cubic) composed exactly over the jumps (:func:`linear_moments`)
    from ρ = 0 and ρ = 1 gives the UP/DOWN transition probabilities U and D (Gaussian,
    threshold ρ* = 1/2) and the change in strength with (β, b); the drive
    Γ_x = γ_x × (time above θ_x) gives ρ̄ = Γ_p/(Γ_p + Γ_d) and the fraction of the way
    to ρ̄ moved, 1 − exp(−(Γ_p + Γ_d)/τ).
    """
    from scipy.special import erfc
    tops, lengths = event_segments(times, amplitudes, params.tau_ca, t_end=t_end)
    m0, v = linear_moments(tops, lengths, params, 0.0)
    m1, _ = linear_moments(tops, lengths, params, 1.0)
    sd = math.sqrt(max(float(v), 0.0))
    if sd > 0:
        up = 0.5 * erfc((params.rho_star - m0) / (math.sqrt(2) * sd))
        down = 0.5 * erfc((m1 - params.rho_star) / (math.sqrt(2) * sd))
    else:
        up, down = float(m0 > params.rho_star), float(m1 < params.rho_star)
    ta = time_above_thresholds(times, amplitudes, params.tau_ca,
                               [params.theta_d, params.theta_p], t_end=t_end)
    gd, gp = params.gamma_d * ta[0], params.gamma_p * ta[1]
    g = gd + gp
    return {"up": float(up), "down": float(down),
            "change": float(change_in_strength(up, down, params.beta, params.b)),
            "rho_bar": float(gp / g) if g > 0 else float("nan"),
            "moved": float(-math.expm1(-g / float(params.tau))),
            "time_above_d": float(ta[0]), "time_above_p": float(ta[1]),
            "mean_from_0": float(m0), "mean_from_1": float(m1), "sd": sd}

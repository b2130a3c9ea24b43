"""Tsodyks–Markram closed forms (trial-averaged) of the contacts' stochastic release
(:mod:`mgnet.models.synapses`), used by tests and the analysis docs."""
from __future__ import annotations

import numpy as np

__all__ = ["tm_mean_release", "tm_steady_state_x"]


def tm_mean_release(U: float, isis, tau_f: float, tau_d: float) -> np.ndarray:
    """Expected release per spike of a rested contact for a spike train.

    Parameters
    ----------
    U : float
        Release probability of the first spike.
    isis : array_like
        Inter-spike intervals (seconds) between consecutive spikes; the train has
        ``len(isis) + 1`` spikes.
    tau_f, tau_d : float
        Facilitation and recovery time constants (seconds).

    Returns
    -------
    numpy.ndarray
        u_n x_n for each spike n (the deterministic TM recursion).
    """
    isis = np.asarray(isis, dtype=float)
    u, x = 0.0, 1.0
    out = []
    for n in range(len(isis) + 1):
        if n > 0:
            d = isis[n - 1]
            u = u * np.exp(-d / tau_f)
            x = 1 - (1 - x) * np.exp(-d / tau_d)
        u = u + U * (1 - u)
        out.append(u * x)
        x = x * (1 - u)
    return np.array(out)


def tm_steady_state_x(U: float, rate: float, tau_d: float) -> float:
    """Steady-state availability without facilitation (u = U) for periodic spikes.

    Exact discrete form x* = (1 - e^{-Δ/τD}) / (1 - (1 - U) e^{-Δ/τD}), Δ = 1/rate;
    for Δ << τD it tends to the continuous TM result 1 / (1 + U rate τD).
    """
    e = np.exp(-1.0 / (rate * tau_d))
    return (1 - e) / (1 - (1 - U) * e)

"""Initial state and read-out of plasticity-induction (numpy): the initial efficacies and
quantal sizes of the contacts, ρ projected to the end of each protocol, and the check of
the evoked postsynaptic spikes (the module docstring of
:mod:`mgnet.experiments.plasticity_induction`, "Initial state" and "Read-out").

Moved out of :mod:`mgnet.experiments.plasticity_induction` (issue 16), which still
exports every name.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np


def initial_state(q_nS, groups, plasticity, opts, seed: int):
    """(ρ0, q_down in nS, initial weight in nS) per contact (see the module docstring).

    ``groups``: one integer label per contact; the bimodal state is balanced per label.
    """
    q = np.asarray(q_nS, float)
    n = len(q)
    b, beta = float(plasticity.b), float(plasticity.beta)
    if opts.initial_state == "bimodal":
        rng = np.random.default_rng([int(seed), 7])
        rho0 = np.ones(n)
        groups = np.asarray(groups)
        for g in np.unique(groups):
            members = np.flatnonzero(groups == g)
            n_down = int(np.floor(beta * len(members) + rng.random()))
            rho0[rng.permutation(members)[:n_down]] = 0.0
        q_down = q / (beta + (1 - beta) * b)
    else:
        rho0 = np.full(n, float(opts.rho_init))
        q_down = q / (1 + (b - 1) * rho0)
    return rho0, q_down, q_down * (1 + (b - 1) * rho0)


def readout_rho(raw: dict, protocols, plasticity) -> np.ndarray:
    """ρ of every contact projected (noise-free) to the end of its protocol."""
    from mgnet.models.plasticity import advance_rho
    det = replace(plasticity, noise=False)
    t_read = np.array([p.t_stop for p in protocols])[:, None]
    rho, _ = advance_rho(raw["rho"], raw["c_pl"], t_read - raw["t_pl"], det)
    return np.asarray(rho, float)


def pulse_check(raw: dict, protocols, nb: int, duration: float) -> dict:
    """Postsynaptic spikes per step, achieved Δt and spikes outside the steps."""
    st, si = raw["spike_t"], raw["spike_i"]
    window = duration + 0.004
    n_steps = n_one = n_extra = 0
    dt_meas = {}
    lat = []
    for c, p in enumerate(protocols):
        if p.kind != "pair":
            continue
        on = raw["onsets"][c]
        sel = (si // nb) == c
        t_c, b_c = st[sel], si[sel] % nb
        # For every (branch, step): spikes inside [onset, onset + window).
        k = np.searchsorted(on, t_c, side="right") - 1
        inside = (k >= 0) & (t_c < on[np.clip(k, 0, None)] + window)
        counts = np.zeros((nb, len(on)), int)
        np.add.at(counts, (b_c[inside], k[inside]), 1)
        n_steps += counts.size
        n_one += int(np.sum(counts == 1))
        n_extra += int(np.sum(~inside))
        first = np.full((nb, len(on)), np.inf)
        np.minimum.at(first, (b_c[inside], k[inside]), t_c[inside])
        first[~np.isfinite(first)] = np.nan
        d = first - p.pre_times[None, :]
        dt_meas[p.name] = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
        lat.append(first - on[None, :])
    lat = np.concatenate([x.ravel() for x in lat]) if lat else np.zeros(0)
    return {"n_steps": n_steps, "one_fraction": n_one / n_steps if n_steps else float("nan"),
            "extra": n_extra, "dt_measured": dt_meas,
            "latency_mean": float(np.nanmean(lat)) if np.isfinite(lat).any() else float("nan")}

"""Synaptic tagging and capture (STC): early phase h, tag, protein p, late phase z (numpy twin).

The model of Li, Kulvicius & Tetzlaff (2016) PLoS ONE 11:e0161679 as used by Luboeinski &
Tetzlaff (2021) Commun Biol 4:275 (read, not copied, from their code
jlubo/memory-consolidation-stc, simulation-code/Network.cpp ``processTimeStep`` and the
``Network`` constructor; NetworkMain.cpp for σ and the thresholds' units):

* Ca²⁺ of a contact: c jumps by C_pre at each presynaptic spike + D and by C_post at each
  postsynaptic spike, decays with τ_Ca;
* early phase (mV), Li et al. 2016 (the early-phase equation of their code):
  τ_h dh/dt = 0.1 (h0 − h) + γ_p (h_max − h) Θ[c − θ_p] − γ_d h Θ[c − θ_d]
              + σ √τ_h √(Θ[c − θ_p] + Θ[c − θ_d]) Γ(t)
  (Γ Gaussian white noise; as in their code only the potentiation branch acts while c ≥ θ_p,
  i.e. both processes, and the depression branch alone while θ_d ≤ c < θ_p);
* tag: h − h0 ≥ θ_tag (LTP tag) or h0 − h ≥ θ_tag (LTD tag);
* protein of the postsynaptic neuron (one common pool, their POOLS_C):
  τ_p dp/dt = −p + α Θ[Σ_inputs |h − h0| − θ_pro];
* late phase (dimensionless), captured only while tagged and p > 0:
  τ_z dz/dt = p (1 − z) (LTP tag), −p (0.5 + z) (LTD tag);
* total weight w = h + h0 z.

Two ways of driving the early phase:

* the published linear Ca²⁺ (:data:`STC_PRESETS`, ``li_2016_synapse`` with the single-synapse
  amplitudes of Li et al. 2016, ``lt2021_network`` with the network amplitudes × 0.6 of
  Luboeinski & Tetzlaff 2021);
* any Ca²⁺ jump list, e.g. the project's voltage-integrated NMDA Ca²⁺ of
  :func:`mgnet.models.plasticity.calcium_events`, with the thresholds, rates and noise of a
  project preset mapped by :func:`stc_from_plasticity`.

The integration is on a fixed clock (as their code, which uses dt = 0.2 ms): within an
event window (a burst, a presentation) a fine step ``dt_fast`` with the Ca²⁺ regime held
over the step and exact exponential (Ornstein–Uhlenbeck) updates; between events no
Ca²⁺ crosses a threshold and a coarse step ``dt_slow`` advances the exact decay of h and
the protein and late-phase equations.  numpy only, vectorised over contacts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, ms, mV, second

from mgnet.models.parameters import param

__all__ = ["STCParams", "STC_PRESETS", "stc_preset", "stc_from_plasticity", "STCState",
           "linear_calcium_events", "calcium_on_grid", "regimes", "advance",
           "h_decay", "z_saturation", "event_map", "event_coefficients",
           "apply_event", "two_neuron_protocol", "SINGLE_SYNAPSE"]

_LI = "Li, Kulvicius & Tetzlaff (2016) PLoS ONE 11:e0161679"
_LT = "Luboeinski & Tetzlaff (2021) Commun Biol 4:275"
_CODE = "jlubo/memory-consolidation-stc simulation-code/Network.cpp (Network constructor)"
_GB_HS = ("Graupner & Brunel (2012) PNAS 109:3991 Table S2, hippocampal slices, as used by "
          + _LI + " and " + _CODE)


@dataclass(frozen=True)
class STCParams:
    """Parameters of the STC model (h in mV, z dimensionless, p in units of α)."""
    tau_ca: Quantity = param(48.8 * ms, _GB_HS, low=0.1 * ms, high=1 * second,
                             doc="Ca2+ decay time constant")
    c_pre: float = param(1.0, _GB_HS + " (Ca_pre 1.0; networks of " + _LT + " use 0.6)",
                         low=0.0, high=100.0, doc="Ca2+ jump of a presynaptic spike")
    c_post: float = param(0.2758, _GB_HS + " (Ca_post 0.2758; networks of " + _LT
                          + " use 0.16548)", low=0.0, high=100.0,
                          doc="Ca2+ jump of a postsynaptic spike")
    delay: Quantity = param(18.8 * ms, _GB_HS + " (t_Ca_delay 0.0188 s)", low=0 * ms,
                            high=100 * ms, doc="delay of the presynaptic Ca2+ jump")
    theta_p: float = param(3.0, _LI + " (theta_p); " + _CODE, low=0.0, high=100.0,
                           doc="potentiation threshold")
    theta_d: float = param(1.2, _LI + " (theta_d); " + _CODE, low=0.0, high=100.0,
                           doc="depression threshold")
    gamma_p: float = param(1645.6, _GB_HS, low=0.0, high=1e5, doc="potentiation rate")
    gamma_d: float = param(313.1, _GB_HS, low=0.0, high=1e5, doc="depression rate")
    tau_h: Quantity = param(688.4 * second, _GB_HS + " (tau_h 688.4 s)", low=1 * ms,
                            high=1e6 * second, doc="early-phase time constant")
    decay: float = param(0.1, _LI + " (the factor 0.1 of the relaxation to h0; "
                         + _CODE + ")", low=0.0, high=10.0,
                         doc="relaxation of h to h0 at rate decay/tau_h")
    h_max: Quantity = param(10 * mV, _LI + " (upper early-phase bound, the '10.' of "
                            + _CODE + ")", low=0.1 * mV, high=1000 * mV,
                            doc="potentiation target of h")
    h0: Quantity = param(4.20075 * mV, _LI + ": h0 = 5 mV · γ_p/(γ_p + γ_d) (" + _CODE
                         + ")", low=0.01 * mV, high=1000 * mV,
                         doc="resting early-phase weight (and the late-phase unit)")
    sigma: Quantity = param(2.90436 * mV, "NetworkMain.cpp of jlubo/memory-consolidation-stc: "
                            "9.1844/sqrt(1000)·10 mV (Graupner & Brunel 2012's σ, corrected "
                            "by 1/sqrt(1000)) as used by " + _LT,
                            low=0 * mV, high=1000 * mV, doc="early-phase noise amplitude")
    theta_tag: float = param(0.2, _LI + " (theta_tag = 0.2 h0; 0.840 mV); " + _CODE,
                             low=0.0, high=10.0, doc="tagging threshold in units of h0")
    theta_pro: float = param(0.5, _LI + " (theta_pro = 0.5 h0; 2.10 mV); " + _CODE,
                             low=0.0, high=1e4, doc="protein-synthesis threshold "
                                                    "(summed |h - h0|) in units of h0")
    alpha: float = param(1.0, _LI + " (alpha_c = 1); " + _CODE, low=0.0, high=100.0,
                         doc="protein synthesis rate (amount at steady synthesis)")
    tau_p: Quantity = param(3600 * second, _LI + " (tau_p_c = 60 min); " + _CODE,
                            low=1 * second, high=1e6 * second, doc="protein time constant")
    tau_z: Quantity = param(3600 * second, _LI + " (tau_z = 60 min, includes their γ); "
                            + _CODE, low=1 * second, high=1e6 * second,
                            doc="late-phase time constant")
    z_max: float = param(1.0, _LT + " (z_max = 1; NetworkMain.cpp)", low=0.0, high=100.0,
                         doc="late-phase LTP bound")
    z_min: float = param(-0.5, _LI + " (L-LTD target −0.5); " + _CODE, low=-100.0, high=0.0,
                         doc="late-phase LTD bound")
    noise: bool = param(True, _LI, doc="include the early-phase noise")
    name: str = param("li_2016_synapse", "this project: the preset this set came from",
                      doc="name")


#: Named sets: the single-synapse amplitudes of Li et al. (2016) (their 2N1S runs:
#: ``-Ca_pre=1.0 -Ca_post=0.2758``) and the network amplitudes of Luboeinski & Tetzlaff
#: (2021) (both × 0.6: Ca_pre 0.6, Ca_post 0.16548; NetworkMain.cpp defaults).
STC_PRESETS: dict[str, STCParams] = {
    "li_2016_synapse": STCParams(),
    "lt2021_network": STCParams(c_pre=0.6, c_post=0.16548, name="lt2021_network"),
}


def stc_preset(name: str) -> STCParams:
    if name not in STC_PRESETS:
        raise KeyError(f"unknown STC preset '{name}'; allowed: {', '.join(STC_PRESETS)}")
    return STC_PRESETS[name]


def stc_from_plasticity(p, *, h_max=10 * mV, **overrides) -> STCParams:
    """The STC model with the early phase of a project preset (Graupner & Brunel set).

    The early phase is Graupner & Brunel's linear rule in h = h_max·ρ units (no cubic:
    the early phase of Li et al. 2016 has none) with the preset's θ, γ and τ (τ_h = τ);
    the noise keeps the project's reading of the preset's σ (variance rate σ²/τ per
    threshold in ρ units, models/plasticity/rule.py ``_rates``), i.e. σ_h = h_max·σ; h0 is
    Li et al.'s choice, half the potentiation fixed point, h_max·γ_p/(γ_p + γ_d)/2.
    Ca²⁺ comes from the project's model (pass its jumps), so c_pre/c_post/delay here
    are the preset's, for reference only.  Tag, protein and late phase: Li et al. 2016.
    """
    if not p.theta_d < p.theta_p:
        raise ValueError("the STC early phase needs theta_d < theta_p")
    gp, gd = float(p.gamma_p), float(p.gamma_d)
    vals = dict(tau_ca=p.tau_ca, c_pre=float(p.c_pre), c_post=float(p.c_post), delay=p.delay,
                theta_p=float(p.theta_p), theta_d=float(p.theta_d), gamma_p=gp, gamma_d=gd,
                tau_h=p.tau, h_max=h_max, h0=h_max * gp / (gp + gd) / 2,
                sigma=h_max * float(p.sigma), noise=bool(p.noise), name=f"stc:{p.preset}")
    vals.update(overrides)
    return STCParams(**vals)


def _f(x, unit) -> float:
    return float(x / unit)


def _consts(P: STCParams) -> dict:
    """SI / mV floats of the update."""
    if not P.theta_d < P.theta_p:
        raise ValueError("theta_d must be < theta_p")
    th = _f(P.tau_h, second)
    h0, hm = _f(P.h0, mV), _f(P.h_max, mV)
    a, gp, gd = P.decay, P.gamma_p, P.gamma_d
    s2 = _f(P.sigma, mV) ** 2 / th if P.noise else 0.0
    k = np.array([a, a + gd, a + gp + gd]) / th                 # below, mid, hi
    target = np.array([h0, a * h0 / (a + gd), (a * h0 + gp * hm) / (a + gp + gd)])
    s2r = np.array([0.0, s2, 2 * s2])
    return dict(k=k, target=target, s2=s2r, h0=h0, tau_p=_f(P.tau_p, second),
                tau_z=_f(P.tau_z, second), tag=P.theta_tag * h0, pro=P.theta_pro * h0,
                alpha=P.alpha, z_max=P.z_max, z_min=P.z_min)


# --------------------------------------------------------------------------------------
# Ca2+
# --------------------------------------------------------------------------------------
def linear_calcium_events(pre_times, post_times, P: STCParams):
    """Ca²⁺ jumps of the published linear model: C_pre at pre + D, C_post at post."""
    pre = np.atleast_1d(np.asarray(pre_times, float))
    post = np.atleast_1d(np.asarray(post_times, float))
    t = np.concatenate([pre + _f(P.delay, second), post])
    a = np.concatenate([np.full(len(pre), P.c_pre), np.full(len(post), P.c_post)])
    o = np.argsort(t, kind="stable")
    return t[o], a[o]


def calcium_on_grid(times, amps, tau_ca: float, dt: float, n_steps: int) -> np.ndarray:
    """c at the end of each step k (time (k+1)·dt): decay, then the jumps of the step."""
    inc = np.zeros(n_steps)
    idx = np.floor(np.asarray(times, float) / dt + 1e-9).astype(int)
    ok = (idx >= 0) & (idx < n_steps)
    np.add.at(inc, idx[ok], np.asarray(amps, float)[ok])
    # c_k = c_{k-1} e^{-dt/tau} + inc_k: a linear filter, done exactly by scan in blocks.
    from scipy.signal import lfilter
    return lfilter([1.0], [1.0, -math.exp(-dt / tau_ca)], inc)


def regimes(c: np.ndarray, P: STCParams) -> np.ndarray:
    """0 below θ_d, 1 between, 2 at or above θ_p (int8)."""
    return ((c >= P.theta_d).astype(np.int8) + (c >= P.theta_p).astype(np.int8))


# --------------------------------------------------------------------------------------
# State and update
# --------------------------------------------------------------------------------------
@dataclass
class STCState:
    """Contacts' h (mV) and z, their postsynaptic neuron, and the neurons' protein p."""
    h: np.ndarray
    z: np.ndarray
    post: np.ndarray
    p: np.ndarray
    t: float = 0.0

    @classmethod
    def fresh(cls, P: STCParams, post_index) -> STCState:
        post = np.asarray(post_index, int)
        n_neur = int(post.max()) + 1 if len(post) else 0
        return cls(h=np.full(len(post), _f(P.h0, mV)), z=np.zeros(len(post)), post=post,
                   p=np.zeros(n_neur))

    def weight(self, P: STCParams) -> np.ndarray:
        """Total weight w = h + h0 z (mV)."""
        return self.h + _f(P.h0, mV) * self.z


def _step(s: STCState, reg, dt: float, C: dict, rng, h_update: bool = True):
    """One step of length dt with Ca²⁺ regime ``reg`` (int array or None = all below);
    ``h_update=False`` advances only the protein and the late phase (after
    :func:`apply_event` has moved h over the same interval)."""
    h0 = C["h0"]
    # protein (from the summed early-phase change of the previous step, as their code)
    S = np.bincount(s.post, weights=np.abs(s.h - h0), minlength=len(s.p))
    ep = math.exp(-dt / C["tau_p"])
    s.p = s.p * ep + C["alpha"] * (S >= C["pro"]) * (1 - ep)
    # early phase: exact OU step in the regime
    if not h_update:
        pass
    elif reg is None:
        s.h = h0 + (s.h - h0) * math.exp(-C["k"][0] * dt)
    else:
        k, tg, s2 = C["k"][reg], C["target"][reg], C["s2"][reg]
        e = np.exp(-k * dt)
        h = tg + (s.h - tg) * e
        if rng is not None and np.any(s2 > 0):
            sd = np.sqrt(s2 / (2 * k) * (1 - e * e))
            h = h + sd * rng.standard_normal(len(h))
        s.h = h
    # late phase: capture while tagged and protein is present
    dev = s.h - h0
    pa = s.p[s.post]
    up = (dev >= C["tag"]) & (pa > 1e-12)
    dn = (-dev >= C["tag"]) & (pa > 1e-12)
    if np.any(up):
        ez = np.exp(-dt * pa[up] / (C["tau_z"] * C["z_max"]))
        s.z[up] = s.z[up] * ez + C["z_max"] * (1 - ez)
    if np.any(dn):
        ez = np.exp(-dt * pa[dn] / C["tau_z"])
        s.z[dn] = s.z[dn] * ez + C["z_min"] * (1 - ez)
    s.t += dt


def advance(state: STCState, P: STCParams, duration: float, *, reg_steps=None,
            dt_fast: float = 0.5e-3, dt_slow: float = 0.5, rng=None, record=None,
            record_every: float | None = None) -> STCState:
    """Advance ``state`` by ``duration`` seconds.

    ``reg_steps``: optional callable k -> regime array (one per contact) for the fine steps
    k = 0 … n_fast − 1 of an event window (``duration`` is then the window, stepped at
    ``dt_fast``); without it the interval has no Ca²⁺ above threshold and is stepped at
    ``dt_slow`` (h relaxes to h0, the protein and late phase evolve).  ``record(state)`` is
    called every ``record_every`` seconds of coarse stepping.
    """
    C = _consts(P)
    if reg_steps is not None:
        n = int(round(duration / dt_fast))
        for k in range(n):
            _step(state, reg_steps(k), dt_fast, C, rng)
        return state
    n = int(math.ceil(duration / dt_slow - 1e-9))
    if n <= 0:
        return state
    dt = duration / n
    next_rec = state.t if record is not None else None
    for _ in range(n):
        if record is not None and state.t >= next_rec - 1e-9:
            record(state)
            next_rec += record_every
        _step(state, None, dt, C, rng)
    return state


# --------------------------------------------------------------------------------------
# Closed forms (used by the tests)
# --------------------------------------------------------------------------------------
def h_decay(h_start: float, t, P: STCParams):
    """h(t) with no Ca²⁺ above threshold: h0 + (h_start − h0) e^{−decay·t/τ_h} (mV)."""
    h0 = _f(P.h0, mV)
    return h0 + (h_start - h0) * np.exp(-P.decay * np.asarray(t, float) / _f(P.tau_h, second))


def z_saturation(t, P: STCParams, z0: float = 0.0, tagged: str = "ltp"):
    """z(t) for a contact tagged throughout while its neuron synthesises protein from t = 0
    (p(0) = 0): p = α(1 − e^{−t/τ_p}), z = z_b + (z0 − z_b) exp(−∫p dt/(τ_z z_s)) with
    (z_b, z_s) = (z_max, z_max) for an LTP tag and (z_min, 1) for an LTD tag."""
    t = np.asarray(t, float)
    tp, tz = _f(P.tau_p, second), _f(P.tau_z, second)
    integral = P.alpha * (t - tp * (1 - np.exp(-t / tp)))
    zb, zs = (P.z_max, P.z_max) if tagged == "ltp" else (P.z_min, 1.0)
    return zb + (z0 - zb) * np.exp(-integral / (tz * zs))


def event_coefficients(reg_seqs, P: STCParams, dt_fast: float):
    """Exact map of an event window on h for each regime sequence (rows of ``reg_seqs``,
    steps of ``dt_fast``): h_after = A·h_before + B + √V·ξ (ξ standard normal).

    The early phase is linear in h with piecewise-constant coefficients, so the window
    composes exactly: A = Π e_k, B and V by the same recursion as the steps.  With noise
    off, the fraction of the way to the event's fixed point that one event moves a contact
    is 1 − A and the fixed point is B/(1 − A)."""
    C = _consts(P)
    reg = np.atleast_2d(np.asarray(reg_seqs))
    n = reg.shape[0]
    A, B, V = np.ones(n), np.zeros(n), np.zeros(n)
    for k in range(reg.shape[1]):
        r = reg[:, k]
        kk = C["k"][r]
        e = np.exp(-kk * dt_fast)
        tg = C["target"][r]
        A = A * e
        B = tg + (B - tg) * e
        # variance of the OU increment: s2 (1 - e^2)/(2k), or s2 dt where k = 0
        V = V * e * e + C["s2"][r] * np.where(
            kk > 0, -np.expm1(-2 * kk * dt_fast) / (2 * np.maximum(kk, 1e-300)), dt_fast)
    return A, B, V


def event_map(reg_list, P: STCParams, dt_fast: float = 0.5e-3):
    """(A, B) of :func:`event_coefficients` (noise off)."""
    A, B, _ = event_coefficients(np.asarray(list(reg_list)), P, dt_fast)
    return A, B


def apply_event(state: STCState, P: STCParams, coeffs, idx, duration: float, rng=None):
    """One event window of ``duration`` s: contact i's h goes through the map
    ``coeffs[·][idx[i]]`` (:func:`event_coefficients`), then the protein and late phase
    advance over the window with the h at its end (one step: they change on time scales
    of τ_p, τ_z ≈ 1 h, the window lasts ~1 s)."""
    A, B, V = (np.asarray(c)[idx] for c in coeffs)
    noise = np.sqrt(V) * rng.standard_normal(len(A)) if (rng is not None and P.noise) else 0.0
    state.h = A * state.h + B + noise
    _step(state, None, duration, _consts(P), None, h_update=False)
    return state


# --------------------------------------------------------------------------------------
# The published single-synapse protocols (Li et al. 2016; Luboeinski & Tetzlaff 2021)
# --------------------------------------------------------------------------------------
#: Stimulus of the presynaptic neuron, jlubo/memory-consolidation-stc
#: simulation-code/StimulusProtocols.cpp (times relative to the protocol start, s):
#: STET 3 × 1 s at 100 Hz, 10 min apart; WTET 0.2 s at 100 Hz; SLFS 900 bursts of 3 pulses
#: at 20 Hz (0.15 s windows) every 1.15 s; WLFS 900 s at 1 Hz (Poisson).  Their stimulation
#: is Poisson-like (STIM_TYPE POISSON_STIMULATION in the TWO_NEURONS_ONE_SYNAPSE_LI2016 case).
SINGLE_SYNAPSE = {
    "STET": [(600.0 * i, 1.0, 100.0) for i in range(3)],
    "WTET": [(0.0, 0.2, 100.0)],
    "SLFS": [(i * 23.0 / 20.0, 3.0 / 20.0, 20.0) for i in range(900)],
    "WLFS": [(0.0, 900.0, 1.0)],
}


def two_neuron_protocol(name: str, P: STCParams, rng, *, t_after: float = 8 * 3600.0,
                        dt_fast: float = 0.5e-3, dt_slow: float = 1.0,
                        record_every: float = 60.0) -> dict:
    """One synapse driven by a published protocol: presynaptic Poisson spikes at the
    protocol's rate in its windows (every stimulus pulse is taken to fire the presynaptic
    neuron; the postsynaptic neuron is not driven to spike, so only C_pre enters: in their
    two-neuron runs the postsynaptic neuron receives only this synapse, h0 ≈ 4.2 mV).

    Returns times (s, from the protocol start), h (mV), z and w over ``t_after`` seconds,
    the largest |h − h0| and whether a tag and protein synthesis occurred (their
    getPlasticityType categories)."""
    windows = SINGLE_SYNAPSE[name]
    C = _consts(P)
    s = STCState.fresh(P, [0])
    rec_t, rec_h, rec_z = [], [], []
    info = {"tag": False, "protein": False, "max_dev": 0.0}

    def record(st):
        rec_t.append(st.t)
        rec_h.append(float(st.h[0]))
        rec_z.append(float(st.z[0]))

    def track(st):
        d = float(st.h[0] - C["h0"])
        if abs(d) > abs(info["max_dev"]):
            info["max_dev"] = d
        info["tag"] |= abs(d) >= C["tag"]
        info["protein"] |= bool(st.p[0] > 1e-12)

    # merge windows closer than the Ca2+ tail into event blocks
    tail = 0.3 + _f(P.delay, second)
    for t0, dur, rate in windows:
        if s.t < t0:
            advance(s, P, t0 - s.t, dt_slow=dt_slow, rng=rng, record=record,
                    record_every=record_every)
            track(s)
        n_sp = rng.poisson(rate * dur)
        pre = np.sort(rng.uniform(0.0, dur, n_sp))
        t_ev, a_ev = linear_calcium_events(pre, [], P)
        win = dur + tail
        n = int(round(win / dt_fast))
        reg = regimes(calcium_on_grid(t_ev, a_ev, _f(P.tau_ca, second), dt_fast, n), P)
        # runs of one regime are one exact OU step (p and z change over hours)
        edges = np.flatnonzero(np.diff(reg)) + 1
        for a, b in zip(np.r_[0, edges], np.r_[edges, n], strict=True):
            _step(s, reg[a:a + 1], (b - a) * dt_fast, C, rng)
            track(s)
    end = t_after
    while s.t < end - 1e-9:
        advance(s, P, min(record_every, end - s.t), dt_slow=dt_slow, rng=rng, record=record,
                record_every=record_every)
        track(s)
    record(s)
    h, z = np.array(rec_h), np.array(rec_z)
    return {"t": np.array(rec_t), "h": h, "z": z, "w": h + C["h0"] * z, "h0": C["h0"],
            **info}

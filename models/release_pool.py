"""Readily releasable pool and Ca2+-dependent recovery of the virtual bouton assay.

Dobrunz & Stevens (1997) Neuron 18:995 showed that a hippocampal release site holds a
small readily releasable pool (RRP) of vesicles, that its release probability grows with
the size of that pool, and that depletion of the pool shapes its short-term plasticity;
Schikorski & Stevens (1997) J Neurosci 17:5858 found the docked vesicles (~10 per active
zone in CA1 and in culture) to scale with the active-zone and PSD area.  Dittman,
Kreitzer & Regehr (2000) J Neurosci 20:1374 showed that empty release sites refill
faster after a burst, driven by residual Ca2+ (their FD model).

The bouton of the assay (science.md §4 item 3, extended; used only by
:mod:`mgnet.models.assay`, the culture network keeps the one-vesicle contact of
:mod:`mgnet.models.synapses`):

* ``n`` docking slots, each holding at most one vesicle (``n`` = RRP size of the bouton);
* univesicular release (one vesicle per spike at most, the constraint of the standard
  quantal site; Stevens & Wang 1995): at a spike with ``d`` docked vesicles the bouton
  releases with probability ``1 - (1 - u)^d``, where ``u`` is the Tsodyks–Markram
  facilitation variable of a single vesicle (decays with tau_f, jumps by ``U (1 - u)``);
  a rested bouton therefore releases with ``Pr = 1 - (1 - U)^n``, so
  ``U = 1 - (1 - Pr)^(1/n)`` (:func:`vesicle_probability`);
* each empty slot refills independently with rate ``k(t) = k0 + (kmax - k0) CaXD /
  (CaXD + KD)``, where CaXD jumps by ``delta_ca`` at every spike and decays with
  ``tau_ca`` (DKR 2000).  The refill probability of a slot over an interval Δ after a
  spike that left CaXD = C is the closed form

      P = 1 - exp(-(k0 Δ + (kmax - k0) tau_ca ln((C + KD) / (C e^(-Δ/tau_ca) + KD))))

  (the integral of C e^(-t/tau_ca) / (C e^(-t/tau_ca) + KD) from 0 to Δ), so nothing
  is integrated per time step.

With ``n = 1`` and ``kmax = k0`` this is exactly the contact of :mod:`mgnet.models.synapses`
(U = Pr, refill 1 - e^(-Δ k0) with k0 = 1/tau_d).  :func:`simulate_pool` is the
trial-by-trial numpy reference implementation (used by the fast studies of
``experiments/configuration_study.py`` and by the tests that check the Brian2 code).
"""
from __future__ import annotations

import numpy as np

__all__ = ["vesicle_probability", "rrp_sizes", "refill_probability", "simulate_pool",
           "pool_mean_release", "PREP_PATHWAY", "pool_model", "pool_prep_code",
           "pool_release_code", "pool_namespace"]


def vesicle_probability(pr, n):
    """Per-vesicle release probability U of a rested bouton with ``n`` docked vesicles and
    release probability ``pr`` (univesicular release): ``U = 1 - (1 - pr)^(1/n)``."""
    pr = np.clip(np.asarray(pr, dtype=float), 0.0, 1.0)
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    return 1.0 - (1.0 - pr) ** (1.0 / n)


def rrp_sizes(q_rel, n_median: float, n_max: int) -> np.ndarray:
    """RRP size (docking slots) of each bouton: proportional to its synapse size.

    Docked vesicles scale with the active-zone area, and the active zone with the PSD
    (Schikorski & Stevens 1997); the PSD sets the quantal size, so ``n`` is proportional
    to ``q_rel`` (q / q_ampa, median 1): ``n = clip(round(n_median * q_rel), 1, n_max)``.
    """
    n = np.rint(float(n_median) * np.asarray(q_rel, dtype=float))
    return np.clip(n, 1, int(n_max)).astype(np.int64)


def refill_probability(dt, ca_after_last, k0, kmax, kd, tau_ca):
    """Probability that an empty slot refills within ``dt`` (seconds) after a spike that
    left residual Ca2+ ``ca_after_last`` (units of KD-scale), DKR 2000 closed form."""
    dt = np.asarray(dt, dtype=float)
    c = np.asarray(ca_after_last, dtype=float)
    if kmax == k0 or tau_ca <= 0:
        integral = k0 * dt
    else:
        decayed = c * np.exp(-dt / tau_ca)
        integral = k0 * dt + (kmax - k0) * tau_ca * np.log((c + kd) / (decayed + kd))
    return 1.0 - np.exp(-integral)


def simulate_pool(U, n, times, *, tau_f, k0, kmax=None, kd=2.0, tau_ca=0.05,
                  delta_ca=1.0, rng=None, trials: int = 1, facilitation: str = "tm",
                  s1: float = 0.379):
    """Stochastic releases of independent boutons for one spike train (numpy).

    Parameters
    ----------
    U : array_like
        Per-vesicle release probability of each bouton (:func:`vesicle_probability`).
    n : array_like of int
        RRP size (slots) of each bouton; all slots start full.
    times : array_like
        Spike times in seconds (increasing), shared by every bouton (field stimulation).
    tau_f : float
        Facilitation time constant (s).
    k0, kmax, kd, tau_ca, delta_ca : float
        Resting and maximal refill rates (1/s), affinity and time constant (s) of the
        residual-Ca2+ site and its jump per spike (DKR 2000).  ``kmax=None`` means
        ``kmax = k0`` (Ca2+-independent refill).
    rng : numpy Generator or int
    trials : int
        Independent repetitions (leading axis of the result).
    facilitation : {"tm", "dkr"}
        ``"tm"``: the Tsodyks–Markram jump of the per-vesicle probability,
        ``u <- u + U (1 - u)``, as in :mod:`mgnet.models.synapses`.  ``"dkr"``: the
        saturating facilitation of DKR 2000 at the bouton: residual Ca2+ at a site XF
        (jump 1 per spike, decay tau_f) gives ``s = X / (X + K_F)``, and a bouton with
        ``d`` docked vesicles releases with ``1 - (1 - U)^d (1 - s)``; ``K_F`` follows
        from ``s1``, the value of ``s`` one spike after a single spike at zero interval.
        A silent bouton (``U = 0``: no Ca2+-sensing release machinery, Sun et al. 2015)
        never releases.
    s1 : float
        ``s`` of the second of two closely spaced spikes (``"dkr"`` only).

    Returns
    -------
    ndarray of int8, shape (trials, n_spikes, n_boutons)
        1 where the bouton released at that spike.
    """
    rng = np.random.default_rng(rng)
    U = np.asarray(U, dtype=float)
    n = np.asarray(n, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    kmax = k0 if kmax is None else kmax
    nb = U.size
    shape = (trials, nb)
    u = np.zeros(shape)
    docked = np.broadcast_to(n, shape).copy()
    ca = np.zeros(shape)
    if facilitation not in ("tm", "dkr"):
        raise ValueError("facilitation must be 'tm' or 'dkr'")
    k_f = (1.0 - s1) / s1 if s1 > 0 else np.inf
    xf = np.zeros(shape)
    out = np.zeros((trials, times.size, nb), dtype=np.int8)
    t_last = -np.inf
    for k, t in enumerate(times):
        if np.isfinite(t_last):
            dt = t - t_last
            u *= np.exp(-dt / tau_f)
            xf *= np.exp(-dt / tau_f)
            p_ref = refill_probability(dt, ca, k0, kmax, kd, tau_ca)
            docked += rng.binomial(n - docked, p_ref)
            ca = ca * np.exp(-dt / tau_ca) if tau_ca > 0 else ca * 0.0
        if facilitation == "tm":
            u += U * (1.0 - u)
            p_rel = np.where(docked > 0, 1.0 - (1.0 - u) ** docked, 0.0)
        else:
            s = xf / (xf + k_f)
            p_rel = np.where((docked > 0) & (U > 0),
                             1.0 - (1.0 - U) ** docked * (1.0 - s), 0.0)
            xf += 1.0
        rel = rng.random(shape) < p_rel
        docked -= rel
        ca += delta_ca
        out[:, k, :] = rel
        t_last = t
    return out


def pool_mean_release(U, n, times, *, trials: int = 4000, rng=0, **kw) -> np.ndarray:
    """Trial-averaged release per spike (n_spikes x n_boutons), by simulation
    (keywords as :func:`simulate_pool`)."""
    return simulate_pool(U, n, times, rng=rng, trials=trials, **kw).mean(axis=0)


# --------------------------------------------------------------------------------------
# Brian2 code of the assayed bouton (composed onto mgnet.models.synapses.make_contacts)
# --------------------------------------------------------------------------------------
#: Name of the presynaptic pathway that prepares each spike (runs one time step before
#: the release pathway ``pre``, which is delayed by :data:`PREP_LEAD`).
PREP_PATHWAY = "pool_prep"


def pool_model(n_max: int) -> str:
    """Per-contact state of the pool (``extra_model`` of make_contacts)."""
    slots = "\n".join(f"slot_{k} : 1" for k in range(n_max))
    return f"""
n_slots : 1 (constant)     # RRP size of this bouton
U_v : 1 (constant)         # per-vesicle release probability at rest
uv : 1                     # TM facilitation of one vesicle (facilitation = 'tm')
xf : 1                     # residual Ca2+ at the facilitation site (facilitation = 'dkr')
xd : 1                     # residual Ca2+ driving recovery, just after the last spike
t_pool : second            # time of the previous spike seen by the pool
docked : 1                 # docked vesicles at the latest spike
{slots}
"""


def pool_prep_code(n_max: int, facilitation: str) -> str:
    """Code of the preparing pathway: refill the slots since the previous spike (DKR
    closed form), update facilitation, and hand the bouton's release probability to the
    standard contact code as ``u`` (with ``U = 0`` and ``t_last`` at the release time,
    the standard code then draws ``release = avail * (rand() < u)`` unchanged)."""
    if facilitation not in ("tm", "dkr"):
        raise ValueError("facilitation must be 'tm' or 'dkr'")
    lines = [
        "dt_pool = t - t_pool",
        "p_refill = 1 - exp(-(k_rec_0*dt_pool + (k_rec_max - k_rec_0)*tau_rec_ca"
        "*log((xd + k_rec_kd)/(xd*exp(-dt_pool/tau_rec_ca) + k_rec_kd))))",
    ]
    for k in range(n_max):
        lines.append(f"slot_{k} = slot_{k} + (1 - slot_{k})*int(rand() < p_refill)"
                     f"*int(n_slots > {k})")
    lines.append("docked = " + " + ".join(f"slot_{k}" for k in range(n_max)))
    lines.append("xd = xd*exp(-dt_pool/tau_rec_ca) + 1")
    if facilitation == "tm":
        lines += ["uv = uv*exp(-dt_pool/tau_f)",
                  "uv = uv + U_v*(1 - uv)",
                  "u = int(docked > 0)*(1 - (1 - uv)**docked)"]
    else:
        lines += ["xf = xf*exp(-dt_pool/tau_f)",
                  "u = int(docked > 0)*int(U_v > 0)*(1 - (1 - U_v)**docked*(1 - xf/(xf + k_fac)))",
                  "xf = xf + 1"]
    lines += ["avail = int(docked > 0)",
              "t_last = t + prep_lead",
              "t_pool = t"]
    return "\n".join(lines) + "\n"


def pool_release_code(n_max: int) -> str:
    """Code appended to the release pathway: the released vesicle leaves the first
    occupied slot (slots are exchangeable, so which one does not matter)."""
    lines = ["left = release"]
    for k in range(n_max):
        lines += [f"gone_{k} = left*slot_{k}",
                  f"slot_{k} = slot_{k} - gone_{k}",
                  f"left = left - gone_{k}"]
    lines.append("docked = docked - release")
    return "\n".join(lines) + "\n"


def pool_namespace(pool, stp) -> dict:
    """Constants of the pool code (``pool``: ReleasePoolParams, ``stp``:
    ShortTermPlasticityParams; k0 = 1/tau_d)."""
    s1 = float(pool.facilitation_s1)
    k0 = 1.0 / stp.tau_d
    kmax = pool.k_rec_max if pool.k_rec_max > k0 else k0
    return {"k_rec_0": k0, "k_rec_max": kmax * 1.0, "k_rec_kd": float(pool.k_rec_kd),
            "tau_rec_ca": pool.tau_rec_ca, "k_fac": (1 - s1) / s1 if s1 > 0 else 1e12}

"""The Brian2 code of the plasticity rule: the constants (``pl_`` names,
:func:`plasticity_namespace`), the exact piecewise advance of ρ (:func:`advance_code`),
the per-contact variables, and the push and pop of the delayed presynaptic Ca2+
(``cpend_1..K``).  The scheme is described in :mod:`mgnet.models.plasticity`."""
from __future__ import annotations

import math

from brian2 import second

from ..backend import skip_unless
from ..parameters import CalciumParams, PlasticityParams

__all__ = ["CA_PRE_PATHWAY", "c_post_at", "plasticity_namespace", "advance_code"]

#: Name of the delayed presynaptic Ca2+ pathway of plastic contacts.
CA_PRE_PATHWAY = "ca_pre"


def _check(params: PlasticityParams) -> None:
    if params.rho_star != 0.5:
        raise ValueError(f"rho_star must be 0.5 (the event-driven cubic has a closed form "
                         f"only for rho* = 1/2; every published set uses it), got "
                         f"{params.rho_star}")
    for name in ("c_pre", "c_post", "gamma_d", "gamma_p", "sigma"):
        if getattr(params, name) < 0:
            raise ValueError(f"{name} must be >= 0, got {getattr(params, name)}")
    for name in ("theta_d", "theta_p"):
        if not getattr(params, name) > 0:
            raise ValueError(f"{name} must be > 0, got {getattr(params, name)}")
    if not (float(params.tau) > 0 and float(params.tau_ca) > 0):
        raise ValueError("tau and tau_ca must be positive")
    if float(params.delay) < 0:
        raise ValueError("delay must be >= 0")
    if int(params.pending_slots) < 1:
        raise ValueError("pending_slots must be >= 1")


def _rates(params: PlasticityParams) -> dict:
    """Linear rates of the two above-threshold regimes (SI units, floats)."""
    tau = float(params.tau)
    gp, gd = float(params.gamma_p), float(params.gamma_d)
    s2 = float(params.sigma) ** 2 / tau if params.noise else 0.0  # noise intensity per threshold
    hi = dict(k=(gp + gd) / tau, target=gp / (gp + gd) if gp + gd > 0 else 0.0, s2=2 * s2)
    if params.theta_d <= params.theta_p:   # between the thresholds only depression acts
        mid = dict(k=gd / tau, target=0.0, s2=s2)
    else:                                   # only potentiation acts
        mid = dict(k=gp / tau, target=1.0, s2=s2)
    return {"hi": hi, "mid": mid,
            "theta_hi": max(params.theta_d, params.theta_p),
            "theta_lo": min(params.theta_d, params.theta_p)}


def c_post_at(params: PlasticityParams, calcium: CalciumParams | None = None) -> float:
    """C_post at the medium's [Ca]o: the published C_post (at the preset's ``ref_ca_o``)
    times ([Ca]o/ref_ca_o)^vdcc_exponent (Higgins, Graupner & Brunel 2014)."""
    calcium = calcium or CalciumParams()
    ratio = float(calcium.ca_o / params.ref_ca_o)
    return float(params.c_post) * ratio ** float(calcium.vdcc_exponent)


def plasticity_namespace(params: PlasticityParams | None = None, ca_ref: float = 1.0,
                         calcium: CalciumParams | None = None) -> dict:
    """Constants referenced by the plasticity code (all names start with ``pl_``)."""
    params = params or PlasticityParams()
    _check(params)
    r = _rates(params)
    ns = {
        "pl_tau_ca": params.tau_ca, "pl_tau": params.tau,
        "pl_theta_hi": r["theta_hi"], "pl_theta_lo": r["theta_lo"],
        "pl_c_pre": float(params.c_pre), "pl_c_post": c_post_at(params, calcium),
        "pl_ca_ref": float(ca_ref), "pl_b": float(params.b),
        "pl_ln_hi_lo": math.log(r["theta_hi"] / r["theta_lo"]),
    }
    for seg in ("hi", "mid"):
        k = r[seg]["k"]
        ns[f"pl_k_{seg}"] = k / second
        ns[f"pl_rho_{seg}"] = r[seg]["target"]
        if r[seg]["s2"] > 0:
            if k > 0:   # stationary standard deviation s/sqrt(2k)
                ns[f"pl_sd_{seg}"] = math.sqrt(r[seg]["s2"] / (2 * k))
            else:       # pure diffusion: variance s2*T
                ns[f"pl_s2_{seg}"] = r[seg]["s2"] / second
    return ns


def _noise(params: PlasticityParams, seg: str, target: str, e: str, T: str) -> str:
    """The OU increment of piece ``seg`` (duration ``T``) added to ``target``: skipped for
    a piece of length 0 (where it is exactly 0; saves the draw, skip_unless)."""
    r = _rates(params)[seg]
    if r["s2"] == 0:
        return ""
    if r["k"] > 0:
        term = f"pl_sd_{seg}*sqrt(1 - {e}**2)*randn()"
    else:
        term = f"sqrt(pl_s2_{seg}*{T})*randn()"
    return skip_unless(f"{T} > 0*second", f"{target} = {target} + {term}", f"pl_noise_{seg}")


def _advance_code(params: PlasticityParams, q_update: str = "exact") -> str:
    """Advance rho from t_pl to t (c_pl decays; no jump).  Each line is one statement.

    Gated (mgnet.models.backend.skip_unless; where a gate is closed its block changes nothing):
    the two linear pieces run only if Ca2+ starts above the lower threshold and the
    interval is not empty (else both have length 0), the first one only if it starts
    above the upper threshold, each noise draw only for a piece of non-zero length, and
    the change of rho (and so of q) only while ``plasticity_on``.  One logarithm gives
    both times above threshold (T_hi = T_lo - tau_Ca ln(theta_hi/theta_lo), clipped).

    ``q_update``: "exact" recomputes q = q_down w(rho); "ratio" scales q by
    w(rho_new)/w(rho_old) (the same value up to rounding, without reading q_down: for the
    pathway whose contacts lie scattered in memory).
    """
    hi = (
        "pl_T_hi = clip(pl_lnc - pl_tau_ca*pl_ln_hi_lo, 0*second, pl_L)  # above both thresholds\n"
        "pl_e_hi = exp(-pl_k_hi*pl_T_hi)                                  # piece 1: both processes\n"
        "pl_r1 = pl_rho_hi + (rho - pl_rho_hi)*pl_e_hi\n"
        + _noise(params, "hi", "pl_r1", "pl_e_hi", "pl_T_hi") +
        "pl_r1 = clip(pl_r1, 0, 1)\n")
    pieces = (
        "pl_lnc = pl_tau_ca*log(clip(c_pl/pl_theta_lo, 1, 1e30))          # tau_Ca ln(c/theta_lo)\n"
        "pl_T_lo = clip(pl_lnc, 0*second, pl_L)                           # above the lower threshold\n"
        "pl_r1 = rho\n"
        + skip_unless("c_pl > pl_theta_hi", hi, "pl_hi") +
        "pl_e_mid = exp(-pl_k_mid*(pl_T_lo - pl_T_hi))                    # piece 2: lower process only\n"
        "pl_r2 = pl_rho_mid + (pl_r1 - pl_rho_mid)*pl_e_mid\n"
        + _noise(params, "mid", "pl_r2", "pl_e_mid", "(pl_T_lo - pl_T_hi)") +
        "pl_r2 = clip(pl_r2, 0, 1)\n")
    evolve = ("pl_r2 = rho                                                      # (no time above a threshold)\n"
              + skip_unless("int(c_pl > pl_theta_lo)*int(pl_L > 0*second)", pieces, "pl_above"))
    if params.bistable:
        evolve += (
            "pl_x = pl_r2 - 0.5                                               # piece 3: cubic, exact for rho* = 1/2\n"
            "pl_e_cub = exp(-(pl_L - pl_T_lo)/(2*pl_tau))\n"
            "pl_r3 = 0.5 + 0.5*pl_x/sqrt(pl_x**2 + (0.25 - pl_x**2)*pl_e_cub + 1e-300)\n")
    else:
        evolve += "pl_r3 = pl_r2                                                    # no cubic (linear rule)\n"
    if q_update == "exact":
        evolve += (
            "rho = rho + plasticity_on*(pl_r3 - rho)                          # frozen when plasticity_on = 0\n"
            "q = q_down*(1 + (pl_b - 1)*rho)                                  # AMPA quantal size w(rho)\n")
    elif q_update == "ratio":
        evolve += (
            "pl_w0 = 1 + (pl_b - 1)*rho                                       # w(rho) before\n"
            "rho = rho + plasticity_on*(pl_r3 - rho)                          # frozen when plasticity_on = 0\n"
            "q = q*(1 + (pl_b - 1)*rho)/pl_w0                                 # AMPA quantal size w(rho) (= q_down w(rho))\n")
    else:
        raise ValueError(f"q_update must be 'exact' or 'ratio', got {q_update!r}")
    return ("pl_L = clip(t - t_pl, 0*second, 1e30*second)                     # time since the last Ca2+ event\n"
            + skip_unless("plasticity_on", evolve, "pl_on") +
            "c_pl = c_pl*exp(-pl_L/pl_tau_ca)                                 # Ca2+ now, before any jump\n"
            "t_pl = t\n")


def advance_code(params: PlasticityParams | None = None) -> str:
    """Brian2 code that advances every contact's ρ (and c_pl, t_pl, q) to the current time.

    The same exact piecewise update that runs at every Ca2+ event; run it from a
    ``run_regularly`` to take snapshots of ρ at fixed times.  Splitting an interval into
    two advances is exact (each piece is the exact solution of a Markov process), so the
    extra advances do not change the rule's dynamics, only its random stream.
    """
    params = params or PlasticityParams()
    _check(params)
    return _advance_code(params)


def _model(params: PlasticityParams, readouts: bool = True) -> str:
    k = int(params.pending_slots)
    pend = "".join(f"cpend_{s} : 1          # pending presynaptic Ca2+ amplitude, slot {s}\n"
                   for s in range(1, k + 1))
    return ("\n"
            "rho : 1              # Graupner-Brunel efficacy (0 DOWN, 1 UP), as of t_pl\n"
            "c_pl : 1             # plasticity Ca2+ just after the latest Ca2+ event (GB units)\n"
            "t_pl : second        # time up to which rho has been advanced\n"
            "q_down : siemens     # AMPA quantal size in the DOWN state (w0)\n"
            + ("c_pre_sum : 1        # summed C_pre,eff of all releases since reset\n"
               if readouts else "") +
            "n_pend : 1           # presynaptic Ca2+ transients in flight (<= pending_slots)\n"
            + pend +
            "plasticity_on : 1 (shared)  # 1: rho evolves, 0: frozen (recall)\n"
            "calcium_on : 1 (shared)     # 1: the Ca2+ of the rule is tracked, 0: not "
            "(end_plasticity)\n")


def _push_code(params: PlasticityParams, nmda: bool, readouts: bool = True) -> str:
    k = int(params.pending_slots)
    if nmda:
        # Clipped at 0: in the time step of a postsynaptic spike v_post is the spike's
        # runaway value (v > e_nmda), which would give a negative NMDA Ca2+.
        amp = "pl_a = pl_c_pre*clip((ca_2a + ca_2b)/pl_ca_ref, 0, 1e30)       # C_pre,eff of this release"
    else:
        amp = "pl_a = 0.0                                                       # no NMDA receptors: no Ca2+"
    lines = [amp] + (["c_pre_sum += pl_a"] if readouts else [])
    for s in range(1, k + 1):
        cond = f"n_pend == {s - 1}" if s < k else f"n_pend >= {k - 1}"   # last slot merges overflow
        lines.append(f"cpend_{s} += pl_a*int({cond})")
    # A failure pushes 0 (its amplitude is proportional to release): only the count.
    push = (skip_unless("release", "\n".join(lines) + "\n", "pl_push")
            + f"n_pend = clip(n_pend + 1, 0, {k})\n")
    # Nothing is pushed once the Ca2+ is no longer tracked (end_plasticity).
    return skip_unless("calcium_on", push, "pl_push_tracked")


def _pop_code(params: PlasticityParams) -> str:
    """Pop the oldest pending amplitude and add it to c_pl (after advancing rho to now).
    Nothing arrives after a failure (amplitude 0): then the advance is skipped (the next
    one covers the interval, exactly) and so is the shift of an all-zero queue."""
    k = int(params.pending_slots)
    jump = "c_pl = c_pl + cpend_1                                            # delayed presynaptic jump\n"
    shift = "".join(f"cpend_{s} = cpend_{s + 1}\n" for s in range(1, k)) + f"cpend_{k} = 0*cpend_{k}\n"
    anything = " + ".join(f"cpend_{s}" for s in range(1, k + 1))
    return (skip_unless("cpend_1 > 0", _advance_code(params) + jump, "pl_arrival")
            + skip_unless(f"{anything} > 0", shift, "pl_shift")
            + f"n_pend = clip(n_pend - 1, 0, {k})\n")

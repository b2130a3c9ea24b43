"""Calcium-based synaptic plasticity of every excitatory contact (Graupner & Brunel 2012).

Graupner & Brunel (2012) PNAS 109:3991, eq. 1, with the noise term of their Correction
(PNAS 109:21551, doi:10.1073/pnas.1220044110); science.md §4 item 5; docs/plasticity.md::

    τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) + γ_p(1−ρ)Θ[c−θ_p] − γ_d ρ Θ[c−θ_d]
              + σ√τ √(Θ[c−θ_p] + Θ[c−θ_d]) η(t)
    dc/dt = −c/τ_Ca + Σ_pre C_pre,eff δ(t − t_pre − D) + Σ_post C_post δ(t − t_post)

with Θ[x] = 1 for x ≥ 0 and η unit Gaussian white noise.  The AMPA quantal size of the
contact follows the efficacy, q = q_down (1 + (b − 1) ρ) (w = w0 + ρ(w1 − w0), b = w1/w0).

**Mg2+ reaches plasticity mechanistically.**  The presynaptic jump of a spike is
C_pre,eff = C_pre × (NMDA Ca2+ of this release) / (NMDA Ca2+ of one reference release of
the same receptor content at the preset's fitting condition: ref_v, ref_mg_o, ref_ca_o,
ref_glun2b_fraction).  The NMDA Ca2+ is the ``ca_2a + ca_2b`` of
:func:`mgnet.models.nmda_calcium.nmda_ca_on_pre`: the integral of the conductance times the
block and the Ca2+ driving force through the postsynaptic voltage with bAP kernels
([Mg]o, [Ca]o, GluN2A/GluN2B, the release itself: failures give 0; the network gain of
q_nmda removed by ``nmda_gain``), and the reference is that very code evaluated with
numpy, so there is one formula.  A postsynaptic spike adds C_post at the medium's [Ca]o
(:func:`c_post_at`) plus C_pre times the NMDA excess ``cx_2a + cx_2b`` its bAP gives the
receptors the contact has open (docs/plasticity.md §2).

**Event-driven scheme (no per-contact ODE, no clock).**  Between Ca2+ events c decays
from its value c0 just after the last event, so in an interval of length L the time
spent above θ is T_θ = clip(τ_Ca ln(c0/θ), 0, L), in closed form.  At every event
(delayed presynaptic transient, postsynaptic spike, and also at each release, before its
conductances, so that the release uses q = w(ρ) of its own time) ρ is advanced over the
elapsed interval in three exact pieces, in the order they occur:

1. above both thresholds (T_hi): linear drift with rate (γ_p + γ_d)/τ towards
   ρ̄ = γ_p/(γ_p + γ_d) plus the exact Ornstein–Uhlenbeck increment (variance
   σ²(1 − e^{−2kT})/((γ_p+γ_d)) with k = (γ_p + γ_d)/τ, from the noise intensity 2σ²/τ);
2. above the lower threshold only (T_lo − T_hi): decay at γ_d/τ to 0 (or rise at γ_p/τ
   to 1 if θ_p < θ_d) with its exact OU increment (noise intensity σ²/τ);
3. below both (L − T_lo): the cubic alone, exact for ρ* = ½:
   ρ(t) = ½ + ½ x0 / √(x0² + (¼ − x0²) e^{−t/(2τ)}),  x0 = ρ0 − ½
   (= ½ − sign(½−ρ0)·½/√(1 + y0 e^{−t/(2τ)}), y0 = ρ0(1−ρ0)/(½−ρ0)², written so
   that ρ0 = ½, 0, 1 need no special case; derivation in docs/plasticity.md).

The one approximation: inside intervals 1 and 2 the cubic term is dropped (the
time-above-threshold approximation of Graupner & Brunel's analysis).  Its error per
interval is at most (√3/36)·T/τ ≈ 0.048 T/τ (T ~ tens of ms, τ ~ 30–700 s: < 1e-4).
With ``bistable=False`` there is no cubic and the scheme is exact.  ρ is clipped to
[0, 1] after each noisy piece.  Splitting an interval at an extra event is exact (the
pieces compose), so the extra advance at releases changes nothing but q, and leaving an
advance out is exact too: after a failed release (q is only used by a release) and at a
delayed transient of amplitude 0 (a failure's) no advance runs.  Work that a contact does
not need is skipped in the same way (mgnet.models.backend.skip_unless): the linear pieces when
Ca2+ starts below θ_lo, the first one when it starts below θ_hi, a noise draw for a
piece of length 0, the change of ρ and q while ``plasticity_on`` is 0.  These change
only the random stream (fewer draws) and the rounding.

**Delay and bursts.**  The release is decided at the presynaptic spike; its C_pre,eff is
pushed onto a per-contact FIFO (``cpend_1..K``, ``n_pend``) and popped by the delayed
pathway ``ca_pre`` (Brian2 pathway with delay D + synaptic delay).  Up to K =
``pending_slots`` (default 4) transients can be in flight, i.e. presynaptic rates up to
K/D (400 Hz for D = 10 ms) are exact.  Beyond that the extra amplitude is merged into the
newest pending slot, i.e. delivered up to one interspike interval early; total Ca2+ is
conserved.

The stored ``rho`` is as of each contact's last event (``t_pl``); :func:`current_rho`
projects it to any time (deterministic part) for read-out.

Only this module's names start with ``pl_`` in the Brian2 namespace; per-contact
variables: ``rho``, ``c_pl``, ``t_pl``, ``q_down``, ``c_pre_sum`` (a read-out), ``n_pend``,
``cpend_k`` and the shared switch ``plasticity_on`` (0 freezes ρ and q, e.g. for
recall; Ca2+ keeps being tracked).
"""
from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
from brian2 import Quantity, mV, second

from .magnesium import block_namespace
from .parameters import (PLASTICITY_PRESETS, PLASTICITY_PRESET_SOURCES, CalciumParams,
                         MagnesiumParams, MgBlockParams, NeuronParams, PlasticityParams,
                         ReceptorParams, SpineCalciumParams, ShortTermPlasticityParams,
                         plasticity_preset)
from .backend import skip_unless
from .nmda_calcium import NMDA_CA_ON_POST, nmda_ca_on_pre
from .synapses import contact_namespace, make_contacts, spine_ca_on_pre

__all__ = ["PlasticityParams", "PLASTICITY_PRESETS", "PLASTICITY_PRESET_SOURCES",
           "plasticity_preset", "CA_PRE_PATHWAY", "advance_code", "plasticity_blocks", "plasticity_namespace",
           "reference_nmda_ca", "make_plastic_contacts", "rho_to_weight", "weight_to_rho",
           "q_down_for", "cubic_relax", "advance_rho", "current_rho", "event_segments",
           "time_above_thresholds", "pair_segments", "linear_moments", "stdp_prediction",
           "change_in_strength", "calcium_events", "protocol_outcome", "c_post_at"]

#: Name of the delayed presynaptic Ca2+ pathway of plastic contacts.
CA_PRE_PATHWAY = "ca_pre"


# ---------------------------------------------------------------------------------
# Equation blocks
# ---------------------------------------------------------------------------------
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
            "plasticity_on : 1 (shared)  # 1: rho evolves, 0: frozen (recall)\n")


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
    return (skip_unless("release", "\n".join(lines) + "\n", "pl_push")
            + f"n_pend = clip(n_pend + 1, 0, {k})\n")


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


_STATEMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(\+?=)\s*(.+?)\s*$")


def _statements(code: str):
    """(target, op, expression) of each statement of a Brian2 code block."""
    for line in code.splitlines():
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        m = _STATEMENT.match(line)
        if not m:
            raise ValueError(f"cannot parse statement {line!r}")
        yield m.groups()


_COMPILED: dict = {}


def _compiled(code: str):
    """(target, op, code object) of each statement, compiled once."""
    if code not in _COMPILED:
        _COMPILED[code] = [(t, op, compile(e, "<brian2 statement>", "eval"))
                           for t, op, e in _statements(code)]
    return _COMPILED[code]


def _exec(code: str, ns: dict) -> dict:
    """Execute a Brian2 code block with numpy (internal code strings only, never input)."""
    for target, op, expr in _compiled(code):
        value = eval(expr, {"__builtins__": {}}, ns)  # noqa: S307
        ns[target] = ns[target] + value if op == "+=" else value
    return ns


def _si_namespace(ns: dict) -> dict:
    """The namespace in plain SI floats (units are consistent, so the code's arithmetic is
    unchanged) with TimedArrays as numpy lookups of the same (floor) index rule."""
    from brian2 import TimedArray
    out = {}
    for k, v in ns.items():
        if isinstance(v, TimedArray):
            vals, dt = np.asarray(v.values, dtype=float).tolist(), float(v.dt)
            out[k] = (lambda x, vals=vals, dt=dt, n=len(vals):
                      vals[min(max(int(math.floor(x / dt + 1e-9)), 0), n - 1)])
        elif isinstance(v, Quantity):
            out[k] = float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)
        else:
            out[k] = v
    return out


def reference_nmda_ca(params: PlasticityParams | None = None, *,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None,
                      block: MgBlockParams | None = None,
                      calcium: CalciumParams | None = None,
                      neuron: NeuronParams | None = None,
                      mg_i=None) -> float:
    """NMDA Ca2+ (``ca_2a + ca_2b``, a.u.) of one reference release: the preset's fitting
    condition.

    Evaluates the release code of :func:`mgnet.models.nmda_calcium.nmda_ca_on_pre` with numpy
    for release = 1, receptor content 1 (q_nmda = q_nmda_ref, no network gain), no
    earlier bAP, V = ``ref_v``, [Mg]o = ``ref_mg_o``, [Ca]o = ``ref_ca_o`` and f_2b =
    ``ref_glun2b_fraction``.  A release there gives C_pre,eff = C_pre exactly; elsewhere
    C_pre,eff = C_pre x (its NMDA Ca2+)/(this).
    """
    params = params or PlasticityParams()
    receptors = receptors or ReceptorParams()
    calcium = calcium or CalciumParams()
    mg_i = MagnesiumParams().mg_i if mg_i is None else mg_i
    ref_calcium = dataclasses.replace(calcium, ca_o=params.ref_ca_o)
    ns = dict(contact_namespace(None, receptors, spine_ca, ref_calcium, neuron,
                                mg_o=params.ref_mg_o, block=block, mg_i=mg_i))
    ns.update(block_namespace(block))
    ns.update(exp=np.exp, clip=np.clip, ms=1e-3 * second, release=1.0, q_nmda=ns["q_nmda_ref"],
              nmda_gain=1.0,
              v_post=params.ref_v, f_2b_post=float(params.ref_glun2b_fraction),
              mg_o_post=params.ref_mg_o, nca_mg_o=params.ref_mg_o, mg_i_post=mg_i, bap_s_post=0 * mV,
              nt_2a=0.0, nt_2b=0.0, nt_r=0.0, t=0 * second, t_last=-1 * second)
    _exec(spine_ca_on_pre(block, state=False), ns)
    ref = float(ns["ca_2a"] + ns["ca_2b"])
    if not ref > 0:
        raise ValueError("the reference NMDA Ca2+ is zero (NMDA receptors ablated?): "
                         "C_pre cannot be normalised")
    return ref


_EVENT_NS: dict = {}


def calcium_events(pre_times, post_times, params: PlasticityParams | None = None, *,
                   release=None, v_sub=None, receptors: ReceptorParams | None = None,
                   spine_ca: SpineCalciumParams | None = None,
                   block: MgBlockParams | None = None,
                   calcium: CalciumParams | None = None,
                   neuron: NeuronParams | None = None,
                   magnesium: MagnesiumParams | None = None, f_2b: float | None = None,
                   receptor_factor: float = 1.0):
    """Times (s) and sizes of the plasticity Ca2+ jumps of one contact (numpy twin).

    Runs the very code strings of the contacts (the NMDA Ca2+ of each release and of
    each postsynaptic spike, :mod:`mgnet.models.nmda_calcium`; the C_pre/C_post scaling of
    :func:`plasticity_blocks`) event by event with numpy, so the closed forms
    (:func:`time_above_thresholds`, :func:`linear_moments`) can be applied to any
    protocol with the network's own Ca2+ model.

    Parameters
    ----------
    pre_times : array_like
        Arrival times (s) of presynaptic spikes at the contact.
    post_times : array_like
        Postsynaptic spike times (s).
    release : array_like, optional
        1/0 per presynaptic spike (default: every spike releases).
    v_sub : float or array_like, optional
        Subthreshold postsynaptic potential (volt) at each presynaptic spike (default
        ``neuron.v_reset``, the potential the bAP kernels ride on).
    magnesium, calcium : the condition ([Mg]o, [Ca]o)
    f_2b : float, optional
        GluN2B fraction (default ``receptors.glun2b_fraction``).
    receptor_factor : float
        The contact's receptor content relative to the reference (q_nmda/(q_nmda_ref*gain)).

    Returns
    -------
    times, amplitudes : numpy.ndarray
        Jumps in time order: a release's own Ca2+ at its time + D, a postsynaptic spike's
        C_post plus the NMDA excess it adds to the open receptors at its time.
    """
    params = params or PlasticityParams()
    receptors = receptors or ReceptorParams()
    spine_ca = spine_ca or SpineCalciumParams()
    calcium = calcium or CalciumParams()
    neuron = neuron or NeuronParams()
    magnesium = magnesium or MagnesiumParams()
    f_2b = receptors.glun2b_fraction if f_2b is None else float(f_2b)
    pre = np.atleast_1d(np.asarray(pre_times, float))
    post = np.atleast_1d(np.asarray(post_times, float))
    rel = np.ones(len(pre)) if release is None else np.asarray(release, float)
    vs = np.broadcast_to(np.asarray((neuron.v_reset if v_sub is None else v_sub) / mV,
                                    dtype=float), pre.shape)
    key = repr((params, receptors, spine_ca, block, calcium, neuron, magnesium, f_2b,
                float(receptor_factor)))
    if key not in _EVENT_NS:
        ca_ref = reference_nmda_ca(params, receptors=receptors, spine_ca=spine_ca, block=block,
                                   calcium=calcium, neuron=neuron, mg_i=magnesium.mg_i)
        ns = dict(contact_namespace(None, receptors, spine_ca, calcium, neuron,
                                    mg_o=magnesium.mg_o, block=block, mg_i=magnesium.mg_i))
        ns.update(block_namespace(block))
        ns.update(nmda_gain=1.0, q_nmda=ns["q_nmda_ref"] * float(receptor_factor),
                  f_2b_post=f_2b, mg_o_post=magnesium.mg_o, nca_mg_o=magnesium.mg_o, mg_i_post=magnesium.mg_i)
        ns = _si_namespace(ns)
        ns.update(exp=math.exp, clip=lambda x, lo, hi: min(max(x, lo), hi), ms=1e-3)
        if len(_EVENT_NS) > 256:
            _EVENT_NS.clear()
        _EVENT_NS[key] = (ca_ref, ns)
    ca_ref, ns = _EVENT_NS[key]
    ns = dict(ns, nt_2a=0.0, nt_2b=0.0, nt_r=0.0, t_last=-1e6)
    c_pre, c_post = float(params.c_pre), c_post_at(params, calcium)
    D = float(params.delay)
    tau_s = float(spine_ca.tau_bap_slow)
    bap_amp = float(ns["bap_slow_amp"]) * 1e3          # mV
    pre_code = nmda_ca_on_pre(block)
    # Brian2 order within a time step: the release pathway (-1) before the postsynaptic
    # pathway (+1).
    events = sorted([(t, 0, k) for k, t in enumerate(pre)] +
                    [(t, 1, k) for k, t in enumerate(post)])
    bap, t_bap = 0.0, -1e6
    times, amps = [], []
    for t, kind, k in events:
        ns["t"] = t
        ns["bap_s_post"] = bap * np.exp(-(t - t_bap) / tau_s) * 1e-3      # V
        if kind == 0:
            ns.update(release=float(rel[k]), v_post=float(vs[k]) * 1e-3)
            _exec(pre_code, ns)
            times.append(t + D)
            amps.append(c_pre * max(float(ns["ca_2a"] + ns["ca_2b"]) / ca_ref, 0.0))
            ns["t_last"] = t
        else:
            _exec(NMDA_CA_ON_POST, ns)
            times.append(t)
            amps.append(c_post + c_pre * max(float(ns["cx_2a"] + ns["cx_2b"]) / ca_ref, 0.0))
            bap = float(ns["bap_s_post"]) * 1e3 + bap_amp
            t_bap = t
    order = np.argsort(times, kind="stable")
    return np.asarray(times)[order], np.asarray(amps)[order]


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


def plasticity_blocks(params: PlasticityParams | None = None, *,
                      receptors: ReceptorParams | None = None,
                      spine_ca: SpineCalciumParams | None = None,
                      block: MgBlockParams | None = None, nmda: bool = True,
                      readouts: bool = True, calcium: CalciumParams | None = None,
                      neuron: NeuronParams | None = None):
    """Brian2 blocks of the plasticity rule, to compose with :func:`make_contacts`.

    ``readouts=False`` leaves out the read-out ``c_pre_sum`` (nothing feeds back on it).

    Returns
    -------
    model : str
        Per-contact variables (appended to the contact model).
    on_pre : dict
        ``{"release": code of the release pathway after the release step and before
        the conductances (advance at a release), "pre": code appended to the release
        pathway (push C_pre,eff), "ca_pre": code of the delayed pathway (advance, pop,
        jump)}``; the ``ca_pre`` pathway needs the delay ``params.delay`` (+ the synaptic
        delay).
    on_post : str
        Appended to the postsynaptic pathway (advance, jump by C_post at the medium's
        [Ca]o plus C_pre times the NMDA excess ``cx_2a + cx_2b`` that the spike adds to
        this contact's open receptors, relative to the reference release).
    namespace : dict
        The ``pl_`` constants, including the reference NMDA Ca2+ ``pl_ca_ref``.
    """
    params = params or PlasticityParams()
    _check(params)
    ca_ref = reference_nmda_ca(params, receptors=receptors, spine_ca=spine_ca, block=block,
                               calcium=calcium, neuron=neuron) if nmda else 1.0
    adv = _advance_code(params)
    # The advance of the release pathway keeps q current: it runs before the conductance
    # increments ("release"), so a release uses q = w(rho) of its own time, and only for
    # a release: after a failure it is skipped (q is used only by a release; the next
    # event's advance covers the interval exactly; mgnet.models.backend.skip_unless).
    on_pre = {"release": skip_unless("release", adv, "pl_release"),
              "pre": _push_code(params, nmda, readouts),
              CA_PRE_PATHWAY: _pop_code(params)}
    if nmda:
        jump = ("c_pl = c_pl + pl_c_post + pl_c_pre*clip((cx_2a + cx_2b)/pl_ca_ref, 0, 1e30)"
                "   # bAP jump + NMDA unblock of open receptors\n")
    else:
        jump = "c_pl = c_pl + pl_c_post                                         # bAP jump\n"
    # Contacts that a postsynaptic spike reaches lie scattered in memory: q follows rho
    # without reading q_down there.
    on_post = _advance_code(params, q_update="ratio") + jump
    return (_model(params, readouts), on_pre, on_post,
            plasticity_namespace(params, ca_ref, calcium))


def q_down_for(q, rho_init, b: float):
    """DOWN-state quantal size that gives quantal size ``q`` at efficacy ``rho_init``:
    q_down = q / (1 + (b − 1) ρ_init)."""
    return q / (1 + (b - 1) * np.asarray(rho_init, dtype=float))


def rho_to_weight(rho, b: float):
    """Weight relative to the DOWN state, w/w0 = 1 + (b − 1) ρ (w = w0 + ρ (w1 − w0))."""
    return 1 + (b - 1) * np.asarray(rho, dtype=float)


def weight_to_rho(w_rel, b: float):
    """Inverse of :func:`rho_to_weight`."""
    if b == 1:
        raise ValueError("b = 1: the weight does not depend on rho")
    return (np.asarray(w_rel, dtype=float) - 1) / (b - 1)


def make_plastic_contacts(source, target, i, j, *, pr, q=None,
                          plasticity: PlasticityParams | None = None, rho_init=0.0,
                          stp: ShortTermPlasticityParams | None = None,
                          receptors: ReceptorParams | None = None,
                          spine_ca: SpineCalciumParams | None = None,
                          block: MgBlockParams | None = None, nmda: bool = True,
                          delay=None, name: str = "contacts", dt=None, t_start=None,
                          extra_model: str = "", extra_on_pre: str = "",
                          extra_on_post: str = "", extra_namespace: dict | None = None,
                          readouts: bool = True, calcium: CalciumParams | None = None,
                          neuron: NeuronParams | None = None,
                          magnesium: MagnesiumParams | None = None,
                          nmda_gain: float = 1.0):
    """Excitatory contacts (:func:`mgnet.models.synapses.make_contacts`) with the plasticity rule.

    The one function that builds plastic contacts (plasticity-induction, the culture and
    the memory experiments): what the tests validate is what the networks run.

    Parameters
    ----------
    plasticity : PlasticityParams
        Rule parameters (default: the "hippocampal_cultures" set).
    rho_init : float or array_like
        Initial efficacy of each contact in [0, 1].  ``q`` (default ``receptors.q_ampa``)
        is the quantal size at ``rho_init``: q_down = q / (1 + (b − 1) ρ_init).
    block : MgBlockParams
        Must be the block of ``target`` (checked): the reference NMDA Ca2+ uses it.
    delay : Quantity, optional
        Scalar synaptic delay of the release pathway; the Ca2+ pathway gets
        ``delay + plasticity.delay``.  (Per-synapse delays set later on ``syn.delay``
        must also be added to ``syn.ca_pre.delay``.)
    readouts : bool
        Store the assay read-outs of the contacts and ``c_pre_sum`` (default); False
        leaves them out without changing the dynamics (networks that never read them).
    calcium, neuron, magnesium : parameter dataclasses
        [Ca]o of the medium (scales C_post and the NMDA Ca2+); the target's neuron and
        Mg2+ parameters (the NMDA Ca2+ tables, :func:`mgnet.models.synapses.make_contacts`).
    nmda_gain : float
        Network gain contained in ``q_nmda`` (e.g. q_ee_scale); never enters Ca2+.
    t_start : Quantity, optional
        Network time at which the contacts start to exist (default 0 s; pass ``net.t``
        when adding contacts to a network that has already run).  ρ evolves (cubic
        drift) from then on.
    Other parameters as in :func:`mgnet.models.synapses.make_contacts`.

    Returns
    -------
    brian2.Synapses
        With ``rho = rho_init``, ``c_pl = 0``, ``t_pl = t_start`` and
        ``plasticity_on = 1``.
    """
    params = plasticity or PlasticityParams()
    block = block or MgBlockParams()
    tns = getattr(target, "namespace", None) or {}
    if "K_mg" in tns:
        ref = block_namespace(block)
        if (abs(float(tns["K_mg"] - ref["K_mg"])) > 1e-15
                or abs(float(tns["gamma_mg"] - ref["gamma_mg"])) > 1e-12):
            raise ValueError("the target's Mg2+ block differs from `block`; pass the "
                             "MgBlockParams the target was built with")
    rho_arr = np.asarray(rho_init, dtype=float)
    if np.any((rho_arr < 0) | (rho_arr > 1)) or not np.all(np.isfinite(rho_arr)):
        raise ValueError("rho_init must lie in [0, 1]")
    model, on_pre, on_post, ns = plasticity_blocks(params, receptors=receptors,
                                                   spine_ca=spine_ca, block=block, nmda=nmda,
                                                   readouts=readouts, calcium=calcium,
                                                   neuron=neuron)
    ca_delay = params.delay + (0 * second if delay is None else delay)
    syn = make_contacts(source, target, i, j, pr=pr, q=q, kind="exc", stp=stp,
                        receptors=receptors, spine_ca=spine_ca, block=block, nmda=nmda,
                        delay=delay, calcium=calcium, neuron=neuron, magnesium=magnesium,
                        nmda_gain=nmda_gain,
                        name=name, dt=dt,
                        extra_model=model + extra_model,
                        extra_on_release=on_pre["release"],
                        extra_on_pre=on_pre["pre"] + extra_on_pre,
                        extra_on_post=on_post + extra_on_post,
                        extra_namespace={**ns, **(extra_namespace or {})},
                        extra_pre_pathways={CA_PRE_PATHWAY: on_pre[CA_PRE_PATHWAY]},
                        extra_pathway_delays={CA_PRE_PATHWAY: ca_delay}, readouts=readouts)
    # The pop must follow the push of the same time step when the delay is 0 (Brian2
    # gives every presynaptic pathway order -1 and the postsynaptic one +1).
    getattr(syn, CA_PRE_PATHWAY).order = 0
    rho_each = np.broadcast_to(rho_arr, (len(syn),))
    syn.rho = rho_each
    # From the arguments, not syn.q: standalone cannot read state before the run.
    q_each = (receptors or ReceptorParams()).q_ampa if q is None else q
    syn.q_down = q_down_for(q_each, rho_each, params.b)
    syn.c_pl = 0
    # Not syn.clock.t: a shared clock keeps the end time of a previous network's run.
    syn.t_pl = 0 * second if t_start is None else t_start
    syn.n_pend = 0
    syn.plasticity_on = 1
    return syn


# ---------------------------------------------------------------------------------
# The same scheme in numpy (evaluates the Brian2 code strings: one formula)
# ---------------------------------------------------------------------------------
def cubic_relax(rho0, t, tau):
    """Exact solution of τ dρ/dt = −ρ(1−ρ)(½−ρ) from ρ0 after time t (seconds).

    ρ(t) = ½ + ½ x0/√(x0² + (¼ − x0²) e^{−t/(2τ)}), x0 = ρ0 − ½; equivalently
    ½ − sign(½−ρ0)·½/√(1 + y0 e^{−t/(2τ)}), y0 = ρ0(1−ρ0)/(½−ρ0)².
    """
    x0 = np.asarray(rho0, dtype=float) - 0.5
    e = np.exp(-np.asarray(t, dtype=float) / (2 * float(tau)))
    return 0.5 + 0.5 * x0 / np.sqrt(x0 ** 2 + (0.25 - x0 ** 2) * e + 1e-300)


def _numpy_ns(params: PlasticityParams, rng, shape) -> dict:
    ns = {k: float(v) for k, v in plasticity_namespace(params).items()}
    if rng is None:
        rng = np.random.default_rng()
    ns.update(clip=np.clip, log=np.log, exp=np.exp, sqrt=np.sqrt, second=1.0,
              int=lambda x: np.asarray(x, dtype=float),
              randn=lambda: rng.standard_normal(shape))
    return ns


def advance_rho(rho, c, elapsed, params: PlasticityParams | None = None, rng=None):
    """Advance ρ over ``elapsed`` seconds after a Ca2+ event that left Ca2+ at ``c``.

    Runs the very code of the Brian2 pathways with numpy (noise drawn from ``rng``, a
    ``numpy.random.Generator``, if ``params.noise``).

    Returns
    -------
    rho, c : numpy.ndarray
        Efficacy and Ca2+ at the end of the interval (before any new jump).
    """
    params = params or PlasticityParams()
    rho, c, elapsed = np.broadcast_arrays(np.asarray(rho, float), np.asarray(c, float),
                                          np.asarray(elapsed, float))
    ns = _numpy_ns(params, rng, rho.shape)
    ns.update(rho=rho.copy(), c_pl=c.copy(), t_pl=np.zeros(rho.shape), t=elapsed,
              q_down=np.zeros(rho.shape), q=np.zeros(rho.shape), plasticity_on=1.0)
    _exec(_advance_code(params), ns)
    return np.asarray(ns["rho"]), np.asarray(ns["c_pl"])


def current_rho(syn, params: PlasticityParams | None = None, t=None, noise: bool = False,
                rng=None):
    """Efficacy of every contact projected from its last event to time ``t``.

    The Brian2 state ``rho`` is as of each contact's last Ca2+ event (``t_pl``); this
    advances it to ``t`` (default: the synapses' current time) without touching the
    simulation.  By default without noise (the deterministic part of the rule).
    """
    params = params or PlasticityParams()
    if not noise:
        import dataclasses
        params = dataclasses.replace(params, noise=False)
    t = float(np.asarray(syn.clock.t_)) if t is None else float(_seconds(t))
    on = float(np.asarray(syn.plasticity_on[:]).ravel()[0]) if len(syn) else 1.0
    rho0 = np.asarray(syn.rho[:], dtype=float)
    if on == 0:
        return rho0
    rho, _ = advance_rho(rho0, np.asarray(syn.c_pl[:], float),
                         t - np.asarray(syn.t_pl[:], float), params, rng)
    return rho


# ---------------------------------------------------------------------------------
# Closed-form analysis: time above thresholds and the linear (OU) reduction
# ---------------------------------------------------------------------------------
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
    for th, tm in zip(T_hi, T_mid):
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
            mean = lambda r0: rho_bar + (r0 - rho_bar) * decay  # noqa: E731
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
                               up, down, change_in_strength(up, down, params.beta, params.b))):
            out[k][n] = v
    return out

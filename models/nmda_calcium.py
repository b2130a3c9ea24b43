"""NMDA Ca2+ of a release, integrated through the postsynaptic voltage with bAPs.

science.md §4 item 4; docs/plasticity.md §2.  The NMDA Ca2+ of a release is the integral
of its conductance times the Mg2+ block and the Ca2+ driving force over the receptor's
time course, at the spine's local potential V_loc = V + (depolarisation of
back-propagating spikes), not the block sampled once at the release instant::

    Ca = Pf([Ca]o) ∫ g_NMDA(u) B(V_loc(u), [Mg]o) (E_Ca − V_loc(u)) du

* g_NMDA(u) = q_nmda Σ_x w_x norm_x (e^{−u/τ_x} − e^{−u/τ_r}) for GluN2A and GluN2B
  (w_2A = 1 − f_2b, w_2B = f_2b: peak-conductance fractions; GluN2B Ca2+ is weighted
  by ``glun2b_ca_weight``), u the time since the release reached the spine;
* B is the block of :mod:`mgnet.models.magnesium` (one formula), E_Ca the reversal of the
  Ca2+ current (+40 mV, Blue Brain GluSynapse), Pf = [Ca]o/([Ca]o + pf_k) the
  fractional Ca2+ current (Schneggenburger et al. 1993);
* V_loc = V + Σ_spikes K(t − t_spike) with the bAP kernel
  K(s) = A (f e^{−s/τ_fast} + (1 − f) e^{−s/τ_slow}) (Shouval, Bear & Cooper 2002).

**The event-driven scheme (no per-contact ODE).**  Between a neuron's spikes its
subthreshold potential is held at its value at the event (V at a release, v_reset after
a spike).  Write the bAP-free potential as V0 = v_reset and let R(t) be the summed slow
tail of the neuron's earlier bAPs (one per-neuron variable ``bap_s``, decaying with
τ_slow).  Because F(V) = B(V)(E_Ca − V) is evaluated at V0 + (sum of kernels), the
excess Ca2+ that spikes add telescopes exactly into one term per spike j,

    ΔCa_j = Σ_x w_x norm_x [n_x(t_j) η_x(R_j) − n_r(t_j) η_r(R_j)],
    η_τ(R) = ∫_0^∞ e^{−u/τ} [F(V0 + R e^{−u/τ_slow} + K(u)) − F(V0 + R e^{−u/τ_slow})] du,

where n_x = Σ_releases e^{−(t − t_r)/τ_x} are per-contact traces of the open receptors
(decay components x = 2A, 2B and the common rise component r).  Later spikes do not enter
term j (their kernels start later), so nothing about the future is needed.  A release
adds its own Ca2+ at the potential it meets,

    Ca_rel = Σ_x w_x norm_x [κ_x F(V_rel) + I_x(R) − I_x(0)],
    I_x(R) = ∫_0^∞ (e^{−u/τ_x} − e^{−u/τ_r}) F(V0 + R e^{−u/τ_slow}) du,

so that a release on the slow tail of earlier bAPs also gets their unblock (exact at
V_rel = V0; κ_x = I_x(0)/F(V0) is the charge of the unit-peak conductance).  η and I
are tabulated once per condition ([Mg]o, block, kernel) by quadrature on a grid of R
(Brian2 ``TimedArray`` lookups, nearest grid point).  The one simplification is that
the fast (3-ms) tail of an earlier bAP is not carried into the next one; against a
direct quadrature of the integral this costs < 1 % for 100-Hz trains
(tests/test_nmda_calcium.py).

Consequences that the tests check: a release followed by a spike gives more Ca2+ than
the two apart (Koester & Sakmann 1998); 0.8 → 1.2 mM [Mg]o cuts an isolated release at
rest by 32 % and a release paired with spike trains by less; [Mg]o → ∞ removes NMDA
Ca2+; the release in the time step of a spike is computed at the subthreshold potential
(capped at the AdEx threshold v_t), not at the spike's runaway value.

Brian2 names of this module start with ``nca_``; per-contact variables ``nt_2a``,
``nt_2b``, ``nt_r``; per-neuron ``bap_s``; the temporaries ``ca_2a``/``ca_2b`` (a
release) and ``cx_2a``/``cx_2b`` (a postsynaptic spike) are read by the plasticity
rule, the spine Ca2+ read-outs and the metaplasticity load.
"""
from __future__ import annotations

import re

import numpy as np
from brian2 import TimedArray, mM, ms, mV, second

from .backend import skip_unless
from .magnesium import block_expr, nmda_block
from .parameters import (
    CalciumParams,
    MagnesiumParams,
    MgBlockParams,
    NeuronParams,
    ReceptorParams,
    SpineCalciumParams,
)

__all__ = ["NEURON_BAP_EQS", "NEURON_BAP_RESET", "TRACE_MODEL", "nmda_ca_on_pre",
           "NMDA_CA_ON_POST", "bap_kernel", "ca_flux", "fractional_ca", "components",
           "coincidence_tables", "table_objects", "table_values", "nca_namespace",
           "quadrature_nmda_ca", "TABLE_NAMES", "R_MAX", "R_STEP", "nmda_peak_normalisation"]

#: Grid of the bAP slow-tail residual R on which η and I are tabulated.
R_STEP = 0.05 * mV
R_MAX = 200 * mV
#: Tables (TimedArray names in the contact namespace).
TABLE_NAMES = ("nca_eta_2a", "nca_eta_2b", "nca_eta_r", "nca_iso_2a", "nca_iso_2b",
               "nca_iso_r")

#: Per-neuron slow tail of back-propagating spikes (compose into the neuron equations).
NEURON_BAP_EQS = """
dbap_s/dt = -bap_s/tau_bap_slow : volt         # slow tail of earlier bAPs at the spines
"""
#: Added to the neuron's reset: the slow part of this spike's kernel.
NEURON_BAP_RESET = "bap_s += bap_slow_amp"

#: Per-contact traces of the NMDA receptors opened by this contact's releases.
TRACE_MODEL = """
nt_2a : 1             # sum over releases of e^{-(t - t_r)/tau_2a} (as of t_last)
nt_2b : 1             # sum over releases of e^{-(t - t_r)/tau_2b} (as of t_last)
nt_r : 1              # sum over releases of e^{-(t - t_r)/tau_rise} (as of t_last)
"""

#: NMDA Ca2+ of the actual release (temporaries ``ca_2a``, ``ca_2b``, a.u.) and the
#: update of the receptor traces.  ``{block}`` is the block at the subthreshold potential
#: ``v_ca``; runs after the release step and before ``t_last = t``.  Work that a failure
#: multiplies by zero is skipped (mgnet.models.backend.skip_unless: ``ca_2a``, ``ca_2b`` and
#: ``v_ca`` read 0 after a failure), and so is the decay of traces that are all 0 (a
#: contact that has never released).
_ON_PRE = skip_unless("release", """
v_ca = clip(v_post, v_ca_lo, v_t)                                       # subthreshold potential (a spike step's runaway excluded)
nca_f = ({block})*(e_ca - v_ca)                                          # block x Ca2+ driving force at v_ca
nca_r = bap_s_post*nca_r_scale + 0.5*ms                                 # slow bAP tail as table coordinate (nearest grid point)
nca_a = ca_unit*pf_rel*release*(q_nmda/(q_nmda_ref*nmda_gain))/nca_norm  # receptor content of this contact, [Ca]o
ca_2a = nca_a*(1 - f_2b_post)*norm_2a*(kappa_2a_s*nca_f + nca_iso_2a(nca_r) - nca_iso_2a(0*ms) - nca_iso_r(nca_r) + nca_iso_r(0*ms))                # GluN2A Ca2+
ca_2b = nca_a*f_2b_post*w_2b_ca*norm_2b*(kappa_2b_s*nca_f + nca_iso_2b(nca_r) - nca_iso_2b(0*ms) - nca_iso_r(nca_r) + nca_iso_r(0*ms))              # GluN2B Ca2+
""", "nca_release") + skip_unless("nt_2a + nt_2b + nt_r + release > 0", """
nt_2a = nt_2a*exp(-(t - t_last)/tau_nmda_2a) + release                  # receptor traces
nt_2b = nt_2b*exp(-(t - t_last)/tau_nmda_2b) + release
nt_r = nt_r*exp(-(t - t_last)/tau_nmda_rise) + release
""", "nca_traces")

#: Excess NMDA Ca2+ that a postsynaptic spike adds to the receptors this contact has
#: open (temporaries ``cx_2a``, ``cx_2b``, a.u.); runs in the postsynaptic pathway,
#: before the neuron's reset adds this spike's own slow tail to ``bap_s``.  Skipped
#: (``cx_2a = cx_2b = 0``) where the traces are all 0 (mgnet.models.backend.skip_unless).
NMDA_CA_ON_POST = skip_unless("nt_2a + nt_2b + nt_r > 0", """
nca_r = bap_s_post*nca_r_scale + 0.5*ms                                 # slow tail of the earlier bAPs (nearest grid point)
nca_b = ca_unit*pf_rel*(q_nmda/(q_nmda_ref*nmda_gain))/nca_norm          # receptor content, [Ca]o
nca_er = nt_r*exp(-(t - t_last)/tau_nmda_rise)*nca_eta_r(nca_r)          # rise part of the open receptors
cx_2a = nca_b*(1 - f_2b_post)*norm_2a*(nt_2a*exp(-(t - t_last)/tau_nmda_2a)*nca_eta_2a(nca_r) - nca_er)             # GluN2A excess
cx_2b = nca_b*f_2b_post*w_2b_ca*norm_2b*(nt_2b*exp(-(t - t_last)/tau_nmda_2b)*nca_eta_2b(nca_r) - nca_er)           # GluN2B excess
""", "nca_open")


def nmda_ca_on_pre(block: MgBlockParams | None = None) -> str:
    """:data:`_ON_PRE` with the block expression of ``block`` at ``v_ca``."""
    # The block of the Ca2+ current reads the [Mg]o its tables were built for (the
    # contact's nca_mg_o: the target's [Mg]o, or the baseline's in the ablation of
    # MgBlockParams.nmda_ca_mg_o), so the two can never disagree.
    expr = block_expr(block, v="v_ca", mg_suffix="_post")
    return _ON_PRE.replace("{block}", re.sub(r"\bmg_o_post\b", "nca_mg_o", expr))


# ---------------------------------------------------------------------------------
# Physics in numpy (one formula: the block is mgnet.models.magnesium's)
# ---------------------------------------------------------------------------------
def bap_kernel(s, spine: SpineCalciumParams | None = None):
    """Depolarisation (volt) at the spines a time ``s`` (s, array) after a spike."""
    spine = spine or SpineCalciumParams()
    s = np.asarray(s, dtype=float)
    a = float(spine.bap_amplitude / mV)
    f = float(spine.bap_fast_fraction)
    k = a * (f * np.exp(-s / float(spine.tau_bap_fast))
             + (1 - f) * np.exp(-s / float(spine.tau_bap_slow)))
    return np.where(s >= 0, k, 0.0) * mV


def ca_flux(v, mg_o, spine: SpineCalciumParams | None = None,
            block: MgBlockParams | None = None, mg_i=None):
    """F(V) = B(V, [Mg]o) (E_Ca − V) in mV (plain floats): Ca2+ influx per unit
    conductance and unit fractional current."""
    spine = spine or SpineCalciumParams()
    mg_i = MagnesiumParams().mg_i if mg_i is None else mg_i
    b = nmda_block(v, mg_o, block, mg_i)
    return b * np.asarray((spine.e_ca - v) / mV, dtype=float)


def fractional_ca(ca_o, calcium: CalciumParams | None = None) -> float:
    """Pf([Ca]o) / Pf(ca_o_unit): the NMDA fractional Ca2+ current relative to the unit."""
    calcium = calcium or CalciumParams()
    k = float(calcium.pf_k / mM)

    def pf(c):
        c = float(c / mM)
        return c / (c + k)
    return pf(ca_o) / pf(calcium.ca_o_unit)


def nmda_peak_normalisation(tau_rise, tau_decay) -> float:
    """Factor that makes exp(-t/tau_decay) - exp(-t/tau_rise) peak at 1.

    The peak of the difference of exponentials is at
    t* = ln(tau_d/tau_r) tau_d tau_r / (tau_d - tau_r).
    """
    tr, td = float(tau_rise), float(tau_decay)
    t_peak = np.log(td / tr) * td * tr / (td - tr)
    return 1.0 / (np.exp(-t_peak / td) - np.exp(-t_peak / tr))


def components(receptors: ReceptorParams | None = None) -> dict:
    """Time constants (s), unit-peak normalisations and charges κ (s) of GluN2A/2B."""
    receptors = receptors or ReceptorParams()
    tr = float(receptors.tau_nmda_rise)
    out = {"tau_r": tr}
    for x, td in (("2a", receptors.tau_nmda_2a), ("2b", receptors.tau_nmda_2b)):
        td = float(td)
        out[f"tau_{x}"] = td
        out[f"norm_{x}"] = float(nmda_peak_normalisation(tr, td))
        out[f"kappa_{x}"] = td - tr      # ∫ (e^{-u/td} - e^{-u/tr}) du
    return out


def _grid_R() -> np.ndarray:
    n = int(round(float(R_MAX / R_STEP))) + 1
    return np.arange(n) * float(R_STEP / mV)


_TABLES: dict = {}


def _tables(mg_o_mM, mg_i_mM, v0_mV, spine, receptors, block) -> dict:
    key = repr((mg_o_mM, mg_i_mM, v0_mV, spine, receptors, block))
    if key not in _TABLES:
        if len(_TABLES) > 64:
            _TABLES.clear()
        _TABLES[key] = _compute_tables(mg_o_mM, mg_i_mM, v0_mV, spine, receptors, block)
    return _TABLES[key]


def _compute_tables(mg_o_mM, mg_i_mM, v0_mV, spine, receptors, block) -> dict:
    comp = components(receptors)
    ts = float(spine.tau_bap_slow)
    # Quadrature grid (s): fine where the kernel and rise change, long enough for GluN2B
    # (trapezoid rule; tested against a 2-us uniform quadrature to 1e-4).
    u = np.concatenate([np.arange(0, 0.06, 5e-6), np.arange(0.06, 12 * comp["tau_2b"], 1e-4)])
    w = np.gradient(u)      # trapezoid-like weights on the non-uniform grid
    w[0] *= 0.5
    w[-1] *= 0.5
    K = np.asarray(bap_kernel(u, spine) / mV)
    es = np.exp(-u / ts)
    # Tabulated on a coarse grid of R and interpolated onto the lookup grid (η and I are
    # smooth in R; linear interpolation over 0.5 mV errs < 1e-5 relative).
    R_fine = _grid_R()
    R = np.arange(0, R_fine[-1] + 0.5, 0.5)
    v0 = v0_mV
    out = {f"nca_{k}": np.zeros(len(R)) for k in ("eta_2a", "eta_2b", "eta_r", "iso_2a",
                                                 "iso_2b", "iso_r")}
    kernels = {"2a": np.exp(-u / comp["tau_2a"]), "2b": np.exp(-u / comp["tau_2b"]),
               "r": np.exp(-u / comp["tau_r"])}

    def F(v):
        return ca_flux(v * mV, mg_o_mM * mM, spine, block, mg_i_mM * mM)
    for n, r in enumerate(R):
        base = v0 + r * es
        f_base = F(base)
        f_bap = F(base + K)
        for x, e in kernels.items():
            out[f"nca_eta_{x}"][n] = np.sum(w * e * (f_bap - f_base))
            out[f"nca_iso_{x}"][n] = np.sum(w * e * f_base)
    return {k: np.interp(R_fine, R, v) for k, v in out.items()}


def coincidence_tables(mg_o, *, neuron: NeuronParams | None = None,
                       receptors: ReceptorParams | None = None,
                       spine: SpineCalciumParams | None = None,
                       block: MgBlockParams | None = None, mg_i=None) -> dict:
    """η_x(R) and I_x(R) (mV·s, plain floats) on the R grid at [Mg]o ``mg_o``.

    Keys ``nca_eta_2a``, ``nca_eta_2b``, ``nca_eta_r`` (excess per unit open trace
    when a spike arrives on a residual tail R) and ``nca_iso_2a``, ``nca_iso_2b``,
    ``nca_iso_r`` (a release's integral on the tail R, per unit-peak component).  The
    bAP-free potential is ``neuron.v_reset``.
    """
    neuron = neuron or NeuronParams()
    mg_i = MagnesiumParams().mg_i if mg_i is None else mg_i
    return _tables(round(float(mg_o / mM), 12), round(float(mg_i / mM), 12),
                   round(float(neuron.v_reset / mV), 12), spine or SpineCalciumParams(),
                   receptors or ReceptorParams(), block or MgBlockParams())


def table_objects(values: dict, prefix: str = "") -> dict:
    """Brian2 TimedArrays of the tables ``values`` (:func:`coincidence_tables`); the grid
    of R is mapped onto time, one grid step R_STEP per 1 ms (a TimedArray holds each
    value over its step; the code adds half a step, so the lookup is the nearest point).
    Returns ``{name: TimedArray}`` with Brian2 object names ``prefix + name``."""
    return {name: TimedArray(np.asarray(values[name], dtype=float) * (mV * second),
                             dt=1 * ms, name=prefix + name) for name in TABLE_NAMES}


def table_values(mg_o, **kwargs) -> dict:
    """Table values (Brian2 quantities, mV·s) at [Mg]o ``mg_o``: for ``run_args`` or an
    in-place update of the TimedArrays (runtime mode)."""
    vals = coincidence_tables(mg_o, **kwargs)
    return {name: np.asarray(vals[name]) * (mV * second) for name in TABLE_NAMES}


def nca_namespace(*, neuron: NeuronParams | None = None,
                  receptors: ReceptorParams | None = None,
                  spine: SpineCalciumParams | None = None,
                  calcium: CalciumParams | None = None,
                  tables: dict | None = None, mg_o=0.8 * mM, block=None, mg_i=None) -> dict:
    """Constants of the contact code (the tables as TimedArrays, built at ``mg_o`` unless
    ``tables`` (name -> TimedArray) are given)."""
    neuron = neuron or NeuronParams()
    receptors = receptors or ReceptorParams()
    spine = spine or SpineCalciumParams()
    calcium = calcium or CalciumParams()
    comp = components(receptors)
    vals = coincidence_tables(mg_o, neuron=neuron, receptors=receptors, spine=spine,
                              block=block, mg_i=mg_i)
    if tables is None:
        tables = table_objects(vals)
    ns = dict(tables)
    ns.update({
        "e_ca": spine.e_ca, "v_ca_lo": -150 * mV, "v_t": neuron.v_t,
        "pf_rel": fractional_ca(calcium.ca_o, calcium),
        # R (volt) -> table coordinate: TimedArray time with one R_STEP per 1 ms.
        "nca_r_scale": 1 * ms / R_STEP,
        "kappa_2a_s": comp["kappa_2a"] * second, "kappa_2b_s": comp["kappa_2b"] * second,
        # The unit: one unblocked GluN2A-only release at v_ref and ca_o_unit.
        "nca_norm": comp["norm_2a"] * comp["kappa_2a"] * second * (spine.e_ca - spine.v_ref),
        "bap_slow_amp": spine.bap_amplitude * (1 - spine.bap_fast_fraction),
        "tau_bap_slow": spine.tau_bap_slow,
    })
    return ns


# ---------------------------------------------------------------------------------
# Reference: direct quadrature of the defining integral (tests, docs)
# ---------------------------------------------------------------------------------
def quadrature_nmda_ca(release_times, spike_times, *, v_sub=None, mg_o=0.8 * mM,
                       f_2b: float | None = None, neuron: NeuronParams | None = None,
                       receptors: ReceptorParams | None = None,
                       spine: SpineCalciumParams | None = None,
                       calcium: CalciumParams | None = None,
                       block: MgBlockParams | None = None, mg_i=None,
                       t_end=None, step=2e-6) -> float:
    """NMDA Ca2+ (a.u. of the contact code, receptor factor 1) of releases at
    ``release_times`` (s) with the spine at V_loc = v_sub + Σ K(t − spike_times), by direct
    numerical quadrature of Pf ∫ g(t) B(V_loc) (E_Ca − V_loc) dt.  Default v_sub:
    ``neuron.v_reset``; default f_2b: ``receptors.glun2b_fraction``."""
    neuron = neuron or NeuronParams()
    receptors = receptors or ReceptorParams()
    spine = spine or SpineCalciumParams()
    calcium = calcium or CalciumParams()
    v_sub = neuron.v_reset if v_sub is None else v_sub
    f = receptors.glun2b_fraction if f_2b is None else float(f_2b)
    comp = components(receptors)
    rel = np.atleast_1d(np.asarray(release_times, float))
    sp = np.atleast_1d(np.asarray(spike_times, float))
    t0 = min(rel.min(), sp.min() if len(sp) else rel.min())
    end = (rel.max() + 15 * comp["tau_2b"]) if t_end is None else float(t_end)
    t = np.arange(t0, end, step)
    v = np.full(len(t), float(v_sub / mV))
    for s in sp:
        v += np.asarray(bap_kernel(t - s, spine) / mV)
    g = np.zeros(len(t))
    for r in rel:
        uu = t - r
        m = uu >= 0
        for x, wx in (("2a", (1 - f)), ("2b", f * spine.glun2b_ca_weight)):
            gx = np.zeros(len(t))
            gx[m] = comp[f"norm_{x}"] * (np.exp(-uu[m] / comp[f"tau_{x}"])
                                         - np.exp(-uu[m] / comp["tau_r"]))
            g += wx * gx
    flux = ca_flux(v * mV, mg_o, spine, block, mg_i)
    total = np.sum(g * flux) * step
    unit = comp["norm_2a"] * comp["kappa_2a"] * float((spine.e_ca - spine.v_ref) / mV)
    return float(spine.ca_nmda_unblocked * fractional_ca(calcium.ca_o, calcium) * total / unit)

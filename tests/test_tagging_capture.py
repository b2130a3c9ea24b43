"""Synaptic tagging and capture (models/tagging_capture.py): published single-synapse
protocols, closed forms, and the event maps used by the protection study."""
import dataclasses
import math

import numpy as np
import pytest
from brian2 import mV, second

from mgnet.models import tagging_capture as tc
from mgnet.models.parameters import PLASTICITY_PRESETS

P = tc.stc_preset("li_2016_synapse")
H0 = float(P.h0 / mV)


def test_published_constants():
    """Li et al. 2016 / Luboeinski & Tetzlaff 2021 numbers (their code's constructor)."""
    assert H0 == pytest.approx(5 * 1645.6 / (1645.6 + 313.1), rel=1e-5)     # 4.20075 mV
    assert P.theta_tag * H0 == pytest.approx(0.840, abs=1e-3)
    assert P.theta_pro * H0 == pytest.approx(2.100, abs=1e-3)
    assert float(P.sigma / mV) == pytest.approx(9.1844 / math.sqrt(1000) * 10, rel=1e-5)
    net = tc.stc_preset("lt2021_network")
    assert (net.c_pre, net.c_post) == pytest.approx((0.6, 0.6 * 0.2758), rel=1e-3)
    with pytest.raises(KeyError):
        tc.stc_preset("nope")


# --------------------------------------------------------------------------------------
# Published single-synapse protocols (STET, WTET, SLFS, WLFS)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def protocols():
    return {name: tc.two_neuron_protocol(name, P, np.random.default_rng(7), t_after=8 * 3600,
                                         dt_slow=5.0, record_every=600.0)
            for name in tc.SINGLE_SYNAPSE}


def _at(r, t):
    return int(np.argmin(np.abs(r["t"] - t)))


def test_stet_gives_late_ltp(protocols):
    """Strong tetanus: early LTP near its ceiling, tag and protein synthesis, late-phase LTP
    that outlasts the early phase (Li et al. 2016; L&T 2021 category 'L-LTP')."""
    r = protocols["STET"]
    C = tc._consts(P)
    ceiling = C["target"][2] - H0            # h's fixed point above θ_p, minus h0: 4.20 mV
    assert 0.9 * ceiling < r["max_dev"] <= ceiling + 0.5   # noise SD ≈ 0.07 mV
    assert r["tag"] and r["protein"]
    z8 = r["z"][-1]
    assert 0.5 < z8 < 1.0
    assert r["w"][-1] / H0 > 1.5                            # total weight at 8 h
    # the late phase carries the weight once the early phase has decayed
    assert r["z"][-1] * H0 > r["h"][-1] - H0


def test_wtet_gives_early_ltp_only(protocols):
    """Weak tetanus: tagged (|Δh| > θ_tag) but below the protein threshold (one synapse:
    Σ|h − h0| < θ_pro) -> no late phase; h returns to h0 (category 'E-LTP with tag')."""
    r = protocols["WTET"]
    assert P.theta_tag * H0 <= r["max_dev"] < P.theta_pro * H0
    assert r["tag"] and not r["protein"]
    assert np.all(r["z"] == 0)
    # decay of the early phase after the tetanus: the closed form, from 1 h to 8 h
    i1 = _at(r, 3600.0)
    pred = tc.h_decay(r["h"][i1], r["t"][-1] - r["t"][i1], P)
    assert r["h"][-1] == pytest.approx(pred, abs=1e-6)


def test_slfs_gives_late_ltd(protocols):
    """Strong low-frequency stimulation (900 × 3 pulses at 20 Hz): early LTD beyond the
    protein threshold, LTD tag, late-phase LTD (category 'L-LTD')."""
    r = protocols["SLFS"]
    assert r["max_dev"] < -P.theta_pro * H0
    assert r["tag"] and r["protein"]
    assert -0.5 < r["z"][-1] < -0.1
    assert r["w"][-1] / H0 < 0.85


def test_wlfs_gives_early_ltd_only(protocols):
    """Weak low-frequency stimulation (1 Hz for 900 s): early LTD, no protein synthesis,
    no late phase (category 'E-LTD')."""
    r = protocols["WLFS"]
    assert -P.theta_pro * H0 < r["max_dev"] < 0
    assert not r["protein"]
    assert np.all(r["z"] == 0)
    assert r["h"][_at(r, 3600.0)] < H0


# --------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------
def test_h_decays_to_h0_with_tau_h_over_decay():
    s = tc.STCState.fresh(P, [0, 1])
    s.h[:] = [H0 + 1.5, H0 - 0.5]      # below the protein threshold (Σ = 2 mV < 2.1 mV)
    tc.advance(s, P, 7200.0, dt_slow=10.0)
    assert s.h == pytest.approx(tc.h_decay(np.array([H0 + 1.5, H0 - 0.5]), 7200.0, P), abs=1e-9)
    assert float(tc.h_decay(H0 + 1, float(P.tau_h / second) / P.decay, P)) == \
        pytest.approx(H0 + math.exp(-1), abs=1e-12)
    assert np.all(s.z == 0) and np.all(s.p == 0)


@pytest.mark.parametrize("sign, tagged", [(+1, "ltp"), (-1, "ltd")])
def test_z_saturation_closed_form(sign, tagged):
    """Tag and protein synthesis held on (h frozen: decay 0, noise off): z follows
    z_b + (z0 − z_b) exp(−∫p/τ_z) with p = α(1 − e^{−t/τ_p}), within 0.5 % of the range."""
    Q = dataclasses.replace(P, decay=0.0, noise=False)
    s = tc.STCState.fresh(Q, [0])
    s.h[:] = H0 + sign * 3.0           # tagged, Σ|h − h0| = 3 mV > θ_pro
    t = np.arange(0, 4 * 3600 + 1, 600.0)
    zs = []
    for k in range(len(t)):
        zs.append(float(s.z[0]))
        if k < len(t) - 1:
            tc.advance(s, Q, 600.0, dt_slow=1.0)
    pred = tc.z_saturation(t, Q, tagged=tagged)
    assert np.max(np.abs(np.array(zs) - pred)) < 0.005 * (Q.z_max - Q.z_min)
    assert abs(pred[-1]) > 0.3 * (Q.z_max if sign > 0 else -Q.z_min)


def test_capture_window_closed_form():
    """With decay on: protein is made while Σ|h − h0| ≥ θ_pro (until t_pro) and captured
    while tagged (until t_tag); z = 1 − exp(−∫_0^{t_tag} p dt/τ_z)."""
    Q = dataclasses.replace(P, noise=False)
    s = tc.STCState.fresh(Q, [0])
    d0 = 4.0
    s.h[:] = H0 + d0
    tc.advance(s, Q, 6 * 3600.0, dt_slow=1.0)
    th = float(Q.tau_h / second) / Q.decay
    tp, tz = float(Q.tau_p / second), float(Q.tau_z / second)
    t_pro = th * math.log(d0 / (Q.theta_pro * H0))
    t_tag = th * math.log(d0 / (Q.theta_tag * H0))
    p_pro = Q.alpha * (1 - math.exp(-t_pro / tp))
    integral = (Q.alpha * (t_pro - tp * (1 - math.exp(-t_pro / tp)))
                + p_pro * tp * (1 - math.exp(-(t_tag - t_pro) / tp)))
    assert float(s.z[0]) == pytest.approx(1 - math.exp(-integral / tz), rel=0.01)


def test_event_coefficients_constant_regime():
    """A window held above θ_p for T: A = e^{−k_hi T}, B = target_hi (1 − A)."""
    C = tc._consts(P)
    dt, n = 2e-4, 2500
    A, B, V = tc.event_coefficients(np.full((1, n), 2, np.int8), P, dt)
    k = C["k"][2]
    assert A[0] == pytest.approx(math.exp(-k * n * dt), rel=1e-9)
    assert B[0] == pytest.approx(C["target"][2] * (1 - A[0]), rel=1e-9)
    assert V[0] == pytest.approx(C["s2"][2] / (2 * k) * (1 - A[0] ** 2), rel=1e-9)


def test_event_map_equals_fine_stepping():
    """apply_event's exact composition equals the step-by-step integration (noise off);
    the noise variance V matches the spread of stepped draws (400 draws, 4 SE)."""
    rng = np.random.default_rng(3)
    t, a = tc.linear_calcium_events(np.sort(rng.uniform(0, 0.5, 30)), [0.1, 0.2], P)
    dt, n = 2e-4, 5000
    reg = tc.regimes(tc.calcium_on_grid(t, a, float(P.tau_ca / second), dt, n), P)
    Q = dataclasses.replace(P, noise=False)
    s1 = tc.STCState.fresh(Q, [0]); s1.h[:] = 3.0
    tc.advance(s1, Q, n * dt, reg_steps=lambda k: reg[k:k + 1], dt_fast=dt)
    A, B, V = tc.event_coefficients(reg[None, :], P, dt)
    assert s1.h[0] == pytest.approx(A[0] * 3.0 + B[0], abs=1e-9)
    m = 400
    s2 = tc.STCState.fresh(P, np.zeros(m, int))
    regs = np.repeat(reg[:, None], m, axis=1)
    tc.advance(s2, P, n * dt, reg_steps=lambda k: regs[k], dt_fast=dt, rng=rng)
    var = np.var(s2.h)
    assert var == pytest.approx(V[0], rel=4 * math.sqrt(2 / m))


def test_calcium_on_grid_is_exact_sum():
    t, a = np.array([0.0101, 0.0302]), np.array([1.0, 0.5])
    c = tc.calcium_on_grid(t, a, 0.02, 1e-3, 100)
    # end of step 50 (t = 0.051): jumps binned to steps 10 and 30
    want = 1.0 * math.exp(-(50 - 10) * 1e-3 / 0.02) + 0.5 * math.exp(-(50 - 30) * 1e-3 / 0.02)
    assert c[50] == pytest.approx(want, rel=1e-12)


def test_project_preset_early_phase_matches_graupner_brunel_moved():
    """Driven by the project's Ca²⁺ model, one event moves h the fraction
    1 − exp(−(γ_p T_p + γ_d T_d + 0.1 W)/τ) of the way (Graupner & Brunel's linear rule plus
    Li et al.'s relaxation over the window W), T from the exact time above threshold
    (models/plasticity/), within the 0.2-ms grid's error."""
    from mgnet.models.plasticity import calcium_events, time_above_thresholds
    p = PLASTICITY_PRESETS["hippocampal_cultures"]
    Q = tc.stc_from_plasticity(p)
    rng = np.random.default_rng(11)
    pre = np.sort(rng.uniform(0, 0.69, 26))
    post = np.sort(rng.uniform(0, 0.69, 26))
    t, a = calcium_events(pre, post, p)
    W, dt = 1.0, 2e-4
    n = int(round(W / dt))
    reg = tc.regimes(tc.calcium_on_grid(t, a, float(p.tau_ca / second), dt, n), Q)
    A, _, _ = tc.event_coefficients(reg[None, :], Q, dt)
    td, tp = time_above_thresholds(t, a, p.tau_ca, [p.theta_d, p.theta_p], t_end=W)
    pred = 1 - math.exp(-(p.gamma_p * tp + p.gamma_d * td + Q.decay * W) / float(p.tau / second))
    assert 1 - A[0] == pytest.approx(pred, abs=0.01)
    assert float(Q.h0 / mV) == pytest.approx(10 * p.gamma_p / (p.gamma_p + p.gamma_d) / 2)
    with pytest.raises(ValueError):
        tc.stc_from_plasticity(dataclasses.replace(p, theta_d=2.0, theta_p=1.3))


def test_protein_is_per_neuron():
    """Protein needs the *summed* change over a neuron's inputs: 3 inputs at +0.8 mV each
    (untagged, Σ 2.4 mV > θ_pro) make protein; the same on 3 different neurons does not."""
    Q = dataclasses.replace(P, noise=False)
    one = tc.STCState.fresh(Q, [0, 0, 0]); one.h[:] = H0 + 0.8
    three = tc.STCState.fresh(Q, [0, 1, 2]); three.h[:] = H0 + 0.8
    for s in (one, three):
        tc.advance(s, Q, 60.0, dt_slow=1.0)
    assert one.p[0] > 0 and np.all(three.p == 0)
    assert np.all(one.z == 0)          # protein but no tag: no capture


def test_protection_study_runs_and_reports():
    """The study (experiments/stc_protection.py) at a tiny size: structure, the report's
    tables, and the one-event early-phase numbers of the default preset beside the
    plasticity-presets twin's (burst 0.42, presentation 0.33 at 100 draws; here 20 draws)."""
    import json

    from mgnet.analysis.stc_report import stc_tables
    from mgnet.experiments import stc_protection as sp
    res = sp.run(("project:hippocampal_cultures",), draws=2, hours=0.02, library_size=20,
                 dt=5e-4, n_a=2, n_o=2, progress=None)
    res = json.loads(json.dumps(res))                     # JSON round trip
    c = res["conditions"]["project:hippocampal_cultures"]
    s = c["single_event"]
    assert 0.3 < s["burst_h_moved"] < 0.55 and 0.25 < s["presentation_h_moved"] < 0.45
    assert s["burst_protein_fraction"] == 1.0            # 160 inputs: Σ|h − h0| > θ_pro
    assert len(c["horizon"]["t_s"]) == len(c["horizon"]["dw_mean"]) >= 3
    assert "project:hippocampal_cultures" in stc_tables(res)

"""Readily releasable pool of the assayed bouton (models/release_pool.py): closed forms.

The numpy reference implementation is checked against exact results (the pool release
probability, the DKR refill integral, the single-vesicle limit = the Tsodyks–Markram
contact of models/synapses.py, the DKR facilitation of the second spike); the Brian2
code is checked against it in tests/test_configuration.py (same network build).
"""
import numpy as np
import pytest
from scipy.integrate import quad

from mgnet.models.release_pool import (
    refill_probability,
    rrp_sizes,
    simulate_pool,
    vesicle_probability,
)
from mgnet.models.synapses import tm_mean_release

TAU_F, K0, KMAX, KD, TAU_CA = 0.1, 2.0, 30.0, 2.0, 0.05


def test_vesicle_probability_inverts_the_pool_release():
    pr = np.array([0.0, 0.04, 0.3, 0.9, 0.95])
    for n in (1, 3, 10):
        u = vesicle_probability(pr, n)
        np.testing.assert_allclose(1 - (1 - u) ** n, pr, atol=1e-12)
    np.testing.assert_allclose(vesicle_probability(pr, 1), pr)


def test_refill_probability_is_the_dkr_integral():
    """1 - exp(-∫ k(t) dt) with k = k0 + (kmax - k0) C e^(-t/τ) / (C e^(-t/τ) + KD)."""
    for c in (0.0, 1.0, 5.0):
        for dt in (0.01, 0.05, 0.3, 2.0):
            k = lambda t, c=c: K0 + (KMAX - K0) * c * np.exp(-t / TAU_CA) / (  # noqa: E731
                c * np.exp(-t / TAU_CA) + KD)
            integral, _ = quad(k, 0, dt)
            assert refill_probability(dt, c, K0, KMAX, KD, TAU_CA) == pytest.approx(
                1 - np.exp(-integral), rel=1e-9)
    # Ca2+-independent limit
    assert refill_probability(0.5, 3.0, K0, K0, KD, TAU_CA) == pytest.approx(1 - np.exp(-1.0))


def test_single_vesicle_tm_pool_is_the_contact_model():
    """n = 1, TM facilitation, kmax = k0: the mean release per spike of the pool equals the
    deterministic TM recursion of mgnet.models.synapses (tm_mean_release) within 4 s.e."""
    times = np.concatenate([np.arange(5) * 0.01, 1.0 + np.arange(5) * 0.01])
    U = np.array([0.05, 0.3, 0.7])
    trials = 20000
    rel = simulate_pool(U, np.ones(3, int), times, tau_f=TAU_F, k0=K0, rng=1, trials=trials)
    mean = rel.mean(axis=0)
    for i, u in enumerate(U):
        exp = tm_mean_release(u, np.diff(times), TAU_F, 1 / K0)
        se = np.sqrt(exp * (1 - exp) / trials)
        assert np.all(np.abs(mean[:, i] - exp) < 4 * se + 1e-12), (u, mean[:, i], exp)


def test_dkr_facilitation_of_the_second_spike():
    """With a large pool (depletion negligible) the second of two spikes Δ apart releases
    with 1 - (1-U)^n (1 - s), s = x / (x + K_F), x = e^(-Δ/τF), K_F = (1 - s1)/s1."""
    s1, n, dt = 0.379, 16, 0.01
    U = vesicle_probability(np.array([0.02, 0.1, 0.4]), n)
    trials = 40000
    rel = simulate_pool(U, np.full(3, n), np.array([0.0, dt]), tau_f=TAU_F, k0=K0, kmax=KMAX,
                        kd=KD, tau_ca=TAU_CA, facilitation="dkr", s1=s1, rng=2, trials=trials)
    x = np.exp(-dt / TAU_F)
    s = x / (x + (1 - s1) / s1)
    # release at spike 1 removes one of n vesicles: average over it exactly
    p1 = 1 - (1 - U) ** n
    p2 = p1 * (1 - (1 - U) ** (n - 1) * (1 - s)) + (1 - p1) * (1 - (1 - U) ** n * (1 - s))
    got = rel[:, 1, :].mean(axis=0)
    se = np.sqrt(p2 * (1 - p2) / trials)
    assert np.all(np.abs(got - p2) < 4 * se), (got, p2)
    # facilitation is largest for the lowest Pr (Dobrunz & Stevens 1997)
    assert np.all(np.diff(p2 / p1) < 0)


def test_ca_dependent_recovery_after_a_release():
    """U = 1, one slot: the second spike releases iff the slot refilled, so its release
    probability is exactly refill_probability(Δ, C = delta_ca); faster with kmax > k0."""
    dt, trials = 0.02, 40000
    for kmax in (K0, KMAX):
        rel = simulate_pool(np.ones(1), np.ones(1, int), np.array([0.0, dt]), tau_f=TAU_F,
                            k0=K0, kmax=kmax, kd=KD, tau_ca=TAU_CA, rng=3, trials=trials)
        p = refill_probability(dt, 1.0, K0, kmax, KD, TAU_CA)
        got = rel[:, 1, 0].mean()
        assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / trials) + 1e-9
    assert refill_probability(dt, 1.0, K0, KMAX, KD, TAU_CA) > 2 * refill_probability(
        dt, 1.0, K0, K0, KD, TAU_CA)


def test_silent_boutons_never_release():
    times = np.arange(5) * 0.01
    for fac in ("tm", "dkr"):
        rel = simulate_pool(np.zeros(4), np.array([1, 2, 5, 16]), times, tau_f=TAU_F, k0=K0,
                            kmax=KMAX, facilitation=fac, rng=4, trials=200)
        assert rel.sum() == 0


def test_rrp_sizes_scale_with_synapse_size():
    q_rel = np.array([0.1, 0.5, 1.0, 2.0, 10.0])
    np.testing.assert_array_equal(rrp_sizes(q_rel, 5, 16), [1, 2, 5, 10, 16])

"""Stochastic Tsodyks–Markram contacts against binomial bounds and TM closed forms.

Tolerances: estimates must lie within 4 standard errors of the closed form
(two-sided false-alarm probability ~6e-5 per check).
"""
import numpy as np
import pytest

from mgnet.models.parameters import ShortTermPlasticityParams
from mgnet.models.synapses import tm_mean_release, tm_steady_state_x

Z = 4.0


def _build(brian, n_contacts_per_pre, prs, spike_times, stp, dt=None, n_pre=None):
    """One presynaptic source per Pr level, ``n_contacts_per_pre`` contacts each,
    onto a single postsynaptic neuron with negligible quantal size."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.synapses import make_contacts
    b = brian
    n_pre = len(prs)
    times = np.asarray(spike_times)
    ids = np.repeat(np.arange(n_pre), len(times))
    pre = b.SpikeGeneratorGroup(n_pre, ids, np.tile(times, n_pre) * b.second, dt=dt)
    post = make_neurons(1, dt=dt)
    i = np.repeat(np.arange(n_pre), n_contacts_per_pre)
    c = make_contacts(pre, post, i, np.zeros_like(i), pr=np.repeat(prs, n_contacts_per_pre),
                      q=1e-6 * b.nS, stp=stp, dt=dt)
    c.q_nmda = 1e-6 * b.nS
    return b.Network(pre, post, c), c, i


@pytest.mark.parametrize("seed", [1])
def test_release_fraction_binomial(brian, seed):
    """One contact per Pr, 10^4 independent spikes: release fraction within 4 sd."""
    b = brian
    b.seed(seed)
    # Time constants far below the spike interval make every spike an independent
    # Bernoulli(U) trial, so the count is exactly binomial.
    stp = ShortTermPlasticityParams(tau_f=1e-3 * b.ms, tau_d=1e-3 * b.ms)
    n = 10_000
    prs = np.array([0.05, 0.3, 0.8])
    dt = 0.5 * b.ms
    net, c, _ = _build(b, 1, prs, np.arange(n) * 1e-3, stp, dt=dt)
    net.run(n * 1 * b.ms + 2 * dt)
    counts = np.asarray(c.n_release[:])
    assert np.all(np.asarray(c.n_spikes[:]) == n)
    sd = np.sqrt(n * prs * (1 - prs))
    z = (counts - n * prs) / sd
    assert np.all(np.abs(z) < Z), f"release counts {counts} vs expected {n * prs} (z={z})"


def _per_spike_release(brian, prs, isis, stp, n_contacts):
    """Mean release per spike, per Pr level, from counters read after every spike."""
    b = brian
    times = np.concatenate([[0.0], np.cumsum(isis)]) + 1e-3
    net, c, i = _build(b, n_contacts, prs, times, stp)
    means = np.zeros((len(prs), len(times)))
    prev = np.zeros(len(i))
    edges = np.concatenate([times[1:] - 0.5 * np.asarray(isis), [times[-1] + 1e-3]])
    t_now = 0.0
    for k, edge in enumerate(edges):
        net.run((edge - t_now) * b.second)
        t_now = edge
        cur = np.array(c.n_release[:])  # a copy: [:] is a view of the state
        for p in range(len(prs)):
            means[p, k] = (cur - prev)[i == p].mean()
        prev = cur
    return means


def test_burst_mean_release_matches_tm(brian):
    """5 spikes at 100 Hz: release per spike at every position matches u_n x_n."""
    b = brian
    stp = ShortTermPlasticityParams()  # literature defaults
    prs = np.array([0.1, 0.5])
    isis = [0.01] * 4
    n = 4000
    means = _per_spike_release(b, prs, isis, stp, n)
    for p, u in enumerate(prs):
        expected = tm_mean_release(u, isis, float(stp.tau_f), float(stp.tau_d))
        se = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(means[p] - expected) < Z * se), (u, means[p], expected)
        # Mean over the burst (the Pr_burst of one train).
        assert abs(means[p].mean() - expected.mean()) < Z * np.sqrt(
            (expected * (1 - expected)).sum() / n) / 5 * 2
    # Low-Pr contacts facilitate, high-Pr contacts depress (science.md T4 mechanism).
    assert means[0, 1:].mean() > means[0, 0]
    assert means[1, 1:].mean() < means[1, 0]


@pytest.mark.parametrize("interval", [0.02, 0.1])
def test_paired_pulse_ratio(brian, interval):
    """PPR = E[r2]/E[r1] against the closed form for two Pr values."""
    b = brian
    stp = ShortTermPlasticityParams()
    prs = np.array([0.1, 0.6])
    n = 6000
    means = _per_spike_release(b, prs, [interval], stp, n)
    for p, u in enumerate(prs):
        r = tm_mean_release(u, [interval], float(stp.tau_f), float(stp.tau_d))
        ppr_expected = r[1] / r[0]
        ppr = means[p, 1] / means[p, 0]
        # Delta-method standard error of a ratio of two correlated proportions,
        # bounded by the independent-case value times sqrt(2).
        se = ppr_expected * np.sqrt(2 * ((1 - r[0]) / (n * r[0]) + (1 - r[1]) / (n * r[1])))
        assert abs(ppr - ppr_expected) < Z * se, (u, ppr, ppr_expected)
    # Closed form direction: PPR > 1 for low U, < 1 for high U at 20 ms.
    if interval == 0.02:
        assert means[0, 1] / means[0, 0] > 1 > means[1, 1] / means[1, 0]


def test_steady_state_depression(brian):
    """Without facilitation a 20 Hz train settles at x* (exact discrete TM form)."""
    b = brian
    stp = ShortTermPlasticityParams(tau_f=1e-3 * b.ms, tau_d=500 * b.ms)
    U, rate, n_spk, n = 0.5, 20.0, 30, 3000
    times = np.arange(n_spk) / rate + 1e-3
    net, c, _ = _build(b, n, np.array([U]), times, stp)
    # Count releases of the last 10 spikes only (steady state after ~20 spikes).
    net.run((times[-11] + 0.5 / rate) * b.second)
    before = np.asarray(c.n_release[:]).copy()
    net.run((times[-1] + 0.5 / rate - times[-11] - 0.5 / rate) * b.second)
    late = (np.asarray(c.n_release[:]) - before).sum() / (10 * n)
    x_star = tm_steady_state_x(U, rate, float(stp.tau_d))
    expected = U * x_star
    # Releases of one contact at successive spikes are negatively correlated, so the
    # binomial se over 10*n trials is conservative.
    se = np.sqrt(expected * (1 - expected) / (10 * n))
    assert abs(late - expected) < Z * se, (late, expected)
    # The continuous TM approximation 1/(1 + U f tau_D) is within 5 % at this rate.
    assert x_star == pytest.approx(1 / (1 + U * rate * 0.5), rel=0.05)


def test_tm_closed_form_limits():
    # A single spike releases with probability U.
    assert tm_mean_release(0.3, [], 0.1, 0.5)[0] == pytest.approx(0.3)
    # Widely spaced spikes: no facilitation, full recovery.
    np.testing.assert_allclose(tm_mean_release(0.3, [100.0] * 5, 0.1, 0.5), 0.3, rtol=1e-9)
    # Steady state tends to the continuous form when the interval << tau_D.
    assert tm_steady_state_x(0.2, 1000.0, 1.0) == pytest.approx(1 / (1 + 0.2 * 1000),
                                                                 rel=1e-3)


def test_invalid_pr_rejected(brian):
    from mgnet.models.neurons import make_neurons
    from mgnet.models.synapses import make_contacts
    g = make_neurons(2)
    with pytest.raises(ValueError):
        make_contacts(g, g, [0], [1], pr=1.2)
    with pytest.raises(ValueError):
        make_contacts(g, g, [0], [1], pr=-0.1)

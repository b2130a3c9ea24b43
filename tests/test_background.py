"""Pooled Poisson background (models/background.py): the same process as one Poisson
draw per neuron and step.

One Poisson count per population and step, scattered onto uniformly random neurons,
gives independent Poisson(lambda) counts per neuron and step (Poisson splitting).  The
tests check that on the generated code, against closed forms with 5-sigma bounds: the
distribution of per-step counts of each neuron (including two events in one step), the
per-neuron totals (mean and Poisson dispersion), the independence of neurons (the
variance of the population total equals its mean) and of successive steps, the shared
rate modulation ``clip(1 + x, 0, 100)``, the per-neuron weight, and equality of rates
with the direct per-neuron draw.  Runtime mode (Cython, and the numpy twin); the
standalone twin is tested in tests/test_culture.py (standalone marker).
"""
from __future__ import annotations

import numpy as np
import pytest

N = 200
EQS = """
n_ev : 1            # events received
w_ev : 1            # per-neuron weight of an event
rate : Hz (shared)  # event rate per neuron
x : 1 (shared)      # shared relative modulation
"""
RATE = "rate*clip(1 + x, 0, 100)"


def _group(brian, rate_hz: float, x: float = 0.0, *, pooled: bool = True,
           weight: str = "1", name: str = "bg_test"):
    from mgnet.models.background import poisson_drive
    g = brian.NeuronGroup(N, EQS, name=name)
    g.rate = rate_hz * brian.Hz
    g.x = x
    g.w_ev = 1.0
    poisson_drive(g, "n_ev", weight, RATE, pooled=pooled, name=f"{name}_drive")
    return g


def _five_sigma_chi2(stat: float, dof: int) -> bool:
    """|chi2 - dof| < 5 sd of a chi-square with ``dof`` degrees of freedom."""
    return abs(stat - dof) < 5 * np.sqrt(2 * dof)


def test_per_step_counts_are_independent_poisson(brian):
    """Counts of every neuron in every step: P(0), P(1), P(>=2) of Poisson(lambda)
    (chi-square, 2 dof, 5 sigma over 10^6 neuron-steps), population total per step with
    variance equal to its mean (dispersion chi-square over steps: neurons independent),
    and no correlation between successive steps (lag-1 autocorrelation of the total
    within 5/sqrt(steps))."""
    from scipy import stats
    rate, T = 500.0, 0.5                 # lambda = 0.05 per neuron and step
    g = _group(brian, rate)
    mon = brian.StateMonitor(g, "n_ev", record=True, when="end", name="bg_test_mon")
    brian.Network(g, mon).run(T * brian.second)
    n = np.asarray(mon.n_ev)             # neurons x steps, cumulative
    counts = np.diff(np.concatenate([np.zeros((N, 1)), n], axis=1), axis=1)
    lam = rate * float(brian.defaultclock.dt / brian.second)
    obs = np.array([np.sum(counts == 0), np.sum(counts == 1), np.sum(counts >= 2)])
    p = np.array([stats.poisson.pmf(0, lam), stats.poisson.pmf(1, lam),
                  stats.poisson.sf(1, lam)])
    expected = p * counts.size
    chi2 = float(np.sum((obs - expected) ** 2 / expected))
    assert obs[2] > 100, "too few double events to test them"
    assert chi2 < 2 + 5 * np.sqrt(4), (obs, expected)
    total = counts.sum(axis=0)           # population total per step ~ Poisson(N lambda)
    steps = len(total)
    assert abs(total.mean() - N * lam) < 5 * np.sqrt(N * lam / steps)
    disp = float(np.sum((total - total.mean()) ** 2) / total.mean())
    assert _five_sigma_chi2(disp, steps - 1), disp
    ac = np.corrcoef(total[:-1], total[1:])[0, 1]
    assert abs(ac) < 5 / np.sqrt(steps)


def test_per_neuron_totals_poisson_and_rate_equals_direct_draw(brian):
    """Over T each neuron's total is Poisson(rate*T): the mean within 5 sigma, the
    dispersion index a chi-square with N-1 dof (5 sigma: neither over- nor
    under-dispersed, no neuron favoured); the direct per-neuron draw gives the same
    rate within 5 sigma of the difference of two Poisson totals."""
    rate, T = 200.0, 2.0
    totals = {}
    for pooled in (True, False):
        g = _group(brian, rate, pooled=pooled, name=f"bg_pool{int(pooled)}")
        brian.Network(g).run(T * brian.second)
        totals[pooled] = np.asarray(g.n_ev[:])
    k = totals[True]
    mu = rate * T
    assert abs(k.sum() - N * mu) < 5 * np.sqrt(N * mu)
    disp = float(np.sum((k - k.mean()) ** 2) / k.mean())
    assert _five_sigma_chi2(disp, N - 1), disp
    a, b = totals[True].sum(), totals[False].sum()
    assert abs(a - b) < 5 * np.sqrt(a + b)


@pytest.mark.parametrize("x, factor", [(0.5, 1.5), (-2.0, 0.0)])
def test_shared_modulation_scales_the_rate(brian, x, factor):
    """The rate is rate * clip(1 + x, 0, 100): x = 0.5 gives 1.5 times the events
    (5 sigma), x = -2 none at all."""
    rate, T = 200.0, 1.0
    g = _group(brian, rate, x=x)
    brian.Network(g).run(T * brian.second)
    total = float(np.sum(g.n_ev[:]))
    mu = N * rate * T * factor
    if factor == 0:
        assert total == 0
    else:
        assert abs(total - mu) < 5 * np.sqrt(mu)


def test_per_neuron_weight_applies_to_each_event(brian):
    """weight = w_ev (per neuron): every neuron's increment is an integer multiple of its
    own weight, and the mean count per neuron is rate*T whatever the weight."""
    rate, T = 200.0, 1.0
    g = _group(brian, rate, weight="w_ev", name="bg_weighted")
    w = np.linspace(0.5, 3.0, N)
    g.w_ev = w
    brian.Network(g).run(T * brian.second)
    k = np.asarray(g.n_ev[:]) / w
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    assert abs(k.sum() - N * rate * T) < 5 * np.sqrt(N * rate * T)


def test_numpy_twin(brian):
    """The numpy template gives the same process: totals Poisson within 5 sigma, and
    neurons hit twice in one step get both events (lambda = 0.05 per step)."""
    import brian2
    brian2.prefs.codegen.target = "numpy"
    try:
        rate, T = 500.0, 0.2
        g = _group(brian, rate, name="bg_numpy")
        mon = brian.StateMonitor(g, "n_ev", record=True, when="end", name="bg_numpy_mon")
        brian.Network(g, mon).run(T * brian.second)
        n = np.asarray(mon.n_ev)
        counts = np.diff(np.concatenate([np.zeros((N, 1)), n], axis=1), axis=1)
        mu = N * rate * T
        assert abs(counts.sum() - mu) < 5 * np.sqrt(mu)
        lam = rate * float(brian.defaultclock.dt / brian.second)
        doubles = np.sum(counts >= 2)
        p2 = 1 - np.exp(-lam) * (1 + lam)
        assert abs(doubles - p2 * counts.size) < 5 * np.sqrt(p2 * counts.size)
    finally:
        brian2.prefs.codegen.target = "cython"


def test_rate_must_be_uniform(brian):
    """A rate that reads a per-neuron variable is refused (it would be evaluated at
    neuron 0 only)."""
    from mgnet.models.background import PooledPoissonInput
    g = brian.NeuronGroup(N, EQS + "r_i : Hz\n", name="bg_bad")
    with pytest.raises(ValueError, match="same for every neuron"):
        PooledPoissonInput(g, "n_ev", "1", "r_i")


@pytest.mark.slow
@pytest.mark.standalone
def test_culture_fires_alike_with_either_background(tmp_path):
    """The 2000-neuron culture (non-plastic) with the pooled and with the per-neuron
    background: 16 independent 30-s realisations each (a random seed at every run of
    one compiled binary; about one network burst per 10 s, so one run says little):
    the mean E rates and burst counts agree within 5 standard errors of their
    difference.  (40 realisations each, 2026-12-02: 1.84 +- 0.09 vs 1.92 +- 0.08 Hz,
    3.15 +- 0.15 vs 3.27 +- 0.13 bursts.)  About 5 minutes."""
    import brian2
    from brian2 import second

    from mgnet.analysis.bursts import detect_network_bursts
    from mgnet.models.backend import optimisations, standalone_session
    from mgnet.models.culture import build_culture
    from mgnet.models.parameters import CultureParams, condition
    K, T = 16, 30.0
    out = {}
    for pooled in (True, False):
        d = tmp_path / f"p{int(pooled)}"
        with optimisations(pooled_background=pooled), standalone_session(d):
            brian2.seed()               # a new random seed at every run of the binary
            cult = build_culture(2000, condition("baseline"), CultureParams(), seed=1,
                                 spine_ca=())
            cult.net.run(T * second, namespace={})
            brian2.get_device().build(run=False, directory=str(d))
            rates, bursts = [], []
            for k in range(K):
                brian2.get_device().run(results_directory=f"res_{k}")
                t, i = cult.spike_data()["exc"]
                n = cult.structure.n_exc
                rates.append(len(t) / (n * T))
                bursts.append(len(detect_network_bursts(t, i, n, 0.0, T)))
        out[pooled] = np.array(rates), np.array(bursts, dtype=float)
    for j in (0, 1):
        a, b = out[True][j], out[False][j]
        assert b.mean() > 0, "the culture must burst for this to mean anything"
        se = np.sqrt(a.var(ddof=1) / K + b.var(ddof=1) / K)
        assert abs(a.mean() - b.mean()) < 5 * se, (j, a.mean(), b.mean(), se)

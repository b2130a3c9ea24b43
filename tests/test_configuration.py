"""Branch configuration model: conservation laws, ablations and the assay's estimator.

These test the mechanism, not the paper's numbers: ΣPr at its set-point after
equilibration, a fixed anatomical bouton count, the direction of the [Mg]i effect,
the k = 0 ablation, the lag of the cascade, and that the virtual assay's measured Pr
is a binomial estimate of the true Pr.
"""
import dataclasses

import numpy as np
import pytest

from mgnet.models.configuration import (
    equilibrium_pr,
    reconfiguration_time_course,
    release_probabilities,
    sample_branches,
)
from mgnet.models.parameters import ConfigurationParams, ReleaseParams


@pytest.fixture(scope="module")
def pop():
    return sample_branches(150, rng=3)


def _branch_sums(pop, pr):
    s = np.bincount(pop.branch_id, weights=pr, minlength=pop.n_branches)
    return s * 10.0 / pop.length_um


def _saturated(pop, pr):
    return np.array([np.all(pr[pop.branch_id == b] > 0) for b in range(pop.n_branches)])


def test_same_seed_same_anatomy():
    a, b = sample_branches(20, rng=5), sample_branches(20, rng=5)
    np.testing.assert_array_equal(a.competence, b.competence)
    assert not np.array_equal(a.competence, sample_branches(20, rng=6).competence)


def test_setpoint_held_at_equilibrium(pop):
    for mg in (0.3, 0.5, 0.8, 1.2):
        pr, _ = equilibrium_pr(pop, mg, 0.5)
        sums = _branch_sums(pop, pr)
        # Branches with every bouton active cannot reach their set-point: excluded.
        all_active = np.array([np.all(pr[pop.branch_id == b] > 0)
                               for b in range(pop.n_branches)])
        reachable = ~all_active
        # Granularity: half of the marginal bouton's Pr; bounded by the largest Pr any
        # bouton of the branch would have if active.
        pr_if = release_probabilities(pop, mg * pop.mg_factor, 0.5)
        max_pr = 0.5 * np.array([pr_if[pop.branch_id == b].max() for b in range(pop.n_branches)])
        err = np.abs(sums - pop.setpoint)
        assert np.all(err[reachable] <= max_pr[reachable] * 10 / pop.length_um[reachable] + 1e-9)
        # Saturation (every bouton recruited) is a real limit at high [Mg]i; at the
        # baseline level almost every branch can reach its set-point.
        if mg <= 0.5:
            assert np.mean(reachable) > 0.8


def test_mg_recruits_silent_boutons_and_lowers_pr(pop):
    pr0, _ = equilibrium_pr(pop, 0.5, 0.5)
    pr1, _ = equilibrium_pr(pop, 0.8, 0.5)
    # No synaptogenesis: same boutons, more of them active, each active one lower.
    assert len(pr0) == len(pr1)
    assert np.sum(pr1 > 0) > np.sum(pr0 > 0)
    both = (pr0 > 0) & (pr1 > 0) & (pr0 < ReleaseParams().pr_max)
    np.testing.assert_allclose(pr1[both] / pr0[both], (0.8 / 0.5) ** -1.0, rtol=1e-9)
    # Branch totals stay near the set-point (mean within 5 %) wherever the branch can
    # still recruit (saturated branches, all boutons active, are the model's limit).
    free = ~_saturated(pop, pr1)
    assert free.mean() > 0.5
    s0, s1 = _branch_sums(pop, pr0)[free], _branch_sums(pop, pr1)[free]
    assert abs(s1.mean() / s0.mean() - 1) < 0.05


def test_k_zero_ablation_removes_the_mg_effect(pop):
    rel = ReleaseParams(k=0.0)
    pr0, _ = equilibrium_pr(pop, 0.5, 0.5, rel)
    pr1, _ = equilibrium_pr(pop, 1.5, 0.5, rel)
    np.testing.assert_array_equal(pr0, pr1)


def test_release_law_power(pop):
    m = np.full(pop.n_branches, 1.0)
    p1 = release_probabilities(pop, m, 0.5)
    p2 = release_probabilities(pop, 2 * m, 0.5)
    ok = (p1 < ReleaseParams().pr_max) & (p1 > 0)
    np.testing.assert_allclose(p2[ok] / p1[ok], 0.5, rtol=1e-12)


def test_time_course_lags_and_converges(pop):
    times = [0, 1, 2, 4, 8, 24, 72]
    tc = reconfiguration_time_course(pop, 0.5, 0.8, times, 0.5)
    m = tc["m_b"] / pop.mg_factor  # condition-level [Mg]i reached by the machinery
    # Two-stage cascade with tau: fraction 1 - e^{-t/tau}(1 + t/tau).
    tau = float(ConfigurationParams().tau_mg_cascade) / 3600
    frac = (m[:, 0] - 0.5) / 0.3
    expected = 1 - np.exp(-np.array(times) / tau) * (1 + np.array(times) / tau)
    np.testing.assert_allclose(frac, expected, atol=0.02)  # Euler step 0.02 h
    # Starts at the baseline equilibrium and ends at the elevated one.
    pr_eq1, _ = equilibrium_pr(pop, 0.8, 0.5)
    n_active_final = np.sum(tc["pr_true"][-1] > 0)
    assert abs(n_active_final - np.sum(pr_eq1 > 0)) <= 0.02 * pop.n_boutons
    pr_eq0, _ = equilibrium_pr(pop, 0.5, 0.5)
    np.testing.assert_array_equal(tc["pr_true"][0] > 0, pr_eq0 > 0)
    # The total stays close to the set-point throughout on branches that never
    # saturate (homeostasis is faster than the cascade).
    free = ~_saturated(pop, tc["pr_true"][-1])
    rel = tc["sum_pr_true"][:, free].mean(axis=1) / pop.setpoint[free].mean()
    assert np.all(np.abs(rel - 1) < 0.1), rel


@pytest.mark.parametrize("corr", [0.0, 0.6])
def test_size_activation_correlation_orders_recruitment(corr):
    cp = dataclasses.replace(ConfigurationParams(), size_activation_correlation=corr)
    pop = sample_branches(200, cp, rng=1)
    r = np.corrcoef(np.log(pop.competence), pop.key)[0, 1]
    if corr == 0.0:
        assert abs(r) < 0.05
    else:
        assert r < -0.4


def test_assay_measures_true_pr_binomially(brian):
    """Runtime assay on a small anatomy: counts of the 1AP and burst protocols agree with
    the numpy reference of the pool model (mgnet.models.release_pool), for one vesicle per
    bouton and for pools of 1-8 vesicles; 1AP counts are unbiased estimates of Pr."""
    from mgnet.models.assay import AssayProtocol, AssaySample, run_field_assay
    from mgnet.models.parameters import ModelParams
    p = ModelParams()
    rng = np.random.default_rng(0)
    n = 300
    branch = np.repeat(np.arange(10), n // 10)
    pr = rng.uniform(0.05, 0.9, n)
    proto = AssayProtocol(n_spikes=10, one_ap_rate=2.0, train_interval=2.0)
    n_rrp = rng.integers(1, 9, n)
    # Two samples on the same build: one vesicle per bouton, and the readily releasable
    # pool (several vesicles, DKR facilitation and Ca2+-dependent recovery).
    res, res_pool = run_field_assay(
        branch, [AssaySample(pr, np.full(n, 1e-4), 0.8),
                 AssaySample(pr, np.full(n, 1e-4), 0.8, n_rrp=n_rrp)], p,
        protocol=proto, seed=1, device_name="runtime")
    _check_pool_against_numpy(res, pr, np.ones(n, int), proto, p)
    _check_pool_against_numpy(res_pool, pr, n_rrp, proto, p)
    # the pool lets high-Pr boutons release more than once per 5-spike train
    assert res_pool["n_release_burst"][n_rrp > 2].max() > 2
    # 1AP at 2 Hz: the pool refills between spikes, so counts estimate 10 Pr (within 5 %)
    assert res_pool["n_release_1ap"].sum() == pytest.approx(10 * pr.sum(), rel=0.05)
    assert np.all(res["n_release_burst"] <= 10) and np.all(res["n_release_1ap"] <= 10)


def _check_pool_against_numpy(res, pr, n_rrp, proto, p):
    """Brian2 pool counts per bouton vs the numpy reference (mgnet.models.release_pool):
    z-scores of both protocols centred (|mean| < 4/sqrt(n)) with unit spread."""
    from mgnet.models.release_pool import simulate_pool, vesicle_probability
    times, t_switch, _ = proto.times()
    pool = p.release_pool
    rel = simulate_pool(vesicle_probability(pr, n_rrp), n_rrp, times, tau_f=float(p.stp.tau_f),
                        k0=1 / float(p.stp.tau_d), kmax=float(pool.k_rec_max),
                        kd=pool.k_rec_kd, tau_ca=float(pool.tau_rec_ca),
                        facilitation=pool.facilitation, s1=pool.facilitation_s1, rng=5,
                        trials=3000)
    one = times < t_switch
    for key, sel in (("n_release_1ap", one), ("n_release_burst", ~one)):
        counts = rel[:, sel, :].sum(axis=1)
        mean, sd = counts.mean(axis=0), counts.std(axis=0)
        ok = sd > 0
        z = (res[key][ok] - mean[ok]) / sd[ok]
        assert abs(z.mean()) < 4 / np.sqrt(ok.sum()), (key, z.mean())
        assert 0.7 < z.std() < 1.3, (key, z.std())


def test_exhausted_branches_are_those_that_cannot_reach_their_setpoint(pop):
    """equilibrium_state flags a branch exhausted iff even all its boutons active give a
    ΣPr below the set-point; such branches have every bouton active, the others hold
    their set-point (within the marginal bouton)."""
    from mgnet.models.configuration import equilibrium_state
    for mg in (0.5, 1.5):
        st = equilibrium_state(pop, mg, 0.5)
        pr_if = release_probabilities(pop, mg * pop.mg_factor, 0.5)
        max_sum = _branch_sums(pop, pr_if)
        np.testing.assert_array_equal(st["exhausted"], max_sum < pop.setpoint * (1 - 1e-9))
        all_active = np.array([np.all(st["active"][pop.branch_id == b])
                               for b in range(pop.n_branches)])
        assert np.all(all_active[st["exhausted"]])
        assert np.all(st["setpoint_ratio"][st["exhausted"]] < 1)
        np.testing.assert_allclose(st["sum_pr_true"], _branch_sums(pop, st["pr"]))
    # more [Mg]i, lower Pr: more branches run out of silent boutons
    assert (equilibrium_state(pop, 1.5, 0.5)["exhausted"].mean()
            > equilibrium_state(pop, 0.5, 0.5)["exhausted"].mean())


def test_bouton_mg_factor_is_lognormal_with_mean_one():
    """Each bouton's own [Mg]i factor: mean 1, CV mg_i_bouton_cv, independent of the branch
    factor; with CV 0 no factor is drawn and the other draws are unchanged."""
    cfg = dataclasses.replace(ConfigurationParams(), mg_i_bouton_cv=0.3)
    big = sample_branches(400, cfg, rng=9)
    f = big.bouton_factor()
    assert f.mean() == pytest.approx(1.0, abs=0.01)
    assert f.std() / f.mean() == pytest.approx(0.3, rel=0.05)
    r = np.corrcoef(np.log(f), np.log(big.mg_factor[big.branch_id]))[0, 1]
    assert abs(r) < 0.05
    none = sample_branches(400, dataclasses.replace(cfg, mg_i_bouton_cv=0.0), rng=9)
    assert none.mg_factor_bouton is None
    np.testing.assert_array_equal(none.competence, big.competence)
    np.testing.assert_array_equal(none.setpoint, big.setpoint)


def test_competence_spread_is_the_pr_spread_minus_the_mg_part():
    """The default competence sigma is derived (not guessed): log-variance of Pr (0.7^2)
    minus k^2 times the [Mg]i log-variance between and within branches."""
    import math

    from mgnet.models.parameters import PR_LOG_SIGMA, competence_sigma_from_pr
    c, k = ConfigurationParams(), ReleaseParams().k
    expected = competence_sigma_from_pr(PR_LOG_SIGMA, c.mg_i_branch_cv, c.mg_i_bouton_cv, k)
    assert c.competence_sigma == pytest.approx(expected, abs=1e-4)
    v = math.log(1 + c.mg_i_branch_cv ** 2) + math.log(1 + c.mg_i_bouton_cv ** 2)
    assert c.competence_sigma ** 2 + k ** 2 * v == pytest.approx(PR_LOG_SIGMA ** 2, abs=1e-3)

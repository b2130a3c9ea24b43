"""Planted-ground-truth tests for analysis.statistics (fast, no Brian2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import statistics as st


# ------------------------------------------------------------------------------ hyperbola


def test_hyperbolic_fit_recovers_planted_k():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 0.6, 100)
    y = 3.0 / x * (1.0 + 0.02 * rng.standard_normal(x.size))
    fit = st.hyperbolic_fit(x, y)
    assert abs(fit.k - 3.0) / 3.0 < 0.02
    assert fit.r2 > 0.95
    assert fit.n == 100 and fit.n_dropped == 0


def test_hyperbolic_fit_hand_computed():
    # u = 1/x = [1, 0.5, 0.25]; k = Σuy/Σu² = (4 + 0.5 + 0.25)/(1 + 0.25 + 0.0625)
    x, y = [1.0, 2.0, 4.0], [4.0, 1.0, 1.0]
    k = 4.75 / 1.3125
    yhat = np.array([k, k / 2, k / 4])
    ss_res = float(np.sum((np.array(y) - yhat) ** 2))
    fit = st.hyperbolic_fit(x, y)
    assert fit.k == pytest.approx(3.619047619047619, rel=1e-12)
    assert fit.k == pytest.approx(k, rel=1e-12)
    # SS_tot about mean 2: 4 + 1 + 1 = 6
    assert fit.r2 == pytest.approx(1.0 - ss_res / 6.0, rel=1e-12)
    assert fit.r2 == pytest.approx(0.8650793650793651, rel=1e-9)
    np.testing.assert_allclose(fit.predict([1.0, 2.0]), [k, k / 2])


def test_hyperbolic_fit_drops_nan_and_zero_and_rejects_non_hyperbola():
    x = np.array([0.1, 0.2, np.nan, 0.0, 0.4, 0.5])
    y = 2.0 / np.where(x > 0, x, 1.0)
    fit = st.hyperbolic_fit(x, y)
    assert fit.n == 4 and fit.n_dropped == 2
    assert fit.k == pytest.approx(2.0) and fit.r2 == pytest.approx(1.0)
    # an increasing line is badly described by k/x: R² must be low (here negative)
    xl = np.linspace(0.1, 1.0, 50)
    assert st.hyperbolic_fit(xl, 1.0 + 5.0 * xl).r2 < 0.5


# ------------------------------------------------------------------------------ linear


def test_linear_fit_planted_line_and_nan_drop():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, 200)
    y = 1.5 + 2.0 * x + 0.5 * rng.standard_normal(x.size)
    y[:3] = np.nan
    fit = st.linear_fit(x, y)
    assert fit.n == 197 and fit.n_dropped == 3
    assert fit.slope == pytest.approx(2.0, abs=0.05)
    assert fit.intercept == pytest.approx(1.5, abs=0.25)
    assert fit.r2 > 0.95 and fit.p_value < 1e-50


def test_linear_fit_independent_not_significant_and_fpr():
    rng = np.random.default_rng(3)
    fit = st.linear_fit(rng.standard_normal(80), rng.standard_normal(80))
    assert fit.p_value > 0.05
    assert fit.r2 < 0.05
    # false-positive rate at α = 0.05 over 200 independent data sets within ±3 binomial sd
    n_rep, alpha = 200, 0.05
    hits = sum(
        st.linear_fit(r.standard_normal(60), r.standard_normal(60)).p_value < alpha
        for r in (np.random.default_rng(1000 + i) for i in range(n_rep))
    )
    sd = st.binomial_sd(n_rep, alpha)
    assert n_rep * alpha - 3 * sd <= hits <= n_rep * alpha + 3 * sd


def test_linear_fit_rejects_degenerate():
    with pytest.raises(ValueError):
        st.linear_fit([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        st.linear_fit([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])


# ------------------------------------------------------------------------------ power law


def test_power_law_fit_recovers_exponent_with_lognormal_noise():
    rng = np.random.default_rng(4)
    x = 10 ** rng.uniform(-1, 1, 300)
    y = 2.0 * x**-0.7 * rng.lognormal(0.0, 0.2, x.size)
    fit = st.power_law_fit(x, y)
    assert abs(fit.exponent - (-0.7)) <= 0.05
    assert fit.prefactor == pytest.approx(2.0, rel=0.1)
    assert 0.8 < fit.r2 < 1.0 and fit.p_value < 1e-20
    assert fit.n == 300 and fit.n_dropped == 0
    np.testing.assert_allclose(fit.predict(1.0), fit.prefactor)


def test_power_law_fit_drops_non_positive():
    # y = 5 √x on the first four; then x = 0, x < 0 and y = 0 must all be dropped
    x = np.array([1.0, 4.0, 9.0, 16.0, 0.0, -1.0, 3.0])
    y = np.array([5.0, 10.0, 15.0, 20.0, 1.0, 1.0, 0.0])
    fit = st.power_law_fit(x, y)
    assert fit.n_dropped == 3 and fit.n == 4
    assert fit.exponent == pytest.approx(0.5, abs=1e-12)
    assert fit.prefactor == pytest.approx(5.0, rel=1e-12)
    assert fit.r2 == pytest.approx(1.0)


# ------------------------------------------------------------------------------ KS


def test_ks_same_distribution_not_significant():
    rng = np.random.default_rng(5)
    res = st.ks_test(rng.standard_normal(1000), rng.standard_normal(1000))
    assert res.p_value > 0.01
    assert res.n_a == 1000 and res.n_b == 1000
    assert 0 <= res.statistic < 0.1


def test_ks_false_positive_rate_within_binomial_bounds():
    n_rep, alpha = 200, 0.05
    hits = 0
    for i in range(n_rep):
        r = np.random.default_rng(10_000 + i)
        hits += st.ks_test(r.standard_normal(1000), r.standard_normal(1000)).p_value < alpha
    sd = st.binomial_sd(n_rep, alpha)
    # KS is slightly conservative, so the rate may sit a little below α, not above
    assert max(1, n_rep * alpha - 3 * sd) <= hits <= n_rep * alpha + 3 * sd


def test_ks_shifted_distribution_significant_and_nan_dropped():
    rng = np.random.default_rng(6)
    a = rng.standard_normal(1000)
    b = rng.standard_normal(1000) + 0.5
    b[:10] = np.nan
    res = st.ks_test(a, b)
    assert res.p_value < 1e-10
    assert res.n_b == 990
    assert res.statistic > 0.15


# ------------------------------------------------------------------------------ Spearman


def test_spearman_monotone_and_independent():
    x = np.linspace(0.01, 5.0, 50)
    assert st.spearman(x, np.exp(x)).rho == pytest.approx(1.0)
    assert st.spearman(x, -np.log(x)).rho == pytest.approx(-1.0)
    r = st.spearman(x, np.exp(x))
    assert r.n == 50 and r.p_value < 1e-10
    rng = np.random.default_rng(7)
    ind = st.spearman(rng.standard_normal(200), rng.standard_normal(200))
    assert abs(ind.rho) < 0.2 and ind.p_value > 0.01


# ------------------------------------------------------------------------------ bootstrap


def test_bootstrap_ci_contains_mean_and_reproducible():
    rng = np.random.default_rng(8)
    x = rng.normal(5.0, 1.0, 200)
    b1 = st.bootstrap_ci(x, n_boot=2000, seed=1)
    b2 = st.bootstrap_ci(x, n_boot=2000, seed=1)
    b3 = st.bootstrap_ci(x, n_boot=2000, seed=2)
    assert b1 == b2
    assert (b1.low, b1.high) != (b3.low, b3.high)
    assert b1.estimate == pytest.approx(x.mean())
    assert b1.low < 5.0 < b1.high
    # percentile CI half-width ≈ 1.96·sd/√n ≈ 0.139
    assert (b1.high - b1.low) / 2 == pytest.approx(1.96 / math.sqrt(200), rel=0.15)


def test_bootstrap_ci_other_statistics():
    x = np.arange(1.0, 102.0)
    med = st.bootstrap_ci(x, stat=np.median, n_boot=500, seed=0)
    assert med.estimate == 51.0 and med.low < 51.0 < med.high
    # a callable without an axis argument takes the row-loop path and must agree
    q75 = st.bootstrap_ci(x, stat=lambda v: float(np.percentile(v, 75)), n_boot=300, seed=0)
    q75_ax = st.bootstrap_ci(x, stat=lambda v, axis=None: np.percentile(v, 75, axis=axis),
                             n_boot=300, seed=0)
    assert q75.low == pytest.approx(q75_ax.low) and q75.high == pytest.approx(q75_ax.high)
    assert q75.estimate == pytest.approx(76.0)


def test_paired_bootstrap_hand_computed_fields():
    a = [1.0, 2.0, 3.0, 4.0]
    b = [2.0, 4.0, 3.0, 7.0]
    r = st.paired_bootstrap(a, b, n_boot=2000, seed=0)
    # d = [1, 2, 0, 3]: mean 1.5, sd(ddof=1) = sqrt(5/3)
    assert r.n == 4
    assert r.mean_diff == pytest.approx(1.5)
    assert r.mean_a == pytest.approx(2.5) and r.mean_b == pytest.approx(4.0)
    assert r.rel_change == pytest.approx(0.6)
    assert r.cohen_dz == pytest.approx(1.5 / math.sqrt(5.0 / 3.0))
    # exact sign flip: |Σ s·d| = 6 only when signs of 1, 2, 3 agree: 2 × 2 (sign of 0) / 16
    assert r.p_method == "exact" and r.p_value == pytest.approx(0.25)
    assert r.diff_low <= 1.5 <= r.diff_high
    assert r.rel_low <= 0.6 <= r.rel_high
    assert st.paired_bootstrap(a, b, n_boot=2000, seed=0) == r


def test_paired_bootstrap_planted_difference_and_monte_carlo_p():
    rng = np.random.default_rng(9)
    base = rng.normal(10.0, 3.0, 30)  # seed-level variability shared by both conditions
    a = base + rng.normal(0.0, 0.5, 30)
    b = base + 2.0 + rng.normal(0.0, 0.5, 30)
    r = st.paired_bootstrap(a, b, n_boot=2000, seed=0)
    assert r.diff_low < 2.0 < r.diff_high
    # pairing removes the shared sd of 3: the CI must be far narrower than an unpaired one
    assert r.diff_high - r.diff_low < 0.8
    # and its half-width matches normal theory, 1.96·sd(d)/√n (bootstrap sd uses ddof = 0)
    d = b - a
    half = 1.959964 * d.std() / math.sqrt(d.size)
    assert (r.diff_high - r.diff_low) / 2 == pytest.approx(half, rel=0.1)
    # relative-change CI ≈ difference CI / mean(a) (mean(a) varies little across resamples)
    assert r.rel_low < r.rel_change < r.rel_high
    assert r.rel_low == pytest.approx(r.diff_low / r.mean_a, rel=0.1)
    assert r.rel_high == pytest.approx(r.diff_high / r.mean_a, rel=0.1)
    assert r.p_method == "monte_carlo"
    assert r.p_value == pytest.approx(1.0 / 2001)  # no random flip is as extreme
    assert r.cohen_dz > 2.0


def test_paired_bootstrap_coverage_about_95_percent():
    n_rep, n, delta = 300, 30, 1.0
    covered = 0
    for i in range(n_rep):
        r = np.random.default_rng(20_000 + i)
        a = r.normal(0.0, 1.0, n)
        b = a + delta + r.normal(0.0, 1.0, n)
        res = st.paired_bootstrap(a, b, n_boot=400, seed=i)
        covered += res.diff_low <= delta <= res.diff_high
    cov = covered / n_rep
    # percentile bootstrap under-covers slightly at n = 30 (≈ 0.93–0.94); sd of cov ≈ 0.013
    assert 0.89 <= cov <= 0.985


def test_paired_bootstrap_null_false_positive_rate():
    n_rep, alpha = 200, 0.05
    hits = 0
    for i in range(n_rep):
        r = np.random.default_rng(30_000 + i)
        a = r.normal(0.0, 1.0, 12)
        hits += st.paired_bootstrap(a, a + r.normal(0, 1, 12), n_boot=50, seed=i).p_value < alpha
    sd = st.binomial_sd(n_rep, alpha)
    assert max(1, n_rep * alpha - 3 * sd) <= hits <= n_rep * alpha + 3 * sd


def test_paired_bootstrap_rejects_unequal_lengths():
    with pytest.raises(ValueError):
        st.paired_bootstrap([1.0, 2.0, 3.0], [1.0, 2.0])


# ------------------------------------------------------------------------------ helpers


def test_relative_change():
    assert st.relative_change([1.0, 2.0, 3.0], [3.0, 3.0]) == pytest.approx(0.5)
    assert st.relative_change([4.0, np.nan], [3.0]) == pytest.approx(-0.25)
    assert math.isnan(st.relative_change([0.0, 0.0], [1.0]))


def test_median_split_ties_and_nan():
    v = np.array([1.0, 2.0, 2.0, 2.0, 3.0, np.nan, 5.0])
    ms = st.median_split(v)
    assert ms.threshold == 2.0
    np.testing.assert_array_equal(ms.above, [False, False, False, False, True, False, True])
    np.testing.assert_array_equal(ms.below, [True, True, True, True, False, False, False])
    np.testing.assert_array_equal(ms.valid, np.isfinite(v))
    even = st.median_split([4.0, 1.0, 3.0, 2.0])
    assert even.threshold == 2.5
    np.testing.assert_array_equal(even.above, [True, False, True, False])


def test_binomial_sd():
    assert st.binomial_sd(30, 0.5) == pytest.approx(math.sqrt(7.5))
    assert st.binomial_sd(200, 0.05) == pytest.approx(math.sqrt(9.5))
    assert st.binomial_sd(30, 0.2, proportion=True) == pytest.approx(math.sqrt(0.16 / 30))
    assert st.binomial_sd(30, 0.0) == 0.0
    np.testing.assert_allclose(st.binomial_sd(10, [0.1, 0.5]), [math.sqrt(0.9), math.sqrt(2.5)])
    with pytest.raises(ValueError):
        st.binomial_sd(10, 1.5)


def test_results_serialise():
    d = st.ks_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]).as_dict()
    assert set(d) == {"statistic", "p_value", "n_a", "n_b"}


def test_offset_power_fit_recovers_planted_exponent():
    """y = a·x^b + c (Zhou et al. 2024 Fig 3a form): exact on the paper's own curve, and
    the planted b within 3 s.e. under noise; a log–log fit of the same curve differs."""
    x = np.linspace(0.04, 0.9, 400)
    exact = st.offset_power_fit(x, 31.10 * x ** 0.55 - 3.95)
    assert exact.b == pytest.approx(0.55, abs=1e-6)
    assert exact.a == pytest.approx(31.10, rel=1e-5) and exact.c == pytest.approx(-3.95, abs=1e-4)
    assert st.power_law_fit(x, 31.10 * x ** 0.55 - 3.95).exponent > 0.7
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(20):
        xs = rng.uniform(0.04, 0.9, 300)
        fit = st.offset_power_fit(xs, 10 * xs ** 0.8 + 2 + rng.normal(0, 0.3, xs.size))
        hits += abs(fit.b - 0.8) < 3 * fit.b_stderr
    assert hits >= 18
    with pytest.raises(ValueError):
        st.offset_power_fit([1, 2, 3], [1, 2, 3])

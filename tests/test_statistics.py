"""Planted-ground-truth tests for mgnet.analysis.statistics (fast, no Brian2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mgnet.analysis import statistics as st

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
    assert b1.method == "studentized"
    assert b1.estimate == pytest.approx(x.mean())
    assert b1.low < 5.0 < b1.high
    # at n = 200 the studentised interval is close to mean ± t·s/√n (half-width ≈ 0.14)
    half_t = stats.t.ppf(0.975, 199) * x.std(ddof=1) / math.sqrt(200)
    assert (b1.high - b1.low) / 2 == pytest.approx(half_t, rel=0.1)


def test_bootstrap_ci_other_statistics_use_bca():
    x = np.arange(1.0, 102.0)
    med = st.bootstrap_ci(x, stat=np.median, n_boot=500, seed=0)
    assert med.method == "BCa"
    assert med.estimate == 51.0 and med.low < 51.0 < med.high
    # a callable without an axis argument is evaluated resample by resample and must agree
    q75 = st.bootstrap_ci(x, stat=lambda v: float(np.percentile(v, 75)), n_boot=300, seed=0)
    q75_ax = st.bootstrap_ci(x, stat=lambda v, axis=-1: np.percentile(v, 75, axis=axis),
                             n_boot=300, seed=0)
    assert q75.low == pytest.approx(q75_ax.low) and q75.high == pytest.approx(q75_ax.high)
    assert q75.estimate == pytest.approx(76.0)
    with pytest.raises(ValueError, match="mean only"):
        st.bootstrap_ci(x, stat=np.median, method="studentized")
    with pytest.raises(ValueError, match="method must be one of"):
        st.bootstrap_ci(x, method="bootstrap-t")


def test_bca_matches_efron_tibshirani_spatial_test_data():
    """A published BCa interval: Efron & Tibshirani (1993) *An Introduction to the
    Bootstrap*, Table 14.1 (spatial test data A, n = 26) and Table 14.2: plug-in variance
    171.5, 90 % BCa (115.8, 259.6), percentile (100.8, 233.9), from B = 2000 resamples.
    With 20 000 resamples the Monte Carlo error of each bound is ~1 %; allow 4 %."""
    a = np.array([48, 36, 20, 29, 42, 42, 20, 42, 22, 41, 45, 14, 6, 0, 33, 28, 34, 4, 32,
                  24, 47, 41, 24, 26, 30, 41], float)
    var = lambda v, axis=-1: np.var(v, axis=axis)  # noqa: E731 - the book's plug-in variance
    bca = st.bootstrap_ci(a, stat=var, n_boot=20000, ci=0.90, seed=0)
    assert bca.method == "BCa" and bca.estimate == pytest.approx(171.5, abs=0.05)
    assert bca.low == pytest.approx(115.8, rel=0.04) and bca.high == pytest.approx(259.6, rel=0.04)
    pct = st.bootstrap_ci(a, stat=var, n_boot=20000, ci=0.90, seed=0, method="percentile")
    assert pct.low == pytest.approx(100.8, rel=0.04) and pct.high == pytest.approx(233.9, rel=0.04)


def test_bootstrap_ci_degenerate_samples():
    one = st.bootstrap_ci([3.0], n_boot=100)
    assert (one.low, one.estimate, one.high, one.n) == (3.0, 3.0, 3.0, 1)
    same = st.bootstrap_ci([2.0, 2.0, 2.0, np.nan], n_boot=100)
    assert (same.low, same.high, same.n) == (2.0, 2.0, 3)
    with pytest.raises(ValueError):
        st.bootstrap_ci([np.nan])


def test_studentized_falls_back_to_bca_when_ties_make_it_infinite():
    # 9 zeros and a one: a third of the resamples have no spread, so t* = ±inf there and the
    # studentised upper bound is infinite; BCa is used instead and the result says so
    d = np.r_[np.zeros(9), 1.0]
    r = st.bootstrap_ci(d, n_boot=2000, seed=0)
    assert r.method == "BCa"
    assert np.isfinite(r.low) and np.isfinite(r.high) and r.low <= 0.1 <= r.high <= 1.0


def test_ties_up_to_rounding_count_as_ties():
    # the noise floor's rejected-cue fractions: four differences of 1/15 that differ in
    # their last bits (0.2 - 2/15 vs 2/15 - 1/15) and one of -1/15.  A resample of the
    # four has a standard error of ~1e-17, not 0; it must count as "no spread" (t* = inf,
    # BCa instead), not give t* ~ 1e15 and a bound of -2e14 as it did
    a = np.array([1, 2, 1, 2, 2]) / 15
    b = np.array([2, 3, 2, 1, 3]) / 15
    d = b - a
    assert np.ptp(d[d > 0]) > 0                                 # not exactly equal
    r = st.bootstrap_ci(d, seed=0)
    assert -1 / 15 <= r.low <= r.estimate <= r.high <= 1 / 15 + 1e-12
    assert r.method == "BCa"


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
    assert r.hedges_gz == pytest.approx(st.hedges_correction(3) * r.cohen_dz)
    # exact sign flip: |Σ s·d| = 6 only when signs of 1, 2, 3 agree: 2 × 2 (sign of 0) / 16
    assert r.p_method == "exact" and r.p_value == pytest.approx(0.25)
    assert r.method == "studentized"
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
    # and its half-width is close to the t interval's, t(29)·sd(d)/√n
    d = b - a
    half = stats.t.ppf(0.975, 29) * d.std(ddof=1) / math.sqrt(d.size)
    assert (r.diff_high - r.diff_low) / 2 == pytest.approx(half, rel=0.1)
    # relative-change CI ≈ difference CI / mean(a) (mean(a) varies little across resamples)
    assert r.rel_low < r.rel_change < r.rel_high
    assert r.rel_low == pytest.approx(r.diff_low / r.mean_a, rel=0.1)
    assert r.rel_high == pytest.approx(r.diff_high / r.mean_a, rel=0.1)
    assert r.p_method == "monte_carlo"
    # no random flip is as extreme: one-sided (0 + 1)/(2000 + 1), doubled for two sides
    assert r.p_value == pytest.approx(2.0 / 2001)
    assert r.cohen_dz > 2.0 and r.hedges_gz < r.cohen_dz


def test_sign_flip_test_equals_brute_force_enumeration():
    """scipy.stats.permutation_test (exact) against an independent enumeration of all 2^n
    sign patterns, P(|mean(s·d)| ≥ |mean(d)|), on data with and without ties."""
    for seed, n in ((0, 6), (1, 9), (2, 12)):
        d = np.round(np.random.default_rng(seed).normal(0.3, 1.0, n), 1)
        signs = 1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)
        flipped = np.abs(signs @ d) / n
        expected = np.mean(flipped >= abs(d.mean()) - 1e-12)
        res = st.sign_flip_test(d)
        assert res.method == "exact" and res.n_resamples == 2 ** n
        assert res.p_value == pytest.approx(expected, rel=1e-12)
    assert st.sign_flip_test(np.zeros(5)).p_value == 1.0


def test_paired_bootstrap_null_false_positive_rate():
    n_rep, alpha = 200, 0.05
    hits = 0
    for i in range(n_rep):
        r = np.random.default_rng(30_000 + i)
        a = r.normal(0.0, 1.0, 12)
        hits += st.paired_bootstrap(a, a + r.normal(0, 1, 12), n_boot=50, seed=i).p_value < alpha
    sd = st.binomial_sd(n_rep, alpha)
    assert max(1, n_rep * alpha - 3 * sd) <= hits <= n_rep * alpha + 3 * sd


def test_paired_bootstrap_rejects_unequal_lengths_and_bad_method():
    with pytest.raises(ValueError):
        st.paired_bootstrap([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="method must be one of"):
        st.paired_bootstrap([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], method="t")


def _coverage_paired(method: str, reps: int, n_boot: int) -> tuple[float, float]:
    """Coverage of the paired mean difference and relative change at n = 10 pairs.

    Planted: a ~ N(10, 1), b = a + d with d ~ N(1, 1); true difference 1, true relative
    change E[b]/E[a] − 1 = 0.1.  Seeds 50 000 + i, as for :data:`st.MEASURED_COVERAGE`.
    """
    hit_d = hit_r = 0
    for i in range(reps):
        r = np.random.default_rng(50_000 + i)
        a = r.normal(10.0, 1.0, st.COVERAGE_N)
        d = r.normal(1.0, 1.0, st.COVERAGE_N)
        pb = st.paired_bootstrap(a, a + d, n_boot=n_boot, seed=i, method=method)
        hit_d += pb.diff_low <= 1.0 <= pb.diff_high
        hit_r += pb.rel_low <= 0.1 <= pb.rel_high
    return hit_d / reps, hit_r / reps


def test_coverage_n10_fast():
    """Default interval at n = 10 pairs, 400 repetitions.  Binomial SD of the coverage at a
    true 0.95 is sqrt(0.95·0.05/400) = 0.011, so ≥ 0.93 fails a correct interval with
    probability ≈ 4 % (its measured coverage is 0.954) and passes an interval of the old
    kind (≈ 0.91) with probability ≈ 8 %; the seeds are fixed, so the outcome is too."""
    cov_d, cov_r = _coverage_paired(st.DEFAULT_CI_METHOD, reps=400, n_boot=1000)
    assert 0.93 <= cov_d <= 0.975
    assert 0.93 <= cov_r <= 0.975


@pytest.mark.slow
def test_coverage_n10_slow():
    """Nominal 95 % at n = 10 pairs over 2000 repetitions (binomial SD 0.0049 at 0.95): the
    default (studentised) interval covers ≥ 93 %; BCa and percentile do not — the reason
    they are not the default.  Each measured coverage must also reproduce
    :data:`st.MEASURED_COVERAGE` (quoted in the reports) within 2.5 binomial SD."""
    reps = st.COVERAGE_REPETITIONS
    assert reps >= 1000
    measured = {m: _coverage_paired(m, reps=reps, n_boot=2000) for m in st.MEASURED_COVERAGE}
    for m, (cov_d, _) in measured.items():
        sd = math.sqrt(st.MEASURED_COVERAGE[m] * (1 - st.MEASURED_COVERAGE[m]) / reps)
        assert abs(cov_d - st.MEASURED_COVERAGE[m]) <= 2.5 * sd, (m, cov_d)
    assert measured["studentized"][0] >= 0.93 and measured["studentized"][1] >= 0.93
    assert measured["BCa"][0] < 0.93 and measured["percentile"][0] < 0.93


def test_interval_description_names_interval_and_coverage():
    text = st.interval_description()
    assert "studentised bootstrap" in text
    assert f"{100 * st.MEASURED_COVERAGE['studentized']:.1f} %" in text
    assert "n = 10" in text
    assert "BCa" in st.interval_description("BCa")


def test_two_sample_bootstrap_planted_difference():
    rng = np.random.default_rng(11)
    a, b = rng.normal(0.0, 1.0, 40), rng.normal(1.0, 2.0, 60)
    r = st.two_sample_bootstrap(a, b, n_boot=2000, seed=0)
    assert r.diff == pytest.approx(b.mean() - a.mean())
    assert r.method == "studentized" and r.low < 1.0 < r.high
    # close to Welch's t interval
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert r.low == pytest.approx(welch.low, abs=0.1) and r.high == pytest.approx(welch.high, abs=0.1)
    assert r.hedges_g == pytest.approx(st.hedges_g(a, b))
    const = st.two_sample_bootstrap([0.3] * 5, [0.1] * 4, n_boot=200)
    assert const.low == const.high == pytest.approx(-0.2)
    empty = st.two_sample_bootstrap([], [1.0, 2.0])
    assert math.isnan(empty.diff) and empty.n_a == 0


# ------------------------------------------------------------------------------ effect sizes

# Lakens (2013) Front. Psychol. 4:863, Table 1: two movies rated by the same ten people.
_MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]
_MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]


def test_effect_sizes_match_lakens_2013_worked_example():
    # independent-groups view: d_s = 1.13, Hedges' g_s = 1.08; paired view: d_z = 1.50
    assert st.hedges_g(_MOVIE_2, _MOVIE_1) == pytest.approx(1.08, abs=0.005)
    assert st.cohen_dz(_MOVIE_2, _MOVIE_1) == pytest.approx(1.50, abs=0.005)
    d_s = st.hedges_g(_MOVIE_2, _MOVIE_1) / st.hedges_correction(18)
    assert d_s == pytest.approx(1.13, abs=0.005)
    # b − a convention: swapping the conditions flips the sign
    assert st.cohen_dz(_MOVIE_1, _MOVIE_2) == pytest.approx(-1.50, abs=0.005)
    assert math.isnan(st.cohen_dz([1.0, 2.0], [2.0, 3.0]))  # all differences equal


def test_hedges_correction_known_values():
    # closed forms: J(2) = Γ(1)/Γ(1/2) = 1/√π; J(4) = Γ(2)/(√2 Γ(3/2)) = √(2/π)
    assert st.hedges_correction(2) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-12)
    assert st.hedges_correction(4) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)
    # J(df) ≈ 1 − 3/(4 df − 1) (Hedges 1981), to < 5e-4 for df ≥ 9
    for df in (9, 18, 50):
        assert st.hedges_correction(df) == pytest.approx(1 - 3 / (4 * df - 1), abs=5e-4)
    assert math.isnan(st.hedges_correction(1))


def test_hedges_gz_removes_the_small_sample_bias_of_dz():
    """Planted δ = 0.5 at n = 10 pairs, 4000 samples: d_z overestimates by 1/J(9) ≈ 9 %
    (≈ 0.047, about 9 standard errors of the mean over samples); g_z is unbiased."""
    rng = np.random.default_rng(12)
    dz, gz = [], []
    for _ in range(4000):
        a = rng.normal(0, 1, 10)
        b = a + rng.normal(0.5, 1, 10)
        dz.append(st.cohen_dz(a, b))
        gz.append(st.hedges_g(a, b, paired=True))
    se = np.std(gz) / math.sqrt(len(gz))
    assert abs(np.mean(gz) - 0.5) < 3 * se
    assert np.mean(dz) - 0.5 > 5 * se


# ------------------------------------------------------------------------------ multiple comparisons


def test_holm_worked_example():
    # Holm–Bonferroni textbook example (4 hypotheses, α = 0.05): sorted 0.005, 0.01, 0.03,
    # 0.04 → 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(1·0.04, 0.06) = 0.06
    adj = st.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adj, [0.03, 0.06, 0.06, 0.02])
    assert list(adj <= 0.05) == [True, False, False, True]


# Benjamini & Hochberg (1995) J. R. Stat. Soc. B 57:289, §4.2: 15 p-values of a trial.
_BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
            0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_benjamini_hochberg_and_holm_on_the_1995_example():
    bh = st.benjamini_hochberg(_BH_1995)
    # BH at q = 0.05 rejects the four smallest; a family-wise procedure only three
    assert int(np.sum(bh <= 0.05)) == 4
    assert int(np.sum(st.holm(_BH_1995) <= 0.05)) == 3
    # by hand: p(4)·15/4 = 0.035625; p(5) → min_j≥5 p(j)·15/j = p(5)·3 = 0.0603;
    # p(6) → p(7)·15/7 = 0.063857…
    assert bh[3] == pytest.approx(0.0095 * 15 / 4)
    assert bh[4] == pytest.approx(0.0603)
    assert bh[5] == pytest.approx(0.0298 * 15 / 7)
    assert bh[-1] == 1.0
    np.testing.assert_allclose(bh, stats.false_discovery_control(_BH_1995), rtol=1e-12)


def test_corrections_handle_nan_order_and_bounds():
    p = np.array([0.04, np.nan, 0.01, 0.5])
    h = st.holm(p)
    assert math.isnan(h[1])  # a comparison that could not be made is not in the family
    np.testing.assert_allclose(h[[0, 2, 3]], [0.08, 0.03, 0.5])
    assert np.all(st.benjamini_hochberg(p)[[0, 2, 3]] >= p[[0, 2, 3]])
    assert st.holm([]).size == 0
    with pytest.raises(ValueError):
        st.holm([0.5, 1.2])


def test_holm_controls_family_wise_error():
    """10 true nulls per family, 2000 families: P(any Holm-adjusted p ≤ 0.05) ≤ 0.05 within
    3 binomial SD (for independent tests it is 1 − 0.95^(1/10·10) ≈ 0.049)."""
    rng = np.random.default_rng(13)
    n_fam = 2000
    hits = sum(bool(np.any(st.holm(rng.uniform(size=10)) <= 0.05)) for _ in range(n_fam))
    assert hits <= n_fam * 0.05 + 3 * st.binomial_sd(n_fam, 0.05)
    assert hits >= n_fam * 0.05 - 3 * st.binomial_sd(n_fam, 0.05)  # and is not conservative


# ------------------------------------------------------------------------------ ANCOVA


def test_ancova_without_covariate_is_the_pooled_t_test():
    rng = np.random.default_rng(14)
    ref, grp = rng.normal(0, 1, 15), rng.normal(0.8, 1, 12)
    y = np.r_[ref, grp]
    g = np.r_[np.zeros(15, bool), np.ones(12, bool)]
    res = st.ancova(y, np.ones_like(y), g)
    tt = stats.ttest_ind(grp, ref, equal_var=True)
    assert res.effect == pytest.approx(grp.mean() - ref.mean())
    assert res.p_value == pytest.approx(tt.pvalue, rel=1e-10)
    assert res.dof == 25 and math.isnan(res.slope)
    ci = tt.confidence_interval(0.95)
    assert res.low == pytest.approx(ci.low) and res.high == pytest.approx(ci.high)


def test_ancova_recovers_planted_effect_and_covers():
    """y = 1 + 2x + 0.5·g + N(0, 1), with the covariate shifted between groups (a raw
    difference of means would be biased by 2·shift).  The t-based 95 % CI of the group
    effect covers 0.5 in 0.95 ± 3 binomial SD of 400 data sets."""
    hits, effects = 0, []
    for i in range(400):
        r = np.random.default_rng(40_000 + i)
        g = np.r_[np.zeros(20, bool), np.ones(20, bool)]
        x = r.normal(0, 1, 40) + 0.8 * g
        y = 1 + 2 * x + 0.5 * g + r.normal(0, 1, 40)
        res = st.ancova(y, x, g)
        hits += res.low <= 0.5 <= res.high
        effects.append(res.effect)
    sd = st.binomial_sd(400, 0.95)
    assert abs(hits - 380) <= 3 * sd
    assert np.mean(effects) == pytest.approx(0.5, abs=0.05)
    assert res.slope == pytest.approx(2.0, abs=5 * res.slope_stderr)
    with pytest.raises(ValueError):
        st.ancova([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [True, False, False])

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

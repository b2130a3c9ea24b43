"""Hand-computed tests for mgnet.analysis.configuration_metrics (fast, no Brian2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mgnet.analysis import configuration_metrics as cm
from mgnet.analysis.statistics import hyperbolic_fit

# ------------------------------------------------------------------ the hand-made bouton table
#
# Three branches, ids deliberately non-contiguous and boutons listed out of order, so grouping
# must go by id.  Branch 10: 20 µm, branch 3: 10 µm, branch 7: 5 µm (all silent).
#
#  bouton branch pr_1ap  pr_burst  q    pr_true  wca  wca_burst  mg_i   functional?
#  b0     10     0.0     0.1       1.0  0.01     0.0  0.5        0.4    no
#  b1     10     0.2     0.5       0.5  0.25     1.0  2.0        0.5    yes
#  b2     10     0.1     0.3       2.0  0.08     0.5  1.5        0.6    yes
#  b3     10     1/30    0.2       1.0  0.05     0.1  0.3        0.7    no  (1 of 30 < 0.04)
#  b4     3      0.5     0.6       1.0  0.45     2.0  3.0        1.0    yes
#  b5     3      0.04    0.1       1.0  0.03     0.2  0.4        1.2    yes (threshold inclusive)
#  b6     7      0.0     2/30      1.0  0.02     0.0  0.1        0.3    no
_ROWS = {
    "b0": (10, 0.0, 0.1, 1.0, 0.01, 0.0, 0.5, 0.4),
    "b1": (10, 0.2, 0.5, 0.5, 0.25, 1.0, 2.0, 0.5),
    "b2": (10, 0.1, 0.3, 2.0, 0.08, 0.5, 1.5, 0.6),
    "b3": (10, 1 / 30, 0.2, 1.0, 0.05, 0.1, 0.3, 0.7),
    "b4": (3, 0.5, 0.6, 1.0, 0.45, 2.0, 3.0, 1.0),
    "b5": (3, 0.04, 0.1, 1.0, 0.03, 0.2, 0.4, 1.2),
    "b6": (7, 0.0, 2 / 30, 1.0, 0.02, 0.0, 0.1, 0.3),
}
_ORDER = ["b4", "b0", "b6", "b2", "b5", "b1", "b3"]
_KEYS = ("branch_id", "pr_1ap", "pr_burst", "q", "pr_true", "wca", "wca_burst", "mg_i")

# Binary entropies (bits), computed independently: H(p) = −p log2 p − (1−p) log2(1−p)
H = {
    0.2: 0.7219280948873623,
    0.1: 0.4689955935892812,
    0.5: 1.0,
    0.04: 0.24229218908241482,
    0.25: 0.8112781244591328,
    0.08: 0.4021791902022728,
    0.05: 0.28639695711595625,
    0.45: 0.9927744539878083,
}


def _boutons():
    cols = list(zip(*[_ROWS[b] for b in _ORDER], strict=True))
    d = {k: np.array(v, dtype=float) for k, v in zip(_KEYS, cols, strict=True)}
    d["branch_id"] = d["branch_id"].astype(int)
    return d


BRANCH_IDS = np.array([10, 3, 7])
LENGTHS = np.array([20.0, 10.0, 5.0])

# Expected rows (branch 10, branch 3, branch 7), written out by hand.
EXPECTED = {
    "n_boutons": [4, 2, 1],
    "n_functional": [2, 2, 0],
    "silent_fraction": [0.5, 0.0, 1.0],
    "D": [2 / 20 * 10, 2.0, 0.0],  # 1.0, 2.0, 0.0 functional / 10 µm
    "mean_pr": [0.15, 0.27, np.nan],  # (0.2+0.1)/2, (0.5+0.04)/2
    "sum_pr": [0.15, 0.54, 0.0],  # 0.3 per 20 µm; 0.54 per 10 µm
    "sum_pr_burst": [0.4, 0.7, 0.0],  # 0.8 per 20 µm; 0.7 per 10 µm
    "stf": [0.8 / 0.3, 0.7 / 0.54, np.nan],
    "G": [0.15, 0.54, 0.0],  # (0.2·0.5 + 0.1·2.0)/2; 0.5·1 + 0.04·1
    "G_burst": [0.425, 0.7, 0.0],  # (0.5·0.5 + 0.3·2.0)/2; 0.6 + 0.1
    "capacity_bits": [(H[0.2] + H[0.1]) / 2, H[0.5] + H[0.04], 0.0],
    "sum_wca": [0.75, 2.2, 0.0],  # (1.0+0.5)/2; 2.0+0.2
    "sum_wca_burst": [1.75, 3.4, 0.0],  # (2.0+1.5)/2; 3.0+0.4
    "mg_i": [0.55, 1.1, 0.3],
    "mean_pr_true": [0.165, 0.24, np.nan],  # over measured-functional: (0.25+0.08)/2, (0.45+0.03)/2
    "sum_pr_true": [0.165, 0.48, 0.0],
    "true_n_functional": [3, 1, 0],  # pr_true ≥ 0.04: b1, b2, b3 | b4 | none
    "true_silent_fraction": [0.25, 0.5, 1.0],
    "true_D": [1.5, 1.0, 0.0],
    "true_mean_pr": [0.38 / 3, 0.45, np.nan],
    "true_sum_pr": [0.19, 0.45, 0.0],
    "true_capacity_bits": [(H[0.25] + H[0.08] + H[0.05]) / 2, H[0.45], 0.0],
}


def _assert_rows(table, expected=EXPECTED):
    for key, val in expected.items():
        np.testing.assert_allclose(table[key], val, rtol=1e-12, atol=1e-14, err_msg=key)


# ------------------------------------------------------------------ entropy


def test_entropy_table_is_correct():
    # guards the literals above against typos
    for p, h in H.items():
        assert h == pytest.approx(-p * math.log2(p) - (1 - p) * math.log2(1 - p), rel=1e-12)


def test_binary_entropy_values_and_symmetry():
    assert cm.binary_entropy(0.5) == 1.0
    assert cm.binary_entropy(0.0) == 0.0
    assert cm.binary_entropy(1.0) == 0.0
    p = np.linspace(0.0, 1.0, 101)
    h = cm.binary_entropy(p)
    assert np.all(np.isfinite(h))
    np.testing.assert_allclose(h, h[::-1], atol=1e-15)
    assert cm.binary_entropy(0.2) == pytest.approx(H[0.2], rel=1e-12)
    assert cm.binary_entropy(0.04) == pytest.approx(H[0.04], rel=1e-12)
    assert np.all(np.diff(h[:51]) > 0)  # increasing up to 0.5
    with pytest.raises(ValueError):
        cm.binary_entropy(1.2)


def test_entropy_sum_hand_computation_tiny_table():
    # one 10 µm branch, boutons Pr = 0.5, 0.2, 0.02 (silent), 0.1:
    # capacity = H(0.5) + H(0.2) + H(0.1) = 1 + 0.72193 + 0.46900 = 2.19092 bits / 10 µm
    b = {
        "branch_id": np.array([0, 0, 0, 0]),
        "pr_1ap": np.array([0.5, 0.2, 0.02, 0.1]),
        "pr_burst": np.array([0.6, 0.4, 0.1, 0.3]),
    }
    t = cm.branch_metrics(b, [0], [10.0])
    assert t["capacity_bits"][0] == pytest.approx(2.190923688476643, rel=1e-12)
    # same bouton set on a 40 µm branch: a quarter of the bits per 10 µm
    t4 = cm.branch_metrics(b, [0], [40.0])
    assert t4["capacity_bits"][0] == pytest.approx(2.190923688476643 / 4, rel=1e-12)


# ------------------------------------------------------------------ branch metrics


def test_branch_metrics_hand_table():
    t = cm.branch_metrics(_boutons(), BRANCH_IDS, LENGTHS)
    assert list(t) == list(cm.BRANCH_COLUMNS)
    np.testing.assert_array_equal(t["branch_id"], BRANCH_IDS)
    np.testing.assert_array_equal(t["length_um"], LENGTHS)
    _assert_rows(t)
    assert t["n_boutons"].dtype.kind == "i"


def test_branch_metrics_independent_of_row_order():
    perm = np.array([2, 0, 1])
    t = cm.branch_metrics(_boutons(), BRANCH_IDS[perm], LENGTHS[perm])
    _assert_rows(t, {k: np.asarray(v, dtype=float)[perm] for k, v in EXPECTED.items()})


def test_branch_metrics_from_counts_only():
    # 30-trial counts instead of fractions: 1 release (1/30) is silent, 2 releases functional
    b = {
        "branch_id": np.array([1, 1, 1, 2]),
        "n_release_1ap": np.array([1, 2, 6, 0]),
        "n_release_burst": np.array([3, 6, 9, 1]),
        "n_trials": 30,
    }
    t = cm.branch_metrics(b, [1, 2], [10.0, 10.0])
    np.testing.assert_array_equal(t["n_functional"], [2, 0])
    np.testing.assert_allclose(t["mean_pr"][0], (2 / 30 + 6 / 30) / 2)
    np.testing.assert_allclose(t["sum_pr_burst"][0], 15 / 30)
    np.testing.assert_allclose(t["stf"][0], 15 / 8)
    # optional columns missing → NaN, never a silent zero
    assert np.isnan(t["G"][0]) and np.isnan(t["sum_wca"][0]) and np.isnan(t["true_D"][0])


def test_threshold_parameter_changes_classification():
    t = cm.branch_metrics(_boutons(), BRANCH_IDS, LENGTHS, threshold=0.15)
    np.testing.assert_array_equal(t["n_functional"], [1, 1, 0])  # only b1 (0.2), b4 (0.5)
    np.testing.assert_allclose(t["mean_pr"][:2], [0.2, 0.5])


def test_branch_metrics_validates_inputs():
    with pytest.raises(ValueError):  # bouton on an unlisted branch
        cm.branch_metrics(_boutons(), [10, 3], [20.0, 10.0])
    with pytest.raises(ValueError):  # duplicate ids
        cm.branch_metrics(_boutons(), [10, 3, 3], [20.0, 10.0, 5.0])
    with pytest.raises(ValueError):  # non-positive length
        cm.branch_metrics(_boutons(), BRANCH_IDS, [20.0, 0.0, 5.0])


def test_functional_mask_and_delta_pr():
    b = _boutons()
    np.testing.assert_array_equal(
        cm.functional_mask(b), [True, False, False, True, True, True, False]
    )  # order b4 b0 b6 b2 b5 b1 b3
    np.testing.assert_allclose(
        cm.delta_pr(b), [0.1, 0.1, 2 / 30, 0.2, 0.06, 0.3, 0.2 - 1 / 30], atol=1e-15
    )
    assert cm.FUNCTIONAL_PR_THRESHOLD == 0.04


def test_planted_hyperbola_through_branch_metrics():
    # 60 branches of 10 µm with ΣPr fixed at 1.2: branch j has n_j boutons of Pr = 1.2/n_j,
    # so D = n_j and P̄r = 1.2/n_j exactly → the hyperbolic fit returns k = 1.2, R² = 1
    rng = np.random.default_rng(0)
    n_per = rng.integers(2, 20, 60)
    bid = np.repeat(np.arange(60), n_per)
    pr = np.repeat(1.2 / n_per, n_per)
    t = cm.branch_metrics({"branch_id": bid, "pr_1ap": pr, "pr_burst": pr}, np.arange(60),
                          np.full(60, 10.0))
    np.testing.assert_allclose(t["sum_pr"], 1.2)
    fit = hyperbolic_fit(t["mean_pr"], t["D"])
    assert fit.k == pytest.approx(1.2) and fit.r2 == pytest.approx(1.0)


# ------------------------------------------------------------------ summaries and split


def test_condition_summary_hand_table():
    s = cm.condition_summary(cm.branch_metrics(_boutons(), BRANCH_IDS, LENGTHS))
    assert s["n_branches"] == 3 and s["n_boutons"] == 7 and s["n_functional"] == 4
    assert s["total_length_um"] == 35.0
    assert s["silent_fraction_pooled"] == pytest.approx(3 / 7)
    assert s["D_pooled"] == pytest.approx(4 / 35 * 10)
    assert s["stf_pooled"] == pytest.approx((0.8 + 0.7) / (0.3 + 0.54))
    assert s["D_median"] == pytest.approx(1.0) and s["D_mean"] == pytest.approx(1.0)
    assert s["mean_pr_n"] == 2 and s["mean_pr_median"] == pytest.approx(0.21)
    assert s["sum_pr_mean"] == pytest.approx((0.15 + 0.54 + 0.0) / 3)
    assert s["D_sd"] == pytest.approx(1.0)
    assert "branch_id_median" not in s


def test_dhilo_dlohi_split_rule():
    table = {"mean_pr": np.array([0.1, 0.4, 0.2, np.nan, 0.3, 0.2, 0.25])}
    # finite: 0.1 0.2 0.2 0.25 0.3 0.4 → median 0.225
    sp = cm.dhilo_dlohi_split(table)
    assert sp.threshold == pytest.approx(0.225)
    np.testing.assert_array_equal(sp.dhilo, [True, False, True, False, False, True, False])
    np.testing.assert_array_equal(sp.dlohi, [False, True, False, False, True, False, True])
    assert (sp.n_dhilo, sp.n_dlohi, sp.n_excluded) == (3, 3, 1)
    assert "DHiLo" in sp.rule and "ties" in sp.rule
    # tie at the median goes to DHiLo
    tie = cm.dhilo_dlohi_split({"mean_pr": np.array([0.1, 0.2, 0.3])})
    np.testing.assert_array_equal(tie.dhilo, [True, True, False])
    # a given (pooled) threshold is applied as is
    given = cm.dhilo_dlohi_split({"mean_pr": np.array([0.1, 0.5])}, threshold=0.05)
    np.testing.assert_array_equal(given.dlohi, [True, True])


def test_pool_branch_tables_and_pooled_split():
    t1 = cm.branch_metrics(_boutons(), BRANCH_IDS, LENGTHS)
    b2 = _boutons()
    b2["pr_1ap"] = b2["pr_1ap"] * 0.5  # a "low-Pr condition"
    t2 = cm.branch_metrics(b2, BRANCH_IDS, LENGTHS)
    pooled = cm.pool_branch_tables([t1, t2])
    assert pooled["D"].size == 6
    np.testing.assert_array_equal(pooled["source"], [0, 0, 0, 1, 1, 1])
    sp = cm.dhilo_dlohi_split(pooled)
    # halved Pr: branch 10 keeps b1 0.1, b2 0.05 (P̄r 0.075); branch 3 keeps b4 0.25 (b5 0.02
    # is now silent); pooled finite P̄r 0.15 0.27 0.075 0.25 → median 0.2
    np.testing.assert_allclose(pooled["mean_pr"], [0.15, 0.27, np.nan, 0.075, 0.25, np.nan])
    assert sp.threshold == pytest.approx(0.2)
    np.testing.assert_array_equal(sp.dhilo, [True, False, False, True, False, False])

"""The numpy twin of the configuration experiments (experiments/configuration_study.py).

The twin builds the same run-file tables as the Brian2 experiments from the numpy pool
model; here: the mg-dose-response twin builds its groups and measured [Mg]i exactly as the
experiment does, and the T3 statistics it feeds the report follow the closed-form variance
partition of the configuration model (science.md §4 item 2).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from brian2 import mM

from mgnet.analysis import configuration_report as cr
from mgnet.experiments import configuration_study as cs
from mgnet.experiments import mg_dose_response as md
from mgnet.models.configuration import sample_branches
from mgnet.models.parameters import condition

LEVELS = (0.5, 0.7015)


@pytest.fixture(scope="module")
def dose():
    return cs.dose_run(condition("baseline"), seed=3, n_branches=400, levels_mM=LEVELS)


def test_dose_twin_builds_the_experiment_tables(dose):
    """Groups alternate by branch, the bouton [Mg]i and Pr are the experiment's
    group_states, and the measured [Mg]i carries a log-normal scatter of mean 1 and CV
    mg_i_measurement_cv (0.25): log-sd sqrt(ln(1 + 0.25²)) = 0.246 within 5 % (about 9000
    boutons: standard error 0.8 %), mean ratio 1 within 1 %."""
    p = condition("baseline")
    pop = sample_branches(400, p.configuration, rng=3)
    st = md.group_states(pop, LEVELS, p)
    b = dose.boutons
    assert np.array_equal(b["pr_true"], st["pr"])
    assert np.allclose(b["mg_i"], st["mg_bouton"])
    assert np.array_equal(dose.branches["mg_group"], np.arange(400) % 2)
    assert set(np.unique(b["mg_level"])) == set(LEVELS)
    ratio = b["mg_i_measured"] / b["mg_i"]
    cv = p.configuration.mg_i_measurement_cv
    assert np.std(np.log(ratio)) == pytest.approx(math.sqrt(math.log(1 + cv ** 2)), rel=0.05)
    assert np.mean(ratio) == pytest.approx(1.0, abs=0.01)
    # the elevated group sits at the elevated [Mg]i: more boutons active, lower Pr
    act = b["pr_true"] > 0
    g = b["mg_group"]
    assert act[g == 1].mean() > act[g == 0].mean()
    assert np.median(b["pr_true"][act & (g == 1)]) < np.median(b["pr_true"][act & (g == 0)])


def test_true_t3_r2_follows_the_variance_partition(dose):
    """log Pr = log c − k log [Mg]i for active boutons, so the true-value R² is
    k² var(log [Mg]i) / (k² var(log [Mg]i) + σ_c²): the two groups' [Mg]i (between-group
    variance (ln r)²/4), the branch and bouton log-normal factors (ln(1 + CV²) each) and the
    competence spread σ_c.  The twin's report value agrees within 0.05 (the active boutons
    are a selection by competence and [Mg]i, and Pr is clipped at pr_max)."""
    c = condition("baseline").configuration
    k = condition("baseline").release.k
    var_mg = (math.log(LEVELS[1] / LEVELS[0]) ** 2 / 4
              + math.log(1 + c.mg_i_branch_cv ** 2) + math.log(1 + c.mg_i_bouton_cv ** 2))
    predicted = k ** 2 * var_mg / (k ** 2 * var_mg + c.competence_sigma ** 2)
    row = cr.target_t3(dose)
    assert row["values"]["true_r2"] == pytest.approx(predicted, abs=0.05)
    assert row["values"]["true_exponent"] == pytest.approx(-k, abs=0.1)
    # the measured [Mg]i and the 30-trial Pr only lower it
    assert row["values"]["r2"] < row["values"]["true_r2"]


def test_study_rows_cover_t1_to_t9_with_t3_from_the_twin():
    res = cs.study(seeds=[0], n_branches=40, dose_branches=40)
    rows = {r["id"]: r for r in res["per_seed"][0]["rows"]}
    assert list(rows) == [f"T{i}" for i in range(1, 10)]
    assert not rows["T3"]["model"].startswith("not run")
    assert res["per_seed"][0]["dose"].branches["mg_level"].size == 40
    med = cs.median_rows(cs.study(seeds=[0, 1], n_branches=40, dose_branches=None))
    assert med[2]["id"] == "T3" and med[2]["model"].startswith("not run")
    assert med[0]["values"]["n_seeds"] == 2
    assert float(condition("elevated_mg").magnesium.mg_i / mM) == pytest.approx(LEVELS[1])

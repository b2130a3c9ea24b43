"""Planted-answer tests for the T1–T9 configuration report (analysis only, no Brian2).

Synthetic run files are written with ``write_run`` in the contract of the ``bouton-assay``,
``mg-dose-response`` and ``reconfiguration`` experiments; each test plants a known answer
(a hyperbola, identical distributions, a power law, a hand-computed entropy) and checks that
the report recovers it from the raw bouton rows.
"""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from mgnet.analysis import configuration_report as cr
from mgnet.analysis.configuration_metrics import binary_entropy
from mgnet.analysis.run_file import RunData, read_run, write_run

N_TRIALS = 30

# Columns outside the schema-v1 defaults need explicit units.
EXTRA_UNITS = {
    "wca_2b": "a.u.", "wca_burst_2b": "a.u.", "wca_nmda": "a.u.", "wca_burst_nmda": "a.u.",
    "active": "1", "competence": "1", "mg_i_measured": "mM", "mg_level": "mM", "time_h": "h",
}
BRANCH_EXTRA_UNITS = {"setpoint": "1/(10 um)", "time_h": "h"}


def attrs(experiment, condition, seed=0):
    return {
        "experiment": experiment, "condition": condition, "seed": seed,
        "run_id": f"{condition}_seed{seed}_quick", "created_utc": "2024-05-01T12:00:00+00:00",
        "mgnet_version": "0.1.0", "git_commit": "0" * 40, "git_dirty": False,
        "brian2_version": "2.9.0", "numpy_version": np.__version__,
        "python_version": sys.version.split()[0], "device": "runtime",
        "codegen_target": "numpy", "threads": 1, "config_toml": "", "scale": "quick",
    }


def write(tmp_path, experiment, condition, boutons, branches, seed=0):
    units = {f"/boutons/{k}": EXTRA_UNITS[k] for k in boutons if k in EXTRA_UNITS}
    units.update({f"/branches/{k}": BRANCH_EXTRA_UNITS[k] for k in branches
                  if k in BRANCH_EXTRA_UNITS})
    data = RunData(attrs=attrs(experiment, condition, seed), boutons=boutons,
                   branches=branches, units=units)
    path = tmp_path / "runs" / experiment / f"{condition}_seed{seed}_quick.h5"
    return read_run(write_run(path, data))


def write_with_units(tmp_path, experiment, condition, boutons, branches, seed=0):
    """``write`` for tables with the assay's extra columns (units from the experiment)."""
    from mgnet.experiments.bouton_assay import EXTRA_UNITS as EU
    units = {k: v for k, v in EU.items()
             if k.split("/")[2] in (boutons if k.startswith("/boutons") else branches)}
    units.update({f"/boutons/{k}": EXTRA_UNITS[k] for k in boutons if k in EXTRA_UNITS})
    data = RunData(attrs=attrs(experiment, condition, seed), boutons=boutons,
                   branches=branches, units=units)
    path = tmp_path / "runs" / experiment / f"{condition}_seed{seed}_quick.h5"
    return read_run(write_run(path, data))


def make_assay(rng, n_branches=80, pr_range=(0.1, 0.7), k=1.0, k_noise=0.05,
               exact=False, silent_ratio=1.0, mg_i=0.5, branch_id_offset=0):
    """Bouton and branch tables on the hyperbola D·P̄r = k·(1 + ε), ε ~ N(0, k_noise).

    exact=True: every functional bouton of a branch releases exactly round(30·m) times, so
    measured P̄r and D lie on the planted hyperbola without assay noise.  Otherwise pr_true
    scatters around the branch mean (Beta, concentration 10) and releases are binomial.
    Each branch also carries silent boutons (pr_true 0, inactive), ``silent_ratio`` per
    functional one on average.  Burst release p + 0.3 (1 − p)^6 facilitates low-Pr boutons.
    Stored /branches derived columns are deliberately wrong: they must never be used.
    """
    cols = {k_: [] for k_ in ("branch_id", "pr_true", "n_release_1ap", "n_release_burst", "q",
                               "wca", "wca_burst", "wca_2b", "wca_burst_2b", "wca_nmda",
                               "wca_burst_nmda", "active", "competence", "mg_i")}
    bids, lengths = [], []
    for b in range(n_branches):
        bid = branch_id_offset + 3 * b + 7  # non-contiguous ids
        m = rng.uniform(*pr_range)
        n_f = int(rng.integers(10, 40))
        n_s = int(rng.poisson(silent_ratio * n_f))
        if exact:
            c = max(2, int(round(N_TRIALS * m)))
            m = c / N_TRIALS
            p = np.full(n_f, m)
            n1 = np.full(n_f, c)
        else:
            conc = 10.0
            p = np.clip(rng.beta(m * conc, (1 - m) * conc, n_f), 0.02, 0.98)
            n1 = rng.binomial(N_TRIALS, p)
        eps = rng.normal(0, k_noise)
        length = n_f * m * 10.0 / (k * (1 + eps))
        pb = np.clip(p + 0.3 * (1 - p) ** 6, 0, 1)
        nb = rng.binomial(N_TRIALS, pb)
        p_all = np.concatenate([p, np.zeros(n_s)])
        n1_all = np.concatenate([n1, np.zeros(n_s, int)])
        nb_all = np.concatenate([nb, np.zeros(n_s, int)])
        n = n_f + n_s
        wca = 2.0 * np.maximum(n1_all / N_TRIALS, 1e-3) ** 0.55 * rng.lognormal(0, 0.15, n)
        wca_b = wca * 1.5
        cols["branch_id"].append(np.full(n, bid))
        cols["pr_true"].append(p_all)
        cols["n_release_1ap"].append(n1_all)
        cols["n_release_burst"].append(nb_all)
        cols["q"].append(rng.lognormal(0, 0.2, n))
        cols["wca"].append(wca)
        cols["wca_burst"].append(wca_b)
        cols["wca_nmda"].append(0.8 * wca)
        cols["wca_burst_nmda"].append(0.8 * wca_b)
        cols["wca_2b"].append(0.8 * 0.55 * wca)
        cols["wca_burst_2b"].append(0.8 * 0.5 * wca_b)
        cols["active"].append(np.concatenate([np.ones(n_f, bool), np.zeros(n_s, bool)]))
        cols["competence"].append(np.concatenate([p, np.zeros(n_s)]))
        cols["mg_i"].append(np.full(n, mg_i))
        bids.append(bid)
        lengths.append(length)
    boutons = {k_: np.concatenate(v) for k_, v in cols.items()}
    boutons["n_release_1ap"] = boutons["n_release_1ap"].astype(np.int64)
    boutons["n_release_burst"] = boutons["n_release_burst"].astype(np.int64)
    boutons["pr_1ap"] = boutons["n_release_1ap"] / N_TRIALS
    boutons["pr_burst"] = boutons["n_release_burst"] / N_TRIALS
    nbr = len(bids)
    branches = {"branch_id": np.array(bids), "length_um": np.array(lengths),
                "mg_i": np.full(nbr, mg_i), "setpoint": np.full(nbr, k),
                # garbage derived columns: the report must recompute them
                "D": np.full(nbr, 99.0), "mean_pr": np.full(nbr, 0.5),
                "sum_pr": np.full(nbr, 99.0), "capacity_bits": np.full(nbr, -1.0)}
    return boutons, branches


def by_id(rows):
    return {r["id"]: r for r in rows}


# ------------------------------------------------------------------------------------ T1


def test_planted_hyperbola_reproduces_t1(tmp_path):
    rng = np.random.default_rng(11)
    run = write(tmp_path, "bouton-assay", "baseline", *make_assay(rng, exact=True))
    row = by_id(cr.configuration_targets([run]))["T1"]
    v = row["values"]
    assert row["reproduced"] is True
    assert v["hyperbola_r2"] > 0.9
    assert v["hyperbola_k"] == pytest.approx(1.0, rel=0.03)
    assert v["inverse_r2"] > 0.9
    assert v["sum_pr_p"] > 0.05
    # exact planting: the true-Pr fit sees the same hyperbola
    assert v["true_hyperbola_r2"] == pytest.approx(v["hyperbola_r2"], abs=1e-9)
    assert row["kind"] == "V" and row["figure"].endswith("fig1b_hyperbola.png")


def test_t1_fails_when_sum_pr_tracks_mean_pr(tmp_path):
    """D constant across branches: ΣPr = D·P̄r rises with P̄r, so the hyperbola explains nothing
    and the ΣPr–P̄r regression is significant."""
    rng = np.random.default_rng(3)
    b, br = make_assay(rng, exact=True)
    func = b["pr_1ap"] >= 0.04
    n_func = np.array([np.sum(func & (b["branch_id"] == i)) for i in br["branch_id"]])
    br["length_um"] = n_func * 10.0 / 2.0  # D = 2 on every branch
    row = by_id(cr.configuration_targets([write(tmp_path, "bouton-assay", "baseline", b, br)]))["T1"]
    assert row["reproduced"] is False
    assert row["values"]["sum_pr_p"] < 1e-6
    assert {c["name"]: c["passed"] for c in row["checks"]}["sum_pr_not_significant"] is False


# ------------------------------------------------------------------------------------ T2


def test_same_distribution_gives_non_significant_ks(tmp_path):
    """Both conditions draw every bouton Pr independently from one Beta(3.5, 6.5)."""
    rng = np.random.default_rng(5)
    same = dict(pr_range=(0.35, 0.35))
    base = write(tmp_path, "bouton-assay", "baseline", *make_assay(rng, **same))
    elev = write(tmp_path, "bouton-assay", "elevated_mg", *make_assay(rng, **same))
    row = by_id(cr.configuration_targets([base, elev]))["T2"]
    checks = {c["name"]: c["passed"] for c in row["checks"]}
    assert row["values"]["pr_ks_p"] > 0.001
    assert checks["pr_ks"] is False
    assert row["reproduced"] is False
    assert any("Pr KS" in s for s in cr.failure_summary([row]))


def test_branch_clustering_is_reported_beside_bouton_ks(tmp_path):
    """Same branch-level distribution, but boutons share their branch's mean Pr: the
    bouton-level KS (the paper's test) is inflated by the clustering, the branch-level check
    reported beside it is not."""
    rng = np.random.default_rng(5)
    base = write(tmp_path, "bouton-assay", "baseline", *make_assay(rng))
    elev = write(tmp_path, "bouton-assay", "elevated_mg", *make_assay(rng))
    v = by_id(cr.configuration_targets([base, elev]))["T2"]["values"]
    assert v["pr_ks_p"] < 0.001  # this seed: spuriously "significant" at the bouton level
    assert v["branch_mean_pr_ks_p"] > 0.05


def test_shifted_configuration_reproduces_t2_direction_and_t4(tmp_path):
    rng = np.random.default_rng(6)
    base = write(tmp_path, "bouton-assay", "baseline", *make_assay(rng, pr_range=(0.15, 0.7)))
    elev = write(tmp_path, "bouton-assay", "elevated_mg",
                 *make_assay(rng, pr_range=(0.08, 0.4), silent_ratio=0.4))
    rows = by_id(cr.configuration_targets([base, elev]))
    checks = {c["name"]: c["passed"] for c in rows["T2"]["checks"]}
    assert checks["pr_ks"] and checks["D_up"] and checks["mean_pr_down"]
    assert rows["T2"]["values"]["true_mean_pr_elevated"] < rows["T2"]["values"]["true_mean_pr_baseline"]
    # planted burst facilitation 0.3 (1 − p)^6 is concentrated on low-Pr boutons
    assert rows["T4"]["reproduced"] is True
    assert rows["T4"]["values"]["rho"] < -0.3
    # T7 GluN2B share planted at 55 %; wCa planted ∝ Pr^0.55 of the measured Pr
    assert rows["T7"]["values"]["glun2b_share"] == pytest.approx(0.55)
    assert rows["T7"]["values"]["exponent"] == pytest.approx(0.55, abs=0.05)
    # T9: low-Pr branches carry more bits per release
    assert rows["T9"]["values"]["split_gain"] > 0.2
    assert rows["T9"]["values"]["rho"] < 0


# ------------------------------------------------------------------------------------ T3


def test_planted_two_group_power_law_exponent_t3(tmp_path):
    """The paper's design (Fig 4d): a physiological and an elevated-Mg group, each bouton
    with its own [Mg]i around the group level, pooled into one double-log fit; a planted
    exponent -0.8 is returned by the pooled fit and by each group alone."""
    rng = np.random.default_rng(8)
    n = 4000
    group = np.arange(n) % 2
    level = np.where(group == 0, 0.5, 0.9)
    mg = level * rng.lognormal(0, 0.3, n)  # each bouton's own axon
    mg_meas = mg * rng.lognormal(0, 0.05, n)  # imaging scatter
    comp = rng.lognormal(np.log(0.3), 0.35, n)
    pr_true = np.clip(comp * (mg / 0.5) ** -0.8, 0, 1)
    n1 = rng.binomial(N_TRIALS, pr_true)
    nb = rng.binomial(N_TRIALS, np.clip(pr_true * 1.3, 0, 1))
    boutons = {"branch_id": np.arange(n) // 20, "pr_true": pr_true, "mg_i": mg,
               "mg_i_measured": mg_meas, "mg_level": level, "n_release_1ap": n1,
               "n_release_burst": nb, "pr_1ap": n1 / N_TRIALS, "pr_burst": nb / N_TRIALS}
    branches = {"branch_id": np.arange(n // 20), "length_um": np.full(n // 20, 50.0)}
    run = write(tmp_path, "mg-dose-response", "baseline", boutons, branches)
    row = cr.target_t3(run)
    v = row["values"]
    assert v["true_exponent"] == pytest.approx(-0.8, abs=0.03)
    # measured Pr (30 trials, functional only) biases the slope a little towards 0
    assert v["exponent"] == pytest.approx(-0.8, abs=0.12)
    assert v["n_groups"] == 2
    assert v["group0_mg_i_mM"] == 0.5 and v["group1_mg_i_mM"] == 0.9
    for g in (0, 1):
        assert v[f"group{g}_exponent"] == pytest.approx(-0.8, abs=0.15)
    assert row["checks"][0]["passed"] is True
    # the verdict follows the R² window exactly
    assert row["reproduced"] is (0.35 <= v["r2"] <= 0.75)


# ------------------------------------------------------------------------- T1 pooled


def test_pooled_hyperbola_and_linear_fit_return_the_planted_k(tmp_path):
    """Both conditions on D·P̄r = k (different P̄r ranges, as after the Mg shift): the
    pooled hyperbola gives k, and the linear D vs 1/P̄r fit gives slope k, intercept 0."""
    rng = np.random.default_rng(21)
    k = 1.7
    base = write(tmp_path, "bouton-assay", "baseline",
                 *make_assay(rng, pr_range=(0.3, 0.8), k=k, k_noise=0.0, exact=True))
    elev = write(tmp_path, "bouton-assay", "elevated_mg",
                 *make_assay(rng, pr_range=(0.1, 0.4), k=k, k_noise=0.0, exact=True,
                             branch_id_offset=5000))
    row = by_id(cr.configuration_targets([base, elev]))["T1"]
    v = row["values"]
    assert v["pooled_conditions"] == "baseline + elevated_mg"
    assert v["n_branches"] == 160
    assert v["hyperbola_k"] == pytest.approx(k, rel=1e-6)
    assert v["inverse_slope"] == pytest.approx(k, rel=1e-6)
    assert v["inverse_intercept"] == pytest.approx(0.0, abs=1e-6)
    assert v["hyperbola_r2"] > 0.999 and v["inverse_r2"] > 0.999
    assert row["reproduced"] is True
    assert "C1" in row["calibrations"]


def test_t1_is_the_median_over_seeds(tmp_path):
    """Five seeds with different scatter about the hyperbola: the row's R² is the median
    of the per-seed R², with their range, and the verdict applies the rule to it."""
    per_seed_r2, runs = [], []
    for seed, noise in enumerate([0.02, 0.05, 0.1, 0.15, 0.25]):
        rng = np.random.default_rng(100 + seed)
        b = write(tmp_path, "bouton-assay", "baseline",
                  *make_assay(rng, k_noise=noise, exact=True), seed=seed)
        e = write(tmp_path, "bouton-assay", "elevated_mg",
                  *make_assay(rng, k_noise=noise, exact=True, pr_range=(0.05, 0.35),
                              branch_id_offset=5000), seed=seed)
        runs += [b, e]
        per_seed_r2.append(by_id(cr.configuration_targets([b, e]))["T1"]["values"]
                           ["hyperbola_r2"])
    row = by_id(cr.configuration_targets(runs))["T1"]
    v = row["values"]
    assert v["n_seeds"] == 5
    assert v["hyperbola_r2"] == pytest.approx(np.median(per_seed_r2))
    assert v["_range"]["hyperbola_r2"] == pytest.approx((min(per_seed_r2), max(per_seed_r2)))
    assert row["model"].startswith("median of 5 seeds")
    assert row["checks"][0]["passed"] is bool(np.median(per_seed_r2) >= 0.75)
    assert len(row["per_seed"]) == 5
    # pooling all seeds into one table is still available
    pooled = by_id(cr.configuration_targets(runs, by_seed=False))["T1"]
    assert "n_seeds" not in pooled["values"] and pooled["values"]["n_branches"] == 800


# ------------------------------------------------------------------------------ T7


def test_planted_offset_power_law_and_glun2b_block_t7(tmp_path):
    """wCa = a·Pr^b + c planted with b = 0.55 (the paper's curve): T7 returns b, and its
    log–log exponent is larger; a planted 57 % block share is returned from wca_blocked."""
    rng = np.random.default_rng(5)
    b, br = make_assay(rng, n_branches=120, exact=True)
    pr = b["pr_1ap"]
    wca = 31.10 * np.maximum(pr, 1e-3) ** 0.55 - 3.95 + rng.normal(0, 0.5, pr.size)
    b.update(wca=wca, wca_burst=1.5 * wca, wca_blocked=0.43 * wca,
             wca_burst_blocked=0.43 * 1.5 * wca, wca_charge=wca, wca_burst_charge=wca)
    run = write_with_units(tmp_path, "bouton-assay", "baseline", b, br)
    row = cr.target_t7({"baseline": cr.condition_data(run)})
    v = row["values"]
    assert v["exponent"] == pytest.approx(0.55, abs=0.03)
    assert v["c"] == pytest.approx(-3.95, abs=0.6)
    assert v["loglog_exponent"] > v["exponent"] + 0.1
    assert v["glun2b_share"] == pytest.approx(0.57, abs=1e-9)
    assert v["glun2b_method_block"] == 1.0
    assert v["wca_is_concentration"] == 1.0
    checks = {c["name"]: c["passed"] for c in row["checks"]}
    assert checks["exponent"] is True and checks["glun2b_share"] is True


# ------------------------------------------------------------------- exhausted branches


def test_exhaustion_table_reports_fraction_and_premise(tmp_path):
    rng = np.random.default_rng(6)
    out = []
    for cond, frac in (("baseline", 0.05), ("elevated_mg", 0.35)):
        b, br = make_assay(rng, n_branches=40, exact=True)
        nbr = len(br["branch_id"])
        ex = np.zeros(nbr, bool)
        ex[: int(round(frac * nbr))] = True
        br["exhausted"] = ex
        br["setpoint_ratio"] = np.where(ex, 0.8, 1.0)
        out.append(write_with_units(tmp_path, "bouton-assay", cond, b, br))
    conds, _ = cr.assay_conditions(out)
    table = {r["condition"]: r for r in cr.exhaustion_table(conds)}
    assert table["baseline"]["exhausted_fraction"] == pytest.approx(0.05)
    assert table["elevated_mg"]["exhausted_fraction"] == pytest.approx(0.35)
    assert table["elevated_mg"]["exhausted_setpoint_ratio"] == pytest.approx(0.8)
    assert table["baseline"]["premise_holds"] and not table["elevated_mg"]["premise_holds"]


# ------------------------------------------------------------------------------ T6, T9


def test_hand_computed_capacity_bits(tmp_path):
    # branch 4 (20 µm): Pr 0.5, 0.5, 0.1 functional; 0 and 1/30 silent (below 0.04).
    # branch 9 (10 µm): Pr 0.25 four times (given as fractions; counts are auxiliary).
    pr = np.array([0.5, 0.5, 0.1, 0.0, 1 / 30, 0.25, 0.25, 0.25, 0.25])
    counts = np.array([15, 15, 3, 0, 1, 8, 8, 8, 8], dtype=np.int64)
    boutons = {"branch_id": np.array([4, 4, 4, 4, 4, 9, 9, 9, 9]), "pr_1ap": pr,
               "pr_burst": pr, "n_release_1ap": counts, "n_release_burst": counts}
    run = write(tmp_path, "bouton-assay", "baseline", boutons,
                {"branch_id": np.array([9, 4]), "length_um": np.array([10.0, 20.0])})
    cd = cr.condition_data(run)
    cap = dict(zip(cd.branches["orig_branch_id"].tolist(), cd.branches["capacity_bits"], strict=True))
    h01 = -0.1 * math.log2(0.1) - 0.9 * math.log2(0.9)  # 0.4689955935892812
    h025 = -0.25 * math.log2(0.25) - 0.75 * math.log2(0.75)  # 0.8112781244591328
    assert cap[4] == pytest.approx((1 + 1 + h01) * 10 / 20, rel=1e-12)
    assert cap[9] == pytest.approx(4 * h025, rel=1e-12)
    assert int(cd.branches["n_functional"].sum()) == 7


def test_capacity_gain_at_matched_sum_pr():
    """DHiLo branches: n boutons of Pr 0.25; DLoHi: n/2 boutons of 0.5 — same ΣPr, and the
    capacity ratio at matched ΣPr is (H(0.25)/0.25)/(H(0.5)/0.5) exactly."""
    n = np.array([2, 4, 6, 8])
    cap = np.concatenate([n * binary_entropy(0.25), n / 2 * binary_entropy(0.5)])
    spr = np.concatenate([n * 0.25, n / 2 * 0.5])
    g = np.r_[np.ones(4, bool), np.zeros(4, bool)]
    res = cr.capacity_gain_matched(cap, spr, g, ~g)
    expected = (binary_entropy(0.25) / 0.25) / (binary_entropy(0.5) / 0.5) - 1
    assert res["gain"] == pytest.approx(expected, rel=1e-9)
    assert res["slope"] == pytest.approx(1.0, rel=1e-9)
    assert res["gain_strata"] == pytest.approx(expected, rel=1e-9)
    # a plain ratio of means is confounded when the groups differ in ΣPr; matching is not
    res2 = cr.capacity_gain_matched(np.r_[cap[:4], 3 * cap[4:]], np.r_[spr[:4], 3 * spr[4:]], g, ~g)
    assert res2["gain"] == pytest.approx(expected, rel=1e-9)
    assert res2["raw_gain"] < 0


def test_t6_calibration_window(tmp_path):
    def run_with_silent(cond, frac):
        n = 1000
        k = int(round(frac * n))
        cnt = np.r_[np.zeros(k, np.int64), np.full(n - k, 9)]
        b = {"branch_id": np.arange(n) % 50, "pr_1ap": cnt / 30, "pr_burst": cnt / 30,
             "n_release_1ap": cnt, "n_release_burst": cnt, "active": cnt > 0}
        return write(tmp_path, "bouton-assay", cond, b,
                     {"branch_id": np.arange(50), "length_um": np.full(50, 40.0)})
    rows = by_id(cr.configuration_targets([run_with_silent("baseline", 0.55),
                                           run_with_silent("elevated_mg", 0.40)]))
    t6 = rows["T6"]
    assert t6["kind"] == "C"
    assert t6["values"]["silent_baseline"] == pytest.approx(0.55)
    assert t6["values"]["inactive_elevated_mg"] == pytest.approx(0.40)
    assert [c["passed"] for c in t6["checks"]] == [True, False]
    assert t6["reproduced"] is False


# --------------------------------------------------------------------------- missing runs


def test_missing_inputs_are_not_run(tmp_path):
    rows = cr.configuration_targets(None, None)
    assert [r["id"] for r in rows] == [f"T{i}" for i in range(1, 10)]
    assert all(r["reproduced"] is None and r["model"].startswith("not run") for r in rows)
    run = write(tmp_path, "bouton-assay", "baseline", *make_assay(np.random.default_rng(1)))
    rows = by_id(cr.configuration_targets([run]))
    assert rows["T1"]["reproduced"] is not None
    assert rows["T2"]["reproduced"] is None and "elevated_mg" in rows["T2"]["model"]
    assert rows["T3"]["model"].startswith("not run")


# --------------------------------------------------------------------------- time course


def test_reconfiguration_timecourse(tmp_path):
    rng = np.random.default_rng(2)
    times = [0, 1, 2, 4, 8, 24]
    parts_b, parts_br = [], []
    for i, t in enumerate(times):
        hi = 0.7 - 0.3 * (1 - math.exp(-t / 4))  # P̄r range shrinks with a 4 h lag
        b, br = make_assay(rng, n_branches=20, pr_range=(0.1, hi), exact=True,
                           branch_id_offset=1000 * i)
        b["time_h"] = np.full(len(b["branch_id"]), float(t))
        br["time_h"] = np.full(len(br["branch_id"]), float(t))
        parts_b.append(b), parts_br.append(br)
    cat = lambda parts: {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}  # noqa: E731
    run = write(tmp_path, "reconfiguration", "baseline", cat(parts_b), cat(parts_br))
    rows = cr.reconfiguration_timecourse(run)
    assert [r["time_h"] for r in rows] == times
    for r, b, br in zip(rows, parts_b, parts_br, strict=True):
        cd = cr.condition_data(RunData(attrs={}, boutons=b, branches=br), "x")
        assert r["D"] == pytest.approx(np.mean(cd.branches["D"]))
        assert r["n_branches"] == 20
    assert rows[0]["D_progress"] == 0 and rows[-1]["D_progress"] == pytest.approx(1)
    assert rows[-1]["mean_pr"] < rows[0]["mean_pr"]


# ---------------------------------------------------------------------- report and figures


def write_full_results(tmp_path):
    """Synthetic runs of all three experiments under ``tmp_path/runs``."""
    rng = np.random.default_rng(4)
    write(tmp_path, "bouton-assay", "baseline", *make_assay(rng, pr_range=(0.15, 0.7)))
    write(tmp_path, "bouton-assay", "elevated_mg",
          *make_assay(rng, pr_range=(0.08, 0.4), silent_ratio=0.4, mg_i=0.9))
    n = 600
    level = rng.choice([0.25, 0.5, 1.0], n)
    pr_t = np.clip(0.3 * rng.lognormal(0, 0.3, n) * (level / 0.5) ** -1.0, 0, 1)
    n1 = rng.binomial(30, pr_t)
    write(tmp_path, "mg-dose-response", "baseline",
          {"branch_id": np.arange(n) // 20, "pr_true": pr_t, "mg_i": level,
           "mg_i_measured": level * rng.lognormal(0, 0.2, n), "mg_level": level,
           "n_release_1ap": n1, "n_release_burst": n1, "pr_1ap": n1 / 30, "pr_burst": n1 / 30},
          {"branch_id": np.arange(n // 20), "length_um": np.full(n // 20, 40.0)})
    bs, brs = [], []
    for i, t in enumerate([0, 1, 2, 4, 8, 24]):
        b, br = make_assay(rng, n_branches=15, exact=True, branch_id_offset=1000 * i,
                           pr_range=(0.1, 0.7 - 0.04 * t ** 0.7))
        b["time_h"], br["time_h"] = (np.full(len(x["branch_id"]), float(t)) for x in (b, br))
        bs.append(b), brs.append(br)
    cat = lambda parts: {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}  # noqa: E731
    write(tmp_path, "reconfiguration", "baseline", cat(bs), cat(brs))
    return tmp_path


@pytest.fixture
def results(tmp_path):
    return write_full_results(tmp_path)


def test_make_figures_and_report(results, tmp_path):
    from mgnet.analysis.report import export_docs_figures, make_figures, write_report
    written = make_figures(results)
    names = {p.name for p in written}
    assert names == set(cr.FIGURE_FILES.values())
    for p in written:
        assert p.stat().st_size > 5000
    md = write_report(results, scale="quick")
    text = md.read_text()
    assert "Synaptic configuration (Zhou et al. 2024): targets T1–T9" in text
    for i in range(1, 10):
        assert f"| T{i} |" in text
    assert ("| target | kind | finding | paper | model | reproduced when | depends on "
            "calibration | reproduced | figure |") in text
    assert "Calibrations (docs/calibration.md" in text
    assert "### Exhausted branches (the homeostasis premise)" in text
    assert "| parameter | value in these runs | target most affected | source |" in text
    assert "[fig1b_hyperbola](figures/fig1b_hyperbola.png)" in text
    assert "What did not reproduce" in text and "Reconfiguration time course" in text
    assert "## Provenance" in text and "mg-dose-response" in text
    html = (results / "report.html").read_text()
    assert "<table>" in html and "<td>T9</td>" in html
    assert "<a href=\"figures/fig4d_pr_vs_mg.png\">" in html
    # a caption under every figure, with the table's verdict of its target
    lines = text.splitlines()
    images = [k for k, line in enumerate(lines) if line.startswith("![")]
    assert len(images) == 9
    assert all(lines[k + 2].startswith("**Figure ") for k in images)
    t1 = next(line for line in text.splitlines() if line.startswith("| T1 |"))
    t1_word = "not reproduced" if "| **no** |" in t1 else "reproduced"
    cap = text[text.index("(`fig1b_hyperbola.png`"):].splitlines()[0]
    assert f"Paper target: T1: {t1_word}." in cap and "n = " in cap
    docs = export_docs_figures(results, dest=tmp_path / "docs_figs", width_px=400,
                               readme=None)
    # one-panel figures whole, the others as their single panels (<stem>_a.png ...)
    stems = {p.name.rsplit("_", 1)[0] + ".png" if p.name not in names else p.name
             for p in docs}
    assert stems == names
    from PIL import Image
    for p in docs:
        with Image.open(p) as im:
            assert im.height >= 400 or im.width == Image.open(
                results / "figures" / ("panels/" + p.name if p.name not in names
                                       else p.name)).width


def test_make_figures_skips_missing_runs(tmp_path):
    """Only a dose-response run: only Fig 4d is drawn and only T3 is judged."""
    from mgnet.analysis.report import make_figures, write_report
    rng = np.random.default_rng(9)
    n = 300
    level = rng.choice([0.25, 0.5, 1.0], n)
    n1 = rng.binomial(30, np.clip(0.3 * (level / 0.5) ** -1.0, 0, 1))
    write(tmp_path, "mg-dose-response", "baseline",
          {"branch_id": np.zeros(n, int), "mg_i_measured": level * rng.lognormal(0, 0.3, n),
           "n_release_1ap": n1, "n_release_burst": n1, "pr_1ap": n1 / 30, "pr_burst": n1 / 30},
          {"branch_id": np.zeros(1, int), "length_um": np.full(1, 40.0)})
    assert [p.name for p in make_figures(tmp_path)] == ["fig4d_pr_vs_mg.png"]
    text = write_report(tmp_path).read_text()
    rows = [line for line in text.splitlines() if line.startswith("| T")]
    assert len(rows) == 9
    assert sum("| not run |" in line for line in rows) == 8
    assert "no bouton-assay run for condition baseline" in text


# ------------------------------------------------------- planted k through the 30-trial assay


def _binomial_hyperbola(rng, n_branches, pr_range, k, offset=0):
    """Branches on D·P̄r = k whose boutons all have the branch's Pr m; the assay counts are
    Binomial(30, m), so the only noise is the 30-trial estimate.  Returns the run tables and
    the planted m and functional counts per branch."""
    m = rng.uniform(*pr_range, n_branches)
    nf = rng.integers(10, 40, n_branches)
    bid = np.repeat(np.arange(n_branches), nf) + offset
    cnt = rng.binomial(N_TRIALS, m[bid - offset]).astype(np.int64)
    boutons = {"branch_id": bid, "n_release_1ap": cnt, "n_release_burst": cnt,
               "pr_1ap": cnt / N_TRIALS, "pr_burst": cnt / N_TRIALS,
               "pr_true": m[bid - offset]}
    branches = {"branch_id": np.arange(n_branches) + offset,
                "length_um": nf * m * 10.0 / k}
    return boutons, branches, m, nf


def test_pooled_fits_return_the_planted_k_through_30_trial_noise(tmp_path):
    """The planted hyperbola D·P̄r = k = 1.7 measured with 30 binomial trials per bouton
    (Pr ≥ 0.2, so < 1 % of boutons fall below the functional threshold).  The hyperbola
    D = k/P̄r returns k within 3 % (over 40 seeds: −0.7 % ± 0.5 %).  The linear D vs 1/P̄r
    fit is attenuated by the noise in 1/P̄r (regression dilution): its slope is k·λ with the
    reliability λ = var(1/m) / (var(1/m) + mean noise variance), noise variance of 1/P̄r by
    the delta method (1 − m)/(30 n m³); within 6 % (3 sd over 40 seeds) of k·λ, below k,
    with a positive intercept."""
    rng = np.random.default_rng(11)
    k = 1.7
    b1, br1, m1, n1 = _binomial_hyperbola(rng, 80, (0.35, 0.8), k)
    b2, br2, m2, n2 = _binomial_hyperbola(rng, 80, (0.2, 0.45), k, offset=1000)
    base = write(tmp_path, "bouton-assay", "baseline", b1, br1)
    elev = write(tmp_path, "bouton-assay", "elevated_mg", b2, br2)
    v = by_id(cr.configuration_targets([base, elev]))["T1"]["values"]
    assert v["n_branches"] == 160
    assert v["hyperbola_k"] == pytest.approx(k, rel=0.03)
    m, nf = np.r_[m1, m2], np.r_[n1, n2]
    u = 1.0 / m
    lam = u.var() / (u.var() + np.mean((1 - m) / (N_TRIALS * nf * m ** 3)))
    assert 0.9 < lam < 1.0
    assert v["inverse_slope"] == pytest.approx(k * lam, rel=0.06)
    assert v["inverse_slope"] < k and v["inverse_intercept"] > 0
    # ΣPr is planted independent of P̄r: under that null R² ~ χ²₁/n ≈ 0.006, and 0.05 is
    # beyond its 99.5th percentile for 160 branches
    assert v["sum_pr_r2"] < 0.05


# ------------------------------------------------------ why a target failed, parameters


CONFIG_TOML = """
experiment = "bouton-assay"
[params.magnesium]
mg_i = "{mg_i}"
[params.release]
k = 1.0
[params.receptors]
glun2b_fraction = 0.5
tau_nmda_rise = "2 ms"
tau_nmda_2a = "50 ms"
tau_nmda_2b = "0.3 s"
[params.configuration]
setpoint_cv = 0.2
mg_i_branch_cv = 0.3
q_size_exponent = 0.5
"""


def write_cfg(tmp_path, experiment, condition, boutons, branches, mg_i, seed=0):
    """``write_with_units`` with a resolved config (``config_toml``) carrying ``mg_i``."""
    from mgnet.experiments.bouton_assay import EXTRA_UNITS as EU
    units = {k: v for k, v in EU.items()
             if k.split("/")[2] in (boutons if k.startswith("/boutons") else branches)}
    units.update({f"/boutons/{k}": EXTRA_UNITS[k] for k in boutons if k in EXTRA_UNITS})
    data = RunData(attrs=dict(attrs(experiment, condition, seed),
                              config_toml=CONFIG_TOML.format(mg_i=mg_i)),
                   boutons=boutons, branches=branches, units=units)
    path = tmp_path / "runs" / experiment / f"{condition}_seed{seed}_quick.h5"
    return read_run(write_run(path, data))


def test_nmda_charge_ratio_is_the_integral_of_unit_peak_conductances():
    """Closed form against a trapezoid integral of the unit-peak difference of
    exponentials (0.5 µs steps over 3 s): agree to 1e-4; 2/50/300 ms give 5.43."""
    t = np.arange(0.0, 3000.0, 5e-4)

    def charge(tr, td):
        g = np.exp(-t / td) - np.exp(-t / tr)
        return np.trapezoid(g / g.max(), t)
    assert cr.nmda_charge_ratio(2.0, 50.0, 300.0) == pytest.approx(
        charge(2.0, 300.0) / charge(2.0, 50.0), rel=1e-4)
    assert cr.nmda_charge_ratio(2.0, 50.0, 300.0) == pytest.approx(5.43, abs=0.005)
    assert cr.nmda_charge_ratio(2.0, 50.0, 50.0) == pytest.approx(1.0)


def test_param_value_reads_units_and_refuses_wrong_ones():
    prm = {"magnesium": {"mg_i": "701.5 uM", "mg_o": "1.2 mM"},
           "receptors": {"tau_nmda_2b": "0.3 s", "glun2b_fraction": 0.5},
           "configuration": {"tau_mg_cascade": "5.4 ks"}}
    assert cr.param_value(prm, "magnesium.mg_i", "mM") == pytest.approx(0.7015)
    assert cr.param_value(prm, "magnesium.mg_o", "mM") == pytest.approx(1.2)
    assert cr.param_value(prm, "receptors.tau_nmda_2b", "ms") == pytest.approx(300.0)
    assert cr.param_value(prm, "configuration.tau_mg_cascade", "ms") == pytest.approx(5.4e6)
    assert cr.param_value(prm, "receptors.glun2b_fraction") == 0.5
    assert math.isnan(cr.param_value(prm, "magnesium.mg_i"))          # a unit needs a unit
    assert math.isnan(cr.param_value(prm, "magnesium.mg_i", "ms"))    # wrong dimension
    assert math.isnan(cr.param_value(prm, "receptors.glun2b_fraction", "mM"))
    assert math.isnan(cr.param_value(prm, "receptors.missing"))


def test_failed_rows_say_why_with_their_numbers(tmp_path):
    """A scattered hyperbola (T1 fails) and an 84 % GluN2B share (T7 fails): the summary
    gives the reason with the numbers of the row and of the runs' parameters."""
    rng = np.random.default_rng(31)
    b, br = make_assay(rng, pr_range=(0.2, 0.8), k_noise=0.3)
    e, er = make_assay(rng, pr_range=(0.1, 0.4), k_noise=0.3, branch_id_offset=5000)
    for tab in (b, e):
        tab["wca_blocked"] = 0.16 * tab["wca"]     # 84 % of spine Ca2+ is GluN2B
        tab["wca_burst_blocked"] = 0.16 * tab["wca_burst"]
    br["exhausted"] = np.zeros(len(br["branch_id"]), bool)
    er["exhausted"] = np.arange(len(er["branch_id"])) % 4 == 0
    for tab in (br, er):
        tab["setpoint_ratio"] = np.where(tab["exhausted"], 0.8, 1.0)
    base = write_cfg(tmp_path, "bouton-assay", "baseline", b, br, "0.5 mM")
    elev = write_cfg(tmp_path, "bouton-assay", "elevated_mg", e, er, "701.5 uM")
    rows = by_id(cr.configuration_targets([base, elev]))
    t1, t7 = rows["T1"], rows["T7"]
    assert t1["reproduced"] is False and t7["reproduced"] is False
    assert t7["values"]["glun2b_share"] == pytest.approx(0.84)
    r1 = cr.failure_reason(t1)
    assert f"{t1['values']['true_hyperbola_r2']:.2g}" in r1 and "set-point CV 0.2" in r1
    assert t1["values"]["n_exhausted"] == int(er["exhausted"].sum())
    r7 = cr.failure_reason(t7)
    assert "5.43×" in r7 and "84 %" in r7 and "glun2b_fraction = 0.5" in r7
    summary = cr.failure_summary(list(rows.values()))
    assert any(s.startswith("T7") and "Why:" in s for s in summary)
    assert cr.failure_reason(rows["T4"]) == ""          # reproduced rows have none
    t5 = rows["T5"]
    assert t5["values"]["param_mg_i_elevated_mM"] == pytest.approx(0.7015)
    assert t5["values"]["pr_ratio"] == pytest.approx((0.7015 / 0.5) ** -1.0)
    assert t5["values"]["exhausted_fraction_elevated"] == pytest.approx(0.25)


def test_exhaustion_table_interval_dose_groups_and_verdicts(tmp_path):
    """Wilson 95 % intervals (scipy's binomtest), one row per dose group, and the three
    verdicts: below the limit, above it with the limit inside the interval, above it."""
    from scipy.stats import binomtest
    rng = np.random.default_rng(12)
    runs = []
    for cond, n_ex in (("baseline", 5), ("elevated_mg", 18)):
        b, br = make_assay(rng, n_branches=80, exact=True)
        br["exhausted"] = np.arange(80) < n_ex
        br["setpoint_ratio"] = np.where(br["exhausted"], 0.75, 1.0)
        runs.append(write_with_units(tmp_path, "bouton-assay", cond, b, br))
    conds, _ = cr.assay_conditions(runs)
    nb = 200
    level = np.where(np.arange(nb) % 2 == 0, 0.5, 0.7)
    exh = np.where(level == 0.5, np.arange(nb) < 20, np.arange(nb) >= 100)
    n1 = np.full(nb, 9, np.int64)
    data = RunData(attrs=attrs("mg-dose-response", "baseline"),
                   boutons={"branch_id": np.arange(nb), "n_release_1ap": n1,
                            "n_release_burst": n1, "pr_1ap": n1 / 30, "pr_burst": n1 / 30},
                   branches={"branch_id": np.arange(nb), "length_um": np.full(nb, 30.0),
                             "exhausted": exh, "mg_level": level},
                   units={"/branches/exhausted": "1", "/branches/mg_level": "mM"})
    dose = read_run(write_run(tmp_path / "runs" / "mg-dose-response" / "d.h5", data))
    table = {r["condition"]: r for r in cr.exhaustion_table(conds, dose)}
    el = table["elevated_mg"]
    assert el["n_exhausted"] == 18 and el["exhausted_fraction"] == pytest.approx(18 / 80)
    ci = binomtest(18, 80).proportion_ci(method="wilson")
    assert (el["ci_low"], el["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert el["exhausted_setpoint_ratio"] == pytest.approx(0.75)
    assert not el["premise_holds"] and "interval contains" in el["verdict"]
    assert table["baseline"]["verdict"] == "yes"
    g_lo, g_hi = table["[Mg]i group 0.5 mM"], table["[Mg]i group 0.7 mM"]
    assert g_lo["source"] == g_hi["source"] == "mg-dose-response"
    assert g_lo["exhausted_fraction"] == pytest.approx(10 / 100)   # even ids below 20
    assert g_hi["exhausted_fraction"] == pytest.approx(50 / 100)   # odd ids from 100
    assert g_hi["verdict"] == "**no: the homeostasis premise fails**"


def test_parameter_table_names_values_and_targets(tmp_path):
    rng = np.random.default_rng(13)
    base = write_cfg(tmp_path, "bouton-assay", "baseline", *make_assay(rng), "0.5 mM")
    elev = write_cfg(tmp_path, "bouton-assay", "elevated_mg", *make_assay(rng), "701.5 uM")
    conds, _ = cr.assay_conditions([base, elev])
    rows = {r["parameter"]: r for r in cr.parameter_table(conds)}
    assert set(rows) == set(cr.UNCERTAIN_PARAMETERS)
    assert rows["magnesium.mg_i"]["values"] == "0.5 mM (baseline), 701.5 uM (elevated_mg)"
    assert rows["configuration.setpoint_cv"]["values"] == "0.2"
    assert rows["configuration.setpoint_cv"]["target"].startswith("T1")
    assert rows["receptors.glun2b_fraction"]["target"].startswith("T7")
    assert rows["release_pool.n_rrp_median"]["values"] == "not recorded"


def test_fig1b_circles_exactly_the_exhausted_branches_and_counts_seeds():
    """The circled points of Fig 1b are the exhausted branches with a defined P̄r (a branch
    without functional boutons has none and is not drawn), and the title names the branch
    and seed counts."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mgnet.analysis.figures.configuration import plot_hyperbola
    rng = np.random.default_rng(14)
    tabs, exh = {}, {}
    for cond, lo in (("baseline", 0.3), ("elevated_mg", 0.1)):
        mp = rng.uniform(lo, lo + 0.4, 50)
        mp[0] = np.nan                                    # no functional bouton
        tabs[cond] = {"mean_pr": mp, "D": 1.2 / np.nan_to_num(mp, nan=1.0),
                      "sum_pr": np.full(50, 1.2)}
        exh[cond] = np.arange(50) % 5 == 0                # 10 exhausted, one without P̄r
    fig, ax = plt.subplots()
    plot_hyperbola(ax, tabs, exhausted=exh, n_seeds=5, insets=False)
    circled = [c for c in ax.collections if np.all(c.get_facecolors()[:, 3] == 0)
               and len(c.get_offsets())]
    assert sum(len(c.get_offsets()) for c in circled) == 2 * 9
    assert "98 branches, 5 seeds pooled" in ax.get_title()
    plt.close(fig)


def test_t7_pooled_fit_over_both_conditions_returns_the_planted_b(tmp_path):
    """wCa = 31.10·Pr^0.55 − 3.95 (+ noise, sd 0.5) planted in both conditions, which cover
    different Pr ranges: the judged baseline fit and the pooled fit both return b within
    0.05."""
    rng = np.random.default_rng(15)
    runs = []
    for cond, rng_pr, off in (("baseline", (0.2, 0.8), 0), ("elevated_mg", (0.08, 0.4), 5000)):
        b, br = make_assay(rng, n_branches=120, pr_range=rng_pr, exact=True,
                           branch_id_offset=off)
        pr = b["pr_1ap"]
        b["wca"] = 31.10 * np.maximum(pr, 1e-3) ** 0.55 - 3.95 + rng.normal(0, 0.5, pr.size)
        runs.append(write_with_units(tmp_path, "bouton-assay", cond, b, br))
    conds, _ = cr.assay_conditions(runs)
    v = cr.target_t7(conds)["values"]
    assert v["exponent"] == pytest.approx(0.55, abs=0.05)
    assert v["pooled_exponent"] == pytest.approx(0.55, abs=0.05)

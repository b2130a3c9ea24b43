"""End-to-end runs of the assay experiments on tiny configurations.

Runtime (Cython) device so the default suite needs no standalone build; the same
path through cpp_standalone is checked under the ``standalone`` marker.  The
physics asserted: silent boutons never release, measured Pr tracks the true Pr
(binomial bound), [Mg]o is the condition's, and the run file is valid.
"""
import tomllib

import numpy as np
import pytest

from mgnet.analysis.run_file import read_run, validate_run
from mgnet.experiments.cli import main

TINY = """
[options]
n_branches = {n}
device = "{device}"
n_spikes = 5
spikes_per_train = 5
one_ap_rate = "2 Hz"
train_interval = "2 s"
"""


def _run(tmp_path, experiment, condition="baseline", device="runtime", n=4, extra=""):
    cfg = tmp_path / f"{experiment}.toml"
    cfg.write_text(TINY.format(n=n, device=device) + extra)
    out = tmp_path / f"{experiment}_{condition}_{device}.h5"
    rc = main(["run", experiment, "--config", str(cfg), "--condition", condition,
               "--scale", "quick", "--out", str(out), "--quiet"])
    assert rc == 0
    assert validate_run(out) == []
    return read_run(out)


@pytest.mark.parametrize("condition", ["baseline", "elevated_mg"])
def test_bouton_assay_runtime(tmp_path, condition):
    run = _run(tmp_path, "bouton-assay", condition)
    b = run.boutons
    assert run.attrs["device"] == "runtime"
    cfg = tomllib.loads(run.attrs["config_toml"])
    assert cfg["condition"] == condition
    # Silent boutons (true Pr 0) never release.
    silent = b["pr_true"] == 0
    assert silent.any() and np.all(b["n_release_1ap"][silent] == 0)
    assert np.all(b["n_release_burst"][silent] == 0)
    # Measured Pr of active boutons is an unbiased estimate (5 trials at 2 Hz: near-
    # independent Bernoulli): pooled z within 4.
    act = ~silent
    n = 5 * act.sum()
    z = (b["n_release_1ap"][act].sum() - 5 * b["pr_true"][act].sum()) / np.sqrt(
        5 * np.sum(b["pr_true"][act] * (1 - b["pr_true"][act])))
    assert abs(z) < 4, z
    assert n > 0
    mg_o = run.metrics["mg_o_mM"]
    assert mg_o == (0.8 if condition == "baseline" else 1.2)


def test_dose_response_and_reconfiguration_runtime(tmp_path):
    from brian2 import mM

    from mgnet.models.parameters import ELEVATED_MG_I
    dose = _run(tmp_path, "mg-dose-response", n=6,
                extra='groups = ["baseline", "elevated_mg"]\n')
    b = dose.boutons
    elev = float(ELEVATED_MG_I / mM)
    np.testing.assert_allclose(np.unique(b["mg_level"]), sorted([0.5, elev]))
    assert np.all(b["mg_i_measured"] > 0)
    # Both groups imaged in the same recording solution.
    assert dose.metrics["recording_mg_o_mM"] == 0.8
    # Higher [Mg]i group: lower mean true Pr of active boutons (k > 0).
    hi, lo = np.isclose(b["mg_level"], elev), np.isclose(b["mg_level"], 0.5)
    assert b["pr_true"][hi & (b["pr_true"] > 0)].mean() < b["pr_true"][lo & (b["pr_true"] > 0)].mean()
    rec = _run(tmp_path, "reconfiguration", extra="times_h = [0.0, 24.0]\n")
    t = rec.boutons["time_h"]
    assert set(np.unique(t)) == {0.0, 24.0}
    # Same anatomy at both times; after 24 h more boutons are active.
    assert (t == 0).sum() == (t == 24).sum()
    assert (rec.boutons["pr_true"][t == 24] > 0).sum() > (rec.boutons["pr_true"][t == 0] > 0).sum()


@pytest.mark.standalone
def test_bouton_assay_standalone_matches_runtime_statistics(tmp_path):
    rt = _run(tmp_path, "bouton-assay", device="runtime", n=6)
    sa = _run(tmp_path, "bouton-assay", device="cpp_standalone", n=6)
    assert sa.attrs["device"] == "cpp_standalone"
    np.testing.assert_array_equal(rt.boutons["pr_true"], sa.boutons["pr_true"])
    # Different random streams, same distribution: pooled counts agree within 4 sd.
    act = rt.boutons["pr_true"] > 0
    p = rt.boutons["pr_true"][act]
    sd = np.sqrt(2 * 5 * np.sum(p * (1 - p)))
    diff = rt.boutons["n_release_1ap"][act].sum() - sa.boutons["n_release_1ap"][act].sum()
    assert abs(diff) < 4 * sd

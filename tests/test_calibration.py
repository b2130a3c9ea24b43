"""T6 calibration (experiments/calibrate.py, models/calibration.toml, docs/calibration.md)."""
import argparse
import math

import numpy as np
import pytest
from scipy.stats import binom

from mgnet.experiments import calibrate as cal
from mgnet.experiments.calibrate import (
    CalibrationError,
    T6Evaluator,
    calibrate_t6,
    format_mg,
    functional_probability,
    min_releases,
    parse_mg,
)

FAST = 300          # branches for the fast tests
SEED = 11


def _stored():
    if not cal.CALIBRATION_FILE.exists():
        pytest.skip("models/calibration.toml missing: run 'mgnet calibrate t6' "
                    "(parameters.py then uses uncalibrated fallbacks)")
    return cal.read_calibration()


# --------------------------------------------------------------------------------------
# The virtual assay in expectation
# --------------------------------------------------------------------------------------
def test_functional_threshold_needs_two_releases():
    assert 0.04 * 30 == pytest.approx(1.2)
    assert min_releases(0.04, 30) == 2
    assert min_releases(1 / 30, 30) == 1
    assert min_releases(0.0, 30) == 0


def test_functional_probability_is_binomial_with_tm_mean_release():
    pr = np.array([0.0, 0.02, 0.04, 0.1, 0.3, 0.9])
    p = functional_probability(pr)
    assert p[0] == 0.0
    assert np.all(np.diff(p) > 0)
    # At 0.5 Hz with tau_d 500 ms the per-spike mean release is within 2 % of U ...
    from mgnet.models.synapses import tm_mean_release
    per_spike = tm_mean_release(0.3, np.full(29, 2.0), 0.1, 0.5)
    assert per_spike[0] == pytest.approx(0.3)
    assert np.all(np.abs(per_spike / 0.3 - 1) < 0.02)
    # ... and the count is binomial with the train-averaged value.
    assert p[4] == pytest.approx(binom.sf(1, 30, per_spike.mean()), rel=1e-4)
    assert p[2] == pytest.approx(binom.sf(1, 30, 0.04), rel=2e-3)


def test_mg_strings_roundtrip():
    assert parse_mg("0.83 mM") == pytest.approx(0.83)
    assert parse_mg("830 uM") == pytest.approx(0.83)
    assert parse_mg(format_mg(1.04719)) == pytest.approx(1.047)
    with pytest.raises(ValueError):
        parse_mg("0.83")


def test_thinning_matches_sample_branches_distribution():
    """The common-random-numbers population has the distribution of sample_branches."""
    import dataclasses

    from mgnet.models.configuration import sample_branches
    from mgnet.models.parameters import ConfigurationParams
    ev = T6Evaluator(400, SEED)
    thinned = ev.population(4.0)
    direct = sample_branches(400, dataclasses.replace(ConfigurationParams(),
                                                      anatomical_density=4.0), rng=SEED + 1)
    per10_t = thinned.n_boutons / thinned.length_um.sum() * 10
    per10_d = direct.n_boutons / direct.length_um.sum() * 10
    assert per10_t == pytest.approx(4.0, rel=0.03)
    assert per10_d == pytest.approx(4.0, rel=0.03)
    assert np.median(thinned.competence) == pytest.approx(np.median(direct.competence), rel=0.05)
    for b in range(5):   # keys stay sorted within every branch
        s, e = thinned.starts()[b], thinned.starts()[b + 1]
        assert np.all(np.diff(thinned.key[s:e]) >= 0)


# --------------------------------------------------------------------------------------
# (a) recovery of planted values
# --------------------------------------------------------------------------------------
def _planted(ev, sp, density, mg):
    base = ev.fractions(density, ev.mg_base, sp)
    elev = ev.fractions(density, mg, sp)
    return base, elev


def test_calibration_recovers_planted_setpoint_density_and_elevation():
    sp, density, mg_elev = 1.0, 6.0, 0.6
    ev = T6Evaluator(FAST, SEED)
    base, elev = _planted(ev, sp, density, mg_elev)
    assert elev["measured"] < base["measured"]
    r = calibrate_t6(n_branches=FAST, seed=SEED, write=False,
                     target_baseline=base["measured"], target_elevated=elev["measured"],
                     target_functional=base["functional_per_branch"],
                     max_exhausted=0.99, verbose=False)
    assert r["setpoint_median"] == pytest.approx(sp, rel=0.01)
    assert r["anatomical_density"] == pytest.approx(density, rel=0.01)
    assert r["elevated_mg_i_mM"] == pytest.approx(mg_elev, abs=0.01)
    assert r["achieved_baseline"] == pytest.approx(base["measured"], abs=2e-3)
    assert r["achieved_elevated"] == pytest.approx(elev["measured"], abs=2e-3)
    assert r["achieved_functional_per_branch"] == pytest.approx(
        base["functional_per_branch"], rel=0.01)
    assert r["pr_ratio"] == pytest.approx((r["elevated_mg_i_mM"] / 0.5) ** -r["k"])
    assert r["path"] is None and not r["constrained"]


def test_exhausted_branches_constrain_refuse_or_warn():
    """A target whose [Mg]i leaves most branches without a silent reserve: 'constrain'
    stores the largest [Mg]i within the limit, 'refuse' raises, 'warn' keeps the root."""
    from mgnet.models.parameters import ConfigurationParams
    sp, density = ConfigurationParams().setpoint_median, 7.0
    ev = T6Evaluator(FAST, SEED)
    base, elev = _planted(ev, sp, density, 1.0)
    assert elev["exhausted"] > 0.3
    # target_functional=None: the config's set-point median (= the planted one) is kept
    kw = dict(n_branches=FAST, seed=SEED, write=False, target_baseline=base["measured"],
              target_elevated=elev["measured"], target_functional=None,
              max_exhausted=0.1, verbose=False)
    r = calibrate_t6(on_exhausted="constrain", **kw)
    assert r["constrained"] and r["exhausted_elevated"] <= 0.1
    assert r["exhausted_at_t6_root"] > 0.3
    assert r["elevated_mg_i_mM"] < parse_mg(r["t6_root_mg_i"])
    assert r["achieved_elevated"] > elev["measured"]     # the T6 target is given up
    with pytest.raises(CalibrationError, match="exhausted"):
        calibrate_t6(on_exhausted="refuse", **kw)
    w = calibrate_t6(on_exhausted="warn", **kw)
    assert w["elevated_mg_i_mM"] == pytest.approx(1.0, abs=0.01)
    assert w["exhaustion_warning"].startswith("WARNING")


def test_unreachable_targets_raise_clear_errors():
    with pytest.raises(CalibrationError, match="baseline target .* unreachable"):
        calibrate_t6(n_branches=FAST, seed=SEED, write=False, target_baseline=0.999,
                     target_elevated=0.3, verbose=False)
    with pytest.raises(CalibrationError, match="elevated target .* unreachable"):
        calibrate_t6(n_branches=FAST, seed=SEED, write=False, target_baseline=0.53,
                     target_elevated=0.02, verbose=False)
    with pytest.raises(CalibrationError, match="functional boutons per branch"):
        calibrate_t6(n_branches=FAST, seed=SEED, write=False, target_functional=500.0,
                     verbose=False)


def test_written_file_is_read_by_parameters_loader(tmp_path):
    from mgnet.models.parameters import load_t6_calibration
    ev = T6Evaluator(FAST, SEED)
    base, elev = _planted(ev, 1.0, 6.0, 0.6)
    out = tmp_path / "calibration.toml"
    r = calibrate_t6(n_branches=FAST, seed=SEED, write=True, path=out,
                     target_baseline=base["measured"], target_elevated=elev["measured"],
                     target_functional=base["functional_per_branch"], max_exhausted=0.99,
                     verbose=False)
    assert r["path"] == str(out)
    data = cal.read_calibration(out)
    for key in ("created_utc", "git_commit", "command"):
        assert data["provenance"][key]
    assert data["fixed"]["k"] == r["k"] and data["fixed"]["seed"] == SEED
    assert data["fixed"]["n_branches"] == FAST
    assert data["targets"]["silent_fraction_baseline"] == pytest.approx(base["measured"])
    assert data["achieved"]["exhausted_fraction_elevated"] == pytest.approx(
        r["exhausted_elevated"])
    assert load_t6_calibration(out) == {"anatomical_density": r["anatomical_density"],
                                        "elevated_mg_i_mM": r["elevated_mg_i_mM"],
                                        "setpoint_median": r["setpoint_median"]}
    assert load_t6_calibration(tmp_path / "missing.toml") is None
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[calibrated]\nanatomical_density = 3.0\n")
    with pytest.raises(ValueError, match="malformed"):
        load_t6_calibration(bad)


# --------------------------------------------------------------------------------------
# (b) the stored values reproduce T6
# --------------------------------------------------------------------------------------
def test_stored_values_reproduce_t6_on_the_calibration_population():
    data = _stored()
    c, fixed, ach, tg = data["calibrated"], data["fixed"], data["achieved"], data["targets"]
    ev = T6Evaluator(fixed["n_branches"], fixed["seed"])
    density, mg = c["anatomical_density"], parse_mg(c["elevated_mg_i"])
    sp = c["setpoint_median"]
    base, elev = ev.fractions(density, ev.mg_base, sp), ev.fractions(density, mg, sp)
    assert base["measured"] == pytest.approx(ach["silent_fraction_baseline"], abs=1e-6)
    assert elev["measured"] == pytest.approx(ach["silent_fraction_elevated"], abs=1e-6)
    assert abs(base["measured"] - tg["silent_fraction_baseline"]) < 0.01
    assert base["functional_per_branch"] == pytest.approx(tg["functional_per_branch"], rel=0.01)
    # the elevated [Mg]i leaves at most max_exhausted of the branches exhausted; it
    # reaches the T6 elevated target only if the limit did not bind
    assert elev["exhausted"] <= tg["max_exhausted"] + 1e-9
    if not ach["constrained"]:
        assert abs(elev["measured"] - tg["silent_fraction_elevated"]) < 0.01
    else:
        assert elev["measured"] > tg["silent_fraction_elevated"]
        assert ach["exhausted_fraction_at_t6_root"] > tg["max_exhausted"]


def _pooled_silent(pop, pr):
    """Pooled expected measured silent fraction and its branch-cluster standard error."""
    silent = 1.0 - functional_probability(pr)
    s_b = np.bincount(pop.branch_id, silent, pop.n_branches)
    n_b = np.bincount(pop.branch_id, None, pop.n_branches)
    ratio = s_b.sum() / n_b.sum()
    se = math.sqrt(np.sum((s_b - ratio * n_b) ** 2)) / n_b.sum()
    return ratio, se


def test_stored_values_reproduce_t6_on_an_independent_population():
    """Fresh sample_branches draw (another seed, fewer branches): within 1 point plus
    three standard errors of the smaller sample."""
    data = _stored()
    from brian2 import mM

    from mgnet.models.configuration import equilibrium_pr, sample_branches
    from mgnet.models.parameters import ELEVATED_MG_I, ConfigurationParams, MagnesiumParams
    mag = MagnesiumParams()
    pop = sample_branches(FAST * 2, ConfigurationParams(), rng=data["fixed"]["seed"] + 101)
    for mg, key in ((float(mag.mg_i / mM), "silent_fraction_baseline"),
                    (float(ELEVATED_MG_I / mM), "silent_fraction_elevated")):
        pr, _ = equilibrium_pr(pop, mg, float(mag.mg_i_ref / mM))
        value, se = _pooled_silent(pop, pr)
        assert abs(value - data["achieved"][key]) < 0.01 + 3 * se, (key, value, se)


# --------------------------------------------------------------------------------------
# (c) parameters.py uses the file
# --------------------------------------------------------------------------------------
def test_parameters_use_the_calibration_file():
    data = _stored()
    from brian2 import mM

    import mgnet.models.parameters as P
    assert P.T6_CALIBRATED
    assert P.CALIBRATION_FILE == cal.CALIBRATION_FILE
    assert P.ConfigurationParams().anatomical_density == data["calibrated"]["anatomical_density"]
    assert P.ConfigurationParams().setpoint_median == data["calibrated"]["setpoint_median"]
    assert P.SETPOINT_CALIBRATED
    mg = parse_mg(data["calibrated"]["elevated_mg_i"])
    assert float(P.ELEVATED_MG_I / mM) == pytest.approx(mg)
    for name in ("elevated_mg", "elevated_mg_i_only", "aged_elevated_mg"):
        assert float(P.condition(name).magnesium.mg_i / mM) == pytest.approx(mg)
    info = P.param_info(P.ConfigurationParams)["anatomical_density"]
    assert "calibrated against T6 (models/calibration.toml)" in info["source"]
    assert info["calibrated"] == "T6"


def _load_parameters_copy(directory, toml_text=None):
    """Import a copy of models/parameters.py from ``directory`` (it reads the
    calibration.toml next to itself), optionally with a calibration file."""
    import importlib.util
    import shutil
    import sys

    import mgnet.models.parameters as P
    shutil.copy(P.__file__, directory / "parameters.py")
    if toml_text is not None:
        (directory / "calibration.toml").write_text(toml_text)
    name = f"_mgnet_params_copy_{abs(hash(str(directory)))}"
    spec = importlib.util.spec_from_file_location(name, directory / "parameters.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module          # dataclasses resolve annotations via sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def test_parameters_module_takes_defaults_from_the_file(tmp_path):
    """Independent of the real file: a calibration.toml next to parameters.py sets the
    density default, ELEVATED_MG_I and the presets."""
    from brian2 import mM
    P = _load_parameters_copy(tmp_path, 'schema_version = 1\n'
                                        '[calibrated]\nanatomical_density = 3.25\n'
                                        'elevated_mg_i = "0.915 mM"\n')
    assert P.T6_CALIBRATED
    assert P.ConfigurationParams().anatomical_density == 3.25
    assert float(P.ELEVATED_MG_I / mM) == pytest.approx(0.915)
    assert float(P.condition("elevated_mg").magnesium.mg_i / mM) == pytest.approx(0.915)
    info = P.param_info(P.ConfigurationParams)["anatomical_density"]
    assert "calibrated against T6 (models/calibration.toml)" in info["source"]
    assert info["calibrated"] == "T6"


def test_calibration_files_are_read_on_first_use_not_at_import(tmp_path):
    """Importing the parameters reads no calibration file: a broken one next to a copy of
    parameters.py is only noticed when a calibrated value is first used; listing the
    condition names needs no file."""
    P = _load_parameters_copy(tmp_path, "not toml [")
    assert "elevated_mg" in P.CONDITIONS and "baseline" in list(P.CONDITIONS)
    P.MagnesiumParams()                                  # not calibrated: no file needed
    with pytest.raises(ValueError, match="calibrate t6 --write"):
        P.ConfigurationParams()
    with pytest.raises(ValueError, match="calibrate t6 --write"):
        _ = P.ELEVATED_MG_I


def test_calibration_files_carry_a_schema_version(tmp_path):
    """Each calibration file states its layout version; another (or none) is refused."""
    import tomllib
    from pathlib import Path

    from mgnet.models import calibration_files
    from mgnet.models.calibration_files import SCHEMA_VERSION, read_calibration
    root = Path(calibration_files.__file__).parent
    for name in ("calibration.toml", "culture_calibration.toml", "glun2b_chronic.toml"):
        with open(root / name, "rb") as fh:
            assert tomllib.load(fh)["schema_version"] == SCHEMA_VERSION, name
    for text in ("[calibrated]\n", "schema_version = 2\n[calibrated]\n"):
        (tmp_path / "c.toml").write_text(text)
        with pytest.raises(ValueError, match="schema_version"):
            read_calibration(tmp_path / "c.toml", "mgnet calibrate t6 --write")
    assert read_calibration(tmp_path / "missing.toml", "x") is None


def test_parameters_module_falls_back_without_the_file(tmp_path):
    from brian2 import mM
    P = _load_parameters_copy(tmp_path)
    assert not P.T6_CALIBRATED
    assert P.ConfigurationParams().anatomical_density == 6.0
    assert float(P.ELEVATED_MG_I / mM) == pytest.approx(0.8)
    info = P.param_info(P.ConfigurationParams)["anatomical_density"]
    assert "UNCALIBRATED" in info["source"] and info["calibrated"] is None


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------
def test_add_parser_registers_calibrate_subcommand():
    p = argparse.ArgumentParser(prog="mgnet")
    sub = p.add_subparsers(dest="command")
    cal.add_parser(sub)
    args = p.parse_args(["calibrate", "t6", "--dry-run", "--n-branches", "50"])
    assert args.func is cal.run_cli
    assert args.target == "t6" and args.dry_run and args.n_branches == 50
    assert args.seed == cal.DEFAULT_SEED
    with pytest.raises(SystemExit):
        p.parse_args(["calibrate", "t7"])


def test_run_cli_dry_run_writes_nothing(tmp_path, capsys):
    out = tmp_path / "c.toml"
    args = argparse.Namespace(target="t6", dry_run=True, n_branches=FAST, seed=SEED,
                              out=str(out), debug=False)
    status = cal.run_cli(args)
    text = capsys.readouterr()
    assert not out.exists()
    assert status in (0, 2)            # 2: T6 unreachable with the current defaults
    assert "T6 calibration" in text.out
    if status == 0:
        assert "dry run" in text.out
    else:
        assert "calibration failed" in text.err


def test_calibrate_commands_write_only_with_the_write_flag():
    """Issue 16: every calibrate command computes and prints by default; it writes its file
    only with --write (--dry-run, the old spelling of the default, is still accepted and
    excludes --write)."""
    from mgnet.experiments import calibrate_culture, calibrate_glun2b, calibrate_memory
    from mgnet.experiments.calibration_cli import write_requested
    p = argparse.ArgumentParser(prog="mgnet")
    sub = p.add_subparsers(dest="command")
    cal.add_parser(sub)
    calibrate_culture.add_parser(sub, name="calibrate-culture")
    calibrate_glun2b.add_parser(sub)
    calibrate_memory.add_parser(sub)
    for argv in (["calibrate", "t6"], ["calibrate-culture"], ["calibrate-glun2b"],
                 ["calibrate-memory"]):
        assert not write_requested(p.parse_args(argv))
        assert not write_requested(p.parse_args(argv + ["--dry-run"]))
        assert write_requested(p.parse_args(argv + ["--write"]))
        with pytest.raises(SystemExit):
            p.parse_args(argv + ["--write", "--dry-run"])
    import inspect
    for func in (cal.calibrate_t6, calibrate_culture.calibrate_culture,
                 calibrate_glun2b.calibrate_glun2b, calibrate_memory.calibrate_memory):
        assert inspect.signature(func).parameters["write"].default is False, func.__name__


def test_run_cli_without_write_writes_nothing(tmp_path, capsys):
    out = tmp_path / "c.toml"
    args = argparse.Namespace(target="t6", n_branches=FAST, seed=SEED, out=str(out),
                              debug=False)   # neither --write nor --dry-run
    status = cal.run_cli(args)
    text = capsys.readouterr()
    assert not out.exists()
    if status == 0:
        assert "pass --write" in text.out

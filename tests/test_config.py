"""Tests for mgnet.experiments.config: unit strings, validation, presets and TOML round trips.

No simulation is run; every test checks a value or an error message, not only that
the code runs.
"""
from __future__ import annotations

import dataclasses
import math

import pytest
from brian2 import Hz, Quantity, get_dimensions, mM, ms, mV, nS, pA, pF, second, um

from mgnet.experiments import synapse_check
from mgnet.experiments.config import (
    ConfigError,
    RunConfig,
    coerce_value,
    format_quantity,
    load_config,
    make_config,
    parse_quantity,
    to_toml,
)
from mgnet.models.parameters import CONDITIONS, ELEVATED_MG_I, MagnesiumParams, param_info


def same(a, b) -> bool:
    """Bit-identical value and identical dimensions (equal strings for choices)."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return get_dimensions(a) == get_dimensions(b) and float(a) == float(b)


# --------------------------------------------------------------------------- parse
@pytest.mark.parametrize("text, expected", [
    ("0.8 mM", 0.8 * mM),
    ("2 s", 2 * second),
    ("100 ms", 100 * ms),
    ("0.062 1/mV", 0.062 / mV),
    ("0.062 / mV", 0.062 / mV),
    ("0.062 mV^-1", 0.062 / mV),
    ("5 nS/um^2", 5 * nS / um ** 2),
    ("5 nS/um**2", 5 * nS / um ** 2),
    ("5 nS/(um*um)", 5 * nS / um ** 2),
    ("1.5 um", 1.5 * um),
    ("1.5 µm", 1.5 * um),
    ("0.5 Hz", 0.5 * Hz),
    ("-70.6 mV", -70.6 * mV),
    ("2.5e-3 s", 2.5 * ms),
    ("  80.5   pA ", 80.5 * pA),
    ("0.8 mmolar", 0.8 * mM),
])
def test_parse_quantity_matches_the_python_literal(text, expected):
    # Bit-identical: a value typed in TOML must equal the same literal in Python, or
    # a run from a stored config would not reproduce a run from the Python defaults.
    assert same(parse_quantity(text), expected)


def test_parse_quantity_of_a_bare_number_is_dimensionless():
    q = parse_quantity("0.25")
    assert isinstance(q, Quantity) and q.is_dimensionless and float(q) == 0.25


@pytest.mark.parametrize("bad", [
    "abc mM", "0.8 furlongs", "0.8 mM mV(", "", "   ", "mM", "0.8 mM)", "0.8 (mM",
    "0.8 mM^x", "0.8 mM^", "0.8 2", "0.8 /", "0.8 mM*", "inf mM", "nan mM",
    "0.8 mM; import os", "__import__('os').getcwd()", "0.8 mM.real",
])
def test_parse_quantity_rejects_garbage(bad):
    with pytest.raises(ConfigError):
        parse_quantity(bad)


@pytest.mark.parametrize("not_a_string", [0.8, 1, None, [0.8, "mM"], 0.8 * mM])
def test_parse_quantity_rejects_non_strings(not_a_string):
    with pytest.raises(ConfigError, match="expected a string"):
        parse_quantity(not_a_string)


def test_parse_quantity_error_names_the_unknown_unit():
    with pytest.raises(ConfigError, match="furlongs"):
        parse_quantity("0.8 furlongs")


# -------------------------------------------------------------------------- format
@pytest.mark.parametrize("text", ["0.8 mM", "2 s", "100 ms", "0.062 1/mV", "5 nS/um^2",
                                  "1.5 um", "0.5 Hz", "-70.6 mV", "0 mM", "0 1/mV"])
def test_format_inverts_parse(text):
    q = parse_quantity(text)
    assert same(parse_quantity(format_quantity(q)), q)


@pytest.mark.parametrize("q", [
    0.8 * mM, 0.0236 / mV, 11.95 * ms, 281 * pF, 3 * mV * ms,
    0.123456789012 * mM,          # more digits than str(Quantity) prints
    (1 / 3) * second,             # no short decimal form at all
    0.1 * mM + 0.2 * mM,          # 0.30000000000000004 mM
    5 * nS / um ** 2,             # no Brian2 name for this unit
    0 / mV, -0.5 * pA, 5400 * second,
])
def test_parse_of_format_is_exact(q):
    assert same(parse_quantity(format_quantity(q)), q)


@pytest.mark.parametrize("q, text", [(0.8 * mM, "0.8 mM"), (100 * ms, "100 ms"),
                                     (0.5 * Hz, "0.5 Hz"), (-70.6 * mV, "-70.6 mV"),
                                     (0.0236 / mV, "0.0236 1/mV")])
def test_format_quantity_is_readable(q, text):
    assert format_quantity(q) == text


def test_format_of_dimensionless_is_a_plain_number():
    assert format_quantity(Quantity(0.3)) == "0.3"
    assert format_quantity(0.3) == "0.3"


# --------------------------------------------------------------------------- coerce
MG = param_info(MagnesiumParams)
OPT = param_info(synapse_check.OPTIONS)


def test_coerce_quantity_in_range_returns_the_quantity():
    assert same(coerce_value("mg_o", "1.2 mM", 0.8 * mM, MG["mg_o"]), 1.2 * mM)


def test_coerce_quantity_accepts_other_prefixes_of_the_same_dimension():
    assert same(coerce_value("mg_o", "1200 uM", 0.8 * mM, MG["mg_o"]), 1.2 * mM)


@pytest.mark.parametrize("raw, message", [
    ("0.8 mV", "wrong unit"), ("0.8 s", "wrong unit"), ("0.8", "wrong unit"),
    (0.8, "expected a string"), ("abc mM", "is not '<number> <unit>'"),
])
def test_coerce_quantity_rejects_wrong_dimension_or_form(raw, message):
    with pytest.raises(ConfigError, match=message) as exc:
        coerce_value("params.magnesium.mg_o", raw, 0.8 * mM, MG["mg_o"])
    text = str(exc.value)
    assert "params.magnesium.mg_o" in text and "0.8 mM" in text and "\n" not in text


def test_coerce_quantity_bounds_are_inclusive():
    meta = MG["mg_o"]  # 0 mM .. 100 mM
    assert same(coerce_value("mg_o", "0 mM", 0.8 * mM, meta), 0 * mM)
    assert same(coerce_value("mg_o", "100 mM", 0.8 * mM, meta), 100 * mM)
    assert same(coerce_value("mg_o", "0.1 M", 0.8 * mM, meta), 100 * mM)
    for raw in ("-1 mM", "-1e-9 mM", "100.001 mM", "0.2 M"):
        with pytest.raises(ConfigError, match=r"out of range; allowed: >= 0 mM and <= 100 mM"):
            coerce_value("mg_o", raw, 0.8 * mM, meta)


def test_coerce_quantity_rejects_non_finite():
    with pytest.raises(ConfigError, match="finite"):
        coerce_value("mg_o", "1e999 mM", 0.8 * mM, MG["mg_o"])


def test_coerce_dimensionless_quantity_accepts_a_bare_number():
    assert same(coerce_value("x", 0.5, Quantity(0.1), {}), Quantity(0.5))


def test_coerce_int_field():
    meta = OPT["n_connections"]  # 1 .. 100000
    assert coerce_value("n", 3, 20, meta) == 3
    assert coerce_value("n", 1, 20, meta) == 1 and coerce_value("n", 100000, 20, meta) == 100000
    for raw, message in [(0, "out of range; allowed: >= 1 and <= 100000"),
                         (100001, "out of range"), (1.5, "expected an integer"),
                         ("many", "expected a number"), (True, "expected a number"),
                         ("3", "expected a number")]:
        with pytest.raises(ConfigError, match=message):
            coerce_value("n", raw, 20, meta)


def test_coerce_float_field_accepts_int_and_checks_range():
    meta = {"low": 0.0, "high": 1.0}
    value = coerce_value("p", 1, 0.5, meta)
    assert value == 1.0 and isinstance(value, float)
    with pytest.raises(ConfigError, match="allowed: >= 0.0 and <= 1.0"):
        coerce_value("p", 1.01, 0.5, meta)
    with pytest.raises(ConfigError, match="finite"):
        coerce_value("p", math.nan, 0.5, {})


def test_coerce_bool_and_choice_fields():
    assert coerce_value("b", True, False, {}) is True
    with pytest.raises(ConfigError, match="true or false"):
        coerce_value("b", 1, False, {})
    meta = {"choices": ("a", "b")}
    assert coerce_value("s", "b", "a", meta) == "b"
    with pytest.raises(ConfigError, match="'c' is not allowed; allowed: one of a, b"):
        coerce_value("s", "c", "a", meta)


def test_coerce_tuple_checks_every_item_and_names_it():
    meta = OPT["pr"]
    assert coerce_value("options.pr", [0, 0.5, 1], (0.1,), meta) == (0.0, 0.5, 1.0)
    with pytest.raises(ConfigError, match=r"options\.pr\[1\] = 1\.5 is out of range"):
        coerce_value("options.pr", [0.2, 1.5], (0.1,), meta)
    with pytest.raises(ConfigError, match="expected a list"):
        coerce_value("options.pr", 0.5, (0.1,), meta)


# ------------------------------------------------------------------- make_config
def test_baseline_is_the_dataclass_defaults():
    cfg = make_config("synapse-check")
    assert same(cfg.params.magnesium.mg_o, 0.8 * mM)
    assert same(cfg.params.magnesium.mg_i, 0.5 * mM)
    assert (cfg.condition, cfg.seed, cfg.scale) == ("baseline", 0, "default")


def test_condition_preset_is_applied():
    cfg = make_config("synapse-check", condition="elevated_mg")
    assert same(cfg.params.magnesium.mg_o, 1.2 * mM)
    assert same(cfg.params.magnesium.mg_i, ELEVATED_MG_I)
    # An ablation preset changes one arm only.
    only_o = make_config("synapse-check", condition="elevated_mg_o_only")
    assert same(only_o.params.magnesium.mg_o, 1.2 * mM)
    assert same(only_o.params.magnesium.mg_i, 0.5 * mM)


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_every_condition_preset_resolves_to_its_overrides(name):
    cfg = make_config("synapse-check", condition=name)
    for section, values in CONDITIONS[name].items():
        for key, value in values.items():
            assert same(getattr(getattr(cfg.params, section), key), value)


def test_user_overrides_apply_on_top_of_the_preset():
    cfg = make_config("synapse-check", condition="elevated_mg",
                      params={"magnesium": {"mg_i": "0.6 mM"}, "stp": {"tau_f": "50 ms"}})
    assert same(cfg.params.magnesium.mg_o, 1.2 * mM)      # from the preset
    assert same(cfg.params.magnesium.mg_i, 0.6 * mM)      # user wins over preset
    assert same(cfg.params.stp.tau_f, 50 * ms)
    assert same(cfg.params.stp.tau_d, 500 * ms)           # untouched default
    assert set(cfg.param_overrides) == {"magnesium", "stp"}


def test_scale_then_user_options():
    assert make_config("synapse-check", scale="quick").options.n_connections == \
        synapse_check.SCALES["quick"]["n_connections"]
    assert make_config("synapse-check", scale="paper").options.n_connections == \
        synapse_check.SCALES["paper"]["n_connections"]
    cfg = make_config("synapse-check", scale="quick",
                      options={"n_connections": 2, "pr": [0.3, 0.8], "one_ap_rate": "2 Hz"})
    assert cfg.options.n_connections == 2
    assert cfg.options.pr == (0.3, 0.8)
    assert same(cfg.options.one_ap_rate, 2 * Hz)


@pytest.mark.parametrize("kwargs, message", [
    (dict(condition="foo"), "unknown condition 'foo'; allowed: baseline"),
    (dict(seed=-1), "allowed: an integer"),
    (dict(seed=2 ** 31), "allowed: an integer"),
    (dict(seed=1.0), "allowed: an integer"),
    (dict(seed=True), "allowed: an integer"),
    (dict(scale="huge"), "unknown scale 'huge'; allowed: quick, default, paper"),
    (dict(params={"foo": {}}), "unknown parameter section 'params.foo'; allowed: magnesium"),
    (dict(params={"magnesium": {"mg_x": "1 mM"}}),
     "unknown key 'params.magnesium.mg_x'; allowed: mg_o, mg_i"),
    (dict(params={"mg_block": {"preset": "foo"}}), "allowed: one of jahr_stevens_1990"),
    (dict(options={"colour": 1}), "unknown key 'options.colour'; allowed: pr"),
    (dict(options={"pr": []}), "at least one"),
    (dict(options={"n_spikes": 7}), "multiple"),
])
def test_make_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ConfigError) as exc:
        make_config("synapse-check", **kwargs)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_make_config_rejects_unknown_experiment():
    with pytest.raises(ConfigError, match="unknown experiment 'nope'; allowed: synapse-check"):
        make_config("nope")


# ------------------------------------------------------------------ TOML round trip
ROUND_TRIP_CASES = {
    "defaults": dict(),
    "elevated": dict(condition="elevated_mg", seed=7, scale="quick"),
    "overrides": dict(condition="aged", seed=123, scale="paper",
                      params={"magnesium": {"mg_i": "0.123456789012 mM"},
                              "mg_block": {"preset": "bbp_2022", "inside_block": True,
                                           "delta_inside": "0.03 1/mV"},
                              "stp": {"tau_f": "0.3333 s"},
                              "receptors": {"nmda_ampa_ratio": 0.45}},
                      options={"pr": [0.05, 0.3, 0.8], "n_connections": 3,
                               "one_ap_rate": "2 Hz", "train_interval": "2.5 s"}),
}


@pytest.mark.parametrize("case", list(ROUND_TRIP_CASES))
def test_to_toml_reloads_into_an_equal_config(case, tmp_path):
    cfg = make_config("synapse-check", **ROUND_TRIP_CASES[case])
    path = tmp_path / "resolved.toml"
    path.write_text(to_toml(cfg))
    back = load_config(path)
    assert isinstance(back, RunConfig)
    assert back == cfg
    # Field by field too, so a broken RunConfig.__eq__ cannot hide a difference.
    assert (back.experiment, back.condition, back.seed, back.scale) == \
        (cfg.experiment, cfg.condition, cfg.seed, cfg.scale)
    for section in dataclasses.fields(cfg.params):
        ours, theirs = getattr(cfg.params, section.name), getattr(back.params, section.name)
        for f in dataclasses.fields(ours):
            a, b = getattr(ours, f.name), getattr(theirs, f.name)
            if isinstance(a, Quantity):
                assert same(a, b), (section.name, f.name, a, b)
            else:
                assert a == b and type(a) is type(b), (section.name, f.name, a, b)
    assert back.options == cfg.options
    assert to_toml(back) == to_toml(cfg)


def test_round_trip_equality_detects_a_changed_value(tmp_path):
    # Guard for the test above: the comparison must see a one-ulp change.
    cfg = make_config("synapse-check", condition="elevated_mg")
    text = to_toml(cfg).replace('mg_o = "1.2 mM"', 'mg_o = "1.2000000000000002 mM"')
    assert text != to_toml(cfg)
    path = tmp_path / "changed.toml"
    path.write_text(text)
    assert load_config(path) != cfg


def test_to_toml_writes_every_parameter_and_option():
    import tomllib
    cfg = make_config("synapse-check", condition="elevated_mg")
    data = tomllib.loads(to_toml(cfg))
    assert data["experiment"] == "synapse-check" and data["condition"] == "elevated_mg"
    for section in dataclasses.fields(cfg.params):
        names = {f.name for f in dataclasses.fields(getattr(cfg.params, section.name))}
        assert set(data["params"][section.name]) == names
    assert set(data["options"]) == {f.name for f in dataclasses.fields(synapse_check.OPTIONS)}
    assert data["params"]["magnesium"]["mg_o"] == "1.2 mM"


def test_load_config_command_line_values_take_precedence(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('experiment = "synapse-check"\ncondition = "aged"\nseed = 3\n'
                    'scale = "quick"\n')
    cfg = load_config(path, seed=9, condition=None, scale="paper")
    assert (cfg.condition, cfg.seed, cfg.scale) == ("aged", 9, "paper")


@pytest.mark.parametrize("text, message", [
    ("colour = 1\n", "unknown key 'colour'"),
    ("x = = 1\n", "not valid TOML"),
    ('condition = "baseline"\n', "no experiment named"),
    ('experiment = "other"\n', "for experiment 'other', not 'synapse-check'"),
])
def test_load_config_rejects_bad_files(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    experiment = "synapse-check" if "other" in text else None
    with pytest.raises(ConfigError, match=message):
        load_config(path, experiment=experiment)


def test_load_config_missing_file_and_directory(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="is not a file"):
        load_config(tmp_path)


# --------------------------------------------------------------------------------------
# A value a user sets is used or refused (issue: [params.plasticity] was silently ignored)
# --------------------------------------------------------------------------------------
def test_plasticity_preset_resolves_and_single_values_override():
    from mgnet.experiments.config import make_config
    from mgnet.models.parameters import PLASTICITY_PRESETS
    cfg = make_config("memory-encoding", params={"plasticity": {"preset": "DP",
                                                                "theta_p": 1.5}})
    p = cfg.params.plasticity
    assert p.preset == "DP" and p.theta_p == 1.5
    assert p.c_post == PLASTICITY_PRESETS["DP"].c_post and p.tau == PLASTICITY_PRESETS["DP"].tau
    # The resolved config round-trips: every value is written and read back the same.
    import pathlib
    import tempfile

    from mgnet.experiments.config import load_config
    with tempfile.TemporaryDirectory() as d:
        f = pathlib.Path(d) / "c.toml"
        f.write_text(cfg.to_toml())
        assert load_config(f).params == cfg.params


@pytest.mark.parametrize("experiment, table, msg", [
    ("culture-activity", {"stp": {"tau_f": "50 ms"}}, "not used by experiment"),
    ("culture-activity", {"release_pool": {"n_rrp_median": 3.0}}, "not used by experiment"),
    ("bouton-assay", {"plasticity": {"theta_p": 1.5}}, "not used by experiment"),
    ("plasticity-presets", {"plasticity": {"preset": "DP"}}, "not used by experiment"),
    ("memory-encoding", {"stp": {"tau_d": "1 s"}}, "not used by experiment"),
    ("memory-encoding", {"plasticity": {"preset": "nope"}}, "preset"),
])
def test_unused_or_unknown_parameter_sections_are_refused(experiment, table, msg):
    from mgnet.experiments.config import ConfigError, make_config
    with pytest.raises(ConfigError, match=msg):
        make_config(experiment, params=table)


def test_the_old_plasticity_option_points_to_params():
    from mgnet.experiments.config import ConfigError, make_config
    with pytest.raises(ConfigError, match=r"\[params.plasticity\] preset"):
        make_config("memory-encoding", options={"plasticity": "DP"})

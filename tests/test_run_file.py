"""Tests for mgnet.analysis.run_file: the HDF5 run-file schema (version 2; version 1 read).

Files are built with write_run and then damaged by hand with h5py, so each
validation test checks that one specific defect is named.  Spikes are opened with
libsonata's SpikeReader, the SONATA reference reader.
"""

from __future__ import annotations

import os
import sys

import h5py
import numpy as np
import pytest

from mgnet.analysis import run_file as rf
from mgnet.analysis.run_file import (
    BOUTON_COLUMNS,
    BRANCH_COLUMNS,
    REQUIRED_ROOT_ATTRS,
    SCHEMA_VERSION,
    RunData,
    RunFileError,
    list_runs,
    read_run,
    summarize,
    validate_run,
    write_run,
)


def make_attrs(**overrides):
    attrs = {
        "experiment": "fig2_configuration",
        "condition": "mg_0.8mM",
        "seed": 7,
        "run_id": "fig2_configuration-mg_0.8mM-s7",
        "created_utc": "2024-05-01T12:00:00+00:00",
        "mgnet_version": "0.1.0",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "git_dirty": True,
        "brian2_version": "2.9.0",
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "device": "cpp_standalone",
        "codegen_target": "cpp",
        "threads": 1,
        "config_toml": '[network]\nn_exc = 80\nmg_o = "0.8 mM"\n',
    }
    attrs.update(overrides)
    return attrs


def make_data(**overrides) -> RunData:
    rng = np.random.default_rng(1)
    n_b, n_br, n_syn = 40, 6, 30
    boutons = {
        "branch_id": rng.integers(0, n_br, n_b),
        "pr_true": rng.uniform(0, 1, n_b),
        "mg_i": np.full(n_b, 0.8),
        "n_release_1ap": rng.integers(0, 31, n_b),
        "n_release_burst": rng.integers(0, 31, n_b),
        "pr_1ap": rng.integers(0, 31, n_b) / 30,
        "pr_burst": rng.integers(0, 31, n_b) / 30,
        "q": rng.uniform(0.1, 1.0, n_b),
        "wca": rng.uniform(0, 5, n_b),
        "wca_burst": rng.uniform(0, 5, n_b),
        # not a standard column: needs an explicit unit below
        "distance_um": rng.uniform(0, 200, n_b),
    }
    branches = {
        "branch_id": np.arange(n_br),
        "length_um": rng.uniform(50, 150, n_br),
        "mg_i": np.full(n_br, 0.8),
        "D": rng.uniform(0, 3, n_br),
        "mean_pr": rng.uniform(0, 1, n_br),
        "sum_pr": rng.uniform(0, 3, n_br),
        "sum_pr_burst": rng.uniform(0, 3, n_br),
        "stf": rng.uniform(0.5, 2, n_br),
        "capacity_bits": rng.uniform(0, 10, n_br),
    }
    synapses = {
        "ee": {
            "pre": rng.integers(0, 80, n_syn),
            "post": rng.integers(0, 80, n_syn),
            "contact": rng.integers(0, 3, n_syn),
            "pr": rng.uniform(0, 1, n_syn),
            "weight_train": rng.uniform(0, 2, n_syn),
            "weight_test": rng.uniform(0, 2, n_syn),
            "rho_train": rng.uniform(0, 1, n_syn),
        },
        "ie": {
            "pre": rng.integers(0, 20, 5),
            "post": rng.integers(0, 80, 5),
        },
    }
    data = RunData(
        attrs=make_attrs(),
        spikes={
            "exc": (np.sort(rng.uniform(0, 3.0, 500)), rng.integers(0, 80, 500)),
            # deliberately unsorted: SONATA does not require sorted spikes
            "inh": (rng.uniform(0, 3.0, 120), rng.integers(0, 20, 120).astype(np.int32)),
        },
        boutons=boutons,
        branches=branches,
        synapses=synapses,
        protocol={
            "baseline": {"t_start": 0.0, "t_stop": 1.0, "plasticity": False},
            "train": {"t_start": 1.0, "t_stop": 2.5, "plasticity": True},
            "test": {"t_start": 2.5, "t_stop": 3.0, "plasticity": False},
        },
        patterns=rng.uniform(size=(3, 80)) < 0.1,
        recall={
            "pattern": np.array([0, 0, 1, 1, 2, 2]),
            "overlap": rng.uniform(0, 1, 6),
            "rates_hz": rng.uniform(0, 20, (6, 80)),
        },
        metrics={"mean_rate_hz": 2.5, "n_bursts": 12, "converged": True, "note": "ok", "ks_p": float("nan")},
        arrays={
            "/timecourse/pr_mean": rng.uniform(0, 1, 20_000),  # big enough to be compressed
            "/timecourse/t": np.linspace(0, 3, 20_000),
        },
        units={
            "/boutons/distance_um": "um",
            "/recall/rates_hz": "Hz",
            "/timecourse/pr_mean": "1",
            "/timecourse/t": "s",
            # restating a standard unit is allowed
            "/boutons/mg_i": "mM",
        },
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


@pytest.fixture
def good_file(tmp_path):
    return write_run(tmp_path / "runs" / "fig2" / "good.h5", make_data())


# ------------------------------------------------------------------ round trip


def test_round_trip_preserves_everything(tmp_path):
    data = make_data()
    path = write_run(tmp_path / "runs" / "fig2" / "r.h5", data)
    assert path == tmp_path / "runs" / "fig2" / "r.h5"
    back = read_run(path)

    expected_attrs = dict(data.attrs, schema_version=SCHEMA_VERSION, status="complete")
    assert back.attrs == expected_attrs
    assert type(back.attrs["seed"]) is int and type(back.attrs["threads"]) is int
    assert type(back.attrs["git_dirty"]) is bool

    assert back.spikes.keys() == data.spikes.keys()
    for pop, (ts, ids) in data.spikes.items():
        bts, bids = back.spikes[pop]
        # seconds in memory, ms on disk: ×1000 then ÷1000 returns each time within 1 ulp
        np.testing.assert_array_max_ulp(bts, ts, maxulp=1)
        np.testing.assert_array_equal(bids, ids)
        assert bts.dtype == np.float64
        assert bids.dtype == np.int64  # uint64 on disk, int64 in memory

    for name in ("boutons", "branches", "recall"):
        orig, got = getattr(data, name), getattr(back, name)
        assert got.keys() == orig.keys(), name
        for col in orig:
            np.testing.assert_array_equal(got[col], orig[col])
            assert got[col].dtype == np.asarray(orig[col]).dtype

    assert back.synapses.keys() == data.synapses.keys()
    for pw, table in data.synapses.items():
        assert back.synapses[pw].keys() == table.keys()
        for col, arr in table.items():
            np.testing.assert_array_equal(back.synapses[pw][col], arr)

    assert back.protocol == data.protocol
    assert list(back.protocol) == ["baseline", "train", "test"]  # creation order kept
    assert back.patterns.dtype == np.bool_
    np.testing.assert_array_equal(back.patterns, data.patterns)

    assert back.metrics.keys() == data.metrics.keys()
    for key in ("mean_rate_hz", "n_bursts", "converged", "note"):
        assert back.metrics[key] == data.metrics[key]
        assert type(back.metrics[key]) is type(data.metrics[key])
    assert np.isnan(back.metrics["ks_p"])

    assert back.arrays.keys() == data.arrays.keys()
    for p, arr in data.arrays.items():
        np.testing.assert_array_equal(back.arrays[p], arr)

    # units: the explicit ones plus every schema default
    assert back.units["/boutons/distance_um"] == "um"
    assert back.units["/recall/rates_hz"] == "Hz"
    assert back.units["/timecourse/t"] == "s"
    assert back.units["/spikes/exc/timestamps"] == "s"
    assert back.units["/spikes/inh/node_ids"] == "1"
    assert back.units["/synapses/ee/weight_test"] == "nS"
    assert back.units["/synapses/ee/rho_train"] == "1"
    assert back.units["/patterns/members"] == "1"
    for col, unit in BOUTON_COLUMNS.items():
        assert back.units[f"/boutons/{col}"] == unit
    for col, unit in BRANCH_COLUMNS.items():
        assert back.units[f"/branches/{col}"] == unit
    n_datasets = len(rf.validate.datasets(data))
    assert len(back.units) == n_datasets


def test_read_data_can_be_written_again(tmp_path, good_file):
    first = read_run(good_file)
    second = read_run(write_run(tmp_path / "copy.h5", first))
    assert second.attrs == first.attrs
    assert second.units == first.units
    np.testing.assert_array_max_ulp(second.spikes["inh"][0], first.spikes["inh"][0], maxulp=1)


def test_optional_groups_absent_round_trip_as_none(tmp_path):
    data = RunData(attrs=make_attrs())
    back = read_run(write_run(tmp_path / "min.h5", data))
    assert back.boutons is None and back.branches is None
    assert back.patterns is None and back.recall is None
    assert back.spikes == {} and back.synapses == {} and back.protocol == {}
    assert back.metrics == {} and back.arrays == {} and back.units == {}
    assert validate_run(tmp_path / "min.h5") == []


def test_on_disk_layout(good_file):
    with h5py.File(good_file, "r") as f:
        assert f.attrs["schema_version"] == 2
        assert f.attrs["status"] == "complete"
        assert f.attrs["git_dirty"].dtype == np.bool_
        assert np.issubdtype(f.attrs["seed"].dtype, np.integer)
        assert isinstance(f.attrs["config_toml"], str)
        ts = f["/spikes/exc/timestamps"]
        # SONATA: milliseconds, uint64 node ids, sorting an HDF5 enum, no filters
        assert ts.dtype == np.float64 and ts.attrs["units"] == "ms"
        np.testing.assert_allclose(ts[()], 1000 * make_data().spikes["exc"][0], rtol=1e-15)
        assert f["/spikes/exc/node_ids"].dtype == np.uint64
        enum = h5py.check_enum_dtype(f["/spikes/exc"].attrs.get_id("sorting").dtype)
        assert enum == {"none": 0, "by_id": 1, "by_time": 2}
        assert f["/spikes/exc"].attrs["sorting"] == 2  # by_time
        assert f["/spikes/inh"].attrs["sorting"] == 0  # none
        for pop in ("exc", "inh"):
            for name in ("timestamps", "node_ids"):
                assert f[f"/spikes/{pop}/{name}"].compression is None
        phase = f["/protocol/train"]
        assert phase.attrs["t_start"] == 1.0 and phase.attrs["t_stop"] == 2.5
        assert bool(phase.attrs["plasticity"]) is True and phase.attrs["units"] == "s"
        assert f["/metrics"].attrs["n_bursts"] == 12
        assert f["/boutons/mg_i"].attrs["units"] == "mM"
        assert f["/branches/capacity_bits"].attrs["units"] == "bit/(10 um)"
        assert f["/timecourse/pr_mean"].compression == "gzip"
        assert f["/boutons/q"].compression is None
        seen = []
        f.visititems(lambda n, o: seen.append(n) if isinstance(o, h5py.Dataset) else None)
        assert seen and all("units" in f[n].attrs for n in seen)


# ------------------------------------------------------------------- validation


def test_validate_good_file_is_clean(good_file):
    assert validate_run(good_file) == []


def _damage(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


def _replace(f, name, values):
    units = f[name].attrs.get("units")
    del f[name]
    f[name] = values
    if units is not None:
        f[name].attrs["units"] = units


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda f: f.attrs.__delitem__("seed"), "missing root attribute 'seed'"),
        (lambda f: f.attrs.__setitem__("threads", "one"), "'threads' must be an integer"),
        (lambda f: f["/boutons/q"].attrs.__delitem__("units"), "dataset /boutons/q has no units attribute"),
        (lambda f: f["/boutons/mg_i"].attrs.__setitem__("units", "uM"), "/boutons/mg_i must be in 'mM'"),
        (lambda f: _replace(f, "/boutons/q", np.ones(39)), "/boutons columns have different lengths"),
        (lambda f: _replace(f, "/synapses/ee/post", np.arange(29)), "/synapses/ee columns have different lengths"),
        (lambda f: _replace(f, "/boutons/pr_1ap", np.full(40, 1.2)), "/boutons/pr_1ap must lie in [0, 1]"),
        (lambda f: _replace(f, "/synapses/ee/pr", np.full(30, -0.1)), "/synapses/ee/pr must lie in [0, 1]"),
        # NaN is allowed in /branches/mean_pr (a branch without functional boutons has no
        # mean Pr) but not in per-bouton probabilities.
        (lambda f: _replace(f, "/boutons/pr_1ap", np.full(len(f["/boutons/pr_1ap"]), np.nan)), "/boutons/pr_1ap must lie in [0, 1]"),
        (lambda f: _replace(f, "/boutons/n_release_1ap", np.full(40, 2.5)), "/boutons/n_release_1ap must hold non-negative whole"),
        (lambda f: _replace(f, "/spikes/exc/node_ids", np.arange(499, dtype=np.uint64)), "/spikes/exc has 500 timestamps but 499 node_ids"),
        (lambda f: _replace(f, "/spikes/exc/timestamps", np.r_[np.nan, np.ones(499)]), "/spikes/exc/timestamps must be finite and >= 0"),
        (lambda f: _replace(f, "/spikes/exc/timestamps", np.r_[-1.0, np.ones(499)]), "/spikes/exc/timestamps must be finite and >= 0"),
        (lambda f: f["/protocol/train"].attrs.__setitem__("t_start", 5.0), "/protocol/train has t_start 5.0 s > t_stop 2.5 s"),
        (lambda f: f["/protocol/test"].attrs.__delitem__("plasticity"), "/protocol/test is missing plasticity"),
        (lambda f: _replace(f, "/patterns/members", np.ones((3, 80), dtype=np.int8)), "/patterns/members must be a 2-D boolean"),
        (lambda f: _replace(f, "/patterns/members", np.ones(80, dtype=bool)), "/patterns/members must be a 2-D boolean"),
        (lambda f: _replace(f, "/recall/overlap", np.ones(5)), "/recall columns have different lengths"),
        (lambda f: f.create_dataset("/extra/x", data=np.ones(3)), "dataset /extra/x has no units attribute"),
    ],
    ids=[
        "missing-attr", "attr-type", "no-units", "wrong-units", "bouton-lengths", "synapse-lengths",
        "pr-above-1", "pr-negative", "pr-nan", "fractional-count", "spike-lengths", "spike-nan",
        "spike-negative", "phase-order", "phase-missing-key", "patterns-not-bool", "patterns-1d",
        "recall-lengths", "extra-without-units",
    ],
)
def test_validate_names_each_defect(good_file, damage, expected):
    _damage(good_file, damage)
    problems = validate_run(good_file)
    assert any(expected in p for p in problems), problems
    # a damaged file must not read as if it were fine
    with pytest.raises(RunFileError) as err:
        read_run(good_file)
    assert str(good_file) in str(err.value)
    assert "\n" not in str(err.value)


def test_read_run_message_names_the_missing_attribute(good_file):
    _damage(good_file, lambda f: f.attrs.__delitem__("seed"))
    with pytest.raises(RunFileError, match="missing root attribute 'seed'"):
        read_run(good_file)


def test_not_hdf5_and_missing_file(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5 at all")
    with pytest.raises(RunFileError, match=r"notes\.h5 is not an HDF5 file"):
        read_run(text)
    assert validate_run(text) == ["is not an HDF5 file"]
    with pytest.raises(RunFileError, match="is not an HDF5 file"):
        summarize(text)

    missing = tmp_path / "nope.h5"
    with pytest.raises(RunFileError, match=r"nope\.h5 does not exist"):
        read_run(missing)
    assert validate_run(missing) == ["does not exist"]
    with pytest.raises(RunFileError):
        read_run(tmp_path)  # a directory


def test_hdf5_that_is_not_a_run_file(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(RunFileError, match="no schema_version attribute"):
        read_run(other)
    with pytest.raises(RunFileError, match="not an mgnet run file"):
        summarize(other)


def test_wrong_schema_version_is_rejected(good_file):
    _damage(good_file, lambda f: f.attrs.__setitem__("schema_version", np.int64(3)))
    with pytest.raises(RunFileError, match="has schema_version 3; this mgnet reads 1 and 2"):
        read_run(good_file)
    # nothing else is checked against a schema this code does not know
    assert validate_run(good_file) == ["has schema_version 3; this mgnet reads 1 and 2"]
    with pytest.raises(RunFileError, match="schema_version 3"):
        summarize(good_file)


def test_incomplete_file_is_rejected_but_summarized(good_file):
    _damage(good_file, lambda f: f.attrs.__setitem__("status", "running"))
    with pytest.raises(RunFileError, match=r"is incomplete \(status='running'\)"):
        read_run(good_file)
    assert validate_run(good_file) == ["is incomplete (status='running')"]
    assert list_runs(good_file.parent) == []
    text = summarize(good_file)
    assert "status       running" in text
    assert "is incomplete" in text


# ---------------------------------------------------------------------- writing


def test_refuses_to_overwrite(tmp_path, monkeypatch):
    path = tmp_path / "r.h5"
    write_run(path, make_data())
    before = path.read_bytes()

    def must_not_write(*args):
        raise AssertionError("an existing target must be refused before any writing")

    monkeypatch.setattr(rf.write, "_write_contents", must_not_write)
    with pytest.raises(FileExistsError):
        write_run(path, make_data(attrs=make_attrs(run_id="other")))
    assert path.read_bytes() == before
    assert read_run(path).attrs["run_id"] == make_attrs()["run_id"]
    assert os.listdir(tmp_path) == ["r.h5"]

    # a file that is not a run file is not overwritten either
    text = tmp_path / "t.h5"
    text.write_text("keep me")
    with pytest.raises(FileExistsError):
        write_run(text, make_data())
    assert text.read_text() == "keep me"


def test_invalid_data_raises_and_leaves_nothing(tmp_path):
    data = make_data()
    data.boutons["pr_true"] = data.boutons["pr_true"][:-1]
    target = tmp_path / "runs" / "r.h5"
    with pytest.raises(RunFileError, match="/boutons columns have different lengths"):
        write_run(target, data)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_removes_temp_file(tmp_path, monkeypatch):
    original = rf.write._write_contents

    def explode(f, data, units):
        original(f, data, units)  # the temp file now holds real data
        raise RuntimeError("disk full")

    monkeypatch.setattr(rf.write, "_write_contents", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        write_run(tmp_path / "r.h5", make_data())
    assert list(tmp_path.iterdir()) == []


def test_temp_name_and_status_written_last(tmp_path, monkeypatch):
    seen = {}
    original_contents, original_publish = rf.write._write_contents, rf.write._publish

    def spy_contents(f, data, units):
        seen["status_during_write"] = f.attrs["status"]
        seen["tmp"] = f.filename
        original_contents(f, data, units)

    def spy_publish(tmp, final):
        with h5py.File(tmp, "r") as f:
            seen["status_before_rename"] = f.attrs["status"]
        assert not final.exists()  # the final name appears only on publish
        original_publish(tmp, final)

    monkeypatch.setattr(rf.write, "_write_contents", spy_contents)
    monkeypatch.setattr(rf.write, "_publish", spy_publish)
    write_run(tmp_path / "r.h5", make_data())
    tmp = os.path.basename(seen["tmp"])
    assert os.path.dirname(seen["tmp"]) == str(tmp_path)
    assert tmp.startswith(f".r.h5.tmp-{os.getpid()}-") and len(tmp) > len(f".r.h5.tmp-{os.getpid()}-")
    assert seen["status_during_write"] == "running"
    assert seen["status_before_rename"] == "complete"
    assert os.listdir(tmp_path) == ["r.h5"]


def test_concurrent_writer_is_not_overwritten(tmp_path, monkeypatch):
    target = tmp_path / "r.h5"
    original = rf.write._write_contents

    def race(f, data, units):
        original(f, data, units)
        target.write_text("the other worker won")  # appears after the existence check

    monkeypatch.setattr(rf.write, "_write_contents", race)
    with pytest.raises(FileExistsError):
        write_run(target, make_data())
    assert target.read_text() == "the other worker won"
    assert os.listdir(tmp_path) == ["r.h5"]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d.attrs.pop("seed"), "missing root attribute 'seed'"),
        (lambda d: d.attrs.__setitem__("git_dirty", "yes"), "'git_dirty' must be a bool"),
        (lambda d: d.attrs.__setitem__("seed", 1.5), "'seed' must be an integer"),
        (lambda d: d.attrs.__setitem__("created_utc", "yesterday"), "created_utc"),
        (lambda d: d.attrs.__setitem__("schema_version", 3), "schema_version 3"),
        (lambda d: d.units.pop("/boutons/distance_um"), "dataset /boutons/distance_um has no units"),
        (lambda d: d.units.__setitem__("/boutons/q", "pS"), "/boutons/q must be in 'nS'"),
        # in memory spike times are seconds; only the file holds ms
        (lambda d: d.units.__setitem__("/spikes/exc/timestamps", "ms"), "must be in 's'"),
        (lambda d: d.units.__setitem__("/boutons/typo", "1"), "units given for /boutons/typo"),
        (lambda d: d.spikes.__setitem__("exc", (np.ones(3), np.ones(2, int))), "3 timestamps but 2 node_ids"),
        (lambda d: d.spikes.__setitem__("exc", (np.arange(3), np.arange(3))), "floating point seconds"),
        (lambda d: d.spikes.__setitem__("exc", (np.ones(3), np.array([0, -1, 2]))), "node_ids must be >= 0"),
        (lambda d: d.synapses["ee"].pop("pre"), "/synapses/ee is missing column 'pre'"),
        (lambda d: d.synapses["ee"].__setitem__("pr", np.full(30, 2.0)), "/synapses/ee/pr must lie in [0, 1]"),
        (lambda d: d.protocol.__setitem__("x", {"t_start": 2.0, "t_stop": 1.0, "plasticity": False}), "t_start 2.0 s > t_stop 1.0 s"),
        (lambda d: d.protocol.__setitem__("x", {"t_start": 0.0, "t_stop": 1.0, "plasticity": 1, "dt": 1}), "unknown key 'dt'"),
        (lambda d: d.arrays.__setitem__("/boutons/extra", np.ones(40)), "inside the reserved group /boutons"),
        (lambda d: d.arrays.__setitem__("relative/x", np.ones(2)), "must be an absolute HDF5 path"),
        (lambda d: d.arrays.__setitem__("/timecourse/t/x", np.ones(2)), "also used as a group"),
        (lambda d: d.boutons.__setitem__("label", np.array(["a"] * 40)), "only bool, integer and float"),
        (lambda d: d.metrics.__setitem__("vec", [1, 2]), "'vec' must be a str, int, float or bool"),
        (lambda d: setattr(d, "patterns", np.zeros((3, 80))), "/patterns/members must be a 2-D boolean"),
    ],
)
def test_write_rejects_bad_data(tmp_path, mutate, expected):
    data = make_data()
    mutate(data)
    with pytest.raises(RunFileError) as err:
        write_run(tmp_path / "r.h5", data)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_writer_owns_status(tmp_path):
    data = make_data(attrs=make_attrs(status="running"))
    back = read_run(write_run(tmp_path / "r.h5", data))
    assert back.attrs["status"] == "complete"


def test_required_attrs_constant_matches_writer():
    assert set(REQUIRED_ROOT_ATTRS) == set(make_attrs()) | {"schema_version", "status"}


# ------------------------------------------------------------- summary, listing


def test_summarize_reports_identity_counts_and_units(good_file):
    text = summarize(good_file)
    assert "fig2_configuration" in text
    assert "mg_0.8mM" in text and "seed 7" in text
    assert "0123456789abcdef" in text and "(dirty)" in text
    assert "exc            500 spikes from" in text
    assert "inh            120 spikes from" in text
    # 500 spikes over the 3 s protocol
    assert "166.7 spikes/s over 3 s" in text
    assert "/boutons/mg_i" in text and "[mM]" in text
    assert "(40,)" in text
    assert "mean_rate_hz = 2.5" in text
    assert "valid: yes" in text
    assert "n_exc = 80" not in text
    assert "n_exc = 80" in summarize(good_file, show_config=True)


def test_list_runs_finds_only_complete_runs(tmp_path):
    runs = tmp_path / "runs"
    a = write_run(runs / "fig2" / "a.h5", make_data())
    b = write_run(runs / "fig3" / "b.h5", make_data(attrs=make_attrs(experiment="fig3")))
    inc = write_run(runs / "fig2" / "c.h5", make_data())
    _damage(inc, lambda f: f.attrs.__setitem__("status", "running"))
    (runs / "fig2" / ".d.h5.tmp-1-abcd").write_bytes(a.read_bytes())
    (runs / "fig2" / ".hidden.h5").write_bytes(a.read_bytes())
    (runs / "fig2" / "junk.h5").write_text("junk")
    assert list_runs(runs) == [a, b]
    assert list_runs(runs, experiment="fig3") == [b]
    assert list_runs(tmp_path / "missing") == []
    # Superseded runs (hidden folder) are not current results; scales are not pooled.
    (runs / ".superseded" / "x").mkdir(parents=True)
    (runs / ".superseded" / "x" / "old.h5").write_bytes(a.read_bytes())
    assert list_runs(runs) == [a, b]
    q = write_run(runs / "fig2" / "q.h5", make_data(attrs=make_attrs(scale="quick")))
    assert list_runs(runs, scale="quick") == [q]
    assert q not in list_runs(runs, scale="default") and a not in list_runs(runs, scale="quick")


def test_analysis_does_not_import_brian2():
    import subprocess

    code = "import sys, mgnet.analysis.run_file; sys.exit('brian2' in sys.modules)"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


# ------------------------------------------------------- SONATA spikes, schema 1


def _downgrade_to_schema_1(path):
    """Rewrite a file the way the schema-1 writer stored it: timestamps in s with
    units "s", ``sorting`` a string, schema_version 1."""
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = np.int64(1)
        for grp in f["spikes"].values():
            code = int(grp.attrs["sorting"])
            del grp.attrs["sorting"]
            grp.attrs["sorting"] = {0: "none", 1: "by_id", 2: "by_time"}[code]
            seconds = grp["timestamps"][()] / 1000.0
            del grp["timestamps"]
            grp["timestamps"] = seconds
            grp["timestamps"].attrs["units"] = "s"


def test_schema_1_files_are_read_in_seconds(tmp_path):
    data = make_data()
    path = write_run(tmp_path / "runs" / "fig2" / "old.h5", data)
    _downgrade_to_schema_1(path)
    assert validate_run(path) == []
    back = read_run(path)
    assert back.attrs["schema_version"] == 1
    for pop, (ts, ids) in data.spikes.items():
        np.testing.assert_array_max_ulp(back.spikes[pop][0], ts, maxulp=1)
        np.testing.assert_array_equal(back.spikes[pop][1], ids)
    assert back.units["/spikes/exc/timestamps"] == "s"
    assert list_runs(tmp_path / "runs") == [path]  # old runs still count
    assert "/spikes/exc/timestamps" in summarize(path) and "[s]" in summarize(path)
    # written again, the same spikes become a schema-2 file
    again = write_run(tmp_path / "new.h5", back)
    with h5py.File(again, "r") as f:
        assert f.attrs["schema_version"] == 2
        assert f["/spikes/exc/timestamps"].attrs["units"] == "ms"
    np.testing.assert_array_max_ulp(read_run(again).spikes["exc"][0], back.spikes["exc"][0],
                                    maxulp=1)


def test_spike_time_unit_must_match_the_schema(tmp_path, good_file):
    """A schema-2 file with timestamps in s (or schema 1 with ms) would put every spike
    1000× off: it is refused, not read."""
    _damage(good_file, lambda f: f["/spikes/exc/timestamps"].attrs.__setitem__("units", "s"))
    assert any("/spikes/exc/timestamps must be in 'ms' in schema 2, not 's'" in p
               for p in validate_run(good_file))
    old = write_run(tmp_path / "old.h5", make_data())
    _downgrade_to_schema_1(old)
    _damage(old, lambda f: f["/spikes/inh/timestamps"].attrs.__setitem__("units", "ms"))
    assert any("/spikes/inh/timestamps must be in 's' in schema 1, not 'ms'" in p
               for p in validate_run(old))


def test_summarize_shows_the_stored_spike_unit(good_file):
    text = summarize(good_file)
    line = next(x for x in text.splitlines() if "/spikes/exc/timestamps" in x)
    assert line.rstrip().endswith("[ms]")


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda f: (f["/spikes/exc"].attrs.__delitem__("sorting"),
                    f["/spikes/exc"].attrs.__setitem__("sorting", "by_time")),
         "/spikes/exc sorting must be the SONATA enum"),
        (lambda f: f["/spikes/inh"].attrs.create("sorting", 2, dtype=rf.SORTING_DTYPE),
         "/spikes/inh sorting says by_time, but the data are not"),
        (lambda f: f["/spikes/exc"].attrs.__delitem__("sorting"), "/spikes/exc has no sorting"),
    ],
    ids=["string", "false-by-time", "missing"],
)
def test_sorting_attribute_is_checked(good_file, damage, expected):
    _damage(good_file, damage)
    assert any(expected in p for p in validate_run(good_file)), validate_run(good_file)


def test_sorting_values(tmp_path):
    t = np.array([0.3, 0.1, 0.2])
    data = RunData(attrs=make_attrs(), spikes={
        "time": (np.sort(t), np.array([2, 0, 1])),
        "id": (t, np.array([0, 1, 1])),
        "none": (t, np.array([1, 0, 2])),
        "empty": (np.zeros(0), np.zeros(0, np.int64)),
    })
    path = write_run(tmp_path / "s.h5", data)
    with h5py.File(path, "r") as f:
        got = {pop: int(f[f"/spikes/{pop}"].attrs["sorting"]) for pop in data.spikes}
    assert got == {"time": 2, "id": 1, "none": 0, "empty": 2}
    assert validate_run(path) == []


def test_large_spike_datasets_are_not_compressed(tmp_path):
    # 20 000 spikes = 160 kB per dataset: other datasets of that size are compressed,
    # spikes are not (the PyPI libsonata wheel has no deflate filter)
    n = 20_000
    data = make_data()
    data.spikes["exc"] = (np.linspace(0, 3, n), np.arange(n) % 80)
    path = write_run(tmp_path / "big.h5", data)
    with h5py.File(path, "r") as f:
        assert f["/spikes/exc/timestamps"].nbytes >= rf.write._COMPRESS_MIN_BYTES
        assert f["/spikes/exc/timestamps"].compression is None
        assert f["/spikes/exc/node_ids"].compression is None
        assert f["/timecourse/pr_mean"].compression == "gzip"


def test_libsonata_reads_every_kind_of_spikes(tmp_path):
    """Every population layout the experiments write (culture `exc`/`inh`, memory-capacity
    `exc_p<P>`/`inh_p<P>`, synapse-check `presynaptic`/`postsynaptic`, plasticity-induction
    `branches`), empty, unsorted, sorted by id and large, opened with libsonata's
    SpikeReader: the same spikes, in ms, with the declared sorting honoured by its
    time-window queries."""
    libsonata = pytest.importorskip("libsonata", reason="in the [test] extra")
    rng = np.random.default_rng(5)

    def by_time(n, n_nodes, t_max=3.0):
        return np.sort(rng.uniform(0, t_max, n)), rng.integers(0, n_nodes, n)

    ids_sorted = np.sort(rng.integers(0, 40, 300))
    spikes = {
        "exc": by_time(5000, 400), "inh": by_time(1200, 100),
        "exc_p1": by_time(800, 400), "inh_p1": by_time(200, 100),
        "exc_p2": by_time(900, 400), "inh_p2": (np.zeros(0), np.zeros(0, np.int64)),
        "presynaptic": by_time(20, 2), "postsynaptic": (np.zeros(0), np.zeros(0, np.int32)),
        "branches": (rng.uniform(0, 3.0, 300), ids_sorted),           # by_id
        "unsorted": (rng.uniform(0, 3.0, 300), rng.integers(0, 40, 300)),  # none
        "large": by_time(60_000, 2000, 100.0),                         # 480 kB per dataset
    }
    path = write_run(tmp_path / "runs" / "x.h5", RunData(attrs=make_attrs(), spikes=spikes))
    reader = libsonata.SpikeReader(str(path))
    assert sorted(reader.get_population_names()) == sorted(spikes)
    expected_sorting = {"branches": "by_id", "unsorted": "none"}
    for pop, (ts, ids) in spikes.items():
        sp = reader[pop]
        assert sp.sorting == expected_sorting.get(pop, "by_time"), pop
        assert sp.time_units == "ms"
        got = sp.get()
        assert len(got) == len(ts), pop
        got_ids = np.array([i for i, _ in got], dtype=np.int64)
        got_ms = np.array([t for _, t in got], dtype=float)
        # the same (node, time) pairs, whatever order the reader returns them in
        want = sorted(zip(np.asarray(ids, np.int64).tolist(), (ts * 1000.0).tolist(), strict=True))
        assert sorted(zip(got_ids.tolist(), got_ms.tolist(), strict=True)) == want, pop
        if len(ts):
            assert sp.times == pytest.approx((ts.min() * 1000.0, ts.max() * 1000.0))
            # a time-window query (binary search when sorted by time) in ms
            t0, t1 = np.quantile(ts, [0.25, 0.5]) * 1000.0
            inside = np.count_nonzero((ts * 1000.0 >= t0) & (ts * 1000.0 <= t1))
            assert len(sp.get(tstart=t0, tstop=t1)) == inside, pop
    # and mgnet reads the same file back in seconds
    back = read_run(path)
    for pop, (ts, _ids) in spikes.items():
        np.testing.assert_array_max_ulp(back.spikes[pop][0], ts, maxulp=1)


# ------------------------------------------------------------------ the schema table


def test_schema_tables_in_docs_are_generated_from_the_table():
    """docs/run-files.md's schema tables are exactly what the table generates
    (regenerate with ``python -m mgnet.analysis.run_file.docs``)."""
    from mgnet.analysis.run_file import docs
    text = docs.DOC.read_text(encoding="utf-8")
    assert docs.render(text) == text
    # every generated table has its marker, and an unknown marker is refused
    with pytest.raises(ValueError, match="no docs marker"):
        docs.render("no markers here")


def test_a_column_added_to_the_table_is_written_validated_and_read(tmp_path, monkeypatch):
    """One entry in schema.GROUPS is all a new standard dataset needs: the writer takes its
    unit from the table (and refuses another), the validator applies its check, the
    reader returns it with its unit, and it is required if the table says so."""
    import dataclasses

    from mgnet.analysis.run_file import schema
    original = schema.GROUPS

    def with_column(col):
        return tuple(dataclasses.replace(g, columns=g.columns + (col,)) if g.name == "boutons"
                     else g for g in original)

    new = schema.Column("frac_docked", "1", "docked fraction", check="probability")
    monkeypatch.setattr(schema, "GROUPS", with_column(new))
    data = make_data()
    n = len(data.boutons["pr_true"])
    data.boutons["frac_docked"] = np.linspace(0, 1, n)      # no entry in data.units
    back = read_run(write_run(tmp_path / "ok.h5", data))
    assert back.units["/boutons/frac_docked"] == "1"
    np.testing.assert_array_equal(back.boutons["frac_docked"], data.boutons["frac_docked"])

    data.units["/boutons/frac_docked"] = "%"
    with pytest.raises(RunFileError, match=r"/boutons/frac_docked must be in '1', not '%'"):
        write_run(tmp_path / "unit.h5", data)
    del data.units["/boutons/frac_docked"]
    data.boutons["frac_docked"] = np.full(n, 1.5)
    with pytest.raises(RunFileError, match=r"/boutons/frac_docked must lie in \[0, 1\]"):
        write_run(tmp_path / "range.h5", data)

    # the same check on a file: write a valid one, damage the new column by hand
    path = write_run(tmp_path / "damaged.h5", make_data())
    with h5py.File(path, "r+") as f:
        f.create_dataset("/boutons/frac_docked", data=np.full(n, -0.5)).attrs["units"] = "1"
    assert any("/boutons/frac_docked must lie in [0, 1]" in p for p in validate_run(path))

    monkeypatch.setattr(schema, "GROUPS", with_column(dataclasses.replace(new, required=True)))
    with pytest.raises(RunFileError, match="/boutons is missing column 'frac_docked'"):
        write_run(tmp_path / "missing.h5", make_data())


def test_name_unit_views_match_the_table():
    from mgnet.analysis.run_file import schema
    assert rf.BOUTON_COLUMNS == {c.name: c.unit for c in schema.group("boutons").columns}
    assert rf.SYNAPSE_PREFIX_UNITS == {"weight_": "nS", "rho_": "1"}
    assert rf.SPIKE_FILE_UNITS == {1: {"timestamps": "s", "node_ids": "1"},
                                   2: {"timestamps": "ms", "node_ids": "1"}}
    assert rf.RESERVED_GROUPS == ("spikes", "boutons", "branches", "synapses", "protocol",
                                  "patterns", "recall", "metrics")
    assert [a.name for a in schema.ROOT_ATTRIBUTES if a.writer_sets] == \
        ["schema_version", "status"]


def test_experiment_sections_agree_with_the_writers():
    """The units the bouton assays write (EXTRA_UNITS) are the table's; the table documents
    every one of them."""
    from mgnet.analysis.run_file import schema
    from mgnet.experiments import bouton_assay
    documented = {p: u for s in schema.EXPERIMENT_SECTIONS for p, u, _ in s.datasets}
    assert {p: documented.get(p) for p in bouton_assay.EXTRA_UNITS} == bouton_assay.EXTRA_UNITS
    # none of them shadows a standard column (those have their unit fixed by GROUPS)
    assert all(schema.fixed_unit(p) is None for p in documented)


def test_run_file_package_sizes():
    """Issue 16: no module of the run-file package over 500 lines, no function over 80."""
    import ast
    from pathlib import Path
    root = Path(rf.__file__).parent
    for path in sorted(root.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 500, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, f"{path.name}:{node.name}"

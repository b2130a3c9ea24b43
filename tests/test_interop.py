"""Tests for mgnet.analysis.interop: Neo/Elephant, NWB, pandas (issue 17, the field's tools).

Every test reads synthetic run files written with the project's own writer
(:func:`mgnet.analysis.run_file.write_run`) and checks the conversions against numbers computed
independently from the raw HDF5 datasets with h5py and numpy: Elephant's firing rates and
CV(ISI) against numpy, the spikes pynwb reads back against the stored ones, the metrics
table against the ``/metrics`` attributes.  The committed notebook must carry no outputs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from mgnet.analysis import interop
from mgnet.analysis.interop import (
    RUN_COLUMNS,
    MissingDependencyError,
    changed_parameters,
    config_hash,
    export_nwb,
    load_metrics,
    population_sizes,
    spikes_frame,
    to_neo,
)
from mgnet.analysis.run_file import RunData, RunFileError, read_run, write_run

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "docs" / "notebooks").glob("*.ipynb"))

N_EXC, N_INH = 40, 10
T_STOP = 5.0
SILENT = (7, 23)            # excitatory neurons without a single spike
MEMBERS_SEED = 3


def _config_toml(mg_o: str = "0.8 mM", n_neurons: int = 50) -> str:
    return (f'experiment = "culture-activity"\ncondition = "baseline"\nseed = 0\n'
            f'scale = "quick"\n\n[params.magnesium]\nmg_o = "{mg_o}"\nmg_i = "0.5 mM"\n\n'
            f'[params.neuron]\nc_m = "281 pF"\n\n[options]\nn_neurons = {n_neurons}\n'
            f'recall_window = "50 ms"\ncue_fractions = [0.25, 0.5]\n')


def _attrs(**over) -> dict:
    attrs = {
        "experiment": "culture-activity", "condition": "baseline", "seed": 0,
        "run_id": "baseline_seed0_quick", "created_utc": "2026-12-01T12:00:00+00:00",
        "mgnet_version": "0.1.0", "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "git_dirty": False, "brian2_version": "2.9.0", "numpy_version": np.__version__,
        "python_version": sys.version.split()[0], "device": "runtime",
        "codegen_target": "cython", "threads": 1, "config_toml": _config_toml(),
        "scale": "quick",
    }
    attrs.update(over)
    return attrs


def _poisson(rng, rate: float, t_stop: float) -> np.ndarray:
    n = rng.poisson(rate * t_stop)
    return np.sort(rng.uniform(0.0, t_stop, n))


def make_run(rng_seed: int = 0, **attr_over) -> RunData:
    """A culture-like run: Poisson E and I spikes, two phases, bursts, cues, assemblies."""
    rng = np.random.default_rng(rng_seed)
    spikes = {}
    for pop, n, lo, hi in (("exc", N_EXC, 2.0, 12.0), ("inh", N_INH, 10.0, 30.0)):
        ts, ids = [], []
        for node in range(n):
            if pop == "exc" and node in SILENT:
                continue
            t = _poisson(rng, rng.uniform(lo, hi), T_STOP)
            ts.append(t)
            ids.append(np.full(len(t), node))
        t, i = np.concatenate(ts), np.concatenate(ids)
        order = np.argsort(t, kind="stable")
        spikes[pop] = (t[order], i[order].astype(np.int64))
    members = np.zeros((2, N_EXC), bool)
    members[0, rng.choice(N_EXC, 6, replace=False)] = True
    members[1, rng.choice(N_EXC, 6, replace=False)] = True
    t0, t1 = 1.0, T_STOP
    metrics = {f"rate_{p}_hz": float(np.sum((t >= t0) & (t < t1)) / (n * (t1 - t0)))
               for (p, (t, _)), n in zip(spikes.items(), (N_EXC, N_INH), strict=True)}
    metrics.update({"n_exc": N_EXC, "n_inh": N_INH, "n_bursts": 2, "ibi_cv": float("nan"),
                    "all_bands_ok": False, "note": "synthetic", "analysis_t_start_s": t0})
    return RunData(
        attrs=_attrs(**attr_over),
        spikes=spikes,
        protocol={"spontaneous": {"t_start": 0.0, "t_stop": 2.0, "plasticity": False},
                  "recall": {"t_start": 2.0, "t_stop": T_STOP, "plasticity": True}},
        patterns=members,
        recall={"pattern": np.array([0, 1, 1, 0]), "cue_fraction": np.array([0.25, 0.5, 0.25, 0.5]),
                "t_cue": np.array([2.5, 3.0, 3.5, 4.0]), "source": np.array([2, 3, 4, 5]),
                "cued": members[[0, 1, 1, 0]]},
        metrics=metrics,
        arrays={"/bursts/start": np.array([1.2, 3.1]), "/bursts/stop": np.array([1.6, 3.4]),
                "/bursts/n_spikes": np.array([120, 95]),
                # memory-encoding's encoding trains (experiments/memory_encoding.py)
                "/stimulation/start": np.array([0.5, 0.7, 1.0]),
                "/stimulation/stop": np.array([0.55, 0.75, 1.05]),
                "/stimulation/pattern": np.array([0, 0, 1]),
                "/stimulation/presentation": np.array([0, 0, 0])},
        units={"/recall/source": "1", "/recall/cued": "1", "/bursts/start": "s",
               "/bursts/stop": "s", "/bursts/n_spikes": "count", "/stimulation/start": "s",
               "/stimulation/stop": "s", "/stimulation/pattern": "1",
               "/stimulation/presentation": "1"},
    )


@pytest.fixture(scope="module")
def run_path(tmp_path_factory) -> Path:
    return write_run(tmp_path_factory.mktemp("interop") / "run.h5", make_run())


def raw_spikes(path: Path) -> dict:
    """Spike times (s) and node ids per population straight from HDF5, without mgnet."""
    out = {}
    with h5py.File(path, "r") as f:
        assert f.attrs["schema_version"] == 2
        for pop, grp in f["spikes"].items():
            unit = grp["timestamps"].attrs["units"]
            scale = {"ms": 1000.0, "s": 1.0}[unit.decode() if isinstance(unit, bytes) else unit]
            out[pop] = (grp["timestamps"][()] / scale, grp["node_ids"][()].astype(np.int64))
    return out


def numpy_trains(path: Path, pop: str, n: int) -> list[np.ndarray]:
    t, ids = raw_spikes(path)[pop]
    return [np.sort(t[ids == k]) for k in range(n)]


# ----------------------------------------------------------------------------- Neo


def test_to_neo_spiketrains_epochs_and_annotations(run_path):
    pq = pytest.importorskip("quantities")
    block = to_neo(run_path)
    seg, = block.segments
    assert len(seg.spiketrains) == N_EXC + N_INH          # silent neurons included
    assert [g.name for g in block.groups] == ["exc", "inh"]
    for pop, n in (("exc", N_EXC), ("inh", N_INH)):
        trains = [st for st in seg.spiketrains if st.annotations["population"] == pop]
        assert [st.annotations["node_id"] for st in trains] == list(range(n))
        for st, ref in zip(trains, numpy_trains(run_path, pop, n), strict=True):
            assert st.units == pq.s
            # read_run divides the stored ms by 1000 exactly as numpy does here
            assert np.array_equal(st.magnitude, ref)
            assert float(st.t_start) == 0.0 and float(st.t_stop) == T_STOP
            assert st.annotations["experiment"] == "culture-activity"
            assert st.annotations["condition"] == "baseline"
            assert st.annotations["seed"] == 0
    assert all(len(seg.spiketrains[k]) == 0 for k in SILENT)
    assert block.annotations["metrics"]["n_exc"] == N_EXC
    epochs = {e.name: e for e in seg.epochs}
    assert set(epochs) == {"protocol", "recall_cues", "bursts", "stimulation"}
    np.testing.assert_array_equal(epochs["protocol"].times.magnitude, [0.0, 2.0])
    np.testing.assert_array_equal(epochs["protocol"].durations.magnitude, [2.0, 3.0])
    assert list(epochs["protocol"].labels) == ["spontaneous", "recall"]
    assert list(epochs["protocol"].array_annotations["plasticity"]) == [False, True]
    # cue onsets, lasting the 50 ms readout window of the config
    np.testing.assert_array_equal(epochs["recall_cues"].times.magnitude, [2.5, 3.0, 3.5, 4.0])
    np.testing.assert_allclose(epochs["recall_cues"].durations.magnitude, 0.05, rtol=1e-12)
    assert list(epochs["recall_cues"].array_annotations["pattern"]) == [0, 1, 1, 0]
    assert epochs["recall_cues"].labels[1] == "pattern 1 cue 0.5"
    np.testing.assert_allclose(epochs["bursts"].durations.magnitude, [0.4, 0.3], rtol=1e-12)


def test_elephant_statistics_match_numpy(run_path):
    """Elephant's rates and CV(ISI) on the Neo trains equal numpy's on the raw datasets.

    Tolerance: 1e-12 relative (both sum or divide the same float64 numbers; only the order
    of operations may differ).  The population rate is checked against the run's own
    ``rate_exc_hz`` metric (spikes in [1 s, 5 s) / (n_exc x 4 s), silent neurons included),
    and the mean CV(ISI) of the Poisson trains against its ground truth 1 within 0.1
    (about 5 standard errors for 38 trains of 10-60 spikes).
    """
    es = pytest.importorskip("elephant.statistics")
    pq = pytest.importorskip("quantities")
    block = to_neo(run_path)
    trains = [st for st in block.segments[0].spiketrains
              if st.annotations["population"] == "exc"]
    ref = numpy_trains(run_path, "exc", N_EXC)
    t0, t1 = 1.0, T_STOP
    cvs = []
    for st, t in zip(trains, ref, strict=True):
        if not len(t):
            continue     # elephant refuses an empty train; covered by the population rate
        rate = es.mean_firing_rate(st, t_start=t0 * pq.s, t_stop=t1 * pq.s)
        assert rate.units == 1 / pq.s
        np.testing.assert_allclose(float(rate), np.sum((t >= t0) & (t <= t1)) / (t1 - t0),
                                   rtol=1e-12)
        if len(t) >= 3:
            cv = es.cv(es.isi(st))
            d = np.diff(t)
            np.testing.assert_allclose(cv, np.std(d) / np.mean(d), rtol=1e-12)
            cvs.append(cv)
    assert abs(np.mean(cvs) - 1.0) < 0.1
    # population mean rate over every neuron, silent ones included
    hist = es.time_histogram(trains, bin_size=(t1 - t0) * pq.s, t_start=t0 * pq.s,
                             t_stop=t1 * pq.s, output="mean")
    pop_rate = float(hist.magnitude.ravel()[0]) / (t1 - t0)
    t_all, _ = raw_spikes(run_path)["exc"]
    expected = np.sum((t_all >= t0) & (t_all < t1)) / (N_EXC * (t1 - t0))
    np.testing.assert_allclose(pop_rate, expected, rtol=1e-12)
    np.testing.assert_allclose(pop_rate, read_run(run_path).metrics["rate_exc_hz"], rtol=1e-12)


def test_population_sizes_from_metrics_then_ids():
    run = make_run()
    assert population_sizes(run) == {"exc": N_EXC, "inh": N_INH}
    run.metrics = {}
    # without metrics: the largest node id + 1 (silent neurons above it would be lost)
    assert population_sizes(run) == {"exc": N_EXC, "inh": N_INH}
    assert population_sizes(run, {"exc": 60})["exc"] == 60
    with pytest.raises(ValueError, match="node id 39"):
        population_sizes(run, {"exc": 20})
    run.spikes = {"exc_p2": run.spikes["exc"]}
    run.metrics = {"n_exc": 45}
    assert population_sizes(run) == {"exc_p2": 45}


# ----------------------------------------------------------------------------- NWB


def test_export_nwb_round_trip_and_validation(run_path, tmp_path):
    pynwb = pytest.importorskip("pynwb")
    out = export_nwb(run_path, tmp_path / "run.nwb")
    assert out == tmp_path / "run.nwb"
    assert not list(tmp_path.glob(".*tmp*"))                 # no temporary file left
    run = read_run(run_path)
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        errors = pynwb.validate(io=io)
        assert errors == [], errors
        nwb = io.read()
        units = nwb.units.to_dataframe()
        assert len(units) == N_EXC + N_INH
        assert list(units["population"]) == ["exc"] * N_EXC + ["inh"] * N_INH
        for pop, n in (("exc", N_EXC), ("inh", N_INH)):
            sel = units[units["population"] == pop]
            assert list(sel["node_id"]) == list(range(n))
            for got, ref in zip(sel["spike_times"], numpy_trains(run_path, pop, n), strict=True):
                assert np.array_equal(np.asarray(got), ref)
        members = np.stack(units["assemblies"].to_numpy())
        np.testing.assert_array_equal(members[:N_EXC].T, run.patterns)
        assert not members[N_EXC:].any()
        epochs = nwb.epochs.to_dataframe()
        np.testing.assert_array_equal(epochs["start_time"], [0.0, 2.0])
        np.testing.assert_array_equal(epochs["stop_time"], [2.0, T_STOP])
        assert [list(t) for t in epochs["tags"]] == [["spontaneous"], ["recall"]]
        assert list(epochs["plasticity"]) == [False, True]
        cues = nwb.intervals["recall_cues"].to_dataframe()
        np.testing.assert_array_equal(cues["start_time"], run.recall["t_cue"])
        np.testing.assert_allclose(cues["stop_time"] - cues["start_time"], 0.05, rtol=1e-12)
        np.testing.assert_array_equal(cues["pattern"], run.recall["pattern"])
        np.testing.assert_array_equal(cues["cue_fraction"], run.recall["cue_fraction"])
        np.testing.assert_array_equal(np.stack(cues["cued"].to_numpy()), run.recall["cued"])
        bursts = nwb.intervals["bursts"].to_dataframe()
        np.testing.assert_array_equal(bursts["start_time"], [1.2, 3.1])
        stim = nwb.intervals["stimulation"].to_dataframe()        # encoding trains
        np.testing.assert_array_equal(stim["start_time"], [0.5, 0.7, 1.0])
        np.testing.assert_array_equal(stim["stop_time"], [0.55, 0.75, 1.05])
        np.testing.assert_array_equal(stim["pattern"], [0, 0, 1])
        np.testing.assert_array_equal(bursts["n_spikes"], [120, 95])
        metrics = nwb.analysis["metrics"].to_dataframe().iloc[0]
        for key, value in run.metrics.items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(metrics[key])
            else:
                assert metrics[key] == value, key
        # provenance
        assert nwb.session_id == "baseline_seed0_quick"
        assert nwb.protocol == run.attrs["config_toml"]
        notes = json.loads(nwb.notes)["run_file_root_attributes"]
        for key in ("git_commit", "git_dirty", "brian2_version", "mgnet_version", "seed",
                    "device", "created_utc", "schema_version"):
            assert notes[key] == run.attrs[key], key
        assert "config_toml" not in notes
        assert run.attrs["git_commit"] in nwb.source_script
        generated = {name: version for name, version in nwb.was_generated_by[:]}
        assert generated["brian2"] == "2.9.0" and generated["mgnet"] == "0.1.0"
        assert nwb.session_start_time.isoformat() == "2026-12-01T12:00:00+00:00"


def test_spike_time_resolution_and_nwb_units_resolution(tmp_path):
    """Spikes on a 0.1 ms grid (Brian2's default dt) give resolution 1e-4 s, to NWB."""
    pynwb = pytest.importorskip("pynwb")
    run = make_run()
    assert interop.spike_time_resolution(run) is None          # uniform random times
    rng = np.random.default_rng(5)
    k = np.sort(rng.choice(50_000, 300, replace=False))       # steps of 0.1 ms up to 5 s
    run.spikes = {"exc": (k * 1e-4, rng.integers(0, N_EXC, 300)),
                  "inh": (np.zeros(0), np.zeros(0, np.int64))}
    assert interop.spike_time_resolution(run) == 1e-4
    run.spikes["exc"] = (k[:10] * 1e-4, run.spikes["exc"][1][:10])
    assert interop.spike_time_resolution(run) is None          # too few spikes to tell
    run.spikes["exc"] = (k * 2.5e-5, rng.integers(0, N_EXC, 300))
    assert interop.spike_time_resolution(run) == 2.5e-5
    run.spikes["exc"] = (k * 1e-4, rng.integers(0, N_EXC, 300))
    path = write_run(tmp_path / "grid.h5", run)                # s -> ms -> s round trip
    out = export_nwb(path, tmp_path / "grid.nwb")
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        assert io.read().units.resolution == 1e-4
    out = export_nwb(path, tmp_path / "none.nwb", resolution=None)
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        assert io.read().units.resolution is None or np.isnan(io.read().units.resolution)


def test_export_nwb_never_overwrites(run_path, tmp_path):
    pytest.importorskip("pynwb")
    out = tmp_path / "a.nwb"
    out.write_text("keep me")
    with pytest.raises(FileExistsError):
        export_nwb(run_path, out)
    assert out.read_text() == "keep me"


def test_cli_export_nwb(run_path, tmp_path, capsys):
    pytest.importorskip("pynwb")
    from mgnet.experiments.cli import main
    src = tmp_path / "r.h5"
    src.write_bytes(run_path.read_bytes())
    assert main(["export-nwb", str(src)]) == 0
    assert (tmp_path / "r.nwb").is_file()
    assert "wrote" in capsys.readouterr().out
    # again: the output exists -> exit 2, one line, nothing touched
    before = (tmp_path / "r.nwb").stat().st_mtime_ns
    assert main(["export-nwb", str(src)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "already exists" in err
    assert (tmp_path / "r.nwb").stat().st_mtime_ns == before
    # not a run file -> exit 2, one line naming the problem; no output left behind
    bad = tmp_path / "notes.h5"
    bad.write_text("not hdf5")
    assert main(["export-nwb", str(bad), "--out", str(tmp_path / "x.nwb")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not an HDF5 file" in err
    assert not (tmp_path / "x.nwb").exists()
    assert main(["export-nwb", str(src), "--out", str(tmp_path / "x.h5")]) == 2
    assert "--out must end in .nwb" in capsys.readouterr().err
    assert main(["export-nwb", str(src), "--out", str(tmp_path / "no" / "x.nwb")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_missing_optional_dependency_is_one_line(run_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pynwb", None)      # import pynwb -> ImportError
    monkeypatch.setitem(sys.modules, "neo", None)
    with pytest.raises(MissingDependencyError, match=r"'pynwb'.*pip install 'mgnet\[analysis\]'"):
        export_nwb(run_path, tmp_path / "a.nwb")
    with pytest.raises(MissingDependencyError, match="to_neo needs the optional package 'neo'"):
        to_neo(run_path)
    from mgnet.experiments.cli import main
    assert main(["export-nwb", str(run_path), "--out", str(tmp_path / "b.nwb")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pynwb" in err
    assert not (tmp_path / "b.nwb").exists()


# ----------------------------------------------------------------------------- pandas


@pytest.fixture
def results_dir(tmp_path) -> Path:
    runs = tmp_path / "results" / "runs"
    write_run(runs / "culture-activity" / "baseline_seed0_quick.h5", make_run(0))
    write_run(runs / "culture-activity" / "baseline_seed1_quick.h5",
              make_run(1, seed=1, run_id="baseline_seed1_quick"))
    write_run(runs / "culture-activity" / "elevated_mg_seed0_quick.h5",
              make_run(2, condition="elevated_mg", run_id="elevated_mg_seed0_quick",
                       config_toml=_config_toml(mg_o="1.2 mM")))
    write_run(runs / "culture-activity" / "custom_seed0_quick.h5",
              make_run(3, run_id="custom_seed0_quick", config_toml=_config_toml(n_neurons=80)))
    write_run(runs / "bouton-assay" / "baseline_seed0_quick.h5",
              RunData(attrs=_attrs(experiment="bouton-assay"), metrics={"t2_ratio": 0.7,
                                                                         "seed": 99}))
    # neither of these is a current complete run
    write_run(runs / ".superseded" / "old" / "baseline_seed0_quick.h5", make_run(4))
    with h5py.File(runs / "culture-activity" / ".x.h5.tmp-1-ab", "w") as f:
        f.attrs["status"] = "running"
    return tmp_path / "results"


def _defaults(experiment: str, condition: str, scale: str) -> str:
    """Synthetic defaults: elevated_mg means 1.2 mM [Mg]o, everything else as written."""
    return _config_toml(mg_o="1.2 mM" if condition == "elevated_mg" else "0.8 mM")


def test_load_metrics_rows_columns_and_hashes(results_dir):
    pytest.importorskip("pandas")
    df = load_metrics(results_dir, defaults=_defaults)
    assert len(df) == 5
    assert list(df.columns[:len(RUN_COLUMNS)]) == list(RUN_COLUMNS)
    assert list(df["experiment"]) == ["bouton-assay"] + ["culture-activity"] * 4
    ca = df[df["experiment"] == "culture-activity"].set_index("run_id")
    # every metric equals the /metrics attribute of its file
    for run_id, row in ca.iterrows():
        with h5py.File(row["path"], "r") as f:
            stored = dict(f["metrics"].attrs)
            assert row["scale"] == f.attrs["scale"]
        for key, value in stored.items():
            value = value.decode() if isinstance(value, bytes) else value
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(row[key])
            else:
                assert row[key] == value, (run_id, key)
    assert ca.loc["baseline_seed1_quick", "seed"] == 1
    # the bouton run has no culture metrics (NaN) and its metric "seed" is renamed
    bouton = df.iloc[0]
    assert bouton["t2_ratio"] == 0.7 and bouton["metric_seed"] == 99 and bouton["seed"] == 0
    assert np.isnan(bouton["rate_exc_hz"])
    # hashes: same parameters -> same config_hash; defaults of each condition -> "defaults"
    assert ca.loc["baseline_seed0_quick", "config_hash"] == \
        ca.loc["baseline_seed1_quick", "config_hash"]
    assert len(set(ca["config_hash"])) == 3
    assert ca.loc["baseline_seed0_quick", "params_hash"] == "defaults"
    assert ca.loc["elevated_mg_seed0_quick", "params_hash"] == "defaults"
    assert ca.loc["custom_seed0_quick", "params_changed"] == "options.n_neurons=80"
    assert len(ca.loc["custom_seed0_quick", "params_hash"]) == 10
    # without defaults the departure from them is unknown
    plain = load_metrics(results_dir / "runs", experiment="culture-activity")
    assert len(plain) == 4 and plain["params_hash"].isna().all()
    assert list(plain["config_hash"]) == list(ca.sort_index().loc[plain["run_id"],
                                                                    "config_hash"])
    assert load_metrics(results_dir, scale="default").empty
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_metrics(results_dir / "nowhere")
    (results_dir / "empty").mkdir()
    assert list(load_metrics(results_dir / "empty").columns) == list(RUN_COLUMNS)


def test_load_metrics_validate_reads_the_same(results_dir):
    pytest.importorskip("pandas")
    fast = load_metrics(results_dir)
    full = load_metrics(results_dir, validate=True)
    assert fast.equals(full)


def test_changed_parameters_and_config_hash():
    base, changed = _config_toml(), _config_toml(mg_o="1 mM")
    assert changed_parameters(base, base) == {}
    assert changed_parameters(changed, base) == {"params.magnesium.mg_o": "1 mM"}
    assert config_hash(base) == config_hash(base.replace("seed = 0", "seed = 5"))
    assert config_hash(base) != config_hash(changed)
    with pytest.raises(RunFileError, match="not valid TOML"):
        config_hash("x = ")


def test_spikes_frame_matches_raw_datasets(run_path):
    pd = pytest.importorskip("pandas")
    df = spikes_frame(run_path)
    raw = raw_spikes(run_path)
    assert list(df.columns) == ["population", "node_id", "time_s"]
    assert isinstance(df["population"].dtype, pd.CategoricalDtype)
    assert list(df["population"].cat.categories) == ["exc", "inh"]
    assert df["node_id"].dtype == np.int64 and df["time_s"].dtype == np.float64
    assert len(df) == sum(len(t) for t, _ in raw.values())
    for pop, (t, ids) in raw.items():
        sel = df[df["population"] == pop]
        assert np.array_equal(sel["time_s"].to_numpy(), t)
        assert np.array_equal(sel["node_id"].to_numpy(), ids)
    # per-neuron spike counts from the frame equal numpy's bincount of the file
    counts = df[df["population"] == "exc"].groupby("node_id").size()
    np.testing.assert_array_equal(counts.reindex(range(N_EXC), fill_value=0).to_numpy(),
                                  np.bincount(raw["exc"][1], minlength=N_EXC))


def test_interop_imports_without_heavy_dependencies():
    """mgnet.analysis.interop needs numpy and h5py only at import (the analysis layer's rule)."""
    import subprocess
    code = ("import sys; import mgnet.analysis.interop; "
            "bad = [m for m in ('brian2', 'neo', 'pynwb', 'pandas', 'elephant') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
# ----------------------------------------------------------------------------- notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_committed_without_outputs(path):
    """Outputs are made in CI (.ci/run executes the notebook), never committed."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {k} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {k} has an execution count"


def test_analysis_notebook_exists():
    assert (REPO / "docs" / "notebooks" / "analysis.ipynb") in NOTEBOOKS

"""Tests for the ``mgnet`` command line (design.md §3 and §6).

Bad input of every kind must end with exit status 2, exactly one line on stderr that
names the problem and what is allowed, no traceback, and nothing written.  One
end-to-end run checks the path config -> Brian2 -> run file -> ``mgnet info``,
provenance, the never-overwrite rule and reproducibility.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import h5py
import numpy as np
import pytest

from mgnet.analysis.run_file import REQUIRED_ROOT_ATTRS, SCHEMA_VERSION, read_run, validate_run
from mgnet.experiments.cli import main
from mgnet.experiments.config import ConfigError, load_config, make_config

REPO = Path(__file__).resolve().parent.parent


def all_files(directory: Path) -> list[Path]:
    """Every file below ``directory``, hidden ones (temporary run files) included."""
    if not directory.exists():
        return []
    return [Path(root) / name for root, _dirs, names in os.walk(directory) for name in names]


def run_cli(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, keywords):
    assert code == 2, (code, out, err)
    assert "Traceback" not in out and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected one stderr line, got {err!r}"
    assert err.endswith("\n") and lines[0].startswith("mgnet: error: ")
    for word in keywords:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"
    assert out == ""


# ----------------------------------------------------------------------- bad input
# id -> (config TOML or None, argv after "mgnet" with {cfg}/{results}/{tmp}, keywords)
RUN = ["run", "synapse-check", "--config", "{cfg}", "--results", "{results}", "--quiet"]
BAD_RUNS = {
    "unknown_param_key": ('[params.magnesium]\nmg_x = "1 mM"\n', RUN,
                          ["params.magnesium.mg_x", "allowed", "mg_o", "mg_i"]),
    "wrong_unit": ('[params.magnesium]\nmg_o = "0.8 mV"\n', RUN,
                   ["params.magnesium.mg_o", "0.8 mV", "wrong unit", "0.8 mM"]),
    "negative_concentration": ('[params.magnesium]\nmg_o = "-1 mM"\n', RUN,
                               ["params.magnesium.mg_o", "-1 mM", "out of range",
                                "allowed: >= 0 mM and <= 100 mM"]),
    "pr_above_one": ("[options]\npr = [0.2, 1.5]\n", RUN,
                     ["options.pr[1]", "1.5", "allowed: >= 0.0 and <= 1.0"]),
    "unknown_condition_in_file": ('condition = "foo"\n', RUN,
                                  ["'foo'", "allowed", "baseline", "elevated_mg"]),
    "unknown_condition_option": (None, ["run", "synapse-check", "--condition", "foo",
                                        "--results", "{results}"],
                                 ["'foo'", "allowed", "baseline", "elevated_mg"]),
    "unknown_experiment": (None, ["run", "nope", "--results", "{results}"],
                           ["'nope'", "allowed", "synapse-check"]),
    "unknown_experiment_in_file": ('experiment = "nope"\n',
                                   ["run", "nope", "--config", "{cfg}", "--results",
                                    "{results}"], ["'nope'", "allowed", "synapse-check"]),
    "experiment_mismatch": ('experiment = "other"\n', RUN, ["'other'", "'synapse-check'"]),
    "missing_config": (None, ["run", "synapse-check", "--config", "{tmp}/missing.toml",
                              "--results", "{results}"], ["missing.toml", "does not exist"]),
    "config_is_a_directory": (None, ["run", "synapse-check", "--config", "{tmp}",
                                     "--results", "{results}"], ["is not a file"]),
    "unknown_top_level_key": ('colour = "red"\n', RUN,
                              ["'colour'", "allowed", "experiment", "params", "options"]),
    "toml_syntax_error": ("seed = = 1\n", RUN, ["not valid TOML", "line 1"]),
    "not_utf8": (b"\xff\xfe[params]\n", RUN, ["not valid TOML"]),
    "unknown_param_section": ("[params.foo]\nbar = 1\n", RUN,
                              ["params.foo", "allowed", "magnesium", "mg_block"]),
    "params_not_a_table": ("params = 3\n", RUN, ["[params]", "table"]),
    "seed_negative_option": (None, ["run", "synapse-check", "--seed", "-1",
                                    "--results", "{results}"],
                             ["--seed", "'-1'", "integer >= 0"]),
    "seed_not_integer_option": (None, ["run", "synapse-check", "--seed", "1.5",
                                       "--results", "{results}"],
                                ["--seed", "'1.5'", "integer >= 0"]),
    "seed_negative_in_file": ("seed = -3\n", RUN, ["seed", "-3", "allowed", "integer"]),
    "seed_string_in_file": ('seed = "zero"\n', RUN, ["seed", "zero", "allowed", "integer"]),
    "unknown_scale_option": (None, ["run", "synapse-check", "--scale", "huge",
                                    "--results", "{results}"],
                             ["--scale", "'huge'", "quick", "default", "paper"]),
    "unknown_scale_in_file": ('scale = "huge"\n', RUN,
                              ["'huge'", "allowed", "quick", "default", "paper"]),
    "n_connections_zero": ("[options]\nn_connections = 0\n", RUN,
                           ["options.n_connections", "out of range",
                            "allowed: >= 1 and <= 100000"]),
    "n_connections_string": ('[options]\nn_connections = "many"\n', RUN,
                             ["options.n_connections", "'many'", "allowed: >= 1"]),
    "n_connections_fraction": ("[options]\nn_connections = 2.5\n", RUN,
                               ["options.n_connections", "integer"]),
    "unknown_option": ("[options]\nn_neurons = 3\n", RUN,
                       ["options.n_neurons", "allowed", "n_connections", "pr"]),
    "unknown_block_preset": ('[params.mg_block]\npreset = "foo"\n', RUN,
                             ["params.mg_block.preset", "'foo'", "allowed",
                              "jahr_stevens_1990", "bbp_2022"]),
    "unparseable_quantity": ('[params.magnesium]\nmg_o = "abc mM"\n', RUN,
                             ["params.magnesium.mg_o", "abc mM", "0.8 mM"]),
    "unknown_unit": ('[params.magnesium]\nmg_o = "0.8 furlongs"\n', RUN,
                     ["params.magnesium.mg_o", "furlongs", "0.8 mM"]),
    "number_without_unit": ("[params.magnesium]\nmg_o = 0.8\n", RUN,
                            ["params.magnesium.mg_o", "0.8 mM"]),
    "non_finite_quantity": ('[params.magnesium]\nmg_o = "1e999 mM"\n', RUN,
                            ["params.magnesium.mg_o", "finite", "allowed"]),
    "rate_out_of_range": ('[options]\none_ap_rate = "20 Hz"\n', RUN,
                          ["options.one_ap_rate", "20 Hz", "allowed", "<= 10 Hz"]),
    "empty_pr_list": ("[options]\npr = []\n", RUN, ["options.pr", "at least one"]),
    "spikes_not_multiple_of_train": ("[options]\nn_spikes = 7\n", RUN,
                                     ["options.n_spikes", "multiple",
                                      "options.spikes_per_train"]),
    "out_not_h5": ("", ["run", "synapse-check", "--config", "{cfg}",
                        "--out", "{results}/run.txt"], ["--out", ".h5", "run.txt"]),
    "no_command": (None, [], ["required", "COMMAND"]),
    "unknown_command": (None, ["frobnicate"], ["'frobnicate'", "run", "info"]),
    "unknown_flag": (None, ["run", "synapse-check", "--colour", "red",
                            "--results", "{results}"], ["--colour"]),
}


@pytest.mark.parametrize("case", list(BAD_RUNS))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    text, argv, keywords = BAD_RUNS[case]
    cfg = tmp_path / "config.toml"
    if text is not None:
        if isinstance(text, bytes):
            cfg.write_bytes(text)
        else:
            cfg.write_text(text)
    results = tmp_path / "results"
    argv = [a.format(cfg=cfg, results=results, tmp=tmp_path) for a in argv]
    before = sorted(all_files(tmp_path))
    code, out, err = run_cli(capsys, argv)
    assert_one_line_error(code, out, err, keywords)
    assert all_files(results) == []
    assert sorted(all_files(tmp_path)) == before


def write_run_like_hdf5(path: Path) -> None:
    with h5py.File(path, "w") as f:
        f.attrs["experiment"] = "synapse-check"  # but no schema_version
        f.create_dataset("spikes/timestamps", data=np.arange(3.0))


BAD_INFO = {
    "missing_file": (None, ["does not exist", "nothing.h5"]),
    "text_file": (lambda p: p.write_text("not hdf5\n"), ["is not an HDF5 file"]),
    "empty_file": (lambda p: p.write_bytes(b""), ["is not an HDF5 file"]),
    "hdf5_not_a_run_file": (write_run_like_hdf5, ["no schema_version", "not an mgnet run file"]),
    "directory": (lambda p: p.mkdir(), ["is a directory"]),
}


@pytest.mark.parametrize("case", list(BAD_INFO))
def test_info_on_a_non_run_file_is_one_line_exit_2(case, tmp_path, capsys):
    make, keywords = BAD_INFO[case]
    target = tmp_path / "nothing.h5"
    if make is not None:
        make(target)
    before = {p: p.read_bytes() for p in all_files(tmp_path)}
    code, out, err = run_cli(capsys, ["info", target])
    assert_one_line_error(code, out, err, keywords)
    assert {p: p.read_bytes() for p in all_files(tmp_path)} == before


def test_debug_shows_the_exception_instead(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[params.magnesium]\nmg_o = "0.8 mV"\n')
    with pytest.raises(ConfigError, match="wrong unit"):
        main(["run", "synapse-check", "--config", str(cfg), "--debug",
              "--results", str(tmp_path / "results")])
    assert all_files(tmp_path / "results") == []


def test_help_exits_0_and_lists_subcommands(capsys):
    code, out, err = run_cli(capsys, ["--help"])
    assert code == 0
    for command in ("run", "info", "list", "figures", "reproduce"):
        assert re.search(rf"^\s+{command}\b", out, re.M), command
    code, out, _ = run_cli(capsys, ["run", "--help"])
    assert code == 0
    for option in ("--config", "--condition", "--seed", "--scale", "--out"):
        assert option in out


def test_list_shows_synapse_check(capsys):
    code, out, err = run_cli(capsys, ["list"])
    assert code == 0 and err == ""
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "synapse-check" in names


def test_console_script_reports_bad_input_in_one_line(tmp_path):
    script = Path(sys.executable).parent / "mgnet"
    assert script.is_file(), f"console script missing: {script}"
    env = dict(os.environ, MGNET_RESULTS=str(tmp_path / "results"))
    proc = subprocess.run([str(script), "run", "nope"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'nope'" in lines[0] and "allowed: synapse-check" in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert all_files(tmp_path) == []


# ---------------------------------------------------------------------- end to end
E2E_CONFIG = """\
experiment = "synapse-check"
seed = 11
scale = "quick"

[params.magnesium]
mg_o = "1.0 mM"

[options]
n_spikes = 5
spikes_per_train = 5
one_ap_rate = "2 Hz"
train_interval = "2 s"
n_connections = 2
pr = [0.3, 0.8]
"""


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """One short synapse-check run through the CLI (a few seconds of simulated time)."""
    root = tmp_path_factory.mktemp("e2e")
    config = root / "config.toml"
    config.write_text(E2E_CONFIG)
    out = root / "runs" / "x.h5"
    code = main(["run", "synapse-check", "--config", str(config), "--out", str(out),
                 "--quiet"])
    return {"root": root, "config": config, "out": out, "code": code}


def test_run_writes_a_valid_run_file(e2e):
    assert e2e["code"] == 0
    assert validate_run(e2e["out"]) == []
    # Only the run file itself: no temporary file survives the atomic write.
    assert all_files(e2e["out"].parent) == [e2e["out"]]


def test_run_file_has_full_provenance(e2e):
    with h5py.File(e2e["out"], "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    missing = [name for name in REQUIRED_ROOT_ATTRS if name not in attrs]
    assert missing == []
    assert attrs["experiment"] == "synapse-check"
    assert attrs["condition"] == "baseline"
    assert int(attrs["seed"]) == 11
    assert attrs["status"] == "complete"
    assert int(attrs["schema_version"]) == SCHEMA_VERSION
    assert attrs["device"] == "runtime" and attrs["codegen_target"] == "cython"
    assert int(attrs["threads"]) == 1
    import brian2
    assert attrs["brian2_version"] == brian2.__version__
    if (REPO / ".git").exists():
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        assert attrs["git_commit"] == head
    else:  # pragma: no cover - outside a checkout
        assert attrs["git_commit"] == "unknown"
    stored = tomllib.loads(attrs["config_toml"])
    assert stored["experiment"] == "synapse-check" and stored["seed"] == 11
    assert stored["params"]["magnesium"]["mg_o"] == "1 mM"
    assert stored["options"]["n_connections"] == 2 and stored["options"]["pr"] == [0.3, 0.8]


def test_stored_config_reloads_into_the_run_config(e2e, tmp_path):
    with h5py.File(e2e["out"], "r") as f:
        text = f.attrs["config_toml"]
    text = text.decode() if isinstance(text, bytes) else text
    path = tmp_path / "stored.toml"
    path.write_text(text)
    assert load_config(path) == load_config(e2e["config"])


def test_run_content_matches_the_config(e2e):
    data = read_run(e2e["out"])
    n_conn, prs, n_spikes = 2, [0.3, 0.8], 5
    ts, ids = data.spikes["presynaptic"]
    # 1AP protocol + burst protocol, for each connection.
    assert len(ts) == n_conn * 2 * n_spikes
    assert np.bincount(ids).tolist() == [2 * n_spikes] * n_conn
    b = data.boutons
    assert b["pr_true"].tolist() == prs * n_conn
    for key in ("n_release_1ap", "n_release_burst"):
        assert np.all((b[key] >= 0) & (b[key] <= n_spikes))
    np.testing.assert_array_equal(b["pr_1ap"] * n_spikes, b["n_release_1ap"])
    assert np.all(b["mg_i"] == 0.5)
    assert data.metrics["n_connections"] == n_conn and data.metrics["n_contacts"] == 4


def test_info_prints_experiment_and_spike_counts(e2e, capsys):
    data = read_run(e2e["out"])
    n_post = len(data.spikes["postsynaptic"][0])
    code, out, err = run_cli(capsys, ["info", e2e["out"]])
    assert code == 0 and err == ""
    assert "synapse-check" in out
    assert re.search(r"^\s+presynaptic\s+20 spikes from 2 nodes", out, re.M), out
    assert re.search(rf"^\s+postsynaptic\s+{n_post} spikes", out, re.M), out
    assert "valid: yes" in out
    code, out, _ = run_cli(capsys, ["info", e2e["out"], "--config"])
    assert code == 0 and 'n_connections = 2' in out


def test_run_never_overwrites(e2e, capsys):
    out = e2e["out"]
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    mtime = out.stat().st_mtime_ns
    code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--config", e2e["config"],
                                         "--out", out, "--quiet"])
    assert_one_line_error(code, stdout, err, [str(out), "already exists", "never overwritten"])
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert out.stat().st_mtime_ns == mtime
    assert all_files(out.parent) == [out]


def test_same_config_and_seed_reproduce_and_another_seed_differs(e2e, capsys):
    first = read_run(e2e["out"])
    again = e2e["root"] / "again" / "y.h5"
    code, out, err = run_cli(capsys, ["run", "synapse-check", "--config", e2e["config"],
                                      "--out", again])
    assert code == 0, err
    assert str(again) in out                      # says where the output went
    # Without --quiet the progress bar is drawn only on a terminal: captured stderr (a
    # log) stays clean (tests/test_cli_usability.py draws it on a fake terminal).
    assert err == ""
    second = read_run(again)
    for pop in ("presynaptic", "postsynaptic"):
        for a, b in zip(first.spikes[pop], second.spikes[pop], strict=True):
            np.testing.assert_array_equal(a, b)
    for key in ("n_release_1ap", "n_release_burst", "wca", "wca_burst"):
        np.testing.assert_array_equal(first.boutons[key], second.boutons[key])
    np.testing.assert_array_equal(first.arrays["/traces/v_post0"],
                                  second.arrays["/traces/v_post0"])

    # The seed must matter, or the equality above would prove nothing.  --seed
    # overrides the file's seed.
    other = e2e["root"] / "other" / "z.h5"
    code, _, err = run_cli(capsys, ["run", "synapse-check", "--config", e2e["config"],
                                    "--seed", "12", "--out", other, "--quiet"])
    assert code == 0, err
    third = read_run(other)
    assert third.attrs["seed"] == 12
    releases = lambda d: np.concatenate([d.boutons["n_release_1ap"],  # noqa: E731
                                         d.boutons["n_release_burst"]])
    assert not np.array_equal(releases(first), releases(third))


def test_default_output_path_is_under_results(tmp_path, capsys):
    # Only the path is checked (no simulation): an existing file there is refused.
    results = tmp_path / "results"
    cfg = make_config("synapse-check", seed=4, scale="quick")
    target = results / "runs" / "synapse-check" / "baseline_seed4_quick.h5"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"occupied")
    code, out, err = run_cli(capsys, ["run", "synapse-check", "--seed", "4", "--scale",
                                      "quick", "--results", results])
    assert cfg.seed == 4
    assert_one_line_error(code, out, err, [str(target), "already exists"])
    assert target.read_bytes() == b"occupied"
    assert all_files(results) == [target]


# ---------------------------------------------------------------- reproduce --only
CULTURE_CONDITIONS = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                      "aged", "aged_elevated_mg")


def test_reproduce_plan_holds_the_culture_validation():
    from mgnet.experiments.reproduce import JOBS, job_names, plan
    jobs = {exp: (conds, seeds) for exp, conds, seeds in JOBS}
    assert jobs["background-filtering"] == (("baseline",), (0,))
    assert "culture-activity" in job_names() and len(job_names()) == len(jobs)
    culture = [c for c in plan("default") if c.experiment == "culture-activity"]
    # the calibrated baseline at 5 seeds, every other condition on seed 0
    assert sorted((c.condition, c.seed) for c in culture) == sorted(
        [("baseline", s) for s in range(5)] + [(c, 0) for c in CULTURE_CONDITIONS[1:]])
    memory = [c for c in plan("default") if c.experiment == "memory-encoding"
              and c.options.stream_seed < 0 and c.options.glun2b == "acute"]
    assert sorted((c.condition, c.seed) for c in memory) == sorted(
        (c, s) for c in CULTURE_CONDITIONS + ("elevated_mg_membrane_block_only",)
        for s in range(10))
    # one seed's conditions share one build (run_group), the ablation included
    from mgnet.experiments.memory_encoding import check_group
    check_group([c for c in memory if c.seed == 0])
    # the chronic GluN2B arm: every condition of science.md §5, the same 10 seeds
    chronic = [c for c in plan("default") if c.experiment == "memory-encoding"
               and c.options.glun2b == "chronic"]
    assert sorted((c.condition, c.seed) for c in chronic) == sorted(
        (c, s) for c in CULTURE_CONDITIONS for s in range(10))
    # the noise floor (issue 14 item 6): baseline seeds 0-4 again on another random
    # stream, nothing else changed
    from mgnet.experiments.cli import config_tag
    noise = [c for c in plan("default") if c.experiment == "memory-encoding"
             and c.options.stream_seed >= 0]
    assert sorted((c.condition, c.seed) for c in noise) == [("baseline", s) for s in range(5)]
    assert len({config_tag(c) for c in noise}) == 1
    # science.md §4 item 7: >= 120 s analysed at default scale, 2000 neurons.
    from brian2 import second
    for c in culture:
        assert c.scale == "default" and c.options.n_neurons == 2000
        assert float((c.options.duration - c.options.warmup) / second) >= 120


def test_reproduce_only_restricts_the_plan():
    from mgnet.experiments.reproduce import plan, select_jobs
    only = plan("default", "culture-activity")
    assert {c.experiment for c in only} == {"culture-activity"} and len(only) == 10
    # quick scale (tests, CI): the first seed of the first two conditions, same path
    quick = plan("quick", "culture-activity")
    assert [(c.condition, c.seed) for c in quick] == [("baseline", 0), ("elevated_mg", 0)]
    both = plan("quick", ["background-filtering", "synapse-check"])
    assert {c.experiment for c in both} == {"background-filtering", "synapse-check"}
    from mgnet.experiments.reproduce import VARIANTS
    assert len(plan("default")) == sum(len(c) * len(s) for _, c, s in select_jobs()) + sum(
        len(c) * len(s) for _, c, s, _ in VARIANTS)
    with pytest.raises(ValueError, match="unknown experiment 'nope'.*allowed: .*culture-activity"):
        select_jobs("culture-activity,nope")


@pytest.mark.parametrize("only", ["nope", "culture-activity,nope", ","])
def test_reproduce_bad_only_is_one_line_exit_2(only, tmp_path, capsys):
    results = tmp_path / "results"
    code, out, err = run_cli(capsys, ["reproduce", "--only", only, "--results", results])
    assert_one_line_error(code, out, err, ["--only", "allowed", "culture-activity",
                                           "bouton-assay"])
    assert all_files(results) == []


def test_reproduce_only_runs_just_those_jobs_and_reuses_complete_runs(tmp_path, monkeypatch,
                                                                      capsys):
    """--only culture-activity: 10 runs through the sweep engine, of which an up-to-date
    run file is reused, a stale one is moved aside and re-run, nothing else is started,
    and the runs of one seed share one task (one build for all its conditions)."""
    import contextlib

    from dask.distributed import Client, LocalCluster

    import mgnet.analysis.report as report
    import mgnet.experiments.sweep as sw
    from mgnet.analysis.run_file import RunData, write_run
    from mgnet.experiments.cli import default_run_path
    from mgnet.experiments.provenance import package_version

    results = tmp_path / "results"
    log = tmp_path / "tasks.log"   # Dask pickles the task (and its closure) by value

    def plant(cfg, toml):
        attrs = dict(experiment=cfg.experiment, condition=cfg.condition, seed=cfg.seed,
                     scale=cfg.scale, run_id="x", created_utc="2026-01-01T00:00:00+00:00",
                     mgnet_version=package_version("mgnet"), git_commit="abc",
                     git_dirty=False, brian2_version="2", numpy_version="2",
                     python_version="3", device="runtime", codegen_target="cython",
                     threads=1, config_toml=toml)
        return write_run(default_run_path(results, cfg), RunData(attrs=attrs))

    def fake_task(configs, outs):
        # configs: the resolved TOML texts of the task's runs (one seed)
        from mgnet.experiments.config import from_toml
        cfgs = [from_toml(text) for text in configs]
        exp, seed = cfgs[0].experiment, cfgs[0].seed
        with open(log, "a") as fh:
            fh.write(f"{exp} {seed} {','.join(c.condition for c in cfgs)}\n")
        for cfg, out in zip(cfgs, outs, strict=True):
            assert out == str(default_run_path(results.resolve(), cfg))
            plant(cfg, cfg.to_toml())
        return {"returncode": 0, "wall_s": 0.0, "error": None, "host": "h",
                "temp_removed": 0}

    @contextlib.contextmanager
    def in_process_client(n_workers, scheduler):
        # Threads instead of processes, so that the patched task runs.
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client

    monkeypatch.setattr(sw, "run_task", fake_task)
    monkeypatch.setattr(sw, "_dask_client", in_process_client)
    monkeypatch.setattr(report, "figures_and_report",
                        lambda results, scale: ([], results / "report.md"))

    current = make_config("culture-activity", condition="baseline", seed=0, scale="default")
    stale = make_config("culture-activity", condition="aged", seed=0, scale="default")
    plant(current, current.to_toml())
    stale_path = plant(stale, stale.to_toml().replace("seed = 0", "seed = 0\n# old"))

    code, out, err = run_cli(capsys, ["reproduce", "--scale", "default", "--only",
                                      "culture-activity", "--results", results, "--quiet"])
    assert code == 0, err
    lines = [line.split() for line in log.read_text().splitlines()]
    tasks = [(exp, int(seed), len(conds.split(","))) for exp, seed, conds in lines]
    started = [(exp, c, int(seed)) for exp, seed, conds in lines for c in conds.split(",")]
    expected = ({("culture-activity", "baseline", s) for s in range(5)}
                | {("culture-activity", c, 0) for c in CULTURE_CONDITIONS[1:]})
    assert set(started) == expected - {("culture-activity", "baseline", 0)}
    assert len(started) == 9
    # one task per seed: seed 0 without its current baseline (5 runs), seeds 1-4 one each
    assert sorted(tasks) == [("culture-activity", 0, 5), ("culture-activity", 1, 1),
                             ("culture-activity", 2, 1), ("culture-activity", 3, 1),
                             ("culture-activity", 4, 1)]
    assert "up to date" in err and "config changed" in err
    from mgnet.analysis.run_file import read_run
    assert read_run(stale_path).attrs["config_toml"] == stale.to_toml()   # re-run
    assert len(list((results / "runs" / ".superseded").rglob("aged_seed0_default.h5"))) == 1
    manifest = (results / "sweeps" / "reproduce_default.json").read_text()
    assert '"complete": true' in manifest


def test_calibrate_culture_validate_only_prints_the_reproduce_command(tmp_path, capsys):
    code, out, err = run_cli(capsys, ["calibrate-culture", "--validate"])
    assert code == 0 and err == ""
    assert "mgnet reproduce --only culture-activity" in out
    assert not (REPO / "docs" / "culture_validation.json").exists()

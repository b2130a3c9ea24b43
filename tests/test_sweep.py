"""Tests for ``mgnet sweep`` (design.md §3, §4 and §5).

The kill-and-resume test runs a real sweep of synapse-check on a Dask LocalCluster
(2 conditions x 2 seeds, 2 workers), SIGKILLs its whole process group as soon as the
first run file appears, leaves the debris a killed writer can leave (a half-written
temporary file, an incomplete file under a final name), runs the same command again
and checks that the result equals an uninterrupted sweep: same files, same datasets,
same spikes and values (only ``run_id``/``created_utc`` may differ), a manifest saying
every task is done, nothing half-written counted and nothing deleted.

synapse-check at ``--scale quick`` takes ~40 s of CPU per run, so the sweep uses a
config with a shortened protocol (1 connection, 5 spikes per protocol, 10 Hz 1AP
rate): the same experiment code path in ~6 s per run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import h5py
import numpy as np
import pytest

from mgnet.analysis.run_file import list_runs
from mgnet.experiments.cli import config_tag, main
from mgnet.experiments.config import make_config
from mgnet.experiments.sweep import (
    SweepError,
    format_seeds,
    orphan_temp_files,
    parse_conditions,
    parse_seeds,
)
from tests.test_cli import all_files, assert_one_line_error

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "mgnet.experiments.cli"]

# The synapse-check protocol cut to the bone (all values within the option ranges).
TINY = """\
[options]
n_connections = 1
n_spikes = 5
spikes_per_train = 5
one_ap_rate = "10 Hz"
train_interval = "2 s"
"""
CONDITIONS = ("baseline", "elevated_mg")
SEEDS = (0, 1)
# TINY changes options, so the run files carry its config tag (mgnet.experiments.cli.config_tag)
RUN_NAMES = {f"{c}_seed{s}_quick_"
             + config_tag(make_config("synapse-check", condition=c, seed=s, scale="quick",
                                      options=tomllib.loads(TINY)["options"])) + ".h5"
             for c in CONDITIONS for s in SEEDS}
IGNORED_ATTRS = {"run_id", "created_utc"}


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def sweep_argv(results: Path, config: Path) -> list[str]:
    return CLI + ["sweep", "synapse-check", "--conditions", ",".join(CONDITIONS),
                  "--seeds", format_seeds(SEEDS), "--scale", "quick", "--workers", "2",
                  "--config", str(config), "--results", str(results), "--name", "t"]


def final_files(runs: Path) -> set[str]:
    """Names of files under their final run-file name (not hidden, not temporary)."""
    if not runs.is_dir():
        return set()
    return {p.name for p in runs.iterdir() if p.suffix == ".h5" and not p.name.startswith(".")}


def _wait_group_gone(pgid: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of group {pgid} survived SIGKILL")


def h5_content(path: Path) -> dict:
    """Every group/dataset (values and attributes) of an HDF5 file, keyed by path."""
    content = {}
    with h5py.File(path, "r") as f:
        content["/@attrs"] = {k: v for k, v in f.attrs.items() if k not in IGNORED_ATTRS}

        def visit(name, obj):
            attrs = dict(obj.attrs.items())
            if isinstance(obj, h5py.Dataset):
                content[name] = (obj[()], attrs)
            else:
                content[name + "/@attrs"] = attrs
        f.visititems(visit)
    return content


def assert_same_content(a: Path, b: Path) -> None:
    ca, cb = h5_content(a), h5_content(b)
    assert sorted(ca) == sorted(cb), f"{a.name}: different datasets"
    for key in ca:
        va, vb = ca[key], cb[key]
        if isinstance(va, tuple):
            assert np.array_equal(va[0], vb[0], equal_nan=va[0].dtype.kind == "f"), \
                f"{a.name}:{key} differs"
            va, vb = va[1], vb[1]
        assert sorted(va) == sorted(vb), f"{a.name}:{key} attributes differ"
        for k in va:
            assert np.array_equal(np.asarray(va[k]), np.asarray(vb[k])), \
                f"{a.name}:{key}@{k}: {va[k]!r} != {vb[k]!r}"


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(TINY)
    env = _env()
    t_start = time.monotonic()

    # Reference: one uninterrupted sweep.
    ref = tmp_path / "ref"
    done = subprocess.run(sweep_argv(ref, config), capture_output=True, text=True,
                          env=env, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert final_files(ref / "runs" / "synapse-check") == RUN_NAMES

    # The same sweep, SIGKILLed (whole process group: driver, scheduler, workers and
    # their runs) as soon as the first run file appears.
    res = tmp_path / "resumed"
    runs = res / "runs" / "synapse-check"
    log = open(tmp_path / "killed.log", "w")
    proc = subprocess.Popen(sweep_argv(res, config), stdout=log, stderr=subprocess.STDOUT,
                            env=env, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while not final_files(runs):
            assert proc.poll() is None, (tmp_path / "killed.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "no run file appeared"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
        _wait_group_gone(proc.pid)
    at_kill = final_files(runs)
    missing = sorted(RUN_NAMES - at_kill)
    assert at_kill <= RUN_NAMES and missing, "the kill came too late to test anything"
    killed_manifest = json.loads((res / "sweeps" / "t.json").read_text())
    assert killed_manifest["complete"] is False

    # Debris of a killed writer for a run that had not finished: a half-written
    # temporary file, and (as if renamed by hand) an incomplete file under the final
    # name.  Neither may be counted as a result.
    victim = runs / missing[0]
    donor = runs / sorted(at_kill)[0]
    tmp_file = runs / f".{victim.name}.tmp-999999-deadbeef"
    tmp_file.write_bytes(donor.read_bytes()[: donor.stat().st_size // 2])
    victim.write_bytes(donor.read_bytes())
    with h5py.File(victim, "r+") as f:
        f.attrs["status"] = "running"
    assert {p.name for p in list_runs(res / "runs")} == at_kill

    # Resume: the same command again.
    t_resume = time.monotonic()
    again = subprocess.run(sweep_argv(res, config), capture_output=True, text=True,
                           env=env, timeout=300, cwd=tmp_path)
    t_resume = time.monotonic() - t_resume
    assert again.returncode == 0, again.stderr[-2000:]
    # stderr is a pipe here, so no progress bar is drawn (logs stay clean); the summary
    # line on stdout says how the sweep ended.
    assert "4/4" not in again.stderr
    assert f"({len(missing)} done, {len(at_kill)} skipped, 0 failed of 4;" in again.stdout

    manifest = json.loads((res / "sweeps" / "t.json").read_text())
    assert manifest["complete"] is True
    assert manifest["summary"] == {"total": 4, "done": len(missing),
                                   "skipped": len(at_kill), "failed": 0, "pending": 0}
    by_name = {Path(t["path"]).name: t for t in manifest["tasks"]}
    assert set(by_name) == RUN_NAMES
    for name, task in by_name.items():
        assert task["status"] == ("skipped" if name in at_kill else "done"), task
        assert (res / task["path"]).is_file()
    assert manifest["provenance"]["command"].startswith("mgnet sweep synapse-check")
    assert len(manifest["previous_invocations"]) == 1  # the killed one

    # The incomplete file was moved aside, not deleted; the temporary file is gone.
    moved = res / by_name[victim.name]["superseded"]
    assert moved.is_file() and ".superseded" in moved.parts
    with h5py.File(moved, "r") as f:
        assert f.attrs["status"] == "running"
    assert not tmp_file.exists()
    leftovers = [p for p in all_files(res / "runs") if ".tmp-" in p.name]
    assert leftovers == []
    assert not list((res / "sweeps").glob(".*"))  # no temporary manifest left

    # Same result as the uninterrupted sweep, file for file.
    assert final_files(runs) == RUN_NAMES
    assert {p.name for p in list_runs(res / "runs")} == RUN_NAMES
    for name in sorted(RUN_NAMES):
        assert_same_content(runs / name, ref / "runs" / "synapse-check" / name)
    print(f"\nkill/resume test: total {time.monotonic() - t_start:.1f} s, "
          f"resume {t_resume:.1f} s, {len(at_kill)} run(s) done at the kill")


# ------------------------------------------------------------------ input parsing


@pytest.mark.parametrize("text, seeds", [
    ("3", [3]), ("0-9", list(range(10))), ("0,2,5", [0, 2, 5]), ("4-4", [4]),
    ("0-2,5,1", [0, 1, 2, 5]), (" 1 - 3 ", [1, 2, 3]), ("2147483647", [2 ** 31 - 1]),
])
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds
    assert parse_seeds(format_seeds(seeds)) == seeds


@pytest.mark.parametrize("text", ["", "a", "-1", "5-2", "1-", "1,,2", "1.5", "0-2147483648"])
def test_parse_seeds_rejects(text):
    with pytest.raises(SweepError, match="allowed"):
        parse_seeds(text)


def test_format_seeds_compresses_runs():
    assert format_seeds([0, 1, 2, 3, 7, 9, 10]) == "0-3,7,9-10"


def test_parse_conditions():
    assert parse_conditions("baseline, elevated_mg,baseline") == ["baseline", "elevated_mg"]
    with pytest.raises(SweepError):
        parse_conditions("baseline,")


def test_orphan_temp_files_match_only_their_own_run(tmp_path):
    out = tmp_path / "baseline_seed1_quick.h5"
    mine = tmp_path / f".{out.name}.tmp-12-ab"
    other = tmp_path / ".baseline_seed10_quick.h5.tmp-12-ab"
    for p in (mine, other):
        p.write_bytes(b"x")
    assert orphan_temp_files(out) == [mine]


SW = ["sweep", "synapse-check", "--results", "{results}"]
BAD_SWEEPS = {
    "unknown_experiment": (["sweep", "nope", "--conditions", "baseline", "--seeds", "0",
                            "--results", "{results}"], ["'nope'", "allowed", "synapse-check"]),
    "unknown_condition": (SW + ["--conditions", "baseline,foo", "--seeds", "0"],
                          ["'foo'", "allowed", "elevated_mg"]),
    "empty_condition": (SW + ["--conditions", "baseline,", "--seeds", "0"],
                        ["--conditions", "empty", "allowed"]),
    "descending_seeds": (SW + ["--conditions", "baseline", "--seeds", "5-2"],
                         ["--seeds", "'5-2'", "descending", "allowed"]),
    "seeds_not_a_number": (SW + ["--conditions", "baseline", "--seeds", "x"],
                           ["--seeds", "'x'", "allowed"]),
    "negative_seed": (SW + ["--conditions", "baseline", "--seeds=-1"],
                      ["--seeds", "'-1'", "allowed"]),
    "missing_seeds": (SW + ["--conditions", "baseline"], ["--seeds", "required"]),
    "zero_workers": (SW + ["--conditions", "baseline", "--seeds", "0", "--workers", "0"],
                     ["--workers", "'0'", ">= 1"]),
    "workers_not_a_number": (SW + ["--conditions", "baseline", "--seeds", "0",
                                   "--workers", "two"], ["--workers", "'two'", ">= 1"]),
    "workers_and_scheduler": (SW + ["--conditions", "baseline", "--seeds", "0",
                                    "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
                              ["--scheduler", "--workers", "not allowed"]),
    "unknown_scale": (SW + ["--conditions", "baseline", "--seeds", "0", "--scale", "huge"],
                      ["--scale", "'huge'", "quick", "paper"]),
    "bad_name": (SW + ["--conditions", "baseline", "--seeds", "0", "--name", "../x"],
                 ["'../x'", "allowed"]),
    "bad_scheduler_address": (SW + ["--conditions", "baseline", "--seeds", "0",
                                    "--scheduler", "nonsense"],
                              ["cannot connect", "'nonsense'"]),
    "bad_option_in_config": (SW + ["--conditions", "baseline", "--seeds", "0",
                                   "--config", "{cfg}"], ["options.n_connections", "allowed"]),
}


@pytest.mark.parametrize("case", list(BAD_SWEEPS))
def test_sweep_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    argv, keywords = BAD_SWEEPS[case]
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[options]\nn_connections = 0\n")
    results = tmp_path / "results"
    code = main([a.format(results=results, cfg=cfg) for a in argv])
    out, err = capsys.readouterr()
    assert_one_line_error(code, out, err, keywords)
    assert all_files(results) == []


# ----------------------------------------------------------------- task grouping
def test_runs_of_one_seed_share_a_task_when_the_experiment_can_rerun_a_build(tmp_path):
    """Compile once, run many (design.md §5): culture-activity (run_group) gets one task
    per seed with all its conditions; synapse-check (no run_group) one task per run."""
    from mgnet.experiments.config import make_config
    from mgnet.experiments.sweep import _groups
    results = tmp_path / "results"
    todo = []
    for exp in ("culture-activity", "synapse-check"):
        for seed in (0, 1):
            for cond in CONDITIONS:
                cfg = make_config(exp, condition=cond, seed=seed, scale="quick")
                todo.append(({}, cfg, results / f"{exp}-{cond}-{seed}.h5"))
    groups = _groups(todo)
    shapes = sorted((items[0][1].experiment, items[0][1].seed, len(items))
                    for items in groups)
    assert shapes == [("culture-activity", 0, 2), ("culture-activity", 1, 2),
                      ("synapse-check", 0, 1), ("synapse-check", 0, 1),
                      ("synapse-check", 1, 1), ("synapse-check", 1, 1)]
    for items in groups:   # one task: one seed, its conditions in order
        assert len({(i[1].experiment, i[1].seed) for i in items}) == 1
        if len(items) > 1:
            assert [i[1].condition for i in items] == list(CONDITIONS)


def test_run_with_several_conditions_and_out_is_one_line_exit_2(tmp_path, capsys):
    code = main(["run", "culture-activity", "--condition", "baseline,elevated_mg",
                 "--out", str(tmp_path / "x.h5")])
    out, err = capsys.readouterr()
    assert_one_line_error(code, out, err, ["--out", "one condition"])
    code = main(["run", "culture-activity", "--condition", "baseline,baseline"])
    out, err = capsys.readouterr()
    assert_one_line_error(code, out, err, ["--condition", "distinct"])
    assert all_files(tmp_path) == []


def test_cost_summary_counts_a_group_once_and_divides_by_the_cores(monkeypatch):
    from mgnet.experiments import reproduce
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    tasks = [
        # one task of two conditions (seed 0): its cpu_s is the group's
        {"experiment": "memory-encoding", "seed": 0, "cpu_s": 600.0, "group_size": 2},
        {"experiment": "memory-encoding", "seed": 0, "cpu_s": 600.0, "group_size": 2},
        {"experiment": "memory-encoding", "seed": 1, "cpu_s": 300.0, "group_size": 1},
        {"experiment": "synapse-check", "seed": 0, "cpu_s": 60.0},
        {"experiment": "synapse-check", "seed": 1, "cpu_s": 60.0},
        {"experiment": "bouton-assay", "seed": 0, "cpu_s": None},   # not recorded
    ]
    text = reproduce.cost_summary({"tasks": tasks})
    assert "CPU time 17.0 min" in text                  # (600 + 300 + 120) s
    assert "memory-encoding 15.0" in text and "synapse-check 2.0" in text
    assert "at least 8.5 min" in text
    assert reproduce.cost_summary({"tasks": []}) == "CPU time: not recorded"


def test_runs_differing_only_in_options_get_their_own_dask_task():
    """reproduce's noise floor (and chronic arm) repeat a plain run's experiment,
    condition and seed with other options; Dask merges submissions that share a key, so
    each task needs its own (at quick scale one of each pair was silently not run)."""
    from pathlib import Path

    from mgnet.experiments.cli import default_run_path
    from mgnet.experiments.reproduce import plan
    from mgnet.experiments.sweep import _groups, task_key
    cfgs = plan("quick", only="memory-planted,memory-encoding")
    todo = [(None, c, default_run_path(Path("/r"), c)) for c in cfgs]
    groups = _groups(todo)
    outs = [str(i[2]) for items in groups for i in items]
    assert len(outs) == len(set(outs)) == len(cfgs)        # every run has its own file
    keys = [task_key(k, items, "t") for k, items in enumerate(groups)]
    assert len(set(keys)) == len(groups)
    # the collision that was: two groups of one experiment, condition and seed
    names = [(items[0][1].experiment, tuple(i[1].condition for i in items), items[0][1].seed)
             for items in groups]
    assert len(set(names)) < len(names)
    # the chronic arm's conditions share options (glun2b = "chronic") but resolve to
    # different GluN2B fractions, so their file tags differ; they still share one task
    # (one build: the fraction is a run value)
    chronic = [items for items in groups
               if getattr(items[0][1].options, "glun2b", None) == "chronic"]
    assert len(chronic) == 1 and len(chronic[0]) == 2
    assert len({str(i[2]) for i in chronic[0]}) == 2


def test_local_workers_run_without_dasks_malloc_trim_threshold():
    """Local Dask workers start without MALLOC_TRIM_THRESHOLD_ (Dask's default for its
    nannies fixes glibc's mmap threshold: 1.5 M page faults per memory run), and keep
    the rest of Dask's worker environment (one thread per library)."""
    import os

    import dask
    import distributed  # noqa: F401  (its configuration)

    from mgnet.experiments.sweep import _dask_client
    assert "MALLOC_TRIM_THRESHOLD_" in dask.config.get("distributed.nanny.pre-spawn-environ")
    with _dask_client(1, None) as client:
        seen = client.run(lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                                   os.environ.get("OMP_NUM_THREADS")))
    assert list(seen.values()) == [(None, "1")]

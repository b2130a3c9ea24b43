"""Tests for the command-line usability points of issue 17.

``--version``; ``mgnet options EXPERIMENT`` (every option with default, unit and
allowed range, from the declarations); ``--set section.key=value`` (validated like a
TOML config, part of the config tag); ``mgnet info --json``; one progress mechanism
for ``run`` and ``sweep`` (a bar on a terminal, nothing in logs); the output location
checked before any simulation (exit 2, one line); ``mgnet info`` without brian2.
None of these tests runs a simulation.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mgnet.analysis.run_file import write_run
from mgnet.experiments.cli import main
from tests.test_cli import run_cli
from tests.test_run_file import make_data

REPO = Path(__file__).resolve().parent.parent


def assert_one_line_error(code, out, err, keywords):
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mgnet: error: "), err
    assert "Traceback" not in out + err and out == ""
    for word in keywords:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


@pytest.fixture
def run_file(tmp_path):
    """A small valid run file written with the project's own writer."""
    return write_run(tmp_path / "runs" / "small.h5", make_data())


# ------------------------------------------------------------------ --version
def test_version_comes_from_the_package_metadata(capsys):
    from importlib import metadata
    code, out, err = run_cli(capsys, ["--version"])
    assert code == 0 and err == ""
    assert out.startswith(f"mgnet {metadata.version('mgnet')}")
    assert len(out.splitlines()) == 1


def test_version_falls_back_to_pyproject_in_a_source_checkout(monkeypatch):
    import tomllib
    from importlib import metadata

    from mgnet.experiments.cli import mgnet_version

    def missing(name):
        raise metadata.PackageNotFoundError(name)
    monkeypatch.setattr(metadata, "version", missing)
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert mgnet_version() == f"{declared} (source checkout, not installed)"


# ------------------------------------------------------------------ info --json
def test_info_json_is_the_machine_readable_summary(run_file, capsys):
    code, out, err = run_cli(capsys, ["info", run_file, "--json"])
    assert code == 0 and err == ""
    s = json.loads(out)                       # strict JSON: NaN metrics became null
    assert s["path"] == str(run_file) and s["valid"] is True and s["problems"] == []
    assert s["attrs"]["experiment"] == "fig2_configuration" and s["attrs"]["seed"] == 7
    assert s["attrs"]["status"] == "complete" and "config_toml" not in s["attrs"]
    assert s["spikes"]["exc"]["n_spikes"] == 500
    assert s["spikes"]["exc"]["duration_s"] == 3.0
    assert s["spikes"]["exc"]["rate_hz"] == pytest.approx(500 / 3.0)
    assert s["protocol"]["train"] == {"t_start": 1.0, "t_stop": 2.5, "plasticity": True}
    ds = {d["path"]: d for d in s["datasets"]}
    assert ds["/boutons/mg_i"] == {"path": "/boutons/mg_i", "shape": [40],
                                   "dtype": "float64", "units": "mM"}
    assert ds["/spikes/exc/timestamps"]["units"] == "ms"     # as stored (schema 2)
    assert s["metrics"]["mean_rate_hz"] == 2.5 and s["metrics"]["ks_p"] is None
    assert "config" not in s
    code, out, _ = run_cli(capsys, ["info", run_file, "--json", "--config"])
    assert code == 0 and json.loads(out)["config"] == {"network": {"n_exc": 80,
                                                                    "mg_o": "0.8 mM"}}


def test_info_json_on_a_non_run_file_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "x.h5"
    bad.write_text("not hdf5\n")
    code, out, err = run_cli(capsys, ["info", bad, "--json"])
    assert_one_line_error(code, out, err, [str(bad), "is not an HDF5 file"])


BLOCK_BRIAN2 = textwrap.dedent("""\
    import sys

    class NoBrian2:
        def find_spec(self, name, path=None, target=None):
            if name == "brian2" or name.startswith("brian2."):
                raise ImportError("brian2 is not installed (blocked by the test)")
            return None

    sys.meta_path.insert(0, NoBrian2())
    from mgnet.experiments.cli import main
    code = main(sys.argv[1:])
    assert "brian2" not in sys.modules, "brian2 was imported"
    sys.exit(code)
    """)


@pytest.mark.parametrize("argv", [["info", "{f}"], ["info", "{f}", "--json", "--config"],
                                  ["info", "{missing}"], ["--version"]])
def test_info_works_without_brian2(run_file, tmp_path, argv):
    """brian2 made unimportable: ``mgnet info`` (text, JSON, and its error path) and
    ``--version`` still work, and nothing tries to import it."""
    argv = [a.format(f=run_file, missing=tmp_path / "missing.h5") for a in argv]
    proc = subprocess.run([sys.executable, "-c", BLOCK_BRIAN2, *argv], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    if "missing.h5" in " ".join(argv):
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines() == [f"mgnet: error: {tmp_path / 'missing.h5'} "
                                            "does not exist"]
        return
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    if argv[0] == "--version":
        assert proc.stdout.startswith("mgnet ")
    elif "--json" in argv:
        assert json.loads(proc.stdout)["attrs"]["experiment"] == "fig2_configuration"
    else:
        assert "fig2_configuration" in proc.stdout and "valid: yes" in proc.stdout


# ------------------------------------------------- output checked before simulating
@pytest.fixture
def no_simulation(monkeypatch):
    """Fail loudly if anything gets as far as configuring Brian2 or a Dask cluster."""
    import mgnet.experiments.sweep as sw
    import mgnet.models.backend

    def started(*args, **kwargs):
        raise AssertionError("a simulation was started before the output was checked")
    monkeypatch.setattr(mgnet.models.backend, "configure", started)
    monkeypatch.setattr(sw, "_dask_client", started)


def _tree(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*"))


def test_run_out_under_a_regular_file_is_refused_before_simulating(tmp_path, capsys,
                                                                   no_simulation):
    # A path below a regular file cannot be created, not even by root.
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file\n")
    out = blocker / "sub" / "run.h5"
    before = _tree(tmp_path)
    code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--scale", "quick",
                                         "--out", out, "--quiet"])
    assert_one_line_error(code, stdout, err, [str(blocker), "is a file", "run.h5"])
    assert _tree(tmp_path) == before


def test_run_results_under_a_regular_file_is_refused_before_simulating(tmp_path, capsys,
                                                                       no_simulation):
    blocker = tmp_path / "results"
    blocker.write_text("")
    code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--scale", "quick",
                                         "--condition", "baseline,elevated_mg",
                                         "--results", blocker, "--quiet"])
    assert_one_line_error(code, stdout, err, [str(blocker), "is a file"])
    assert _tree(tmp_path) == [blocker]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only directories")
@pytest.mark.parametrize("below", [False, True], ids=["in_dir", "new_subdir"])
def test_run_into_an_unwritable_directory_is_refused_before_simulating(
        tmp_path, capsys, no_simulation, below):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        out = (locked / "new" / "run.h5") if below else (locked / "run.h5")
        code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--scale", "quick",
                                             "--out", out, "--quiet"])
        assert_one_line_error(code, stdout, err, [str(locked)])
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_run_into_an_existing_file_is_refused_before_simulating(tmp_path, capsys,
                                                                no_simulation):
    out = tmp_path / "run.h5"
    out.write_bytes(b"occupied")
    code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--scale", "quick",
                                         "--out", out, "--quiet"])
    assert_one_line_error(code, stdout, err, [str(out), "already exists"])
    assert out.read_bytes() == b"occupied"


def test_output_directory_check_creates_nothing(tmp_path):
    from mgnet.experiments.cli import OutputPathError, check_output_dir, check_output_file
    check_output_file(tmp_path / "a" / "b" / "run.h5")      # creatable: no error
    check_output_dir(tmp_path)                               # writable: no error
    assert list(tmp_path.iterdir()) == []                    # and nothing left behind
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputPathError, match="is a file"):
        check_output_dir(tmp_path / "f" / "x")


@pytest.mark.parametrize("command", [
    ["sweep", "synapse-check", "--conditions", "baseline", "--seeds", "0", "--scale",
     "quick", "--quiet"],
    ["reproduce", "--scale", "quick", "--only", "synapse-check", "--quiet"]])
def test_sweep_and_reproduce_check_the_results_directory_first(tmp_path, capsys,
                                                               no_simulation, command):
    blocker = tmp_path / "results"
    blocker.write_text("")
    code, stdout, err = run_cli(capsys, [*command, "--results", blocker])
    assert_one_line_error(code, stdout, err, [str(blocker), "is a file"])
    assert _tree(tmp_path) == [blocker]


def test_permission_denied_is_one_line_even_as_root(tmp_path, capsys, monkeypatch,
                                                    no_simulation):
    """The chmod test above is skipped for root; here the operating system's answer
    is simulated: a denied probe file and a denied ancestor."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "TemporaryFile", denied)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    for out, words in ((tmp_path / "run.h5", [str(tmp_path), "Permission denied"]),
                       (tmp_path / "new" / "run.h5", [str(tmp_path / "new"),
                                                      "not writable"])):
        code, stdout, err = run_cli(capsys, ["run", "synapse-check", "--scale", "quick",
                                             "--out", out, "--quiet"])
        assert_one_line_error(code, stdout, err, words)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ progress bar
class FakeTerminal:
    """A stderr that says it is a terminal and keeps what was written."""

    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_stage_progress_is_a_bar_on_a_terminal_and_nothing_elsewhere(monkeypatch):
    from mgnet.experiments.progress import StageProgress
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    with StageProgress("run x") as bar:
        first, second = bar.part(0, 2), bar.part(1, 2)
        first("compiling", 0.5)
        assert bar.bar.n == pytest.approx(25.0)
        first("late report", 0.2)                 # never backwards
        assert bar.bar.n == pytest.approx(25.0)
        second("simulating elevated_mg", 0.0)
        assert bar.bar.n == pytest.approx(50.0)
    assert "run x" in term.text and "compiling" in term.text and "\r" in term.text
    assert "simulating elevated_mg" in term.text and "100%" in term.text
    # --quiet, or stderr not a terminal: no bar and no callback at all
    with StageProgress("run x", quiet=True) as bar:
        assert bar.part() is None
    monkeypatch.setattr(term, "isatty", lambda: False)
    term.text = ""
    with StageProgress("run x") as bar:
        assert bar.part() is None
    assert term.text == ""


def test_run_draws_the_bar_on_a_terminal(tmp_path, monkeypatch, capsys):
    """``mgnet run`` without --quiet on a terminal: the experiment's stages appear in one
    bar (the experiment is replaced by one that reports two stages: no simulation)."""
    import mgnet.experiments.synapse_check as sc

    def fake_run(cfg, progress):
        assert progress is not None
        progress("1AP protocol", 0.25)
        progress("burst protocol", 0.75)
        data = make_data()
        data.attrs = {}
        return data
    monkeypatch.setattr(sc, "run", fake_run)
    out = tmp_path / "run.h5"
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["run", "synapse-check", "--scale", "quick", "--out", str(out)]) == 0
    assert "run synapse-check" in term.text
    assert "1AP protocol" in term.text and "burst protocol" in term.text
    assert "\r" in term.text and term.text.count("\n") <= 1     # one bar, not lines
    assert f"wrote {out}" in capsys.readouterr().out

    # --quiet on the same terminal: nothing drawn, and the experiment hears no one.
    def quiet_run(cfg, progress):
        assert progress is None
        data = make_data()
        data.attrs = {}
        return data
    monkeypatch.setattr(sc, "run", quiet_run)
    term.text = ""
    assert main(["run", "synapse-check", "--scale", "quick", "--out",
                 str(tmp_path / "q.h5"), "--quiet"]) == 0
    assert term.text == ""


def test_sweep_uses_the_same_bar(monkeypatch):
    import inspect

    from mgnet.experiments import progress, sweep
    source = inspect.getsource(sweep.run_configs)
    assert "progress_bar(" in source and "tqdm(" not in source
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress.progress_bar(total=4, initial=1, desc="sweep x", unit="run") as bar:
        bar.update(1)
    assert "sweep x" in term.text and "2/4" in term.text
    term.text = ""
    with progress.progress_bar(total=4, desc="sweep x", unit="run", quiet=True) as bar:
        bar.update(1)
    assert term.text == ""


# ------------------------------------------------------------------ --set
@pytest.fixture
def planned(monkeypatch):
    """Record what ``mgnet run`` would run instead of running it: [(cfgs, outs)]."""
    import mgnet.experiments.runner as runner
    calls = []

    def record(cfgs, outs, *, quiet=False):
        calls.append((list(cfgs), list(outs)))
        return list(outs)
    monkeypatch.setattr(runner, "run_experiments", record)
    return calls


def test_set_equals_the_same_values_in_a_config_file(tmp_path, capsys, planned):
    from mgnet.experiments.config import load_config
    toml = tmp_path / "c.toml"
    toml.write_text('experiment = "synapse-check"\nscale = "quick"\n'
                    '[params.magnesium]\nmg_o = "1.2 mM"\n'
                    '[options]\nn_connections = 3\npr = [0.2, 0.5]\none_ap_rate = "2 Hz"\n')
    argv = ["run", "synapse-check", "--scale", "quick", "--results", tmp_path / "r",
            "--set", "magnesium.mg_o=1.2mM", "--set", "options.n_connections=3",
            "--set", "options.pr=[0.2, 0.5]", "--set", 'options.one_ap_rate="2 Hz"']
    assert run_cli(capsys, argv)[0] == 0
    (cfg,), (out,) = planned[-1]
    assert cfg == load_config(toml)
    assert cfg.param_overrides == {"magnesium": {"mg_o": cfg.params.magnesium.mg_o}}
    # the fully qualified form is the same thing
    argv[argv.index("magnesium.mg_o=1.2mM")] = "params.magnesium.mg_o=1.2 mM"
    assert run_cli(capsys, argv)[0] == 0
    assert planned[-1][0][0] == cfg


def test_set_wins_over_the_config_file(tmp_path, capsys, planned):
    toml = tmp_path / "c.toml"
    toml.write_text('[params.magnesium]\nmg_o = "1.2 mM"\n[options]\nn_connections = 3\n')
    assert run_cli(capsys, ["run", "synapse-check", "--config", toml, "--results",
                            tmp_path / "r", "--set", "magnesium.mg_o=2 mM"])[0] == 0
    (cfg,), _ = planned[-1]
    from brian2 import mM
    assert cfg.params.magnesium.mg_o == 2 * mM
    assert cfg.options.n_connections == 3                    # the file's other values stay


def test_set_changes_the_config_tag_and_the_run_file_name(tmp_path, capsys, planned):
    from mgnet.experiments.cli import config_tag
    results = tmp_path / "r"
    names = {}
    for label, sets in {"none": [], "mg": ["magnesium.mg_o=1.2mM"],
                        "mg2": ["magnesium.mg_o=1.6mM"], "opt": ["options.n_connections=7"],
                        "restated": ["magnesium.mg_o=0.8mM", "options.n_connections=5"]}.items():
        argv = ["run", "synapse-check", "--scale", "quick", "--results", results]
        for item in sets:
            argv += ["--set", item]
        assert run_cli(capsys, argv)[0] == 0
        (cfg,), (out,) = planned[-1]
        names[label] = (out.name, config_tag(cfg))
    assert names["none"] == ("baseline_seed0_quick.h5", "")
    # restating the values a run has anyway is the same run, under the same name
    assert names["restated"] == names["none"]
    changed = [names[k] for k in ("mg", "mg2", "opt")]
    assert all(tag for _, tag in changed)
    assert len({name for name, _ in changed} | {names["none"][0]}) == 4


BAD_SETS = {
    "no_equals": (["magnesium.mg_o"], ["--set", "magnesium.mg_o", "SECTION.KEY=VALUE"]),
    "no_section": (["mg_o=1mM"], ["--set", "mg_o=1mM", "SECTION.KEY=VALUE"]),
    "top_level_key": (["seed=3"], ["--set", "seed=3", "--seed"]),
    "unknown_section": (["foo.bar=1"], ["'foo'", "allowed: options, magnesium"]),
    "unknown_param": (["magnesium.mg_x=1mM"], ["params.magnesium.mg_x", "allowed",
                                                "mg_o"]),
    "unknown_option": (["options.n_neurons=3"], ["options.n_neurons", "allowed",
                                                 "n_connections"]),
    "wrong_unit": (["magnesium.mg_o=1.2mV"], ["params.magnesium.mg_o", "wrong unit",
                                              "0.8 mM"]),
    "no_unit": (["magnesium.mg_o=1.2"], ["params.magnesium.mg_o", "0.8 mM"]),
    "out_of_range": (["magnesium.mg_o=-1mM"], ["params.magnesium.mg_o", "out of range",
                                               ">= 0 mM"]),
    "option_out_of_range": (["options.n_connections=0"], ["options.n_connections",
                                                          "allowed: >= 1"]),
    "option_not_integer": (["options.n_connections=2.5"], ["options.n_connections",
                                                           "integer"]),
    "list_item_out_of_range": (["options.pr=[0.2, 1.5]"], ["options.pr[1]", "<= 1.0"]),
    "cross_field_check": (["options.n_spikes=7"], ["options.n_spikes", "multiple"]),
    # a section this experiment does not read: refused, never silently ignored
    "unused_section": (["release.k=2.0"], ["[params.release]", "not used",
                                           "synapse-check"]),
    "twice": (["magnesium.mg_o=1mM", "params.magnesium.mg_o=1.1mM"],
              ["params.magnesium.mg_o", "twice"]),
    "unknown_preset": (["plasticity.preset=foo"], ["params.plasticity.preset", "'foo'",
                                                   "allowed", "hippocampal_cultures"],
                       "plasticity-induction"),
}


@pytest.mark.parametrize("case", list(BAD_SETS))
def test_bad_set_is_one_line_exit_2_and_runs_nothing(case, tmp_path, capsys, planned):
    sets, keywords, *experiment = BAD_SETS[case]
    argv = ["run", *(experiment or ["synapse-check"]), "--results", tmp_path / "r"]
    for item in sets:
        argv += ["--set", item]
    code, out, err = run_cli(capsys, argv)
    assert_one_line_error(code, out, err, keywords)
    assert planned == [] and list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ mgnet options
def test_options_lists_every_option_with_default_unit_and_range(capsys):
    import dataclasses

    from mgnet.experiments import registry
    code, out, err = run_cli(capsys, ["options", "synapse-check"])
    assert code == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines()
            if line.startswith("  options.") and not line.split()[0].endswith(":")}
    exp = registry.get("synapse-check")
    assert list(rows) == [f"options.{f.name}" for f in dataclasses.fields(exp.options)]
    assert rows["options.one_ap_rate"].split()[1:4] == ["0.5", "Hz", "Hz"]
    assert ">= 10 mHz and <= 10 Hz" in rows["options.one_ap_rate"]
    assert "rate of the 1AP protocol" in rows["options.one_ap_rate"]
    assert "options.n_connections: quick 5, default 20, paper 200" in out
    code, out, _ = run_cli(capsys, ["options", "synapse-check", "--scale", "quick"])
    assert code == 0 and re.search(r"^  options\.n_connections\s+5\s", out, re.M)


@pytest.mark.parametrize("experiment", ["synapse-check", "culture-activity",
                                        "memory-encoding", "plasticity-induction"])
def test_options_defaults_are_what_the_loader_resolves(experiment, capsys):
    """Every row, its default pasted back through --set, gives the default config (so
    the table shows exactly the values, units and keys the loader uses); a value just
    outside a numeric bound is refused with the range the table shows."""
    from mgnet.experiments.config import ConfigError, make_config, parse_sets
    code, out, err = run_cli(capsys, ["options", experiment, "--params", "--json",
                                      "--scale", "quick"])
    assert code == 0 and err == ""
    rows = json.loads(out)["rows"]
    assert any(r["key"].startswith("params.") for r in rows)
    default = make_config(experiment, scale="quick")
    for row in rows:
        cfg = make_config(experiment, scale="quick",
                          **parse_sets([f"{row['key']}={row['default']}"]))
        assert cfg == default, row
        if isinstance(row["value"], int) and not isinstance(row["value"], bool) and \
                row["allowed"].startswith(">= ") and " and <= " in row["allowed"]:
            high = row["allowed"].split(" and <= ")[1]
            with pytest.raises(ConfigError, match=re.escape(row["allowed"])):
                make_config(experiment, scale="quick",
                            **parse_sets([f"{row['key']}={int(high) + 1}"]))


def test_options_bad_input_is_one_line_exit_2(capsys):
    code, out, err = run_cli(capsys, ["options", "nope"])
    assert_one_line_error(code, out, err, ["'nope'", "allowed", "synapse-check"])
    code, out, err = run_cli(capsys, ["options", "synapse-check", "--params",
                                      "--condition", "foo"])
    assert_one_line_error(code, out, err, ["'foo'", "allowed", "baseline"])


def test_sweep_set_reaches_every_task_and_names_its_runs(tmp_path):
    """sweep --set: the configs carry the override, each Dask task gets their resolved
    texts (so the worker runs the same config into the same file name), and the manifest
    has a name of its own."""
    from mgnet.experiments.cli import config_tag, default_run_path
    from mgnet.experiments.config import make_config
    from mgnet.experiments.sweep import _command, _groups, _resolve_configs
    sets = ["magnesium.mg_o=1.2mM", "options.n_connections=3"]
    cfgs = _resolve_configs("synapse-check", ["baseline", "elevated_mg"], [0, 1], "quick",
                            None, sets)
    assert all(c.options.n_connections == 3 for c in cfgs)
    from brian2 import mM
    assert all(c.params.magnesium.mg_o == 1.2 * mM for c in cfgs)
    plain = make_config("synapse-check", scale="quick")
    assert default_run_path(tmp_path, cfgs[0]) != default_run_path(tmp_path, plain)
    todo = [({}, c, default_run_path(tmp_path, c)) for c in cfgs]
    from mgnet.experiments.config import from_toml
    for items in _groups(todo):
        for _task, cfg, out in items:
            back = from_toml(cfg.to_toml())
            assert back == cfg and back.params.magnesium.mg_o == 1.2 * mM
            assert default_run_path(tmp_path, back) == out
    assert "--set magnesium.mg_o=1.2mM" in _command("synapse-check", ["baseline"], [0],
                                                   "quick", tmp_path, None, None, None,
                                                   "n", sets)
    assert all(config_tag(c) for c in cfgs)


def test_sweep_bad_set_is_one_line_exit_2(tmp_path, capsys, no_simulation):
    code, out, err = run_cli(capsys, ["sweep", "synapse-check", "--conditions", "baseline",
                                      "--seeds", "0", "--results", tmp_path / "r",
                                      "--set", "options.n_connections=0"])
    assert_one_line_error(code, out, err, ["options.n_connections", "allowed: >= 1"])
    assert list(tmp_path.iterdir()) == []

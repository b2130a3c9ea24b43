"""Run-file names (issue 14, item 5/6): runs that differ in any parameter or option never
share a file; default configs keep the names they always had."""
from pathlib import Path

import pytest

from mgnet.experiments.cli import config_tag, default_run_path
from mgnet.experiments.config import make_config

R = Path("results")


def test_default_configs_keep_the_old_names():
    cfg = make_config("memory-encoding", condition="elevated_mg", seed=3)
    assert config_tag(cfg) == ""
    assert default_run_path(R, cfg) == R / "runs/memory-encoding/elevated_mg_seed3_default.h5"
    # restating a default value is the same run, hence the same name
    same = make_config("memory-encoding", seed=3, condition="elevated_mg",
                       params={"magnesium": {"mg_o": "1.2 mM"}}, options={"n_sham": 1})
    assert default_run_path(R, same) == default_run_path(R, cfg)


def test_configs_differing_in_a_param_or_option_get_different_names():
    base = make_config("memory-encoding", seed=0)
    a = make_config("memory-encoding", seed=0, params={"magnesium": {"mg_o": "1.0 mM"}})
    b = make_config("memory-encoding", seed=0, params={"magnesium": {"mg_o": "1.1 mM"}})
    c = make_config("memory-encoding", seed=0, options={"stream_seed": 12})
    names = {default_run_path(R, x).name for x in (base, a, b, c)}
    assert len(names) == 4
    for x in (a, b, c):
        tag = config_tag(x)
        assert len(tag) == 8 and int(tag, 16) >= 0
        assert default_run_path(R, x).name == f"baseline_seed0_default_{tag}.h5"


def test_the_same_change_gives_one_tag_across_conditions_and_seeds():
    """The tag hashes what changed, so paired conditions of one variant line up."""
    tags = {config_tag(make_config("memory-encoding", condition=cond, seed=s,
                                   options={"stream_seed": 5}))
            for cond in ("baseline", "elevated_mg") for s in (0, 1)}
    assert len(tags) == 1


def test_sweep_tasks_of_option_variants_carry_their_options(tmp_path):
    """reproduce's variants (options only) run through the sweep engine: each variant is
    its own task, and the resolved text a task gets resolves back to exactly its config
    (and file name)."""
    from mgnet.experiments.config import from_toml
    from mgnet.experiments.sweep import _groups
    cfgs = [make_config("memory-planted", seed=s, options=o)
            for s in (0, 1) for o in ({}, {"stream_seed": 99})]
    todo = [({}, c, default_run_path(tmp_path, c)) for c in cfgs]
    groups = _groups(todo)
    assert len(groups) == 4                      # (seed, variant) each
    for items in groups:
        cfg = items[0][1]
        back = from_toml(cfg.to_toml())
        assert back == cfg and back.to_toml() == cfg.to_toml()
        assert default_run_path(tmp_path, back) == items[0][2]


@pytest.mark.slow
def test_a_second_sweep_config_differing_in_a_param_keeps_the_first_ones_files(tmp_path):
    """Issue 14 item 5: two ``sweep --config`` files that differ only in a ``[params]``
    value write different run files, and the second sweep moves nothing of the first
    into ``.superseded/`` (two real sweeps of the cut-down synapse-check: slow, minutes on
    a loaded machine, mostly the Dask cluster and the Cython build)."""
    import json
    import subprocess

    from tests.test_sweep import CLI, TINY, _env
    results = tmp_path / "results"
    paths = {}
    for ca_o in ("1.8 mM", "2.16 mM"):
        config = tmp_path / f"ca_{ca_o.split()[0]}.toml"
        config.write_text(TINY + f'\n[params.calcium]\nca_o = "{ca_o}"\n')
        argv = CLI + ["sweep", "synapse-check", "--conditions", "baseline", "--seeds", "0",
                      "--scale", "quick", "--workers", "1", "--config", str(config),
                      "--results", str(results), "--quiet"]
        done = subprocess.run(argv, capture_output=True, text=True, env=_env(),
                              timeout=1800, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        manifest = json.loads(sorted((results / "sweeps").glob(f"*{config.stem}*.json"))[0]
                              .read_text())
        (task,) = manifest["tasks"]
        assert task["status"] == "done" and "superseded" not in task
        paths[ca_o] = results / task["path"]
        if len(paths) == 1:
            first_bytes = paths[ca_o].read_bytes()
    a, b = paths.values()
    assert a != b and a.is_file() and b.is_file()
    assert a.read_bytes() == first_bytes          # untouched by the second sweep
    assert not (results / "runs" / ".superseded").exists()

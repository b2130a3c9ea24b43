"""The typed experiment interface and its discovery (issue 16): one module per
experiment, no shared list; docs/design.md's worked example (an experiment and its study)
runs as printed."""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from mgnet.experiments import registry
from mgnet.experiments.experiment import Experiment, Runs

REPO = Path(__file__).resolve().parent.parent


def test_every_declared_experiment_is_registered_in_its_order():
    names = registry.names()
    assert names[0] == "synapse-check" and names[-1] == "memory-planted"
    assert len(names) == len(set(names)) == 12
    for name in names:
        exp = registry.get(name)
        assert isinstance(exp, Experiment) and exp.name == name
        assert registry.module_of(name).startswith("mgnet.experiments.")
    # the declaration is the only place: every module that assigns EXPERIMENT is found
    declaring = {p.stem for p in (REPO / "experiments").glob("*.py")
                 if re.search(r"^EXPERIMENT\s*=", p.read_text(), re.M)}
    assert {registry.module_of(n).rpartition(".")[2] for n in names} == declaring


def test_unknown_experiment_lists_the_allowed_ones():
    from mgnet.experiments.errors import ConfigError
    with pytest.raises(ConfigError, match="unknown experiment 'nope'; allowed: synapse-check, "
                                          "bouton-assay"):
        registry.get("nope")


def test_declared_name_is_read_without_importing(tmp_path):
    (tmp_path / "a.py").write_text('NAME = "x-one"\nEXPERIMENT = Experiment(name=NAME)\n')
    (tmp_path / "b.py").write_text('EXPERIMENT = Experiment(\n    name="x-two", run=1)\n')
    (tmp_path / "c.py").write_text('raise SystemExit("never imported")\n')
    assert registry.scan(tmp_path, "pkg") == {"x-one": "pkg.a", "x-two": "pkg.b"}
    (tmp_path / "d.py").write_text('EXPERIMENT = Experiment(name="x-two")\n')
    with pytest.raises(TypeError, match="declared twice"):
        registry.scan(tmp_path, "pkg")


def test_experiment_refuses_a_malformed_declaration():
    @dataclasses.dataclass(frozen=True)
    class Opts:
        n: int = 1

    def run(cfg, progress=None):
        return None
    Experiment(name="ok-name", description="", options=Opts, run=run)
    for bad in (dict(name="Bad_Name"), dict(options=dict), dict(run=3),
                dict(scales={"huge": {}}), dict(reproduce=(("baseline", (0,)),)),
                dict(task_minutes=-1)):
        kw = {**dict(name="ok-name", description="", options=Opts, run=run), **bad}
        with pytest.raises(TypeError):
            Experiment(**kw)
    with pytest.raises(TypeError):
        Runs((), (0,))
    with pytest.raises(TypeError):
        Runs(("baseline",), (-1,))


def test_reproduce_plan_comes_from_the_declarations():
    from mgnet.experiments import reproduce
    declared = sum(len(r.conditions) * len(r.seeds)
                   for exp in registry.experiments() for r in exp.reproduce)
    assert len(reproduce.plan("default")) == declared
    quick = reproduce.plan("quick")
    trimmed = {e.name for e in registry.experiments() if e.quick_trim}
    assert all(c.seed == 0 for c in quick)
    assert all(c.condition in ("baseline", "elevated_mg") for c in quick
               if c.experiment in trimmed)
    # heavier tasks are submitted first
    weights = [registry.get(c.experiment).task_minutes
               for c in reproduce._ordered(reproduce.plan("quick"))]
    assert weights == sorted(weights, reverse=True)


def _design_examples() -> list[str]:
    """The python blocks of docs/design.md's worked example: the experiment, the study."""
    text = (REPO / "docs" / "design.md").read_text()
    section = text[text.index("### Worked example: block-curve"):]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _readme_example() -> str:
    return _design_examples()[0]


@pytest.fixture
def block_curve(tmp_path, monkeypatch):
    """docs/design.md's example module, discovered from a folder of its own and
    registered."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "block_curve.py").write_text(_readme_example())
    found = registry.scan(folder, "")
    assert found == {"block-curve": "block_curve"}
    monkeypatch.syspath_prepend(str(folder))
    package = registry._modules()
    monkeypatch.setattr(registry, "_modules", lambda: {**package, **found})
    registry.names.cache_clear()
    yield registry.get("block-curve")
    registry.names.cache_clear()
    sys.modules.pop("block_curve", None)


def test_readme_example_runs_through_the_runner(block_curve, tmp_path):
    """The example is one module: it resolves, round-trips through its resolved text,
    runs into a run file, and is in reproduce's plan.  Physics: the block factor rises
    with depolarisation, and 1.2 mM [Mg]o blocks more at -65 mV than 0.8 mM."""
    from brian2 import mV

    from mgnet.analysis.run_file import read_run
    from mgnet.experiments.config import from_toml, make_config
    from mgnet.experiments.reproduce import plan
    from mgnet.experiments.runner import default_run_path, run_experiments
    from mgnet.models.magnesium import nmda_block

    assert "block-curve" in registry.names()
    cfgs = [make_config("block-curve", condition=c, scale="quick")
            for c in ("baseline", "elevated_mg")]
    assert all(from_toml(c.to_toml()) == c for c in cfgs)
    outs = [default_run_path(tmp_path / "results", c) for c in cfgs]
    paths = run_experiments(cfgs, outs, quiet=True)
    unblocked = []
    for cfg, path in zip(cfgs, paths, strict=True):
        run = read_run(path)
        v, b = run.arrays["/block/v"], run.arrays["/block/unblocked"]
        assert len(v) == 11 and np.all(np.diff(b) > 0)
        p = cfg.params
        np.testing.assert_allclose(b, nmda_block(v * mV, p.magnesium.mg_o, p.mg_block,
                                                 p.magnesium.mg_i), rtol=1e-12)
        unblocked.append(run.metrics["unblocked_at_m65mV"])
    assert unblocked[1] < unblocked[0]
    assert [(c.condition, c.seed) for c in plan("quick", "block-curve")] == [
        ("baseline", 0), ("elevated_mg", 0)]
    # the study of the same worked example reads those run files back
    study_src = _design_examples()[1]
    namespace: dict = {}
    exec(compile(study_src, "block_curve_study.py", "exec"), namespace)
    from mgnet.analysis.studies.base import Study
    study = namespace["STUDY"]
    assert isinstance(study, Study) and study.experiments == ("block-curve",)
    (section,) = study.sections(tmp_path / "results", "quick", {})
    assert section.startswith("## NMDA block curve")
    for cond, value in zip(("baseline", "elevated_mg"), unblocked, strict=True):
        assert f"| {cond} | {value:.3f} |" in section
    assert study.sections(tmp_path / "empty", "quick", {}) == []

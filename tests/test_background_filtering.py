"""background-filtering protocol (experiments/background_filtering.py) without a network:
each simulation is done once.

The first step of each condition's GluN2B relaxation starts at the condition's own
GluN2B fraction on the same network and random stream as the condition's comparison run,
so it is that run: the experiment reuses it instead of simulating it again (3 of 12
simulations at the default options).  A deterministic stand-in for the network counts
the simulations and checks that the relaxation saw the comparison run's load.
"""
from __future__ import annotations

import numpy as np
import pytest


class _FakeRunner:
    """Deterministic stand-in for mgnet.experiments.background_filtering._Runner: the load
    grows linearly in time at a rate set by the condition's [Mg]o and the GluN2B
    fractions; no spikes (no bursts)."""
    n_exc = 20
    #: neurons differ in their load, so the GluN2B fractions move away from f0
    spread = np.linspace(0.5, 1.5, n_exc)
    mg_cmp = 1.2       #: [Mg]o of the block prediction (mM)

    def __init__(self, cfg, progress):
        from types import SimpleNamespace
        self.cult = SimpleNamespace(structure=SimpleNamespace(n_exc=self.n_exc))
        self.calls = []
        _FakeRunner.last = self

    def run(self, params, f_2b=None):
        from brian2 import mM
        f = np.full(self.n_exc, 0.5) if f_2b is None else np.asarray(f_2b, dtype=float)
        self.calls.append(f.copy())
        t = np.linspace(0.0, 10.0, 201)
        rate = (1.0 + f) * self.spread / float(params.magnesium.mg_o / mM)
        load = rate[:, None] * t[None, :]
        empty = (np.zeros(0), np.zeros(0, dtype=np.int64))
        return {"spikes": {"exc": empty, "inh": empty}, "load": load,
                "releases": np.ones_like(load) * t[None, :],
                "ratio": 0.68 * np.ones_like(load) * t[None, :], "t": t}

    def close(self):
        pass


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")  # no bursts
def test_each_simulation_runs_once(monkeypatch):
    from brian2 import mM

    import mgnet.experiments.background_filtering as bf
    from mgnet.experiments.config import make_config
    monkeypatch.setattr(bf, "_Runner", _FakeRunner)
    cfg = make_config("background-filtering", scale="quick",
                      options={"slow_steps": 3, "duration": "10 s"})
    data = bf.run(cfg)
    runner = _FakeRunner.last
    conds = data.metrics["conditions"].split(",")
    assert len(conds) == 3
    # 3 comparison runs + 3 conditions x (3 slow steps - the reused first one)
    assert len(runner.calls) == len(conds) + len(conds) * (3 - 1)
    # no two simulations with the same condition and fractions (the fake's load rate
    # depends on both, so equal loads would mean equal inputs)
    for c in conds:
        f_mean = data.arrays[f"/glun2b/{c}/f_mean"]
        load_mean = data.arrays[f"/glun2b/{c}/load_mean"]
        assert len(f_mean) == 4 and len(load_mean) == 3
        p = cfg.params if c == cfg.condition else bf.condition_params(c)
        mg = float(p.magnesium.mg_o / mM)
        # the first relaxation step is the comparison run at f = 0.5
        assert load_mean[0] == np.mean((1.0 + 0.5) * _FakeRunner.spread / mg)
        assert len(set(np.round(load_mean, 12))) == 3     # the later steps moved f


def test_compared_conditions_carry_the_configs_overrides():
    """A value set in [params] reaches every compared condition (not only the run's own);
    each keeps its own condition preset ([Mg]o)."""
    from brian2 import mM, nS

    import mgnet.experiments.background_filtering as bf
    from mgnet.experiments.config import make_config
    cfg = make_config("background-filtering", scale="quick",
                      params={"metaplasticity": {"hill": 2.0},
                              "calcium": {"ca_o": "2.0 mM"},
                              "culture": {"bg_weight": "10 nS"}})
    conds = [cfg.condition] + [c for c in cfg.options.compare if c != cfg.condition]
    params = bf.comparison_params(cfg, conds)
    assert len(params) >= 2
    for c, p in params.items():
        assert p.metaplasticity.hill == 2.0
        assert float(p.calcium.ca_o / mM) == pytest.approx(2.0)
        assert float(p.culture.bg_weight / nS) == pytest.approx(10.0)
        assert p.magnesium.mg_o == bf.condition_params(c).magnesium.mg_o
    plain = make_config("background-filtering", scale="quick")
    assert bf.comparison_params(plain, conds) == {c: (plain.params if c == plain.condition
                                                      else bf.condition_params(c))
                                                  for c in conds}

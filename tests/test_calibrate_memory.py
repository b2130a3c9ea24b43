"""calibrate-memory (issue 14 item 3): the pre-declared targets and rule on planted
metric tables, and the frozen protocol file read back as the memory experiments'
default protocol."""
from __future__ import annotations

import math

from mgnet.experiments import calibrate_memory as cm


def _m(z=6.0, d=0.1, end=0.06, q=0.35, mm=0.1, sham=0.01, unenc=-0.02, fa=0.1):
    return {"dfup_z_after_encoding": z, "dfup_after_encoding": d, "dfup_end": end,
            "q_stored_cue_0.5": q, "m_stored_cue_0.5": mm, "q_sham_cue_0.5": sham,
            "q_unencoded_cue_0.5": unenc, "fa_stored_cue_0.5": fa}


def test_every_candidate_is_a_valid_protocol():
    from mgnet.experiments.config import make_config
    for name, opts in cm.CANDIDATES.items():
        cfg = make_config("memory-encoding", seed=cm.SEEDS[0],
                          options=dict(opts, consolidation=cm.CONSOLIDATION))
        assert cfg.options.presentations == opts["presentations"], name


def test_targets_follow_the_issue_thresholds():
    ok = cm.targets(_m(), bands_ok=True)
    assert ok == {"encoding": True, "recall": True, "retention": True, "bands": True}
    assert cm.targets(_m(z=4.9, d=0.29), True)["encoding"] is False
    assert cm.targets(_m(z=0.0, d=0.3), True)["encoding"] is True       # Δf_UP alone
    assert cm.targets(_m(q=0.29, mm=0.29), True)["recall"] is False
    assert cm.targets(_m(q=0.0, mm=0.31), True)["recall"] is True        # m alone
    assert cm.targets(_m(sham=0.051), True)["recall"] is False          # control off
    assert cm.targets(_m(fa=0.21), True)["recall"] is False             # ignition
    assert cm.targets(_m(end=0.049), True)["retention"] is False        # < half left
    assert cm.targets(_m(d=-0.1, end=-0.1), True)["retention"] is False  # nothing encoded
    assert cm.targets(_m(q=math.nan), True)["recall"] is False          # NaN never passes
    assert cm.targets(_m(), bands_ok=False)["bands"] is False


def test_rule_counts_targets_met_in_four_of_five_seeds_and_ties_go_to_the_weakest():
    from mgnet.experiments.config import make_config
    base = make_config("memory-encoding").options
    t = dict(encoding=True, recall=False, retention=False, bands=True)
    f = dict(encoding=False, recall=False, retention=False, bands=True)
    per = {"default": [t] * 4 + [f], "rounds_x3": [t] * 5, "trains_x2": [f] * 5}
    name, counted = cm.choose(per, base)
    assert counted["default"]["encoding"] == 4 and counted["trains_x2"]["encoding"] == 0
    assert name == "default"      # ties with rounds_x3 (2 targets); fewer pulses
    per["default"] = [t] * 3 + [f] * 2
    assert cm.choose(per, base)[0] == "rounds_x3"


def test_protocol_file_round_trip_sets_the_memory_default_protocol(tmp_path, monkeypatch):
    numbers = {n: [{"dfup_after_encoding": 0.01, "q_stored_cue_0.5": 0.1}] for n in
               cm.CANDIDATES}
    counted = {n: {t: 0 for t in cm.TARGETS} for n in cm.CANDIDATES}
    r = {"winner": "rounds_x3", "options": dict(cm.CANDIDATES["rounds_x3"],
                                                consolidation=cm.FROZEN_CONSOLIDATION),
         "counted": counted, "numbers": numbers, "seeds": [1000], "created_utc": "now",
         "git_commit": "abc", "git_dirty": False, "command": "mgnet calibrate-memory",
         "runtime_s": 1.0}
    path = tmp_path / "memory_protocol.toml"
    path.write_text(cm.render(r))
    raw = cm.frozen_options(path)
    assert raw == {"presentations": 15, "trains_per_presentation": 3,
                   "presentation_interval": "1 s", "consolidation": "30 s"}
    monkeypatch.setattr(cm, "PROTOCOL_FILE", path)
    from brian2 import second

    from mgnet.experiments import memory_encoding as me
    frozen = me.frozen_protocol()
    assert frozen["presentations"] == 15 and frozen["consolidation"] == 30 * second
    import tomllib
    data = tomllib.loads(path.read_text())
    assert data["positive_control"] is False and data["targets_met"] == []
    assert cm.frozen_options(tmp_path / "missing.toml") == {}      # not calibrated yet


def test_candidates_run_one_per_call(tmp_path, monkeypatch):
    """The candidates differ in their options, so each must go to run_experiments alone
    (its one-build group refuses mixed options -- the first calibration run failed so)."""
    import mgnet.analysis.run_file as rf
    import mgnet.experiments.runner as runner
    calls = []

    class _Stop(Exception):
        pass

    def fake_run(cfgs, outs, quiet=False):
        assert len({repr(c.options) for c in cfgs}) == 1
        calls.append(len(cfgs))

    def fake_read(path):
        raise _Stop

    monkeypatch.setattr(runner, "run_experiments", fake_run)
    monkeypatch.setattr(rf, "read_run", fake_read)
    try:
        cm.calibrate_memory(tmp_path, write=False, seeds=(1000,), log=lambda *a: None)
    except _Stop:
        pass
    assert calls == [1] * len(cm.CANDIDATES)

"""memory-capacity: options, the P gating of the stimulus, and the quick path end to end."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mgnet.experiments.config import ConfigError, make_config
from mgnet.experiments.memory_capacity import OPTIONS, _CapacityMemory, check_options
from mgnet.experiments.memory_encoding import make_schedule
from tests.conftest import followed_pulses, quick_cli_run


def _opts(**kw):
    return dataclasses.replace(OPTIONS(), **kw)


def test_default_design_and_its_cost():
    """Default: 4 assemblies and slots, P = 1, 2, 4, recall at cue 0.5 (4 stored, 1 sham,
    1 unencoded cue, each 12 s + U(0, 2 s) after the previous, 12 s after the last); one
    simulation per P lasts 4 + 5 x 4 + 4 s + [84, 96] s whatever P is."""
    cfg = make_config("memory-capacity")
    o = cfg.options
    assert o.p_values == (1, 2, 4) and o.n_patterns == 4 and o.cue_fractions == (0.5,)
    s = make_schedule(o, 400, seed=0)
    assert 28 + 84 <= s.t_end <= 28 + 96
    assert (s.t_spont, s.t_enc, s.t_cons) == pytest.approx((4.0, 24.0, 28.0))
    # every one of the 4 assemblies is cued once (the unencoded ones are the control)
    assert sorted(s.recall["pattern"][s.recall["kind"] == 0]) == [0, 1, 2, 3]
    assert sorted(s.recall["kind"]) == [0, 0, 0, 0, 1, 2]
    assert make_config("memory-capacity", scale="paper").options.p_values == (1, 2, 4, 8)


def test_stimulus_weights_present_the_first_P_assemblies_and_every_cue():
    """The gating that turns one compiled schedule into the P simulations: encoding
    sources 0..P-1 and every cue source on, encoding sources P..n_patterns-1 off."""
    from brian2 import nS
    o = _opts()
    s = make_schedule(o, 400, seed=3)
    mem = object.__new__(_CapacityMemory)          # the gating needs no network
    mem.opts = o
    mem.stim_src = np.concatenate([np.full(len(t), k)
                                   for k, t in enumerate(s.source_targets)])
    w0 = float(o.stim_weight / nS)
    for P in o.p_values:
        w = np.asarray(mem.stim_weights(P) / nS)
        on = w == w0
        assert np.all((w == 0) | on)
        src_on = set(mem.stim_src[on])
        assert src_on == set(range(P)) | set(range(o.n_patterns, len(s.source_targets)))
        # each encoded assembly's members all get the stimulus
        for p in range(P):
            assert on[mem.stim_src == p].all()


@pytest.mark.parametrize("kw, msg", [
    ({"p_values": ()}, "at least one"),
    ({"p_values": (2, 1)}, "strictly increasing"),
    ({"p_values": (1, 1, 2)}, "strictly increasing"),
    ({"p_values": (1, 5)}, "1 .. n_patterns"),
    ({"p_values": (1, 2), "n_patterns": 1}, "1 .. n_patterns"),
])
def test_bad_p_values_are_rejected(kw, msg):
    with pytest.raises(ConfigError, match=msg):
        check_options(_opts(**kw))


def test_bad_p_values_from_a_config_are_one_line_errors():
    with pytest.raises(ConfigError, match="options.p_values"):
        make_config("memory-capacity", options={"p_values": [4, 2]})
    with pytest.raises(ConfigError, match=r"p_values\[1\]"):
        make_config("memory-capacity", options={"p_values": [1, 0]})


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick-scale run through the command line (the path `make reproduce` uses)."""
    return quick_cli_run(tmp_path_factory, "memory-capacity")


@pytest.mark.slow      # about a minute (runtime device, 300 neurons, two simulations)
def test_quick_run_layout_and_metrics_recompute(quick_run):
    from mgnet.analysis.memory_report import capacity_p_values, capacity_recomputed
    cfg, run = quick_run
    assert capacity_p_values(run) == [1, 2]
    assert set(run.spikes) == {"exc_p1", "inh_p1", "exc_p2", "inh_p2"}
    n_snap = run.arrays["/snapshots/t"].size
    for P in (1, 2):
        cols = [c for c in run.synapses["ee"] if c.startswith(f"rho_p{P}_s")]
        assert len(cols) == n_snap
    m = capacity_recomputed(run)
    for k in ("capacity", "p1_overlap_median", "p2_overlap_median",
              "p1_control_overlap_median", "p2_snr_after_encoding", "p1_hit_rate"):
        assert m[k] == pytest.approx(run.metrics[k], nan_ok=True)
    assert np.isnan(m["p2_control_overlap_median"])       # nothing left unencoded
    assert m["capacity"] in (0.0, 1.0, 2.0)


@pytest.mark.slow
def test_quick_run_presents_only_the_encoded_assemblies(quick_run):
    """Assembly 1 is stimulated in the P = 2 simulation (members spike within 5 ms of
    >= 90 % of its pulses) and not in the P = 1 simulation (its slot is spontaneous
    activity: far fewer such spikes); assembly 0 is stimulated in both."""
    cfg, run = quick_run
    sch = make_schedule(cfg.options, run.patterns.shape[1], cfg.seed)

    def hit_rate(P, p):
        te, ie = run.spikes[f"exc_p{P}"]
        pulses = sch.stim_t[sch.stim_i == p]
        hits, total = followed_pulses(te, ie, np.flatnonzero(sch.members[p]), pulses)
        return hits / total

    assert hit_rate(1, 0) >= 0.9 and hit_rate(2, 0) >= 0.9 and hit_rate(2, 1) >= 0.9
    assert hit_rate(1, 1) < 0.5

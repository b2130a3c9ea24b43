"""memory-retention: options, the shared encoding protocol, and the quick path end to end."""
from __future__ import annotations

import numpy as np
import pytest

from mgnet.experiments.config import make_config
from mgnet.experiments.memory_encoding import make_schedule
from tests.conftest import quick_cli_run


def test_default_design_and_its_cost():
    """Default: memory-encoding's encoding, a 60 s consolidation, recall at cue 0.5 only:
    3 stored + 1 sham + 1 unencoded cue, each 12 s + U(0, 2 s) after the previous one,
    and 12 s after the last: 6 + 15 + 60 s + [72, 82] s simulated per run, one snapshot
    per 3 s."""
    o = make_config("memory-retention").options
    assert o.cue_fractions == (0.5,)
    s = make_schedule(o, 400, seed=0)
    assert 81 + 72 <= s.t_end <= 81 + 82 and s.round_period == pytest.approx(3.0)
    assert len(s.recall["t_cue"]) == 5
    assert s.t_cons - s.t_enc == pytest.approx(60.0)


@pytest.mark.parametrize("seed", [0, 7])
def test_encoding_is_memory_encodings(seed):
    """Same seed: the same assemblies and the same stimulation up to the end of
    encoding as memory-encoding (only consolidation and recall differ)."""
    me = make_config("memory-encoding", seed=seed).options
    mr = make_config("memory-retention", seed=seed).options
    a, b = make_schedule(me, 400, seed), make_schedule(mr, 400, seed)
    assert np.array_equal(a.members, b.members)
    assert (a.t_spont, a.t_enc) == (b.t_spont, b.t_enc)
    ea, eb = a.stim_t < a.t_enc, b.stim_t < b.t_enc
    assert np.array_equal(a.stim_t[ea], b.stim_t[eb])
    assert np.array_equal(a.stim_i[ea], b.stim_i[eb])


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick-scale run through the command line (the path `make reproduce` uses)."""
    return quick_cli_run(tmp_path_factory, "memory-retention")[1]


@pytest.mark.slow      # about a minute (runtime device, 300 neurons)
def test_quick_run_forgetting_curve_and_metrics_recompute(quick_run):
    from mgnet.analysis.memory_report import retention_curves, retention_recomputed, snapshots
    run = quick_run
    t, phase, _ = snapshots(run)
    assert t[-1] == pytest.approx(run.protocol["recall"]["t_start"])
    c = retention_curves(run)
    # one snapshot per round from the end of encoding to the end of consolidation
    horizon = run.protocol["consolidation"]["t_stop"] - run.protocol["encoding"]["t_stop"]
    assert c["t"][0] == 0 and c["t"][-1] == pytest.approx(horizon)
    assert c["kappa"][0] == 1.0 and np.all(np.abs(c["kappa"]) <= 1)
    m = retention_recomputed(run)
    for k in ("kappa_end", "trace_lifetime_s", "lifetime_snr1_s", "lifetime_snr05_s",
              "snr_after_encoding", "overlap_mean"):
        assert m[k] == pytest.approx(run.metrics[k], nan_ok=True)
    # a lifetime is 0 exactly when the curve starts below its level
    assert (m["lifetime_snr1_s"] == 0) == (c["snr"][0] < 1)

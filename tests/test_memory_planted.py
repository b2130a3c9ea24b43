"""memory-planted, the positive control of the recall read-out (science.md §6, issue 14):
the schedule and the planted weights (numpy), and a fast planted-vs-unplanted simulation
that fails if the instrument cannot see a planted assembly."""
from __future__ import annotations

import numpy as np
import pytest

from mgnet.experiments.config import ConfigError, make_config
from mgnet.experiments.memory_planted import check_options, make_schedule, planted_efficacy


def test_schedule_has_every_control_and_spaced_cues():
    o = make_config("memory-planted").options
    n_exc = 400
    s = make_schedule(o, n_exc, seed=1000)
    M = round(0.1 * n_exc)
    assert s.members.shape == (1, n_exc) and s.members.sum() == M
    assert s.unencoded.shape == (o.n_unencoded, n_exc)
    kind = s.recall["kind"]
    per = len(o.cue_fractions) * o.recall_trials
    assert np.sum(kind == 0) == per and np.sum(kind == 1) == per * o.n_sham
    assert np.sum(kind == 2) == per * o.n_unencoded
    t = np.sort(s.recall["t_cue"])
    assert t[0] >= float(o.spontaneous)
    # beyond slow adaptation: >= 3 x tau_w_slow = 12 s between consecutive cues
    assert np.all(np.diff(t) >= 12.0 - 1e-9)
    for k in range(kind.size):
        tgt = s.sources[s.recall["source"][k]]
        assert len(tgt) == round(s.recall["cue_fraction"][k] * M)
        if kind[k] == 0:
            assert s.members[0, tgt].all()
        elif kind[k] == 1:
            assert not s.members[0, tgt].any()
        else:
            assert s.unencoded[s.recall["pattern"][k], tgt].all()
    # cue pulses are the cue onsets (one pulse per cue by default)
    assert np.allclose(np.sort(s.stim_t), t) if o.cue_pulses == 1 else True


def test_planted_efficacy_sets_exactly_the_in_assembly_contacts_up():
    from mgnet.models.culture import culture_structure, initial_efficacy
    from mgnet.models.parameters import PLASTICITY_PRESETS, CultureParams
    pl = PLASTICITY_PRESETS["hippocampal_cultures"]
    st = culture_structure(300, CultureParams(), seed=1000)
    members = np.zeros(st.n_exc, bool)
    members[:24] = True
    rho0, rho = planted_efficacy(st, pl, members)
    ee = st.pathways["ee"]
    inside = members[ee.pre] & members[ee.post]
    assert np.array_equal(rho0, initial_efficacy(st, pl))
    assert np.all(rho[inside] == 1.0) and np.array_equal(rho[~inside], rho0[~inside])
    # about half of the planted contacts were DOWN before (beta = 0.5)
    assert 0.3 < np.mean(rho0[inside] == 0) < 0.7


def test_inconsistent_options_are_rejected():
    from brian2 import second
    o = make_config("memory-planted").options
    import dataclasses
    with pytest.raises(ConfigError, match="recall_interval"):
        check_options(dataclasses.replace(o, recall_interval=0.5 * second))
    with pytest.raises(ConfigError, match="cue_fractions"):
        check_options(dataclasses.replace(o, cue_fractions=(0.5, 1.0)))


#: Seeds of the quick planted control (calibration seeds, >= 1000).  Three seeds (30
#: cues per network) because one seed's 10 cues scatter by ~0.07 in Q: after the
#: synapse-speed merge changed Brian2's random stream, seed 1000 alone gave a margin of
#: 0.054, seeds 1001-1003 0.18, 0.19, 0.11.
QUICK_SEEDS = (1000, 1001, 1002)


@pytest.fixture(scope="module")
def planted_vs_unplanted():
    """The quick scale (200 neurons, runtime) on :data:`QUICK_SEEDS`, planted and
    unplanted: per seed one build, the same cues, two simulations."""
    from mgnet.experiments.memory_planted import run_group
    from mgnet.models.backend import configure
    out = []
    for seed in QUICK_SEEDS:
        cfgs = [make_config("memory-planted", scale="quick", seed=seed,
                            options={"planted": p}) for p in (True, False)]
        configure(device="runtime", codegen_target="cython", threads=1, seed=seed)
        out.append(list(run_group(cfgs)))
    return out


def test_planted_assembly_is_recalled_above_the_unplanted_one(planted_vs_unplanted):
    """The instrument sees a planted assembly: with every in-assembly contact UP the cues
    make the non-cued members fire more than the controls (Q > 0); the same cues on the
    unplanted network do not.  Sham cues read ≈ 0 in both.  Judged on the mean over
    :data:`QUICK_SEEDS`, and the sign in every seed."""
    margins, sham_margins = [], []
    for planted, unplanted in ((a.metrics, b.metrics) for a, b in planted_vs_unplanted):
        assert planted["planted"] and not unplanted["planted"]
        assert planted["dfup_z_planted"] > 10 and abs(unplanted["dfup_z_planted"]) < 4
        assert planted["q_stored"] > unplanted["q_stored"]
        margins.append(planted["q_stored"] - unplanted["q_stored"])
        sham_margins.append(planted["q_stored"] - planted["q_sham"])
        for m in (planted, unplanted):
            assert abs(m["q_sham"]) < 0.05
            assert m["cues_total"] == 10
    assert np.mean(margins) > QUICK_MARGIN
    assert np.mean(sham_margins) > QUICK_MARGIN


#: Planted minus unplanted Q required of the quick runs, as a mean over the seeds (the
#: measured values are in docs/memory.md "Instrument": 0.21-0.23 planted vs -0.02-0.02
#: unplanted on seeds 1000-1002 before the random stream changed, a mean margin of 0.14
#: over seeds 1000-1002 after; the threshold is half the first measurement).
QUICK_MARGIN = 0.1

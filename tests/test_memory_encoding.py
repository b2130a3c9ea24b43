"""memory-encoding: the protocol schedule (numpy) and the quick path end to end."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mgnet.experiments.config import ConfigError, make_config
from mgnet.experiments.memory_encoding import OPTIONS, check_options, make_schedule
from tests.conftest import followed_pulses, quick_cli_run


def _opts(**kw):
    return dataclasses.replace(OPTIONS(), **kw)


def test_schedule_counts_nesting_and_phase_boundaries():
    o = _opts(n_patterns=3, presentations=4, cue_fractions=(0.25, 0.5, 0.75),
              recall_trials=2)
    n_exc = 400
    s = make_schedule(o, n_exc, seed=5)
    M = round(0.1 * n_exc)
    assert s.members.shape == (3, n_exc) and np.all(s.members.sum(axis=1) == M)
    # encoding pulses: presentations x patterns x trains x pulses, all inside encoding
    enc = s.stim_i < 3
    assert enc.sum() == 4 * 3 * o.trains_per_presentation * o.pulses_per_train
    assert np.all((s.stim_t[enc] >= s.t_spont) & (s.stim_t[enc] < s.t_enc))
    # each pattern gets the same number of pulses (interleaved presentations)
    assert np.all(np.bincount(s.stim_i[enc]) == enc.sum() // 3)
    # the stored train table (/stimulation) holds every encoding pulse: each pulse lies
    # in exactly one train of its own pattern, [start, stop) with stop one pulse period
    # after the train's last pulse
    tr = s.trains
    assert len(tr["start"]) == 4 * 3 * o.trains_per_presentation
    period = 1.0 / float(o.pulse_rate)
    assert np.allclose(tr["stop"] - tr["start"], o.pulses_per_train * period)
    for t, p in zip(s.stim_t[enc], s.stim_i[enc], strict=True):
        hit = (tr["start"] <= t + 1e-12) & (t < tr["stop"] - 1e-12) & (tr["pattern"] == p)
        assert hit.sum() == 1
    assert set(tr["presentation"]) == set(range(4))
    # phase boundaries are whole encoding rounds (the snapshot period)
    for t in (s.t_spont, s.t_enc, s.t_cons):
        assert t / s.round_period == pytest.approx(round(t / s.round_period))
    # cues: per fraction and trial one per stored pattern, n_sham sham cues and one per
    # unencoded assembly; in the recall phase, >= recall_interval apart
    kind = s.recall["kind"]
    n_cues = 3 * 2 * (3 + o.n_sham + o.n_unencoded)
    assert len(s.recall["t_cue"]) == n_cues
    assert np.sum(kind == 0) == 3 * 2 * 3
    assert np.sum(kind == 1) == 3 * 2 * o.n_sham
    assert np.sum(kind == 2) == 3 * 2 * o.n_unencoded
    assert np.all(s.recall["t_cue"] > s.t_cons) and s.t_end > s.recall["t_cue"].max()
    assert np.all(np.diff(np.sort(s.recall["t_cue"])) >= float(o.recall_interval) - 1e-9)
    # spacing beyond slow adaptation: >= 3 x tau_w_slow (4 s) by default
    assert float(OPTIONS().recall_interval) >= 3 * 4.0
    M = s.members.shape[1] // 10
    anym = s.members.any(axis=0)
    for k in np.flatnonzero(kind == 1):           # sham: non-members of every pattern
        tgt = s.source_targets[s.recall["source"][k]]
        assert len(tgt) == round(s.recall["cue_fraction"][k] * M) and not anym[tgt].any()
    assert s.unencoded.shape == (o.n_unencoded, n_exc)
    for k in np.flatnonzero(kind == 2):           # unencoded: nested cues of its members
        tgt = s.source_targets[s.recall["source"][k]]
        assert np.all(s.unencoded[s.recall["pattern"][k], tgt])
    # the unencoded assemblies are never stimulated during encoding
    enc_targets = set(np.concatenate([s.source_targets[p] for p in range(3)]))
    for u in s.unencoded:
        assert not set(np.flatnonzero(u)) <= enc_targets
    for p in range(3):
        sets = []
        for c in (0.25, 0.5, 0.75):
            k = np.flatnonzero((s.recall["pattern"] == p) & (s.recall["cue_fraction"] == c)
                               & (kind == 0))
            # every trial of a (pattern, fraction) cues the same cells
            tgts = [tuple(s.source_targets[j]) for j in s.recall["source"][k]]
            assert len(tgts) == 2 and len(set(tgts)) == 1
            tgt = np.array(tgts[0])
            assert len(tgt) == round(c * M) and np.all(s.members[p, tgt])
            sets.append(set(tgt))
        assert sets[0] < sets[1] < sets[2]
    # the same seed gives the same schedule; another seed other assemblies
    s2 = make_schedule(o, n_exc, seed=5)
    assert np.array_equal(s.members, s2.members) and np.array_equal(s.stim_t, s2.stim_t)
    assert not np.array_equal(s.members, make_schedule(o, n_exc, seed=6).members)


@pytest.mark.parametrize("kw, msg", [
    ({"train_interval": 0.03}, "train_interval"),
    ({"presentation_interval": 0.3}, "presentation_interval"),
    ({"recall_interval": 0.5}, "recall_interval"),
    ({"cue_fractions": (0.5, 1.0)}, "cue_fractions"),
    ({"assembly_fraction": 0.01, "n_neurons": 100}, "assembly_fraction"),
])
def test_inconsistent_options_are_rejected(kw, msg):
    from brian2 import second
    kw = {k: (v * second if isinstance(v, float) and k != "assembly_fraction" else v)
          for k, v in kw.items()}
    with pytest.raises(ConfigError, match=msg):
        check_options(_opts(**kw))


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick-scale run through the command line (the path `make reproduce` uses)."""
    return quick_cli_run(tmp_path_factory, "memory-encoding")


@pytest.mark.slow      # a few minutes: Cython compile of the plastic culture
def test_quick_run_is_complete_and_its_metrics_recompute(quick_run):
    from mgnet.analysis.memory_report import recomputed, snapshots
    cfg, run = quick_run
    t, phase, names = snapshots(run)
    # one snapshot per encoding round up to the end of consolidation, none in recall
    assert t[-1] == pytest.approx(run.protocol["recall"]["t_start"])
    assert set(phase) == {0, 1, 2}
    for n in names:
        rho = run.synapses["ee"][n]
        assert np.all((rho >= 0) & (rho <= 1))
    m = recomputed(run)
    for k in ("snr_after_encoding", "overlap_mean", "hit_rate", "up_fraction_end"):
        assert m[k] == pytest.approx(run.metrics[k], nan_ok=True)
    # the initial efficacies are the bistable UP/DOWN states with P(UP) = beta = 0.5
    rho0 = run.synapses["ee"][names[0]]
    n = rho0.size
    assert abs(np.mean(rho0 > 0.5) - 0.5) < 5 * np.sqrt(0.25 / n) + 0.02


@pytest.mark.slow
def test_quick_run_stimulus_drives_every_member(quick_run):
    """Each encoding pulse is suprathreshold: a member spikes within 5 ms of >= 90 % of
    its pulses (a pulse can fall in the refractory period of the previous spike)."""
    from mgnet.experiments.memory_encoding import make_schedule
    cfg, run = quick_run
    te, ie = run.spikes["exc"]
    sch = make_schedule(cfg.options, run.patterns.shape[1], cfg.seed)
    hits = total = 0
    for p in range(sch.members.shape[0]):
        pulses = sch.stim_t[sch.stim_i == p]
        h, n = followed_pulses(te, ie, np.flatnonzero(sch.members[p]), pulses)
        hits, total = hits + h, total + n
    assert total > 0 and hits / total >= 0.9


def test_plastic_culture_keeps_the_calibrated_mean_quantal_size():
    """q_down = q / (1 + (b-1) beta): averaged over the bistable initial states (UP with
    probability beta, from the structure seed) the quantal size is the calibrated one,
    within 4 binomial standard errors of the UP fraction."""
    from mgnet.models.culture import culture_structure, initial_efficacy, plastic_quantal_sizes
    from mgnet.models.parameters import PLASTICITY_PRESETS, CultureParams
    pl = PLASTICITY_PRESETS["hippocampal_cultures"]
    st = culture_structure(300, CultureParams(), seed=2)
    rho = initial_efficacy(st, pl)
    assert set(np.unique(rho)) == {0.0, 1.0}
    n = rho.size
    assert abs(rho.mean() - pl.beta) < 4 * np.sqrt(pl.beta * (1 - pl.beta) / n)
    assert np.array_equal(rho, initial_efficacy(culture_structure(300, CultureParams(),
                                                                  seed=2), pl))
    q = np.random.default_rng(0).lognormal(0, 0.3, n)
    q_down, q_now = plastic_quantal_sizes(q, rho, pl)
    b = pl.b
    assert np.allclose(q_now[rho == 1], q[rho == 1] * b / (1 + (b - 1) * pl.beta))
    assert np.allclose(q_now[rho == 0], q[rho == 0] / (1 + (b - 1) * pl.beta))
    # the expectation over the states is exactly q
    assert np.allclose(q_down * (1 + (b - 1) * pl.beta), q)


def test_chronic_arm_resolves_the_conditions_glun2b_fraction():
    """options.glun2b = "chronic" puts the calibrated chronic fraction of the run's own
    condition (models/glun2b_chronic.toml) into the resolved parameters; acute keeps the
    [params.receptors] value; setting both is refused (a set value is never ignored)."""
    import pytest

    from mgnet.experiments.config import ConfigError
    from mgnet.models.metaplasticity import chronic_glun2b
    for cond in ("baseline", "elevated_mg"):
        cfg = make_config("memory-encoding", condition=cond, options={"glun2b": "chronic"})
        assert cfg.params.receptors.glun2b_fraction == chronic_glun2b(cond)
        acute = make_config("memory-encoding", condition=cond)
        assert acute.params.receptors.glun2b_fraction == 0.5
    with pytest.raises(ConfigError, match="chronic"):
        make_config("memory-encoding", options={"glun2b": "chronic"},
                    params={"receptors": {"glun2b_fraction": 0.3}})
    cap = make_config("memory-capacity", condition="aged", options={"glun2b": "chronic"})
    assert cap.params.receptors.glun2b_fraction == chronic_glun2b("aged")


@pytest.mark.parametrize("round_period", [0.5, 1.0, 2.0, 2.5, 5.0])
def test_the_plastic_phase_ends_after_the_consolidation_snapshot_in_every_process(round_period):
    """The last snapshot tick (t_cons) must lie inside phase 1 by Brian2's own clock
    rounding, whatever clock a tie yields first: phase1_end goes just past the band in
    which the snapshot clock would round the end back onto t_cons (the cause of
    run-to-run differences, docs/memory.md "Fixed: a memory-encoding run was not
    bit-reproducible")."""
    from brian2 import Clock, second

    from mgnet.experiments.memory_encoding import phase1_end
    dt = 1e-4
    for n in (2, 5, 30):
        t_cons = n * round_period
        t1 = phase1_end(t_cons, round_period, dt)
        snap = Clock(dt=round_period * second)
        assert snap._calc_timestep(t1) == n + 1          # the tick at t_cons is inside
        # a few 0.1-ms steps only (the rounding band is 1e-4 of the snapshot clock's dt)
        assert dt - 1e-12 <= t1 - t_cons <= 1e-4 * round_period + dt + 1e-12


def test_phase1_end_makes_no_brian2_clock(monkeypatch):
    """phase1_end runs while a cpp_standalone network is being defined: a probe Clock it
    made would be registered with the device and, once discarded, break
    ``device.run(run_args=...)`` ("weakly-referenced object no longer exists"; every
    default-scale memory run failed).  It uses Brian2's rounding rule without a Clock,
    and that rule agrees with Clock._calc_timestep."""
    import brian2
    from brian2 import second

    from mgnet.experiments.memory_schedule import phase1_end, rounded_timestep
    rng = np.random.default_rng(3)
    for clock_dt in (1e-4, 0.5, 2.0, 2.5):
        clock = brian2.Clock(dt=clock_dt * second)
        for t in np.concatenate([rng.uniform(0, 100, 200),
                                 np.arange(1, 40) * clock_dt + rng.normal(0, 1e-4 * clock_dt,
                                                                         39)]):
            assert rounded_timestep(float(t), clock_dt) == clock._calc_timestep(float(t))

    def no_clock(*args, **kwargs):
        raise AssertionError("phase1_end made a Brian2 Clock")
    monkeypatch.setattr(brian2.Clock, "__init__", no_clock)
    assert phase1_end(30.0, 2.0, 1e-4) > 30.0


@pytest.mark.standalone     # a cpp_standalone compile of the plastic culture (minutes)
def test_standalone_run_args_rerun_of_a_memory_run(tmp_path):
    """The device that `make reproduce` uses at default scale: the compiled memory
    network reruns with run_args (the path that failed when a probe Clock was left on
    the device)."""
    from mgnet.analysis.run_file import read_run
    from mgnet.experiments.cli import run_experiment
    cfg = make_config("memory-encoding", scale="quick", options={"device": "cpp_standalone"})
    run = read_run(run_experiment(cfg, tmp_path / "m.h5", quiet=True))
    assert run.attrs["device"] == "cpp_standalone"
    assert run.spikes["exc"][0].size > 0
    assert np.isfinite(run.metrics["up_fraction_end"])

"""The memory instrument of issue 14 on planted ground truth (mgnet.analysis.memory_metrics):
the rate read-out Q (Luboeinski & Tetzlaff 2021), the overlap m, the rejection of cues
inside spontaneous network bursts, and the encoding metric Δf_UP with its z-score."""

import numpy as np
import pytest

from mgnet.analysis.bursts import detect_network_bursts
from mgnet.analysis.memory_metrics import (
    active_from_spikes,
    cues_in_bursts,
    rates_in_window,
    recall_overlap,
    recall_q,
    up_fraction_difference,
    up_fraction_z,
)


def poisson_spikes(rng, rates_hz, t0, t1):
    """Independent Poisson trains with the given per-neuron rates on [t0, t1)."""
    counts = rng.poisson(np.asarray(rates_hz) * (t1 - t0))
    ids = np.repeat(np.arange(len(rates_hz)), counts)
    times = rng.uniform(t0, t1, ids.size)
    order = np.argsort(times)
    return times[order], ids[order]


def recall_population(n=2000, m=200, n_cued=100, seed=0):
    rng = np.random.default_rng(seed)
    members = np.zeros(n, bool)
    members[rng.choice(n, m, replace=False)] = True
    cued = np.zeros(n, bool)
    cued[rng.choice(np.flatnonzero(members), n_cued, replace=False)] = True
    return rng, members, cued


# ---------------------------------------------------------------------------------------
# rate read-out Q and overlap m on synthetic spike trains with known rates
# ---------------------------------------------------------------------------------------
def test_rates_in_window_recover_poisson_rates():
    rng = np.random.default_rng(1)
    rates = np.repeat([2.0, 20.0, 80.0], 1000)
    t, i = poisson_spikes(rng, rates, 0.0, 2.0)
    est = rates_in_window(t, i, rates.size, 0.5, 1.5)
    for r in (2.0, 20.0, 80.0):
        # mean of 1000 Poisson rate estimates over 1 s: SD sqrt(r/1000); 5 SD tolerance
        assert abs(est[rates == r].mean() - r) < 5 * np.sqrt(r / 1000)
    with pytest.raises(ValueError):
        rates_in_window(t, i, rates.size, 1.0, 1.0)


@pytest.mark.parametrize("v_as,v_ans,v_ctrl", [(100.0, 30.0, 5.0), (40.0, 4.0, 4.0),
                                               (60.0, 1.0, 3.0)])
def test_q_of_known_rates(v_as, v_ans, v_ctrl):
    """Q = (ν_ans − ν_ctrl)/ν_as within the Poisson error of 0.5-s rate estimates."""
    rng, members, cued = recall_population()
    rates = np.where(cued, v_as, np.where(members, v_ans, v_ctrl))
    t, i = poisson_spikes(rng, rates, 10.0, 10.5)
    r = recall_q(rates_in_window(t, i, rates.size, 10.0, 10.5), members, cued)
    expected = (v_ans - v_ctrl) / v_as
    # SE of Q from the Poisson counts (100 non-cued members, 1800 controls, 100 cued)
    se = np.sqrt(v_ans / (100 * 0.5) + v_ctrl / (1800 * 0.5)) / v_as + \
        abs(expected) * np.sqrt(v_as / (100 * 0.5)) / v_as
    assert abs(r["Q"] - expected) < 5 * se + 1e-12
    assert r["n_as"] == 100 and r["n_ans"] == 100 and r["n_ctrl"] == 1800
    # the propagated error of calculateQ.py is the population spread, >= the SE here
    assert r["Q_err"] > 0


def test_q_exact_on_deterministic_rates_and_edge_cases():
    members = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
    cued = np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)
    rates = np.array([50, 50, 20, 10, 2, 2, 4, 4], float)
    r = recall_q(rates, members, cued)
    assert r["Q"] == pytest.approx((15.0 - 3.0) / 50.0)
    assert r["v_ans_err"] == pytest.approx(5.0) and r["v_ctrl_err"] == pytest.approx(1.0)
    # calculateQ.py's error propagation, by hand
    q_err = np.sqrt((5 / 50) ** 2 + (1 / 50) ** 2 + (0 * 12 / 50 ** 2) ** 2)
    assert r["Q_err"] == pytest.approx(q_err)
    # a cue that evoked nothing gives no read-out
    assert np.isnan(recall_q(np.where(cued, 0.0, rates), members, cued)["Q"])
    # Q is scale-free: counts give the same Q as rates
    assert recall_q(rates * 0.2, members, cued)["Q"] == pytest.approx(r["Q"])


def test_sham_cue_gives_q_and_m_near_zero():
    """A sham cue (random non-members, driven hard) leaves the assembly at the control
    rate: Q ≈ 0 and m ≈ 0 within their sampling error."""
    rng = np.random.default_rng(3)
    n, m = 2000, 200
    members = np.zeros(n, bool)
    members[rng.choice(n, m, replace=False)] = True
    q, ov = [], []
    for _ in range(20):
        cued = np.zeros(n, bool)
        cued[rng.choice(np.flatnonzero(~members), 100, replace=False)] = True
        rates = np.where(cued, 80.0, 6.0)          # everyone else at one rate
        t, i = poisson_spikes(rng, rates, 0.0, 0.2)
        q.append(recall_q(rates_in_window(t, i, n, 0.0, 0.2), members, cued)["Q"])
        ov.append(recall_overlap(active_from_spikes(t, i, n, 0.0, 0.2), members, cued))
    # per trial: SE(Q) = sqrt(6/(200*0.2) + 6/(1700*0.2))/80 = 0.0051; mean of 20 trials
    assert abs(np.mean(q)) < 5 * 0.0051 / np.sqrt(20)
    assert max(abs(x) for x in q) < 5 * 0.0051
    # m = hit − false-alarm rate, p_active = 1 − e^{−1.2} = 0.70: SE(m) ≈ 0.034 per trial
    assert abs(np.mean(ov)) < 5 * 0.034 / np.sqrt(20)


def test_overlap_of_known_activation_probabilities():
    """m = P(active | non-cued member) − P(active | non-member) for binary responses."""
    rng = np.random.default_rng(4)
    n = 4000
    members = rng.random(n) < 0.1
    cued = members & (rng.random(n) < 0.5)
    active = np.where(members, rng.random(n) < 0.8, rng.random(n) < 0.1)
    m = recall_overlap(active, members, cued)
    target, ctrl = members & ~cued, ~members
    assert m == pytest.approx(active[target].mean() - active[ctrl].mean(), abs=1e-12)
    # binomial SE with ~200 non-cued members and ~3600 non-members
    assert abs(m - 0.7) < 5 * np.sqrt(0.8 * 0.2 / target.sum() + 0.09 / ctrl.sum())


# ---------------------------------------------------------------------------------------
# cues inside a planted burst are rejected
# ---------------------------------------------------------------------------------------
def burst_recording(seed=5, n=500):
    """1 Hz background, one spontaneous burst at 10.0-10.5 s (everyone at 40 Hz) and one
    burst ignited by a cue at 14.0 s (everyone at 40 Hz from 14.003 s on)."""
    rng = np.random.default_rng(seed)
    t, i = poisson_spikes(rng, np.full(n, 1.0), 0.0, 20.0)
    tb, ib = poisson_spikes(rng, np.full(n, 40.0), 10.0, 10.5)
    te, ie = poisson_spikes(rng, np.full(n, 40.0), 14.003, 14.4)
    return (np.concatenate([t, tb, te]), np.concatenate([i, ib, ie]))


def test_cue_inside_a_planted_burst_is_rejected():
    t, i = burst_recording()
    bursts = detect_network_bursts(t, i, 500, 0.0, 20.0)
    assert len(bursts) == 2
    assert bursts[0]["start"] == pytest.approx(10.0, abs=0.01)
    cues = np.array([10.2, 10.8, 11.2, 5.0, 14.0])
    rej = cues_in_bursts(cues, bursts, pre_window=0.5)
    # inside the burst; 0.3 s after its end (inside the 0.5-s pre-cue window); 0.7 s
    # after (accepted); no burst near (accepted); the burst this cue ignites (accepted)
    assert rej.tolist() == [True, True, False, False, False]
    # (start, stop) rows work the same, and no bursts reject nothing
    rows = np.column_stack([bursts["start"], bursts["stop"]])
    assert cues_in_bursts(cues, rows, pre_window=0.5).tolist() == rej.tolist()
    assert not cues_in_bursts(cues, np.zeros((0, 2)), pre_window=0.5).any()


# ---------------------------------------------------------------------------------------
# Δf_UP and its z-score on a planted assembly
# ---------------------------------------------------------------------------------------
def contacts(rng, n=300, p=0.3, k=3):
    pre, post = np.nonzero(rng.random((n, n)) < p)
    keep = pre != post
    return np.repeat(pre[keep], k), np.repeat(post[keep], k)


def test_planted_assembly_gives_planted_delta_f_up_and_a_large_z():
    rng = np.random.default_rng(6)
    n = 300
    pre, post = contacts(rng, n)
    up = rng.random(pre.size) < 0.5
    members = np.zeros(n, bool)
    members[rng.choice(n, 30, replace=False)] = True
    inside = members[pre] & members[post]
    up[inside] = True                                   # planted: every contact UP
    f_out = up[~inside].mean()
    assert up_fraction_difference(up, pre, post, members) == pytest.approx(1.0 - f_out)
    res = up_fraction_z(up, pre, post, members, n_pseudo=1000, seed=1)
    assert res["delta"] == pytest.approx(1.0 - f_out)
    # null: random sets of 30 hold ~ 30*29*0.3*3 = 780 contacts at chance UP fraction:
    # mean ≈ 0 (the planted contacts are 1 % of all), SD ≈ sqrt(.25/780) = 0.018
    assert abs(res["null_mean"]) < 0.02
    assert 0.008 < res["null_sd"] < 0.04
    assert res["z"] > 10
    # the same numbers from the efficacies rho (thresholded at 1/2)
    rho = np.where(up, 0.97, 0.02)
    assert up_fraction_z(rho, pre, post, members, n_pseudo=1000, seed=1)["z"] == \
        pytest.approx(res["z"])


def test_unplanted_assemblies_give_z_of_a_standard_normal():
    rng = np.random.default_rng(7)
    n = 300
    pre, post = contacts(rng, n)
    up = rng.random(pre.size) < 0.5
    mem = np.zeros((40, n), bool)
    for k in range(40):
        mem[k, rng.choice(n, 30, replace=False)] = True
    res = up_fraction_z(up, pre, post, mem, n_pseudo=1000, seed=2)
    z = res["z"]
    assert z.shape == (40,)
    # 40 draws of N(0, 1): mean within 5/sqrt(40), SD within [0.6, 1.5]
    assert abs(z.mean()) < 5 / np.sqrt(40)
    assert 0.6 < z.std(ddof=1) < 1.5
    # brute force for one assembly: Δf_UP is the in/out difference of UP fractions
    inside = mem[0][pre] & mem[0][post]
    assert res["delta"][0] == pytest.approx(up[inside].mean() - up[~inside].mean())


def test_pseudo_assemblies_are_drawn_from_the_given_population():
    """Pseudo-assemblies drawn from a population whose contacts are all UP see a
    different null than those drawn from everyone."""
    rng = np.random.default_rng(8)
    n = 200
    pre, post = contacts(rng, n, p=0.4)
    pop = np.arange(n) < 100
    up = pop[pre] & pop[post]                 # contacts inside the population are UP
    members = np.zeros(n, bool)
    members[:20] = True
    inside_pop = up_fraction_z(up, pre, post, members, population=pop, n_pseudo=200)
    # every set drawn inside the population has all its contacts UP: the assembly is
    # typical of that null (|z| small), but far above a null drawn from everyone
    assert abs(inside_pop["z"]) < 4
    assert inside_pop["null_mean"] > 0.7
    everyone = up_fraction_z(up, pre, post, members, n_pseudo=200)
    assert everyone["z"] > 3


# ---------------------------------------------------------------------------------------
# the whole read-out of a run (mgnet.analysis.memory_report) on a planted recording
# ---------------------------------------------------------------------------------------
def planted_recall_run(seed=9, p_hit=0.6, burst_before=5):
    """A memory-planted-shaped RunData: 400 E + 100 I cells, one planted assembly of 40
    (contacts UP), one unencoded assembly, 12 cues (4 per kind, cue 50 %) 3 s apart.
    Cued cells fire once 1 ms after the cue; after planted cues each non-cued member
    fires once 5 ms after it with probability ``p_hit``; everyone fires at 0.5 Hz
    (Poisson); a spontaneous network burst (all 500 cells, 40 Hz) runs from 0.4 s to
    0.15 s before cue ``burst_before``."""
    from mgnet.analysis.run_file import RunData
    rng = np.random.default_rng(seed)
    n_exc, n_inh = 400, 100
    members = np.zeros((1, n_exc), bool)
    members[0, rng.choice(n_exc, 40, replace=False)] = True
    unenc = np.zeros((1, n_exc), bool)
    unenc[0, rng.choice(n_exc, 40, replace=False)] = True
    kinds = np.array([0, 1, 2] * 4)
    t_cue = 2.0 + 3.0 * np.arange(kinds.size)
    T = t_cue[-1] + 3.0
    cued = np.zeros((kinds.size, n_exc), bool)
    t_e, i_e = poisson_spikes(rng, np.full(n_exc, 0.5), 0.0, T)
    t_i, i_i = poisson_spikes(rng, np.full(n_inh, 0.5), 0.0, T)
    extra_t, extra_i = [t_e], [i_e]
    for k, kind in enumerate(kinds):
        xi = unenc[0] if kind == 2 else members[0]
        if kind == 1:
            c = rng.choice(np.flatnonzero(~members[0]), 20, replace=False)
        else:
            c = rng.choice(np.flatnonzero(xi), 20, replace=False)
        cued[k, c] = True
        extra_t.append(np.full(c.size, t_cue[k] + 0.001))
        extra_i.append(c)
        if kind == 0:
            tgt = np.flatnonzero(xi & ~cued[k])
            fire = tgt[rng.random(tgt.size) < p_hit]
            extra_t.append(np.full(fire.size, t_cue[k] + 0.005))
            extra_i.append(fire)
    b0, b1 = t_cue[burst_before] - 0.4, t_cue[burst_before] - 0.15
    tb, ib = poisson_spikes(rng, np.full(n_exc + n_inh, 40.0), b0, b1)
    extra_t.append(tb[ib < n_exc])
    extra_i.append(ib[ib < n_exc])
    t_i = np.concatenate([t_i, tb[ib >= n_exc]])
    i_i = np.concatenate([i_i, ib[ib >= n_exc] - n_exc])
    te, ie = np.concatenate(extra_t), np.concatenate(extra_i).astype(np.int64)
    o = np.argsort(te)
    # contacts: random E->E with half UP, the planted assembly's all UP
    pre, post = contacts(rng, n_exc, p=0.1, k=2)
    up = rng.random(pre.size) < 0.5
    up[members[0][pre] & members[0][post]] = True
    run = RunData(
        attrs={}, spikes={"exc": (te[o], ie[o]), "inh": (np.sort(t_i), i_i[np.argsort(t_i)])},
        synapses={"ee": {"pre": pre, "post": post, "rho_recall": up.astype(np.float32)}},
        protocol={"recall": {"t_start": 0.0, "t_stop": T, "plasticity": False}},
        patterns=members,
        recall={"kind": kinds, "pattern": np.zeros(kinds.size, np.int64),
                "cue_fraction": np.full(kinds.size, 0.5), "t_cue": t_cue, "cued": cued},
        arrays={"/controls/unencoded_members": unenc},
        metrics={"n_exc": n_exc, "n_inh": n_inh, "recall_window_s": 0.1,
                 "reject_window_s": 0.5})
    return run, up, members


def test_run_read_out_of_a_planted_recording():
    from mgnet.analysis.memory_report import planted_run_metrics, recall_trials
    run, up, members = planted_recall_run()
    tr = recall_trials(run, window=0.1, reject_window=0.5)
    # the cue after the planted burst, and only it, is rejected
    assert tr["rejected"].tolist() == [k == 5 for k in range(12)]
    m = planted_run_metrics(run)
    assert m["cues_total"] == 12 and m["cues_rejected"] == 1
    # planted cues: targets 0.6 spikes + background in 0.1 s, cued 1 spike + background:
    # Q = (6 + 0.5 - 0.5) / (10 + 0.5) = 0.571; binomial SE over 4 cues x 20 targets
    se = np.sqrt(0.6 * 0.4 / 80) * 10 / 10.5
    assert abs(m["q_stored"] - 6.0 / 10.5) < 5 * se
    assert abs(m["hit_stored"] - (0.6 + 0.05 * 0.4)) < 5 * np.sqrt(0.25 / 80)
    # overlap m = hit − false activation (background makes ~5 % of any set active)
    assert abs(m["m_stored"] - 0.6) < 5 * np.sqrt(0.25 / 80) + 0.02
    # sham and unencoded cues: Q and m are 0 within the background's sampling error
    # (per cue: 20-40 targets at P(active) = 0.05 -> SE(m) ~ 0.04; 3-4 cues)
    for kind in ("sham", "unencoded"):
        assert abs(m[f"q_{kind}"]) < 0.05 and abs(m[f"m_{kind}"]) < 0.1
        assert m[f"ignition_{kind}"] == 0.0
    # Δf_UP of the planted assembly: 1 − f_UP(others); the unencoded one ≈ 0
    inside = members[0][run.synapses["ee"]["pre"]] & members[0][run.synapses["ee"]["post"]]
    assert m["dfup_planted"] == pytest.approx(1.0 - up[~inside].mean())
    assert m["dfup_z_planted"] > 10
    assert abs(m["dfup_z_unencoded"]) < 4
    # the margin of the positive control
    assert m["q_margin_cue_0.5"] == pytest.approx(
        m["q_stored_cue_0.5"] - max(m["q_sham_cue_0.5"], m["q_unencoded_cue_0.5"]))


def test_noise_floor_pairs_runs_that_differ_only_in_the_stream(tmp_path):
    """Stream variants are paired with the default-stream run of the same config (not
    with another variant such as the unplanted network), and the section reports them;
    the planted-control section ignores them."""
    from mgnet.analysis.memory_report import noise_floor_section, planted_section
    from mgnet.analysis.run_file import write_run
    runs = tmp_path / "runs" / "memory-planted"
    runs.mkdir(parents=True)
    for seed in range(3):
        for name, stream, planted, p_hit in (("a", seed, True, 0.6), ("b", 99, True, 0.6),
                                              ("u", seed, False, 0.0)):
            run, _, _ = planted_recall_run(seed=seed, p_hit=p_hit)
            toml = f"seed = {seed}\n[options]\nplanted = {str(planted).lower()}\n" \
                   f"stream_seed = {stream}\n"
            run.attrs = dict(experiment="memory-planted", condition="baseline", seed=seed,
                             scale="default", run_id=name, created_utc="2026-01-01T00:00:00",
                             mgnet_version="0", git_commit="x", git_dirty=False,
                             brian2_version="2", numpy_version="2", python_version="3",
                             device="runtime", codegen_target="cython", threads=1,
                             config_toml=toml)
            run.metrics.update(planted=planted, stream_seed=stream, cue_pulses=1,
                               cue_inh_weight_nS=150.0)
            run.units = {"/recall/kind": "1", "/recall/cued": "1",
                         "/controls/unencoded_members": "1"}
            write_run(runs / f"{name}{seed}.h5", run)
    text = noise_floor_section(tmp_path, None, n_boot=500)
    assert "memory-planted, baseline" in text and "seeds 0, 1, 2" in text
    # the same planted recall on both streams (p_hit 0.6): a difference near 0, not the
    # planted-minus-unplanted 0.57
    row = next(line for line in text.splitlines() if line.startswith("| Q planted"))
    diff = float(row.split("|")[3].split("[")[0])
    assert abs(diff) < 0.15
    section = planted_section(tmp_path, None, n_boot=500)
    assert "seeds 0, 1, 2" in section and "unplanted" in section

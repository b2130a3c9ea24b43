"""mgnet.analysis.memory_report on planted ground truth (no simulation).

A planted memory-encoding run: random E->E contacts, two assemblies, weight snapshots
in which the assembly contacts are switched UP at a known round, and recall spikes with
a known response.  The per-run metrics must recover exactly what was planted; the paired
comparison must recover a planted difference; the report must state it.
"""
from __future__ import annotations

import numpy as np
import pytest

from mgnet.analysis import memory_metrics as mm
from mgnet.analysis.memory_report import SNR_CRITERION, memory_section, paired_table, run_metrics
from mgnet.analysis.run_file import RunData, write_run

B = 5.0          # UP/DOWN weight ratio of the planted rule
N_EXC = 120
WINDOW = 0.05


def _planted(seed=0, up_round=2, n_rounds=4, recall="perfect", condition="baseline"):
    rng = np.random.default_rng(seed)
    n_syn = 6000
    pre = rng.integers(0, N_EXC, n_syn)
    post = rng.integers(0, N_EXC, n_syn)
    members = np.zeros((2, N_EXC), bool)
    members[0, :12] = True
    members[1, 50:62] = True
    both, _ = mm._co_member(pre, post, members)
    rho0 = (rng.random(n_syn) < 0.5).astype(np.float32)
    snaps, t = [], []
    # snapshot 0: end of spontaneous (t=2); then one per round; then 2 consolidation
    for k in range(n_rounds + 3):
        r = rho0.copy()
        if k >= max(1, up_round):
            r[both] = 1.0
        snaps.append(r)
        t.append(2.0 + k)
    t = np.array(t)
    phase = np.array([0] + [1] * n_rounds + [2, 2])
    table = {"pre": pre.astype(np.int64), "post": post.astype(np.int64),
             "contact": np.zeros(n_syn, np.int64), "pr": np.full(n_syn, 0.3),
             "q_down": np.ones(n_syn)}
    for k, r in enumerate(snaps):
        table[f"rho_s{k:03d}"] = r
    t_enc = 2.0 + n_rounds
    t_cons = t_enc + 2
    # recall: 2 cues per pattern, cue = first half of the members
    tc = t_cons + 1 + np.arange(4) * 1.0
    pat = np.array([0, 1, 0, 1])
    cued = np.zeros((4, N_EXC), bool)
    times, ids = [], []
    for k in range(4):
        mem = np.flatnonzero(members[pat[k]])
        cued[k, mem[:6]] = True
        for i in mem[:6]:
            times.append(tc[k] + 0.001)
            ids.append(i)
        if recall == "perfect":
            for i in mem[6:]:
                times.append(tc[k] + 0.010)
                ids.append(i)
        elif recall == "random":
            for i in rng.choice(N_EXC, 40, replace=False):
                times.append(tc[k] + 0.02)
                ids.append(i)
    times = np.array(times)
    ids = np.array(ids, np.int64)
    order = np.argsort(times)
    attrs = dict(experiment="memory-encoding", condition=condition, seed=seed, scale="quick",
                 run_id=f"{condition}_{seed}", created_utc="2026-01-01T00:00:00+00:00",
                 mgnet_version="0", git_commit="x", git_dirty=False, brian2_version="2",
                 numpy_version="2", python_version="3", device="runtime",
                 codegen_target="cython", threads=1, config_toml="")
    run = RunData(
        attrs=attrs,
        spikes={"exc": (times[order], ids[order]),
                "inh": (np.array([0.5]), np.array([0], np.int64))},
        synapses={"ee": table},
        protocol={"spontaneous": {"t_start": 0.0, "t_stop": 2.0, "plasticity": True},
                  "encoding": {"t_start": 2.0, "t_stop": t_enc, "plasticity": True},
                  "consolidation": {"t_start": t_enc, "t_stop": t_cons, "plasticity": True},
                  "recall": {"t_start": t_cons, "t_stop": tc[-1] + 1, "plasticity": False}},
        patterns=members,
        recall={"pattern": pat, "cue_fraction": np.full(4, 0.5), "t_cue": tc,
                "source": np.arange(4), "cued": cued},
        arrays={"/snapshots/t": t, "/snapshots/phase": phase},
        units={"/synapses/ee/q_down": "nS", "/snapshots/t": "s", "/snapshots/phase": "1",
               "/recall/source": "1", "/recall/cued": "1"},
        metrics={"n_exc": N_EXC, "n_inh": 1, "plasticity_b": B, "recall_window_s": WINDOW})
    return run, both


def _snr_by_hand(w, both, members, pre, post):
    vals = []
    for m in members:
        inn = m[pre] & m[post]
        vals.append((w[inn].mean() - w[~inn].mean()) / w[~inn].std(ddof=1))
    return float(np.mean(vals))


def test_planted_assembly_gives_the_planted_snr_and_encoding_speed():
    run, both = _planted(up_round=2)
    m = run_metrics(run, b=B, recall_window=WINDOW)
    ee = run.synapses["ee"]
    w_enc = 1 + (B - 1) * ee["rho_s004"].astype(float)
    expect = _snr_by_hand(w_enc, both, run.patterns, ee["pre"], ee["post"])
    assert m["snr_after_encoding"] == pytest.approx(expect, rel=1e-12)
    w0 = 1 + (B - 1) * ee["rho_s000"].astype(float)
    assert m["snr_before_encoding"] == pytest.approx(
        _snr_by_hand(w0, both, run.patterns, ee["pre"], ee["post"]), rel=1e-12)
    # SNR jumps at round 2 (element 2 of the encoding curve, element 0 = before)
    assert m["snr_after_encoding"] > SNR_CRITERION > m["snr_before_encoding"]
    assert m["presentations_to_criterion"] == 2
    # nothing is forgotten in the planted consolidation
    assert m["snr_end"] == pytest.approx(m["snr_after_encoding"])
    assert m["snr_retained_fraction"] == pytest.approx(1.0)
    assert m["lifetime_s"] == np.inf
    # relative change of the mean weight inside assemblies, exactly
    in0 = w0[both].mean()
    assert m["delta_w_in_rel"] == pytest.approx(w_enc[both].mean() / in0 - 1, rel=1e-12)
    assert m["delta_w_out_rel"] == pytest.approx(0.0, abs=1e-12)
    assert m["bits_per_synapse_end"] > 0


def test_perfect_recall_gives_overlap_one_and_its_latency():
    run, _ = _planted(recall="perfect")
    m = run_metrics(run, b=B, recall_window=WINDOW)
    assert m["overlap_mean"] == pytest.approx(1.0)
    assert m["overlap_cue_0.5"] == pytest.approx(1.0)
    assert m["hit_rate"] == 1.0 and m["false_activation"] == 0.0
    assert m["latency_median_ms"] == pytest.approx(10.0, abs=1e-6)


def test_no_response_and_unrelated_activity_give_overlap_near_zero():
    run, _ = _planted(recall="none")
    m = run_metrics(run, b=B, recall_window=WINDOW)
    assert m["overlap_mean"] == 0.0 and m["latency_median_ms"] == np.inf
    # random activity of 40 of 120 cells: overlap is hit minus false-alarm rate, |m| small
    ms = [run_metrics(_planted(seed=s, recall="random")[0], b=B,
                      recall_window=WINDOW)["overlap_mean"] for s in range(20)]
    assert abs(np.mean(ms)) < 0.1          # SD of one trial ~0.2; mean of 80 trials


def test_paired_table_recovers_a_planted_difference():
    rng = np.random.default_rng(3)
    base = {s: {"x": v} for s, v in enumerate(rng.normal(1.0, 0.3, 12))}
    elev = {s: {"x": base[s]["x"] + 0.2 + rng.normal(0, 0.02)} for s in base}
    same = {s: {"x": base[s]["x"] + rng.normal(0, 0.02)} for s in base}
    (row,) = paired_table({"baseline": base, "elevated_mg": elev}, "baseline",
                          "elevated_mg", ["x"], n_boot=4000)
    assert row["n"] == 12 and row["ci_low"] < 0.2 < row["ci_high"]
    assert row["resolved"] == 1 and row["d_z"] > 5
    (row,) = paired_table({"baseline": base, "aged": same}, "baseline", "aged", ["x"],
                          n_boot=4000)
    assert row["resolved"] == 0 and row["ci_low"] < 0 < row["ci_high"]


def test_section_states_the_planted_outcome(tmp_path):
    """Elevated Mg planted with faster, complete encoding (UP at round 1 vs 3) and perfect
    recall vs none: the T10 sentence must say 'encodes better'."""
    runs = tmp_path / "runs" / "memory-encoding"
    runs.mkdir(parents=True)
    for s in range(4):
        base, _ = _planted(seed=s, up_round=4, recall="none", condition="baseline")
        elev, _ = _planted(seed=s, up_round=1, recall="perfect", condition="elevated_mg")
        write_run(runs / f"baseline_{s}.h5", base)
        write_run(runs / f"elevated_{s}.h5", elev)
    text = memory_section(tmp_path, "quick", n_boot=2000)
    assert "**T10.** In this model the culture at elevated Mg encodes better" in text
    assert "Positive control" in text and "normalisation bug" in text
    assert "**T11.** Not measured" in text


def test_section_says_when_neither_condition_encodes(tmp_path):
    """Both conditions unencoded (no UP switch within encoding, no recall): the T10
    sentence must say that neither encodes, not call a difference 'better'/'worse'."""
    runs = tmp_path / "runs" / "memory-encoding"
    runs.mkdir(parents=True)
    for s in range(3):
        for cond in ("baseline", "elevated_mg"):
            run, _ = _planted(seed=s, up_round=99, recall="none", condition=cond)
            write_run(runs / f"{cond}_{s}.h5", run)
    text = memory_section(tmp_path, "quick", n_boot=1000)
    assert "neither baseline nor elevated Mg encodes the assemblies" in text
    assert "encodes better" not in text and "encodes worse" not in text


# ======================================================================================
# memory-capacity and memory-retention on planted run files
# ======================================================================================
from mgnet.analysis.memory_report import (  # noqa: E402
    CAPACITY_THRESHOLD,
    capacity_run_metrics,
    capacity_section,
    capacity_subrun,
    retention_metrics,
    retention_section,
)

P_VALUES = (1, 2, 4)


def _attrs(experiment, condition, seed):
    return dict(experiment=experiment, condition=condition, seed=seed, scale="quick",
                run_id=f"{condition}_{seed}", created_utc="2026-01-01T00:00:00+00:00",
                mgnet_version="0", git_commit="x", git_dirty=False, brian2_version="2",
                numpy_version="2", python_version="3", device="runtime",
                codegen_target="cython", threads=1, config_toml="")


def _planted_capacity(seed=0, recalled_up_to=2, condition="baseline"):
    """A memory-capacity run: 4 disjoint assemblies of 12 cells, one simulation per P
    in (1, 2, 4); encoded assemblies' contacts switch UP after the first encoding
    round; a cue recalls its assembly perfectly iff the assembly was encoded and
    P <= ``recalled_up_to`` (the planted capacity), otherwise nothing responds."""
    rng = np.random.default_rng(seed)
    n_syn = 6000
    pre = rng.integers(0, N_EXC, n_syn)
    post = rng.integers(0, N_EXC, n_syn)
    members = np.zeros((4, N_EXC), bool)
    for p in range(4):
        members[p, 30 * p:30 * p + 12] = True
    rho0 = (rng.random(n_syn) < 0.5).astype(np.float32)
    t = np.array([4.0, 8.0, 12.0, 16.0])
    phase = np.array([0, 1, 1, 2])
    table = {"pre": pre.astype(np.int64), "post": post.astype(np.int64),
             "contact": np.zeros(n_syn, np.int64), "pr": np.full(n_syn, 0.3),
             "q_down": np.ones(n_syn)}
    tc = 17.0 + 2.0 * np.arange(4)
    pat = np.array([2, 0, 3, 1])
    cued = np.zeros((4, N_EXC), bool)
    for k in range(4):
        cued[k, np.flatnonzero(members[pat[k]])[:6]] = True
    spikes = {}
    for P in P_VALUES:
        both, _ = mm._co_member(pre, post, members[:P])
        for k in range(t.size):
            r = rho0.copy()
            if k >= 1:
                r[both] = 1.0
            table[f"rho_p{P}_s{k:03d}"] = r
        times, ids = [0.5], [100]
        for k in range(4):
            mem = np.flatnonzero(members[pat[k]])
            times += [tc[k] + 0.001] * 6
            ids += list(mem[:6])
            if pat[k] < P <= recalled_up_to:
                times += [tc[k] + 0.010] * 6
                ids += list(mem[6:])
        order = np.argsort(times, kind="stable")
        spikes[f"exc_p{P}"] = (np.array(times)[order], np.array(ids, np.int64)[order])
        spikes[f"inh_p{P}"] = (np.array([0.5]), np.array([0], np.int64))
    run = RunData(
        attrs=_attrs("memory-capacity", condition, seed), spikes=spikes,
        synapses={"ee": table},
        protocol={"spontaneous": {"t_start": 0.0, "t_stop": 4.0, "plasticity": True},
                  "encoding": {"t_start": 4.0, "t_stop": 12.0, "plasticity": True},
                  "consolidation": {"t_start": 12.0, "t_stop": 16.0, "plasticity": True},
                  "recall": {"t_start": 16.0, "t_stop": 26.0, "plasticity": False}},
        patterns=members,
        recall={"pattern": pat, "cue_fraction": np.full(4, 0.5), "t_cue": tc,
                "source": 4 + pat, "cued": cued},
        arrays={"/snapshots/t": t, "/snapshots/phase": phase,
                "/capacity/p_values": np.array(P_VALUES, np.int64)},
        units={"/synapses/ee/q_down": "nS", "/snapshots/t": "s", "/snapshots/phase": "1",
               "/recall/source": "1", "/recall/cued": "1", "/capacity/p_values": "1"},
        metrics={"n_exc": N_EXC, "n_inh": 1, "plasticity_b": B, "recall_window_s": WINDOW})
    return run


@pytest.mark.parametrize("recalled_up_to, expected", [(0, 0), (1, 1), (2, 2), (4, 4)])
def test_capacity_metrics_recover_the_planted_capacity(recalled_up_to, expected):
    run = _planted_capacity(recalled_up_to=recalled_up_to)
    m = capacity_run_metrics(run, b=B, recall_window=WINDOW)
    assert m["capacity"] == expected and m["capacity_threshold"] == CAPACITY_THRESHOLD
    for P in P_VALUES:
        # perfect recall gives overlap 1, no response 0 (median over encoded cues)
        assert m[f"p{P}_overlap_median"] == (1.0 if P <= recalled_up_to else 0.0)
        # unencoded assemblies' cues: no response, overlap 0; none left at P = 4
        if P < 4:
            assert m[f"p{P}_control_overlap_median"] == 0.0
        else:
            assert np.isnan(m["p4_control_overlap_median"])
        # only the P encoded assemblies' cues count, in the sub-run's order
        n_trials = sum(1 for k in m if k.startswith(f"p{P}_overlap_trial_"))
        assert n_trials == P
        # their contacts were switched UP: the sub-run's SNR sees an encoded assembly
        assert m[f"p{P}_snr_after_encoding"] > SNR_CRITERION > m[f"p{P}_snr_before_encoding"]


def test_capacity_subrun_maps_columns_spikes_and_trials():
    run = _planted_capacity()
    view = capacity_subrun(run, 2)
    ee = view.synapses["ee"]
    assert sorted(c for c in ee if c.startswith("rho_")) == [f"rho_s{k:03d}" for k in range(4)]
    assert np.array_equal(ee["rho_s002"], run.synapses["ee"]["rho_p2_s002"])
    assert view.spikes["exc"] is run.spikes["exc_p2"]
    assert view.patterns.shape == (2, N_EXC)
    assert set(view.recall["pattern"]) == {0, 1} and len(view.recall["cued"]) == 2


def test_capacity_section_states_the_planted_difference_and_the_null(tmp_path):
    runs = tmp_path / "runs" / "memory-capacity"
    runs.mkdir(parents=True)
    for s in range(3):
        write_run(runs / f"b{s}.h5", _planted_capacity(s, 1, "baseline"))
        write_run(runs / f"e{s}.h5", _planted_capacity(s, 4, "elevated_mg"))
    text = capacity_section(tmp_path, "quick", n_boot=1000)
    assert "Capacity (pooled trials, median overlap > 0.1): baseline 1, elevated_mg 4" in text
    assert "elevated_mg − baseline = +3.00 [+3.00, +3.00] (higher, n = 3 paired seeds)" in text
    assert "no condition recalls" not in text
    null = tmp_path / "null"
    (null / "runs" / "memory-capacity").mkdir(parents=True)
    for s in range(2):
        for cond in ("baseline", "elevated_mg"):
            write_run(null / "runs" / "memory-capacity" / f"{cond}{s}.h5",
                      _planted_capacity(s, 0, cond))
    text = capacity_section(null, "quick", n_boot=500)
    assert "no condition recalls any assembly at any P" in text
    assert "The capacity is 0 in every condition" in text
    assert "median overlap of +0.000" in text          # the control sentence


def _planted_retention(seed=0, tau=10.0, condition="baseline", n_syn=200000,
                       encoded=True, steps=10):
    """A memory-retention run: at the end of encoding (t = 4 s) the contacts inside the
    2 assemblies are UP, the others UP with probability 0.2 (weights 1 or B = 5, so
    SNR = (5 - 1.8) / 1.6 = 2); in consolidation each contact is redrawn (UP with
    probability 0.2) at an exponential time of mean ``tau``.  Hence SNR(t) = 2 exp(-t/tau)
    and the state kappa(t) = exp(-t/tau) (to ~1 %): lifetimes tau ln 2 (SNR < 1),
    tau ln 4 (SNR < 0.5) and tau (kappa < 1/e)."""
    run, _ = _planted(seed=seed, condition=condition, recall="none")
    rng = np.random.default_rng(seed + 100)
    pre = rng.integers(0, N_EXC, n_syn)
    post = rng.integers(0, N_EXC, n_syn)
    both, _ = mm._co_member(pre, post, run.patterns)
    rho_spont = (rng.random(n_syn) < 0.2).astype(np.float32)
    rho_enc = rho_spont.copy()
    if encoded:
        rho_enc[both] = 1.0
    redraw = rng.exponential(tau, n_syn)
    new = (rng.random(n_syn) < 0.2).astype(np.float32)
    t_cons = np.arange(0.0, 4 * tau + 1e-9, tau / steps)
    t = np.concatenate([[2.0], 4.0 + t_cons])
    table = {"pre": pre.astype(np.int64), "post": post.astype(np.int64),
             "contact": np.zeros(n_syn, np.int64), "pr": np.full(n_syn, 0.3),
             "q_down": np.ones(n_syn), "rho_s000": rho_spont}
    for k, tk in enumerate(t_cons):
        table[f"rho_s{k + 1:03d}"] = np.where(redraw <= tk, new, rho_enc)
    t_end = float(t[-1])
    run.synapses = {"ee": table}
    run.arrays = {"/snapshots/t": t,
                  "/snapshots/phase": np.array([0, 1] + [2] * (t.size - 2))}
    tc = t_end + 1 + np.arange(4) * 1.0
    run.recall["t_cue"] = tc
    run.protocol = {"spontaneous": {"t_start": 0.0, "t_stop": 2.0, "plasticity": True},
                    "encoding": {"t_start": 2.0, "t_stop": 4.0, "plasticity": True},
                    "consolidation": {"t_start": 4.0, "t_stop": t_end, "plasticity": True},
                    "recall": {"t_start": t_end, "t_stop": tc[-1] + 1, "plasticity": False}}
    run.attrs = _attrs("memory-retention", condition, seed)
    return run


def test_retention_metrics_recover_the_planted_lifetimes():
    tau = 10.0
    m = retention_metrics(_planted_retention(tau=tau))
    assert m["consolidation_s"] == pytest.approx(4 * tau)
    assert m["lifetime_snr1_s"] == pytest.approx(tau * np.log(2), rel=0.1)
    assert m["lifetime_snr05_s"] == pytest.approx(tau * np.log(4), rel=0.1)
    assert m["forgetting_tau_s"] == pytest.approx(tau, rel=0.1)
    assert m["trace_lifetime_s"] == pytest.approx(tau, rel=0.05)
    assert m["trace_tau_s"] == pytest.approx(tau, rel=0.05)
    assert m["kappa_end"] == pytest.approx(np.exp(-4), abs=0.02)
    # nothing encoded: SNR below both levels at once, no forgetting time constant,
    # while the weight trace decays exactly as before
    m = retention_metrics(_planted_retention(tau=tau, encoded=False))
    assert m["lifetime_snr1_s"] == 0.0 and m["lifetime_snr05_s"] == 0.0
    assert np.isnan(m["forgetting_tau_s"])
    assert m["trace_lifetime_s"] == pytest.approx(tau, rel=0.05)


def test_retention_section_states_the_planted_outcome_and_the_null(tmp_path):
    runs = tmp_path / "runs" / "memory-retention"
    runs.mkdir(parents=True)
    for s in range(3):
        write_run(runs / f"b{s}.h5", _planted_retention(s, 10.0, "baseline", 12000,
                                                        steps=5))
        write_run(runs / f"e{s}.h5", _planted_retention(s, 20.0, "elevated_mg", 12000,
                                                        steps=5))
    text = retention_section(tmp_path, "quick", n_boot=1000)
    assert "nothing to forget" not in text
    assert "Median lifetime until SNR < 1 / < 0.5: baseline" in text
    assert "Elevated Mg changes the trace lifetime by +" in text
    assert "(higher, n = 3 paired seeds)" in text
    null = tmp_path / "null"
    (null / "runs" / "memory-retention").mkdir(parents=True)
    for s in range(2):
        for cond in ("baseline", "elevated_mg"):
            write_run(null / "runs" / "memory-retention" / f"{cond}{s}.h5",
                      _planted_retention(s, 10.0, cond, 12000, encoded=False, steps=5))
    text = retention_section(null, "quick", n_boot=500)
    assert "there is nothing to forget: no condition encodes the assemblies" in text
    assert "The UP/DOWN configuration left by encoding decays" in text


def test_section_separates_the_chronic_arm_and_holm_corrects_the_judged_family(tmp_path):
    """Runs whose resolved config asks for the chronic GluN2B arm are labelled
    'condition+chronic' and compared within their arm; the judged metrics carry Holm
    p-values (each >= its raw p), the descriptive rows none."""
    from mgnet.analysis.memory_report import CHRONIC, HEADLINE, _judge, condition_label
    runs = tmp_path / "runs" / "memory-encoding"
    runs.mkdir(parents=True)
    for s in range(4):
        for cond, up in (("baseline", 4), ("elevated_mg", 1)):
            for arm in ("acute", "chronic"):
                run, _ = _planted(seed=s, up_round=up, recall="none", condition=cond)
                run.attrs["config_toml"] = f'[options]\nglun2b = "{arm}"\n'
                assert condition_label(run) == cond + (CHRONIC if arm == "chronic" else "")
                write_run(runs / f"{cond}_{arm}_{s}.h5", run)
    text = memory_section(tmp_path, "quick", n_boot=1000)
    assert "elevated_mg+chronic − baseline+chronic" in text
    assert "p (Holm)" in text and "chronic GluN2B arm" in text
    tables = {"a": [{"metric": HEADLINE[0], "p": 0.01, "resolved": 1},
                    {"metric": "snr_end", "p": 0.001, "resolved": 1}],
              "b": [{"metric": HEADLINE[1], "p": 0.04, "resolved": -1}]}
    _judge(tables)
    assert tables["a"][0]["p_holm"] == pytest.approx(0.02)        # 2 judged tests
    assert tables["b"][0]["p_holm"] == pytest.approx(0.04)
    assert tables["a"][0]["holm_resolved"] == 1 and tables["b"][0]["holm_resolved"] == -1
    assert np.isnan(tables["a"][1]["p_holm"])                       # descriptive row


def test_planted_verdict_on_planted_metrics(monkeypatch):
    """The planted figure's verdict (analysis/report.py) is the read-out's own control:
    Q of the planted assembly above the larger control Q, paired over seeds; a planted
    gap gives 'met', no gap does not, and the other stream's runs are left out."""
    from types import SimpleNamespace

    import mgnet.analysis.memory_report as mr
    from mgnet.analysis.memory_report import planted  # where planted_verdict looks up

    def fake_runs(gap):
        rng = np.random.default_rng(0)
        runs = []
        for seed in range(6):
            m = {"q_stored_cue_0.5": gap + rng.normal(0, 0.02),
                 "q_sham_cue_0.5": rng.normal(0, 0.02),
                 "q_unencoded_cue_0.5": rng.normal(0, 0.02)}
            runs.append(SimpleNamespace(attrs={"seed": seed}, rec=m,
                                        metrics={"planted": True, "stream_seed": seed}))
        # a run on another random stream: must not count
        runs.append(SimpleNamespace(attrs={"seed": 0}, rec={"q_stored_cue_0.5": -9.0},
                                    metrics={"planted": True, "stream_seed": 7}))
        return runs

    for gap, met in ((0.15, True), (0.0, False)):
        runs = fake_runs(gap)
        monkeypatch.setattr(planted, "_load", lambda *a, runs=runs: runs)
        monkeypatch.setattr(planted, "planted_recomputed", lambda r: r.rec)
        v = mr.planted_verdict("unused", n_boot=2000)
        assert v["met"] is met and v["n"] == 6
        assert v["low"] <= v["diff"] <= v["high"]
        if met:
            assert v["diff"] > 0.1


def test_per_run_metrics_are_computed_once_per_content():
    """The report's sections and figures share one computation per run (issue 16): the
    cache is keyed by the run's content, so equal data hit it and any changed array,
    even in a fresh object with the same attributes, misses it."""
    import dataclasses

    from mgnet.analysis import memory_report as mr
    calls = []

    @mr._once_per_run
    def count(run):
        calls.append(1)
        return {"n": float(np.sum(run.spikes["exc"][0]))}

    run = mr.RunData(attrs={"run_id": "same"},
                     spikes={"exc": (np.array([0.1, 0.2]), np.array([0, 1]))})
    twin = mr.RunData(attrs={"run_id": "same"},
                      spikes={"exc": (np.array([0.1, 0.2]), np.array([0, 1]))})
    other = dataclasses.replace(run, spikes={"exc": (np.array([0.1, 0.3]),
                                                     np.array([0, 1]))})
    assert count(run) == count(twin) == {"n": pytest.approx(0.3)}
    assert len(calls) == 1
    assert count(other) == {"n": pytest.approx(0.4)}
    assert len(calls) == 2
    got = count(run)
    got["n"] = -1.0                       # a caller's change does not reach the cache
    assert count(run)["n"] == pytest.approx(0.3)

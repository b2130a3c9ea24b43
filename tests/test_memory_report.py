"""analysis.memory_report on planted ground truth (no simulation).

A planted memory-encoding run: random E->E contacts, two assemblies, weight snapshots
in which the assembly contacts are switched UP at a known round, and recall spikes with
a known response.  The per-run metrics must recover exactly what was planted; the paired
comparison must recover a planted difference; the report must state it.
"""
from __future__ import annotations

import numpy as np
import pytest

from analysis import memory_metrics as mm
from analysis.memory_report import (SNR_CRITERION, memory_section, paired_table,
                                    run_metrics)
from analysis.run_file import RunData, write_run

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
    assert "Not yet measured" in text
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

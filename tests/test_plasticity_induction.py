"""plasticity-induction: end-to-end runs on tiny configurations, and the analysis.

Runtime (Cython) device, 3 branches, 5 pairs at 5 Hz and 2 trains, so each run simulates
1.5 s.  The physics asserted (docs/plasticity.md, design.md §6):

- the run file validates; every current step evokes exactly one spike at the wanted Δt;
- γ_p = γ_d = 0 (noise off) leaves every weight exactly unchanged;
- with the noise off the Brian2 seed does not matter (releases switched off, so the only
  other source of randomness is gone), with the noise on it does;
- pairing at +10 ms from ρ = ½ potentiates; at [Mg]o = 1e6 mM the presynaptic NMDA Ca2+
  vanishes, pre-only bursts leave ρ = ½ exactly, and pairing is left with the
  postsynaptic Ca2+ alone: ρ then follows the numpy event-by-event reference driven by the
  recorded spikes only (no NMDA-driven potentiation), unlike at 0.8 mM;
- the analysis recovers a planted DHiLo/DLoHi difference, a planted condition effect and a
  planted STDP curve from synthetic run files.
"""
from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from mgnet.analysis import plasticity_report as pr
from mgnet.analysis.run_file import RunData, read_run, validate_run, write_run
from mgnet.experiments.cli import main

TINY = """
[options]
n_branches = 3
device = "runtime"
n_pairs = 5
pair_rate = "5 Hz"
n_trains = 2
train_rate = "2 Hz"
stdp_dt = {stdp}
{options}
{params}
"""


def _run(tmp_path, name, *, condition="baseline", stdp="[]", options="", params="",
         seed=0):
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(TINY.format(stdp=stdp, options=options, params=params))
    out = tmp_path / f"{name}.h5"
    rc = main(["run", "plasticity-induction", "--config", str(cfg), "--condition", condition,
               "--seed", str(seed), "--scale", "quick", "--out", str(out), "--quiet"])
    assert rc == 0
    assert validate_run(out) == []
    return read_run(out)


def _protocols(run):
    return run.metrics["protocol_order"].split(",")


def test_config_round_trip_and_checks(tmp_path):
    from mgnet.experiments.config import ConfigError, load_config, make_config, to_toml
    cfg = make_config("plasticity-induction", scale="quick",
                      params={"plasticity": {"noise": False, "gamma_p": 0.0}},
                      options={"stdp_dt": ["-15 ms", "5 ms"], "initial_state": "fixed"})
    assert cfg.params.plasticity.noise is False and cfg.options.n_branches == 12
    path = tmp_path / "resolved.toml"
    path.write_text(to_toml(cfg))
    back = load_config(path)
    assert back == cfg and to_toml(back) == to_toml(cfg)
    with pytest.raises(ConfigError, match="distinct"):
        make_config("plasticity-induction", options={"stdp_dt": ["10 ms", "10 ms"]})
    with pytest.raises(ConfigError, match="half"):
        make_config("plasticity-induction", options={"pair_rate": "5 Hz"})
    with pytest.raises(ConfigError, match="params.plasticity.gamma_p"):
        make_config("plasticity-induction", params={"plasticity": {"gamma_p": -1.0}})
    # one route per contact model: the section options.contacts does not read is refused
    net = make_config("plasticity-induction", params={"culture": {"tau_f": "1 s"}})
    assert float(net.params.culture.tau_f) == 1.0
    with pytest.raises(ConfigError, match='params.stp is not read with options.contacts = '
                                          '"network"'):
        make_config("plasticity-induction", params={"stp": {"tau_f": "50 ms"}})
    with pytest.raises(ConfigError, match="params.culture is not read"):
        make_config("plasticity-induction", params={"culture": {"tau_f": "1 s"}},
                    options={"contacts": "assay"})
    assay = make_config("plasticity-induction", params={"stp": {"tau_f": "50 ms"}},
                        options={"contacts": "assay"})
    assert float(assay.params.stp.tau_f) == pytest.approx(0.05)


def test_run_file_steps_and_initial_state(tmp_path):
    # The bare assay contacts: the network gain's larger EPSPs advance the evoked spikes by
    # up to ~0.2 ms (recorded in dt_measured_*), which is physics, not protocol error.
    run = _run(tmp_path, "full", stdp='["-20 ms", "10 ms"]', options='contacts = "assay"')
    syn = run.synapses["plastic"]
    names = _protocols(run)
    assert names == ["pairing", "burst", "anti", "unpaired", "stdp_m20ms", "stdp_p10ms"]
    for n in names:
        assert f"weight_{n}" in syn and f"rho_{n}" in syn and f"rel_dw_{n}" in run.branches
        assert run.units[f"/synapses/plastic/weight_{n}"] == "nS"
        assert run.units[f"/branches/dw_per_10um_{n}"] == "nS/(10 um)"
    # pre = post = branch; the contacts of a branch are numbered from 0.
    assert np.array_equal(syn["pre"], syn["post"])
    assert np.all(syn["contact"][syn["post"] == 0] == np.arange(np.sum(syn["post"] == 0)))
    # Bimodal initial state, balanced per branch: floor or ceil of beta*n active contacts
    # DOWN; w = q_down (1 + (b - 1) rho), expected weight = q.
    b, beta = run.metrics["b"], run.metrics["beta"]
    assert set(np.unique(syn["rho_initial"])) <= {0.0, 1.0}
    for br in np.unique(syn["post"]):
        sel = (syn["post"] == br) & (syn["pr"] > 0)
        n_down = np.sum(syn["rho_initial"][sel] == 0)
        assert np.floor(beta * sel.sum()) <= n_down <= np.ceil(beta * sel.sum())
    np.testing.assert_allclose(syn["weight_initial"],
                               syn["q_down"] * (1 + (b - 1) * syn["rho_initial"]), rtol=1e-12)
    np.testing.assert_allclose(syn["q_down"] * (beta + (1 - beta) * b), syn["q"], rtol=1e-12)
    # Every current step evokes exactly one spike, at the wanted Δt (dt = 0.1 ms grid).
    assert run.metrics["pulse_one_spike_fraction"] == 1.0
    for n, dt in (("pairing", 10), ("anti", -10), ("unpaired", 100), ("stdp_m20ms", -20),
                  ("stdp_p10ms", 10)):
        assert abs(run.metrics[f"dt_measured_{n}_ms"] - dt) <= 0.15, n
    np.testing.assert_allclose(run.arrays["/stdp/dt_ms"], [-20, 10])
    np.testing.assert_allclose(run.arrays["/stdp/dt_measured_ms"], [-20, 10], atol=0.15)
    # Pairing copies get n_pairs spikes per branch (no extra spikes from 5 pairs).
    nb = run.metrics["n_branches"]
    t, i = run.spikes["branches"]
    counts = np.bincount(i, minlength=len(names) * nb).reshape(len(names), nb)
    assert np.all(counts[[0, 2, 3, 4, 5]] == 5) and np.all(counts[1] == 0)
    # Silent boutons never release; measured Pr comes from the pairing copy.
    silent = syn["pr"] == 0
    assert silent.any() and np.all(syn["n_release_pairing"][silent] == 0)
    np.testing.assert_allclose(syn["pr_measured"], syn["n_release_pairing"] / 5)


def test_zero_rates_leave_weights_unchanged(tmp_path):
    run = _run(tmp_path, "zero", params="[params.plasticity]\ngamma_p = 0.0\n"
               "gamma_d = 0.0\nnoise = false\n")
    syn = run.synapses["plastic"]
    for n in _protocols(run):
        # rho in {0, 1} are fixed points of the cubic: bit-identical weights.
        assert np.array_equal(syn[f"rho_{n}"], syn["rho_initial"]), n
        assert np.array_equal(syn[f"weight_{n}"], syn["weight_initial"]), n
        assert np.all(run.branches[f"dw_per_10um_{n}"] == 0)
    # ... although Ca2+ did cross the thresholds (releases and spikes happened).
    assert syn["ca_pre_pairing"].max() > 0 and run.metrics["post_spikes_pairing"] > 0


POST_ONLY = "[params.release]\npr_max = 0.0\n[params.plasticity]\nnoise = {noise}\n"


def test_noise_switch_and_seeds(tmp_path):
    """With pr_max = 0 nothing releases, so with the noise off the Brian2 seed is
    irrelevant (identical weights); with it on two seeds differ."""
    runs = {(noise, s): _run(tmp_path, f"n{noise}{s}", options=f"rng_seed = {s}",
                             params=POST_ONLY.format(noise=noise))
            for noise in ("false", "true") for s in (1, 2)}
    a, b = runs[("false", 1)].synapses["plastic"], runs[("false", 2)].synapses["plastic"]
    c, d = runs[("true", 1)].synapses["plastic"], runs[("true", 2)].synapses["plastic"]
    for n in _protocols(runs[("false", 1)]):
        assert np.array_equal(a[f"weight_{n}"], b[f"weight_{n}"]), n
    assert np.all(a["n_release_pairing"] == 0)
    # bAPs alone cross both thresholds (C_post > θ_p): the noise acts and seeds differ.
    assert not np.array_equal(c["rho_pairing"], d["rho_pairing"])
    # Same anatomy and initial state whatever the Brian2 seed.
    assert np.array_equal(c["weight_initial"], d["weight_initial"])


FIXED = 'initial_state = "fixed"\nrho_init = 0.5\n'
NO_NOISE = "[params.plasticity]\nnoise = false\n"
#: The default preset's fitting bath (PlasticityParams.ref_ca_o, ref_mg_o).
OWN_BATH = '[params.calcium]\nca_o = "3 mM"\n[params.magnesium]\nmg_o = "2 mM"\n'


def _post_only_reference(run, copy, t_stop):
    """ρ of a contact driven only by its branch's recorded spikes (numpy reference)."""
    import mgnet.models.plasticity as mp
    from mgnet.models.parameters import PlasticityParams
    params = dataclasses.replace(PlasticityParams(), noise=False)
    nb = run.metrics["n_branches"]
    t, i = run.spikes["branches"]
    out = np.zeros(nb)
    for br in range(nb):
        times = np.sort(t[i == copy * nb + br])
        rho, c, last = np.array([0.5]), np.array([0.0]), 0.0
        for ts in times:
            rho, c = mp.advance_rho(rho, c, ts - last, params)
            c = c + params.c_post
            last = ts
        rho, _ = mp.advance_rho(rho, c, t_stop - last, params)
        out[br] = rho[0]
    return out


def test_pairing_potentiates_and_mg_block_removes_nmda_drive(tmp_path):
    # At the default preset's own fitting condition (its [Ca]o and [Mg]o): there pairing
    # at +10 ms potentiates (docs/plasticity.md §6 gives the culture's medium).
    ctl = _run(tmp_path, "mg08", options=FIXED, params=NO_NOISE + OWN_BATH)
    blk = _run(tmp_path, "mg1e6", options=FIXED + "mg_o_factor = 5e5\n",
               params=NO_NOISE + OWN_BATH)
    assert blk.metrics["mg_o_mM"] == pytest.approx(1e6)
    s0, s1 = ctl.synapses["plastic"], blk.synapses["plastic"]
    act = s0["pr"] > 0
    dw0 = s0["weight_pairing"] - s0["weight_initial"]
    dw1 = s1["weight_pairing"] - s1["weight_initial"]
    # Pairing at +10 ms potentiates on average at 0.8 mM, and every contact that released
    # at least once gained weight.
    assert dw0[act].mean() > 0
    released = s0["n_release_pairing"] > 0
    assert released.any() and np.all(dw0[released] > 0)
    assert dw0[act].mean() > dw1[act].mean()
    # At 1e6 mM: presynaptic plasticity Ca2+ ~ 8e-7 of the control.
    for n in ("pairing", "burst"):
        assert s1[f"ca_pre_{n}"].sum() < 1e-5 * s0[f"ca_pre_{n}"].sum()
    assert s0["ca_pre_burst"].sum() > 0
    # Pre-only bursts with no postsynaptic spike: rho = 1/2 stays exactly (no crossing).
    quiet = blk.branches["post_spikes_burst"] == 0
    assert quiet.any()
    sel = quiet[s1["post"]]
    assert np.all(s1["rho_burst"][sel] == 0.5)
    # Pairing at 1e6 mM = postsynaptic Ca2+ only: rho of every contact equals the numpy
    # reference driven by its branch's recorded spikes (no NMDA-driven potentiation).
    t_stop = 0.5 + 5 / 5.0
    ref = _post_only_reference(blk, 0, t_stop)
    np.testing.assert_allclose(s1["rho_pairing"], ref[s1["post"]], atol=1e-6)
    assert np.all(s1["rho_pairing"] <= 0.5 + 1e-6)
    assert np.any(np.abs(s0["rho_pairing"] - ref[s0["post"]]) > 1e-3)


# ------------------------------------------------------------------------- analysis
def _attrs(condition, seed):
    return {"experiment": pr.EXPERIMENT, "condition": condition, "seed": seed,
            "run_id": f"{condition}_seed{seed}_quick", "created_utc": "2024-05-01T12:00:00+00:00",
            "mgnet_version": "0.1.0", "git_commit": "0" * 40, "git_dirty": False,
            "brian2_version": "2.9.0", "numpy_version": np.__version__,
            "python_version": sys.version.split()[0], "device": "runtime",
            "codegen_target": "cython", "threads": 1, "config_toml": "", "scale": "quick"}


def _synthetic(tmp_path, condition, seed, rel, stdp_rel, extra=0.0, n_branches=20):
    """Branches with P̄r 0.05..0.6; contacts whose weights change by ``rel(mean_pr)``."""
    rng = np.random.default_rng(seed)
    mean_pr = np.linspace(0.05, 0.6, n_branches)
    rng.shuffle(mean_pr)
    n_c = rng.integers(3, 8, n_branches)
    post = np.repeat(np.arange(n_branches), n_c)
    w0 = rng.uniform(0.2, 1.0, post.size)
    pr_true = np.where(rng.random(post.size) < 0.8, 0.3, 0.0)
    pr_true[np.r_[0, np.cumsum(n_c)[:-1]]] = 0.3          # >= 1 active contact per branch
    syn = {"pre": post, "post": post, "contact": np.concatenate([np.arange(k) for k in n_c]),
           "pr": pr_true, "q_down": w0 / 18.5, "weight_initial": w0,
           "q": w0, "rho_initial": np.full(post.size, 0.5)}
    factor = {p: rel(p, mean_pr)[post] + extra for p in ("pairing", "burst", "anti")}
    factor["unpaired"] = np.full(post.size, -0.02 + extra)
    for dt, r in stdp_rel.items():
        factor[f"stdp_{'m' if dt < 0 else 'p' if dt > 0 else ''}{abs(dt)}ms"] = \
            np.full(post.size, r + extra)
    for p, f in factor.items():
        syn[f"weight_{p}"] = w0 * (1 + f)
        syn[f"rho_{p}"] = np.clip(0.5 + f, 0, 1)
    branches = {"branch_id": np.arange(n_branches), "length_um": np.full(n_branches, 40.0),
                "mean_pr": mean_pr}
    data = RunData(attrs=_attrs(condition, seed), branches=branches,
                   synapses={"plastic": syn}, metrics={"b": 36.0},
                   units={"/synapses/plastic/q_down": "nS", "/synapses/plastic/q": "nS"})
    path = tmp_path / "runs" / pr.EXPERIMENT / f"{condition}_seed{seed}_quick.h5"
    return read_run(write_run(path, data))


def test_analysis_recovers_planted_effects(tmp_path):
    def rel(p, mean_pr):   # DHiLo (low P̄r) +30 %, DLoHi +10 %; burst: no difference
        hi = {"pairing": 0.3, "burst": -0.05, "anti": -0.2}[p]
        lo = {"pairing": 0.1, "burst": -0.05, "anti": -0.1}[p]
        return np.where(mean_pr <= np.median(mean_pr), hi, lo)
    stdp = {-50: -0.1, -10: 0.0, 10: 0.25, 50: 0.05}
    runs = [_synthetic(tmp_path, "baseline", s, rel, stdp) for s in (0, 1)]
    runs += [_synthetic(tmp_path, "elevated_mg", s, rel, stdp, extra=0.05) for s in (0, 1)]
    summ = pr.induction_summary(runs, n_boot=500)
    assert summ["protocols"][:4] == ["pairing", "burst", "anti", "unpaired"]
    assert [pr.stdp_dt_ms(p) for p in summ["protocols"][4:]] == [-50, -10, 10, 50]
    look = {(r["condition"], r["protocol"], r["group"]): r for r in summ["rows"]}
    d = {(x["condition"], x["protocol"]): x for x in summ["diffs"]}
    assert summ["split"]["n_dhilo"] == summ["split"]["n_dlohi"] == 40
    assert look[("baseline", "pairing", "DHiLo")]["mean"] == pytest.approx(0.3)
    assert look[("baseline", "pairing", "DLoHi")]["mean"] == pytest.approx(0.1)
    assert d[("baseline", "pairing")]["diff"] == pytest.approx(0.2)
    assert d[("baseline", "anti")]["diff"] == pytest.approx(-0.1)
    assert d[("baseline", "burst")]["diff"] == pytest.approx(0.0, abs=1e-12)
    assert d[("elevated_mg", "pairing")]["diff"] == pytest.approx(0.2)
    # Planted values are constant within groups, so the CI collapses onto them.
    assert d[("baseline", "pairing")]["low"] == pytest.approx(0.2)
    comp = {r["protocol"]: r for r in pr.condition_comparison(runs, n_boot=500)}
    assert comp["pairing"]["diff"] == pytest.approx(0.05)
    assert comp["pairing"]["n_branches"] == 40 and comp["pairing"]["n_seeds"] == 2
    assert comp["pairing"]["seed_diff"] == pytest.approx(0.05)
    # Pairing-specific = minus the unpaired control (planted -0.02 + extra).
    spec = pr.induction_summary(runs, n_boot=200, measure="specific")
    assert "burst" not in spec["protocols"] and "unpaired" not in spec["protocols"]
    sl = {(r["condition"], r["protocol"], r["group"]): r for r in spec["rows"]}
    assert sl[("elevated_mg", "pairing", "DHiLo")]["mean"] == pytest.approx(0.32)
    assert {(x["condition"], x["protocol"]): x for x in spec["diffs"]}[
        ("baseline", "pairing")]["diff"] == pytest.approx(0.2)
    assert {r["protocol"]: r for r in pr.condition_comparison(
        runs, n_boot=200, measure="specific")}["pairing"]["diff"] == pytest.approx(0.0, abs=1e-12)
    curves = pr.stdp_curves(runs, n_boot=200)
    assert curves["measure"] == "specific"
    np.testing.assert_allclose(curves["by_condition"]["baseline"]["dt_ms"], [-50, -10, 10, 50])
    np.testing.assert_allclose(curves["by_condition"]["baseline"]["mean"],
                               np.array([-0.1, 0.0, 0.25, 0.05]) + 0.02)
    raw = pr.stdp_curves(runs, n_boot=200, measure="raw")
    np.testing.assert_allclose(raw["by_condition"]["elevated_mg"]["mean"],
                               [-0.05, 0.05, 0.3, 0.1])
    # Settled: rho > 1/2 -> UP.  Pairing planted rho = 0.5 + f > 0.5 everywhere.
    settled = pr.induction_summary(runs, n_boot=200, settled=True)
    sl = {(r["condition"], r["protocol"], r["group"]): r for r in settled["rows"]}
    assert sl[("baseline", "pairing", "all")]["mean"] == pytest.approx(36 / 18.5 - 1)
    # Report section and figures.
    figs = pr.plasticity_figures(tmp_path, runs=runs, n_boot=200)
    assert [p.name for p in figs] == [pr.FIGURE_FILES["stdp"], pr.FIGURE_FILES["split"]]
    text = pr.plasticity_section(tmp_path, runs=runs, n_boot=200)
    assert "DHiLo branches gained more (or lost less) weight than DLoHi" in text
    assert "maximum at Δt = +10 ms" in text
    assert "elevated_mg gained more (or lost less) weight than baseline" in text
    # The report names its interval with the measured coverage and the correction.
    assert "studentised bootstrap (bootstrap-t) 95 % CIs" in text
    assert "Holm-adjusted across the" in text and "| P (Holm) |" in text
    # Holm over the protocols of one comparison: never below the raw p; with the same
    # planted +0.05 on every branch and protocol all raw p are the Monte Carlo floor
    # 2/(n_boot + 1), so Holm multiplies each by the number of protocols.
    assert all(r["p_holm"] >= r["p_value"] for r in comp.values())
    assert comp["pairing"]["p_value"] == pytest.approx(2 / 501)
    assert comp["pairing"]["p_holm"] == pytest.approx(len(comp) * 2 / 501)
    assert all(r["method"] == "studentized" for r in comp.values())

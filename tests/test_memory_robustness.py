"""Robustness of the memory comparison (issue 14 item 5) on planted data, no simulation.

* :func:`paired_effects` recovers planted paired effects (per perturbation, with noise)
  and their signs, and the reference effect and shift;
* a run's perturbation is read from its stored config against the untagged reference;
* from planted run files: the perturbed runs are kept out of the main comparison, the
  robustness rows recover the planted sign per perturbation, and the tornado figure and
  the report section are drawn from the saved files.
"""
from __future__ import annotations

import numpy as np
import pytest

from mgnet.analysis.memory_robustness import (
    REF,
    TEST,
    paired_effects,
    params_of,
    perturbation,
    perturbation_label,
    robustness_figures,
    robustness_rows,
    robustness_section,
    split_perturbed,
)
from mgnet.analysis.run_file import RunData, write_run
from tests.test_memory_report import _planted


def _planted_metrics(effects: dict, ref_effect: float, seeds, sd: float, rng):
    """label -> condition -> seed -> {"m": value}: baseline ~ N(0.3, 0.05) per seed
    (shared by both conditions of a seed), TEST = baseline + effect + N(0, sd)."""
    base = {s: rng.normal(0.3, 0.05) for s in seeds}
    out = {}
    for label, eff in [("unperturbed", ref_effect), *effects.items()]:
        out[label] = {REF: {s: {"m": base[s]} for s in seeds},
                      TEST: {s: {"m": base[s] + eff + rng.normal(0, sd)} for s in seeds}}
    return out


def test_paired_effects_recover_planted_effects_and_signs():
    rng = np.random.default_rng(5)
    seeds, sd = list(range(8)), 0.01
    truth = {"a × 0.80": -0.10, "a × 1.20": +0.08, "b × 0.80": 0.0, "b × 1.20": +0.03}
    ref = 0.02
    rows = paired_effects(_planted_metrics(truth, ref, seeds, sd, rng), names=["m"],
                          n_boot=2000)
    assert {r["perturbation"] for r in rows} == set(truth)
    se = sd * np.sqrt(2) / np.sqrt(len(seeds))         # SE of a mean of differences
    for r in rows:
        eff = truth[r["perturbation"]]
        assert r["n"] == len(seeds) and r["seeds"] == seeds
        assert abs(r["effect"] - eff) < 5 * se                       # within 5 SE
        assert abs(r["ref_effect"] - ref) < 5 * se
        assert abs(r["shift"] - (eff - ref)) < 5 * np.sqrt(2) * se
        assert r["effect_low"] <= r["effect"] <= r["effect_high"]
        # the sign: resolved where the planted effect is > 5 SE from zero
        if abs(eff) > 5 * se:
            assert r["sign"] == np.sign(eff)
        if eff == 0.0:
            assert r["sign"] == 0 or abs(r["effect"]) < 5 * se
    assert next(r for r in rows if r["perturbation"] == "a × 0.80")["same_sign"] is False


def test_perturbation_is_read_from_the_params():
    ref = {"calcium.ca_o": "1.8 mM", "receptors.glun2b_fraction": 0.5, "x.flag": True}
    assert perturbation(ref, ref) == ()
    p = perturbation({**ref, "calcium.ca_o": "2.16 mM"}, ref)
    assert p == (("calcium.ca_o", 1.2),)
    assert perturbation_label(p) == "calcium.ca_o × 1.20"
    p = perturbation({**ref, "receptors.glun2b_fraction": 0.4}, ref)
    assert p == (("receptors.glun2b_fraction", 0.8),)
    p = perturbation({**ref, "x.flag": False}, ref)
    assert p[0][0] == "x.flag" and np.isnan(p[0][1])
    run = RunData(attrs={"config_toml": '[params.calcium]\nca_o = "1.44 mM"\n'})
    assert params_of(run) == {"calcium.ca_o": "1.44 mM"}


def _write(runs_dir, cond, seed, up_round, ca_o, tagged):
    run, _ = _planted(seed=seed, up_round=up_round, recall="none", condition=cond)
    run.attrs["config_toml"] = (f'[params.calcium]\nca_o = "{ca_o}"\n\n'
                                '[options]\nglun2b = "acute"\n')
    name = f"{cond}_seed{seed}_quick" + (f"_{ca_o.split()[0].replace('.', '')}" if tagged
                                         else "")
    write_run(runs_dir / f"{name}.h5", run)


@pytest.fixture
def planted_results(tmp_path):
    """3 seeds; unperturbed: both conditions encode (effect 0); ca_o x 1.2: only baseline
    encodes (effect on Δf_UP < 0); ca_o x 0.8: only elevated_mg encodes (> 0)."""
    runs = tmp_path / "runs" / "memory-encoding"
    runs.mkdir(parents=True)
    never = 99
    for s in range(3):
        for ca_o, up_base, up_test, tagged in (("1.8 mM", 1, 1, False),
                                               ("2.16 mM", 1, never, True),
                                               ("1.44 mM", never, 1, True)):
            _write(runs, REF, s, up_base, ca_o, tagged)
            _write(runs, TEST, s, up_test, ca_o, tagged)
    return tmp_path


def test_robustness_from_planted_files_recovers_the_sign_per_perturbation(planted_results):
    from mgnet.analysis.memory_report import load_memory_runs
    from mgnet.analysis.run_file import list_runs, read_run
    items = [(p, read_run(p)) for p in list_runs(planted_results / "runs")]
    plain, perturbed = split_perturbed(items)
    assert len(plain) == 6 and sorted(len(v) for v in perturbed.values()) == [6, 6]
    # the main comparison sees only the unperturbed runs
    assert len(load_memory_runs(planted_results, "quick")) == 6
    rows = robustness_rows(planted_results, "quick", n_boot=500)
    by = {(r["perturbation"], r["metric"]): r for r in rows}
    up = by[("calcium.ca_o × 1.20", "dfup_after_encoding")]
    down = by[("calcium.ca_o × 0.80", "dfup_after_encoding")]
    ref = up["ref_effect"]
    assert abs(ref) < 1e-9                         # both conditions planted alike
    # planted Δf_UP = 1 − f_UP(others) ≈ 0.5 (half of the other contacts UP)
    assert up["effect"] == pytest.approx(-0.5, abs=0.05) and up["sign"] in (-1, 0)
    assert down["effect"] == pytest.approx(+0.5, abs=0.05) and down["sign"] in (1, 0)
    assert np.sign(up["effect"]) == -1 and np.sign(down["effect"]) == 1
    assert up["seeds"] == [0, 1, 2] and up["n"] == 3


def test_tornado_and_section_are_drawn_from_saved_files(planted_results, tmp_path):
    out = tmp_path / "figures"
    paths = robustness_figures(planted_results, out, "quick", n_boot=500)
    assert [p.name for p in paths] == ["memory_robustness.png"]
    assert paths[0].stat().st_size > 5000 and paths[0].with_suffix(".pdf").exists()
    text = robustness_section(planted_results, "quick", n_boot=500)
    assert "### Robustness (issue 14 item 5)" in text
    assert "calcium.ca_o × 1.20" in text and "calcium.ca_o × 0.80" in text
    assert "seeds 0, 1, 2" in text
    # no perturbed runs: no section, no figure
    empty = tmp_path / "empty"
    (empty / "runs" / "memory-encoding").mkdir(parents=True)
    assert robustness_section(empty, "quick") == ""
    assert robustness_figures(empty, out, "quick") == []


def test_the_robustness_plan_perturbs_one_parameter_by_20_percent_on_comparison_seeds():
    """experiments/memory_robustness.py: every --set item resolves (through the sweep's
    own config resolution) to a config whose [params] differ from the unperturbed one in
    exactly its parameter, by a factor 0.8 or 1.2, read back the way the analysis reads
    run files; both conditions of a perturbation share one run-file tag; the seeds are
    comparison seeds, never the calibration seeds (>= 1000)."""
    from mgnet.experiments.cli import config_tag
    from mgnet.experiments.config import make_config
    from mgnet.experiments.memory_robustness import (
        CONDITIONS,
        PARAMETERS,
        SEEDS,
        perturbations,
        plan,
    )
    from mgnet.experiments.sweep import _resolve_configs
    assert CONDITIONS == (REF, TEST)
    items = plan("default")
    n = 2 * len(PARAMETERS)
    assert len(items) == n * len(SEEDS["default"]) and len(SEEDS["default"]) >= 3
    assert all(0 <= s < 1000 for s in SEEDS["default"])
    assert [s for _, _, s in items[:n]] == [SEEDS["default"][0]] * n     # seed-major
    offsets = {f"{sec}.{key}": off for sec, key, _, _, off in PARAMETERS}
    tags = set()
    for label, item in perturbations("default"):
        cfgs = _resolve_configs("memory-encoding", CONDITIONS, [0], "default", None, [item])
        assert len({config_tag(c) for c in cfgs}) == 1
        tags.add(config_tag(cfgs[0]))
        for cfg in cfgs:
            plain = make_config("memory-encoding", condition=cfg.condition, seed=0)
            pert = perturbation(params_of(RunData(attrs={"config_toml": cfg.to_toml()})),
                                params_of(RunData(attrs={"config_toml": plain.to_toml()})))
            assert len(pert) == 1
            (name, factor), = pert
            assert item.startswith(f"params.{name}=")
            # ±20 % of (value + offset): contacts per connection = 1 + Poisson mean
            section, key = name.split(".")
            default = getattr(getattr(plain.params, section), key)
            off = offsets[name]
            f = 1.2 if "plus" in label else 0.8
            assert factor == pytest.approx(((float(default) + off) * f - off)
                                           / float(default), rel=1e-6)
    assert len(tags) == n                                  # distinct run-file names
    assert len(plan("quick")) == 1


def test_reproduce_runs_each_perturbation_and_seed_as_one_task_with_the_others():
    """mgnet reproduce submits the robustness runs with its other runs (both cores busy):
    each perturbation x seed is one task of its two conditions (one build), the other
    runs are grouped as without the robustness runs (the acute and the chronic arm of a
    seed one task each), and only memory-encoding brings the robustness runs along."""
    from mgnet.experiments.memory_robustness import CONDITIONS, perturbations, plan
    from mgnet.experiments.reproduce import _group_key, robustness_configs
    from mgnet.experiments.reproduce import plan as reproduce_plan
    from mgnet.experiments.sweep_runs import _groups
    robust = robustness_configs("default")
    assert len(robust) == len(plan("default")) * len(CONDITIONS)
    assert robustness_configs("default", only="culture-activity") == []
    main = reproduce_plan("default", "memory-encoding")
    todo = lambda cfgs: [({}, c, None) for c in cfgs]  # noqa: E731
    alone = _groups(todo(main))
    together = _groups(todo(main + robust), _group_key(robust))
    rob = [g for g in together if any(any(c is i[1] for c in robust) for i in g)]
    assert len(rob) == len(plan("default")) == 3 * len(perturbations("default"))
    for g in rob:
        assert sorted(i[1].condition for i in g) == sorted(CONDITIONS)
        assert len({i[1].seed for i in g}) == 1
        assert all(any(c is i[1] for c in robust) for i in g)
    others = [g for g in together if g not in rob]
    assert sorted(len(g) for g in others) == sorted(len(g) for g in alone)
    assert {len(g) for g in alone} >= {6, 7}        # chronic arm, acute conditions


def test_chronic_arm_and_noise_floor_runs_are_not_perturbations():
    """The chronic arm resolves its own GluN2B fraction (a [params] value) and the noise
    floor changes only the stream: neither is a robustness perturbation, so neither is
    dropped from the main comparison; a changed [Ca]o with the default options is."""
    from pathlib import Path

    def run(cond, seed, frac, ca, arm="acute", stream=-1):
        toml = (f'[params.receptors]\nglun2b_fraction = {frac}\n\n[params.calcium]\n'
                f'ca_o = "{ca}"\n\n[options]\nglun2b = "{arm}"\nstream_seed = {stream}\n')
        return RunData(attrs={"condition": cond, "seed": seed, "scale": "default",
                              "config_toml": toml})
    items = []
    for s in range(3):
        items.append((Path(f"baseline_seed{s}_default.h5"), run(REF, s, 0.5, "1.8 mM")))
        items.append((Path(f"baseline_seed{s}_default_c.h5"),
                      run(REF, s, 0.486, "1.8 mM", "chronic")))
        items.append((Path(f"baseline_seed{s}_default_n.h5"),
                      run(REF, s, 0.5, "1.8 mM", stream=7)))
    items.append((Path("baseline_seed0_default_p.h5"), run(REF, 0, 0.5, "2.16 mM")))
    plain, perturbed = split_perturbed(items)
    assert len(plain) == 9
    assert list(perturbed) == [(("calcium.ca_o", 1.2),)]

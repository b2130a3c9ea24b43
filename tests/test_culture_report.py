"""background-filtering analysis on a synthetic run file with a planted answer."""
import numpy as np
import pytest

from mgnet.analysis.culture_report import filtering_rows, filtering_section
from mgnet.analysis.run_file import RunData, write_run


def _attrs():
    return dict(schema_version=1, experiment="background-filtering", condition="baseline",
                seed=0, scale="quick", run_id="x", created_utc="2026-01-01T00:00:00+00:00",
                mgnet_version="0", git_commit="abc", git_dirty=False, brian2_version="2.9",
                numpy_version="2", python_version="3.11", device="runtime",
                codegen_target="cython", threads=1, config_toml="", status="complete")


def test_planted_filtering_is_recovered(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    base_bg = rng.lognormal(0, 0.3, n)
    base_b = rng.lognormal(1, 0.3, n)
    arrays = {"/filtering/baseline/ca_per_release_background": base_bg,
              "/filtering/baseline/ca_per_release_burst": base_b,
              # planted: -32 % in background, -10 % in bursts
              "/filtering/elevated_mg_o_only/ca_per_release_background": base_bg * 0.68,
              "/filtering/elevated_mg_o_only/ca_per_release_burst": base_b * 0.90}
    units = {k: "a.u." for k in arrays}
    run = RunData(attrs=_attrs(), arrays=arrays, units=units,
                  metrics={"conditions": "baseline,elevated_mg_o_only",
                           "elevated_mg_o_only_block_prediction_minus70mV": -0.321,
                           "hours": 24.0, "baseline_glun2b_after_hours": 0.5,
                           "elevated_mg_o_only_glun2b_after_hours": 0.55})
    path = write_run(tmp_path / "runs" / "background-filtering" / "x.h5", run)
    from mgnet.analysis.run_file import read_run
    rows = {(r["condition"], r["interval"]): r for r in filtering_rows(read_run(path))}
    bg = rows[("elevated_mg_o_only", "background")]
    bu = rows[("elevated_mg_o_only", "burst")]
    assert bg["rel_change"] == pytest.approx(-0.32, abs=1e-9)
    assert bu["rel_change"] == pytest.approx(-0.10, abs=1e-9)
    # b = 0.68 a exactly: the interval collapses onto the estimate (to rounding)
    assert bg["low"] - 1e-9 <= -0.32 <= bg["high"] + 1e-9
    text = filtering_section(tmp_path)
    assert "-32.0 %" in text and "bursts are largely spared" in text
    from mgnet.analysis.culture_report import FILTERING_FIGURE, filtering_figures
    (fig,) = filtering_figures(tmp_path, tmp_path)
    assert fig.name == FILTERING_FIGURE and fig.stat().st_size > 0


# ------------------------------------------------------------------ culture-activity
import re  # noqa: E402

from mgnet.analysis.bursts import CULTURE_BANDS  # noqa: E402
from mgnet.analysis.culture_report import (  # noqa: E402
    CONDITION_ORDER,
    FIGURE_FILES,
    OUT,
    activity_figures,
    activity_rows,
    activity_section,
    condition_summary,
    load_activity_records,
)

SEEDS = (0, 1, 2, 3, 4)
#: Inside-band ranges the planted statistics are drawn from.
INSIDE = {"burst_rate_per_min": (4.0, 8.0), "ibi_cv": (0.4, 0.8),
          "duration_median_s": (0.3, 0.8), "fraction_spikes_in_bursts": (0.85, 0.98),
          "between_burst_rate_hz": (0.05, 0.3), "intra_burst_rate_hz": (20.0, 40.0)}
#: The one planted out-of-band value: (condition, seed, statistic, value).
PLANTED_OUT = ("aged", 3, "ibi_cv", 0.12)
OPTIONS_TOML = ('[options]\nn_neurons = 100\nq_ee_scale = 13.0\nbg_rate = "150 Hz"\n'
                'bg_weight = "11.5 nS"\nbg_mod_cv = 0.3\nbg_mod_tau = "10 s"\n'
                'b_slow = "40 pA"\n')


def _activity_metrics(rng, condition, seed, analysed=120.0):
    m = {k: float(rng.uniform(*r)) for k, r in INSIDE.items()}
    if (condition, seed) == PLANTED_OUT[:2]:
        m[PLANTED_OUT[2]] = PLANTED_OUT[3]
    m.update(n_bursts=12, n_exc=80, n_inh=20, rate_exc_hz=float(rng.uniform(0.5, 2)),
             rate_inh_hz=float(rng.uniform(2, 5)), analysis_t_start_s=5.0,
             analysis_t_stop_s=5.0 + analysed, culture_calibrated=True, mg_o_mM=0.8,
             mg_i_mM=0.5, run_s=300.0 + seed, compile_s=60.0, wall_per_sim_s=2.4)
    return m


def _write_activity(root, condition, seed, metrics, scale="default", options=OPTIONS_TOML,
                    spikes=None):
    attrs = dict(_attrs(), experiment="culture-activity", condition=condition, seed=seed,
                 scale=scale, run_id=f"{condition}_seed{seed}_{scale}",
                 config_toml=f'experiment = "culture-activity"\n{options}')
    if spikes is None:
        spikes = {"exc": (np.zeros(0), np.zeros(0, np.int64)),
                  "inh": (np.zeros(0), np.zeros(0, np.int64))}
    arrays = {"/bursts/start": np.array([10.0, 20.0]), "/bursts/stop": np.array([10.5, 20.4])}
    run = RunData(attrs=attrs, spikes=spikes, metrics=metrics, arrays=arrays,
                  units={k: "s" for k in arrays},
                  protocol={"spontaneous": {"t_start": 0.0, "t_stop": 125.0,
                                            "plasticity": False}})
    return write_run(root / "runs" / "culture-activity" / f"{attrs['run_id']}.h5", run)


@pytest.fixture
def planted(tmp_path):
    """6 conditions x 5 seeds at default scale, one out-of-band value; returns the
    planted metrics by (condition, seed)."""
    rng = np.random.default_rng(7)
    truth = {}
    for c in CONDITION_ORDER:
        for s in SEEDS:
            truth[(c, s)] = _activity_metrics(rng, c, s)
            _write_activity(tmp_path, c, s, truth[(c, s)])
    return tmp_path, truth


def _run_table(text):
    """Rows of the per-run table: (condition, seed) -> cells."""
    block = text.split("### Per run (condition × seed)", 1)[1].split("###", 1)[0]
    lines = [ln for ln in block.splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        rows[(cells[0], int(cells[1]))] = dict(zip(header, cells, strict=True))
    return header, rows


def test_planted_out_of_band_value_is_flagged_exactly_there(planted):
    root, truth = planted
    rows = activity_rows(load_activity_records(root, "default"))
    assert len(rows) == len(truth)
    bad = [(r["condition"], r["seed"], k) for r in rows for k, ok in r["ok"].items() if not ok]
    assert bad == [PLANTED_OUT[:3]]
    text = activity_section(root, "default")
    header, table = _run_table(text)
    assert len(table) == 5 * len(CONDITION_ORDER)
    flagged = [(key, col) for key, cells in table.items() for col, v in cells.items()
               if OUT in v]
    assert flagged == [(PLANTED_OUT[:2], "IBI CV")]
    assert table[PLANTED_OUT[:2]]["bands"] == "5/6"
    assert table[("baseline", 0)]["bands"] == "6/6"
    # One sentence per condition; only aged names a statistic, with the planted value.
    sentences = [ln for ln in text.splitlines() if ln.startswith("- **")]
    assert len(sentences) == len(CONDITION_ORDER)
    for c, line in zip(CONDITION_ORDER, sentences, strict=True):
        assert line.startswith(f"- **{c}**")
        if c == "aged":
            assert "IBI CV outside 0.3–1 in 1/5 (0.12; below)" in line
        else:
            assert "every statistic inside its band in all 5 runs" in line
    assert "Acceptance" in text and "**met**" in text
    # The calibrated network parameters come from the runs' resolved configs.
    assert "11.5 nS" in text and "40 pA" in text and "different network parameter" not in text


def test_summary_mean_and_sd_equal_numpy(planted):
    root, truth = planted
    summary = {s["condition"]: s for s in condition_summary(
        activity_rows(load_activity_records(root, "default")))}
    assert list(summary) == list(CONDITION_ORDER)
    for c in CONDITION_ORDER:
        for k in CULTURE_BANDS:
            v = np.array([truth[(c, s)][k] for s in SEEDS])
            st = summary[c]["stats"][k]
            assert st["mean"] == pytest.approx(np.mean(v), rel=1e-12)
            assert st["sd"] == pytest.approx(np.std(v, ddof=1), rel=1e-12)
        assert summary[c]["n_all_ok"] == (4 if c == "aged" else 5)
    # The summary table prints the same numbers.
    text = activity_section(root, "default")
    v = np.array([truth[("elevated_mg", s)]["burst_rate_per_min"] for s in SEEDS])
    line = next(ln for ln in text.split("### Per condition", 1)[1].splitlines()
                if ln.startswith("| elevated_mg |"))
    assert f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}" in line


def test_only_runs_of_the_requested_scale_are_tabled(planted):
    root, _ = planted
    wild = {k: 1e3 for k in CULTURE_BANDS}
    wild.update(n_exc=80, n_inh=20, analysis_t_start_s=1.0, analysis_t_stop_s=10.0)
    _write_activity(root, "baseline", 0, wild, scale="quick")
    _, table = _run_table(activity_section(root, "default"))
    assert len(table) == 5 * len(CONDITION_ORDER) and OUT not in table[("baseline", 0)]["IBI CV"]
    quick = activity_section(root, "quick")
    _, qtable = _run_table(quick)
    assert list(qtable) == [("baseline", 0)]
    assert "**not met**" in quick  # 1 seed, 9 s analysed, out of band


def test_undefined_statistic_counts_as_outside_and_acceptance_needs_every_baseline(tmp_path):
    rng = np.random.default_rng(1)
    for s in SEEDS:
        m = _activity_metrics(rng, "baseline", s)
        if s == 2:
            m["ibi_cv"] = float("nan")  # e.g. fewer than 3 bursts
        _write_activity(tmp_path, "baseline", s, m)
    text = activity_section(tmp_path, "default")
    _, table = _run_table(text)
    assert table[("baseline", 2)]["IBI CV"] == f"**n/a** {OUT}"
    assert "IBI CV outside 0.3–1 in 1/5 (n/a; undefined)" in text
    assert "**not met**" in text and "**4/5 baseline runs inside every band**" in text
    s = condition_summary(activity_rows(load_activity_records(tmp_path)))[0]
    assert s["stats"]["ibi_cv"]["n_finite"] == 4


def test_short_runs_or_few_seeds_fail_acceptance(tmp_path):
    rng = np.random.default_rng(2)
    for s in (0, 1, 2):
        _write_activity(tmp_path, "baseline", s, _activity_metrics(rng, "baseline", s, 60.0))
    text = activity_section(tmp_path, "default")
    assert "**not met**" in text
    assert "**3 seeds (≥ 5 required)**" in text and "**≥ 60 s analysed" in text


def test_mixed_network_parameters_are_reported(tmp_path):
    rng = np.random.default_rng(3)
    _write_activity(tmp_path, "baseline", 0, _activity_metrics(rng, "baseline", 0))
    _write_activity(tmp_path, "baseline", 1, _activity_metrics(rng, "baseline", 1),
                    options=OPTIONS_TOML.replace("11.5 nS", "12 nS"))
    text = activity_section(tmp_path, "default")
    assert "used 2 different network parameter sets" in text


def test_no_runs_no_section(tmp_path):
    assert activity_section(tmp_path, "default") == ""
    assert activity_figures(tmp_path, scale="default") == []


def test_figures_are_drawn_from_the_run_files(planted):
    root, truth = planted
    rng = np.random.default_rng(4)
    # Spiking runs of baseline and elevated_mg at seed 0 replace the metric-only ones.
    for c in ("baseline", "elevated_mg"):
        (root / "runs" / "culture-activity" / f"{c}_seed0_default.h5").unlink()
        t = np.sort(rng.uniform(0, 125, 3000))
        spikes = {"exc": (t, rng.integers(0, 80, t.size)),
                  "inh": (t[:500], rng.integers(0, 20, 500))}
        _write_activity(root, c, 0, truth[(c, 0)], spikes=spikes)
    paths = activity_figures(root, scale="default")
    assert [p.name for p in paths] == [FIGURE_FILES["raster"], FIGURE_FILES["bands"]]
    assert all(p.stat().st_size > 10_000 for p in paths)
    # The report section links the figures once they exist.
    text = activity_section(root, "default")
    assert f"![culture_raster](figures/{FIGURE_FILES['raster']})" in text
    # PDF beside each PNG, the raster split by column, captions with n and the verdict
    from mgnet.analysis.figures.style import read_captions
    from mgnet.analysis.report import write_report
    caps = read_captions(root / "figures")
    for p in paths:
        assert p.with_suffix(".pdf").exists()
        assert "n = " in caps[p.name]["caption"] and "error bars" in caps[p.name]["caption"]
    assert caps[FIGURE_FILES["raster"]]["panels"] == ["culture_raster_a.png",
                                                      "culture_raster_b.png"]
    md = write_report(root, scale="default").read_text()
    cap = next(line for line in md.splitlines() if f"(`{FIGURE_FILES['bands']}`" in line)
    acc = next(line for line in md.splitlines() if line.startswith("Acceptance (the"))
    word = "not met" if "): **not met**" in acc else "met"
    assert f"culture bands (science.md §4.7): {word}" in cap


def test_report_includes_the_culture_section(planted):
    from mgnet.analysis.report import DOCS_FIGURES, write_report
    root, _ = planted
    md = write_report(root, scale="default").read_text()
    assert "## Culture activity" in md
    assert re.search(r"\| aged \| 3 \| 5/6 \|", md)
    assert set(FIGURE_FILES.values()) <= set(DOCS_FIGURES)

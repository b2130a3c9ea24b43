"""background-filtering analysis on a synthetic run file with a planted answer."""
import numpy as np
import pytest

from analysis.culture_report import filtering_rows, filtering_section
from analysis.run_file import RunData, write_run


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
    from analysis.run_file import read_run
    rows = {(r["condition"], r["interval"]): r for r in filtering_rows(read_run(path))}
    bg = rows[("elevated_mg_o_only", "background")]
    bu = rows[("elevated_mg_o_only", "burst")]
    assert bg["rel_change"] == pytest.approx(-0.32, abs=1e-9)
    assert bu["rel_change"] == pytest.approx(-0.10, abs=1e-9)
    assert bg["low"] <= -0.32 <= bg["high"]
    text = filtering_section(tmp_path)
    assert "-32.0 %" in text and "spared relatively" in text

"""Issue 16: no duplicated helper logic.  Each family has one implementation; these tests
fail if a second definition reappears in the package sources, and pin the edge behaviour
chosen where the removed copies differed."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = ("models", "experiments", "analysis", "src")


def _sources():
    for d in PACKAGE_DIRS:
        yield from sorted((ROOT / d).rglob("*.py"))


def _definitions(pattern: str) -> list[str]:
    """Files (relative paths, one entry per match) whose source matches ``pattern``."""
    rx = re.compile(pattern, re.MULTILINE)
    return [str(p.relative_to(ROOT)) for p in _sources()
            for _ in rx.finditer(p.read_text(encoding="utf-8"))]


# ------------------------------------------------------------------------ entropy
def test_one_binary_entropy():
    assert _definitions(r"^\s*def binary_entropy\b") == ["analysis/statistics.py"]
    from mgnet.analysis import configuration_metrics as cm, memory_metrics as mm, statistics
    assert cm.binary_entropy is statistics.binary_entropy is mm.binary_entropy


def test_binary_entropy_edges():
    from mgnet.analysis.statistics import binary_entropy as H
    assert H(0.0) == 0.0 and H(1.0) == 0.0 and H(0.5) == 1.0
    assert isinstance(H(0.0), float)
    h = H(np.array([0.0, 1.0, 0.5, np.nan]))
    assert h[:3].tolist() == [0.0, 0.0, 1.0] and np.isnan(h[3])
    assert np.isnan(H(float("nan")))
    for bad in (-1e-9, 1.0 + 1e-9, [0.5, 2.0]):
        with pytest.raises(ValueError):
            H(bad)
    p = np.linspace(0.01, 0.99, 99)
    assert np.allclose(H(p), H(1 - p), rtol=0, atol=1e-15)


# ------------------------------------------------------------------------ file lock
def test_one_file_lock():
    # models.backend.project_lock is the only lock (exclusive or shared flock on
    # <project>/.lock); the standalone assays of models/assay.py and
    # experiments/plasticity_induction.py take it exclusively.
    assert _definitions(r"\bflock\(|\bO_EXCL\b|\bimport fcntl\b|\blockf\(") == \
        ["models/backend.py"] * 3
    assert _definitions(r"^\s*def \w*(?<!b)lock(ed)?\w*\(") == ["models/backend.py"]


def test_project_lock_exclusive_and_shared(tmp_path):
    from mgnet.models.backend import project_lock
    d = tmp_path / "project"
    with project_lock(d, exclusive=True):
        assert (d / ".lock").exists()
    with project_lock(d, exclusive=False), project_lock(d, exclusive=False):
        pass  # shared locks coexist


# ------------------------------------------------------------------------ markdown tables
def test_one_markdown_table_helper():
    # analysis.markdown.markdown_table is the only writer of "| a | b |" rows; the reports
    # (culture, plasticity, presets, memory, the combined report) call it.
    assert _definitions(r"\"\|\" \+ \"---\|\" \*") == ["analysis/markdown.py"]
    assert _definitions(r"^\s*def _?(md|md_table|markdown_table|md_cell)\(") == \
        ["analysis/markdown.py"] * 2
    # header rules written by hand ("|---|---|") outside the helper
    assert _definitions(r"\"\|(---\|)+\"") == []


def test_markdown_table_cells():
    from mgnet.analysis.markdown import markdown_table
    assert markdown_table([[1, "a|b"], ["x\ny", 2.5]], ["n", "v"]) == (
        "| n | v |\n|---|---|\n| 1 | a/b |\n| x y | 2.5 |")
    assert markdown_table([], ["only"]) == "| only |\n|---|"


# ------------------------------------------------------------------------ TOML writer
def test_one_toml_writer():
    # experiments.config.toml_value is the only writer of TOML values: run configs, sweep
    # configs, option docs and the calibration files of calibrate, calibrate-culture,
    # calibrate-glun2b and calibrate-memory.
    assert _definitions(r"^\s*def \w*(toml_value|_tv)\w*\(") == ["experiments/config.py"]
    assert _definitions(r"return \"true\" if") == ["experiments/config.py"]


def test_toml_value_round_trips():
    import tomllib
    from brian2 import mM
    from mgnet.experiments.config import parse_quantity, toml_value
    values = {"b": True, "nb": np.bool_(False), "i": 3, "ni": np.int64(-7), "f": 0.1,
              "nf": np.float64(1 / 3), "nan": float("nan"), "inf": np.inf, "ninf": -np.inf,
              "s": 'a "quoted" \\ path é\nline', "l": [1, 2.5, "x", [True]], "q": 0.8 * mM}
    back = tomllib.loads("\n".join(f"{k} = {toml_value(v)}" for k, v in values.items()))
    assert back["b"] is True and back["nb"] is False
    assert back["i"] == 3 and back["ni"] == -7
    assert back["f"] == 0.1 and back["nf"] == 1 / 3
    assert np.isnan(back["nan"]) and back["inf"] == np.inf and back["ninf"] == -np.inf
    assert back["s"] == values["s"] and back["l"] == [1, 2.5, "x", [True]]
    assert parse_quantity(back["q"]) == 0.8 * mM
    assert toml_value(np.float64(0.1)) == "0.1"  # not "np.float64(0.1)"
    with pytest.raises(TypeError):
        toml_value(None)

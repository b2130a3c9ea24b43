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
    assert _definitions(r"^\s*def binary_entropy\b") == ["analysis/statistics/proportions.py"]
    from mgnet.analysis import configuration_metrics as cm
    from mgnet.analysis import memory_metrics as mm
    from mgnet.analysis import statistics
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
    # mgnet.models.backend.project_lock is the only lock (exclusive or shared flock on
    # <project>/.lock); the standalone assays of models/assay.py and
    # experiments/plasticity_induction.py take it exclusively.
    assert _definitions(r"\bflock\(|\bO_EXCL\b|\bimport fcntl\b|\blockf\(") == \
        ["models/backend/projects.py"] * 3
    assert _definitions(r"^\s*def \w*(?<!b)lock(ed)?\w*\(") == ["models/backend/projects.py"]


def test_project_lock_exclusive_and_shared(tmp_path):
    from mgnet.models.backend import project_lock
    d = tmp_path / "project"
    with project_lock(d, exclusive=True):
        assert (d / ".lock").exists()
    with project_lock(d, exclusive=False), project_lock(d, exclusive=False):
        pass  # shared locks coexist


# ------------------------------------------------------------------------ markdown tables
def test_one_markdown_table_helper():
    # mgnet.analysis.markdown.markdown_table is the only writer of "| a | b |" rows; the reports
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
    # mgnet.experiments.config.toml_value is the only writer of TOML values: run configs, sweep
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


# ------------------------------------------------------------------------ unit parsers
def test_one_float_unit_parser():
    # mgnet.models.units.parse_value (standard library only) reads "<number> <unit>" into a
    # float for mgnet.models.parameters (calibration file), mgnet.experiments.calibrate (parse_mg, a
    # thin wrapper) and analysis (interop._seconds, configuration_report.param_value).
    # mgnet.experiments.quantities.parse_quantity (re-exported by mgnet.experiments.config) is
    # the Brian2-quantity parser; it shares NUMBER.
    assert _definitions(r"\\d\+\\\.\?\\d\*\|\\\.\\d\+") == ["models/units.py"]
    # unit-name tables of string readers (uM, msecond) only in models/units.py
    assert set(_definitions(r"\"(uM|msecond)\":")) == {"models/units.py"}
    assert sorted(_definitions(r"^\s*def (parse_value|_parse_conc_mM|parse_mg|"
                               r"parse_quantity)\(")) == \
        ["experiments/calibrate.py", "experiments/quantities.py", "models/units.py"]


def test_parse_value_units_and_edges():
    import subprocess
    import sys

    from mgnet.models.units import parse_value
    assert parse_value("0.83 mM", "mM") == 0.83
    assert parse_value("830 uM", "mM") == 830 * 1e-3
    assert parse_value("0.83mM", "mM") == 0.83
    assert parse_value("1.2 M", "mM") == 1.2e3
    assert parse_value("50 ms", "s") == 50 * 1e-3
    assert parse_value("0.3 s", "ms") == 0.3 * 1e3
    assert parse_value("2 min", "s") == 120.0
    for text, unit in [("0.83", "mM"), ("0.83 ms", "mM"), ("inf mM", "mM"), ("nan s", "s"),
                       ("1 furlong", "s"), ("", "ms"), (None, "mM"), ("1 mM", "kg")]:
        with pytest.raises(ValueError):
            parse_value(text, unit)
    from mgnet.analysis import configuration_report as cr
    from mgnet.analysis import interop
    assert interop._seconds("50 ms") == 0.05 and interop._seconds("0.8 mM") is None
    assert np.isnan(cr.param_value({"a": {"b": "0.5 mM"}}, "a.b", "kg"))
    from mgnet.experiments.calibrate import parse_mg
    assert parse_mg("830 uM") == parse_value("830 uM", "mM")
    # analysis may use it: no Brian2 behind it
    code = "import sys, mgnet.models.units; assert 'brian2' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0

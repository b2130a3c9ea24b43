"""The typed analysis study interface (issue 16): every study is discovered from its own
module of ``mgnet.analysis.studies``; a new study is one module and edits no shared list."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from mgnet.analysis import studies


@pytest.fixture
def extra_study_dir(tmp_path, monkeypatch):
    """A folder appended to the studies package's search path (the discovery cache is
    cleared before and after)."""
    folder = tmp_path / "extra_studies"
    folder.mkdir()
    monkeypatch.setattr(studies, "__path__", list(studies.__path__) + [str(folder)])
    studies.discover.cache_clear()
    yield folder
    studies.discover.cache_clear()


def test_the_shipped_studies_in_report_order():
    found = studies.discover()
    assert [s.name for s in found] == ["synapse-check", "configuration", "plasticity",
                                       "culture", "memory"]
    assert all(isinstance(s, studies.Study) for s in found)
    names = [n for s in found for n, _ in s.docs_figures]
    assert len(names) == len(set(names)) == len(studies.docs_figures())
    assert set(studies.docs_titles()) == set(names)


def test_a_new_study_is_one_module(extra_study_dir, tmp_path):
    (extra_study_dir / "toy_study.py").write_text(textwrap.dedent('''
        from mgnet.analysis.studies.base import Study, NOT_JUDGED

        def sections(results, scale, context):
            return ["## Toy study\\n\\nseen: " + str(context.get("configuration_rows") is not None)]

        def figures(results, out_dir, scale):
            return []

        def verdicts(results, scale, context):
            return {"toy.png": {"status": NOT_JUDGED, "label": "toy", "detail": ""}}

        STUDY = Study(name="toy", experiments=("toy-experiment",), order=99,
                      sections=sections, figures=figures, verdicts=verdicts,
                      docs_figures=(("toy.png", "a toy figure"),), docs_order=99)
    '''))
    found = studies.discover()
    assert found[-1].name == "toy"
    assert studies.docs_figures()[-1] == "toy.png"
    from mgnet.analysis.report import write_report
    md = write_report(tmp_path / "results", scale="quick").read_text()
    # after the configuration study (which left its rows in the shared context)
    assert "## Toy study\n\nseen: True" in md
    assert md.index("## Synaptic configuration") < md.index("## Toy study")
    verdicts = studies.figure_verdicts(tmp_path / "results", "quick")
    assert verdicts["toy.png"]["label"] == "toy"


def test_a_study_module_without_a_study_is_refused(extra_study_dir):
    (extra_study_dir / "broken_study.py").write_text("X = 1\n")
    with pytest.raises(TypeError, match="broken_study declares no STUDY"):
        studies.discover()


def test_two_studies_with_one_order_are_refused(extra_study_dir):
    (extra_study_dir / "clash_study.py").write_text(textwrap.dedent('''
        from mgnet.analysis.studies.base import Study
        STUDY = Study(name="clash", experiments=(), order=10,
                      sections=lambda r, s, c: [], figures=lambda r, o, s: [])
    '''))
    with pytest.raises(ValueError, match="share the order"):
        studies.discover()


def test_studies_in_two_processes_match_one(tmp_path):
    """Issue 18: the studies' tasks in two processes write the figures (same list, same
    order, same pixels), captions and report of one process; make_figures alike."""
    import shutil

    from matplotlib.image import imread

    from mgnet.analysis.figures.style import read_captions
    from mgnet.analysis.report import figures_and_report, make_figures
    from tests.test_configuration_report import write_full_results
    one, two = write_full_results(tmp_path / "one"), tmp_path / "two"
    shutil.copytree(one, two)
    figs1, report1 = figures_and_report(one, "quick", workers=1)
    figs2, report2 = figures_and_report(two, "quick", workers=2)
    assert figs1 and [p.relative_to(one) for p in figs1] == [p.relative_to(two) for p in figs2]
    assert [p.relative_to(two) for p in make_figures(two, "quick", workers=2)] == [
        p.relative_to(one) for p in figs1]

    def body(path, root):           # the line naming the time and the folder aside
        lines = path.read_text().replace(str(root), "ROOT").splitlines()
        return [line for line in lines if not line.startswith("Generated ")]
    assert body(report1, one) == body(report2, two)
    assert read_captions(one / "figures") == read_captions(two / "figures")
    pngs = sorted(p.relative_to(one) for p in (one / "figures").rglob("*.png"))
    assert len(pngs) > len(figs1)       # the single panels too
    assert pngs == sorted(p.relative_to(two) for p in (two / "figures").rglob("*.png"))
    for rel in pngs:
        assert np.array_equal(imread(one / rel), imread(two / rel))


def test_a_failing_study_fails_the_step_as_with_one_process(tmp_path):
    """A study's exception (here a run file that no longer validates) reaches the caller
    of the two-process step with its type and message, as with one process."""
    import h5py

    from mgnet.analysis.report import make_figures
    from mgnet.analysis.run_file import RunFileError
    from tests.test_configuration_report import write_full_results
    root = write_full_results(tmp_path)
    path = next((root / "runs" / "mg-dose-response").glob("*.h5"))
    with h5py.File(path, "r+") as f:
        del f["branches/length_um"].attrs["units"]
    for workers in (1, 2):
        with pytest.raises(RunFileError, match="has no units attribute"):
            make_figures(root, "quick", workers=workers)

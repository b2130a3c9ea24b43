"""models.backend: warm start of a compile-once project from a sibling (no compiler)."""
from __future__ import annotations

import os

from models.backend import warm_start_project


def _project(path, files, mtime=1_000_000):
    for name, text in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
        os.utime(f, (mtime, mtime))


def test_warm_start_copies_code_and_objects_of_the_newest_sibling(tmp_path):
    old = tmp_path / "culture-aaaa"
    new_sib = tmp_path / "culture-bbbb"
    _project(old, {"main": "old", "objects.cpp": "old"}, mtime=1_000_000)
    _project(new_sib, {"main": "bin", "objects.cpp": "src", "objects.o": "obj",
                       "code_objects/x.cpp": "x", "code_objects/x.o": "xo",
                       "static_arrays/_array_ee_i": "data", "results/spikes": "r",
                       "results_12_1/spikes": "r"}, mtime=2_000_000)
    _project(tmp_path / "memory-cccc", {"main": "other family"}, mtime=3_000_000)
    target = tmp_path / "culture-dddd"
    target.mkdir()
    assert warm_start_project(target) == new_sib         # newest of its own family
    assert (target / "objects.o").read_text() == "obj"
    assert (target / "code_objects" / "x.o").read_text() == "xo"
    # modification times kept, so make rebuilds only what the new build rewrites
    assert (target / "code_objects" / "x.cpp").stat().st_mtime == 2_000_000
    # data and results of the sibling are not copied (Brian2 writes its own)
    assert not (target / "static_arrays").exists()
    assert not (target / "results").exists() and not (target / "results_12_1").exists()
    # a project that is already built is left alone
    assert warm_start_project(target) is None


def test_no_sibling_no_warm_start(tmp_path):
    target = tmp_path / "culture-eeee"
    target.mkdir()
    _project(tmp_path / "culture-ffff", {"objects.cpp": "never linked"})  # no main
    assert warm_start_project(target) is None
    assert list(target.iterdir()) == []
